"""Runs the ONNX checker with full_check (type and shape inference too) on each file named:

    python3 check_onnx.py MODEL.onnx [MODEL.onnx ...]

Prints one line per file, "ok FILE" or "error FILE: MESSAGE"; exits 1 when any file fails.
"""

import sys

import onnx


def main(paths):
    failed = False
    for path in paths:
        try:
            onnx.checker.check_model(onnx.load(path), full_check=True)
            print(f"ok {path}")
        except Exception as e:  # the checker's ValidationError, or a file onnx cannot parse
            failed = True
            print(f"error {path}: {type(e).__name__}: {' '.join(str(e).split())}")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
