"""MiniNet's safetensors files with numpy alone (the `safetensors` package is not needed).

Layout (the format of https://github.com/huggingface/safetensors, as src/Layers/SafeTensors.cs writes it):
    [u64 little-endian N][N bytes of UTF-8 JSON header][data buffer]
The header maps each tensor name to {"dtype": "F32"|"F64"|"I64", "shape": [...], "data_offsets": [begin, end]},
byte offsets into the data buffer that starts right after the header, plus an optional "__metadata__" object of
strings. Elements are row-major and little-endian.

A MiniNet training checkpoint (src/Training/Checkpoint.cs) is such a file whose metadata "format" is
"mininet-checkpoint/1" and whose tensors carry section prefixes: "model." (the state dict), "optimizer.",
"schedule.", "rng.", "trainer."; `model_state` takes the model's section and leaves the rest.
"""

import json
import os
import struct
import tempfile
from collections import OrderedDict

import numpy as np

CHECKPOINT_FORMAT = "mininet-checkpoint/1"
METADATA_KEY = "__metadata__"

# Only the dtypes MiniNet writes; anything else is refused by name.
DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8")}
CODES = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int64"): "I64"}


def read(path):
    """Returns (OrderedDict name -> numpy array in header order, metadata dict) of the safetensors file at path."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"safetensors: {path}: {len(data)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"safetensors: {path}: header length {n} is larger than the {len(data) - 8} bytes after it")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop(METADATA_KEY, None) or {}
    buffer = memoryview(data)[8 + n:]
    tensors = OrderedDict()
    for name, entry in header.items():
        code, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
        if code not in DTYPES:
            raise ValueError(f"safetensors: {path}: tensor {name!r} has dtype {code}; MiniNet writes only {', '.join(DTYPES)}")
        dtype = DTYPES[code]
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= len(buffer) or end - begin != count * dtype.itemsize:
            raise ValueError(f"safetensors: {path}: tensor {name!r} {shape} {code} has data_offsets [{begin}, {end}], "
                             f"which do not hold {count} elements inside the {len(buffer)}-byte data buffer")
        tensors[name] = np.frombuffer(buffer[begin:end], dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    return tensors, metadata


def write(path, tensors, metadata=None):
    """Writes the arrays of `tensors` (name -> numpy array, in its order) to path, atomically (temp file, rename)."""
    entries, chunks, offset = OrderedDict(), [], 0
    if metadata:
        entries[METADATA_KEY] = {str(k): str(v) for k, v in metadata.items()}
    for name, array in tensors.items():
        array = np.asarray(array)  # tobytes() writes C order; ascontiguousarray would make a scalar [1]
        if array.dtype not in CODES:
            raise ValueError(f"safetensors: tensor {name!r} has dtype {array.dtype}; MiniNet reads only float32, float64, int64")
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        entries[name] = {"dtype": CODES[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header = json.dumps(entries, separators=(",", ":")).encode("utf-8")
    header += b" " * (-len(header) % 8)  # N a multiple of 8 keeps the data 8-byte aligned, as safetensors does
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(header)))
            f.write(header)
            for raw in chunks:
                f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def model_state(tensors, metadata):
    """The model's state dict: a checkpoint's "model." section without the prefix, or a weights file's tensors whole."""
    if metadata.get("format") != CHECKPOINT_FORMAT:
        return tensors
    return OrderedDict((name[len("model."):], t) for name, t in tensors.items() if name.startswith("model."))
