#!/usr/bin/env bash
# Makes sure the python3 that the PyTorch interop tests run ($MININET_PYTHON, else Debian's /usr/bin/python3) can
# import torch, onnx and numpy, installing Debian's packages when it cannot. Used by .ci/run and, on first need, by
# the tests themselves (tests/MiniNet.Models.Tests/Python.cs), so `dotnet test -c Release` on a fresh machine works.
set -u
python="${MININET_PYTHON:-/usr/bin/python3}"
"$python" -c 'import torch, onnx, numpy' 2>/dev/null && exit 0
packages=(python3-torch python3-onnx python3-numpy)
as_root=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then as_root=(sudo -n); fi
echo "mininet: $python lacks torch, onnx or numpy; installing ${packages[*]}"
apt_install() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"; }
apt_install || { "${as_root[@]}" apt-get update -q && apt_install; } || {
  echo "mininet: could not install ${packages[*]}" >&2
  exit 1
}
"$python" -c 'import torch, onnx, numpy'
