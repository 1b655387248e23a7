"""Evaluates a MiniNet weights file or training checkpoint in PyTorch on the Fashion-MNIST test set.

    python3 evaluate.py FILE [--model NAME] [--data DIR] [--batch-size B] [--logits-out PATH]

FILE is a safetensors file written by MiniNet: weights (Module.SaveSafeTensors) or a checkpoint (the Trainer's, whose
"model." section is taken). NAME defaults to the checkpoint's "model" metadata. DIR holds t10k-images-idx3-ubyte(.gz)
and t10k-labels-idx1-ubyte(.gz) (Debian: apt-get install dataset-fashion-mnist). Pixels are normalized as MiniNet's
DataLoader does: (p/255 - 0.2860)/0.3530 in double, rounded once to float32. Prints the accuracy; --logits-out also
writes every image's logits ("logits", float32 [N, classes]) and the labels ("labels", int64 [N]) as safetensors.
"""

import argparse
import gzip
import os
import struct
import sys

import numpy as np
import torch

import mininet_models
import mininet_safetensors

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530  # src/Training/Data/FashionMnist.cs


def read_idx(folder, name):
    """The unsigned-byte IDX array in folder/name.gz, or folder/name when no .gz is there."""
    path = os.path.join(folder, name + ".gz")
    opener = gzip.open
    if not os.path.exists(path):
        path, opener = os.path.join(folder, name), open
    if not os.path.exists(path):
        sys.exit(f"evaluate: neither {path}.gz nor {path} exists; install Debian's dataset-fashion-mnist or pass --data")
    with opener(path, "rb") as f:
        data = f.read()
    zero, kind, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f"evaluate: {path} is not an unsigned-byte IDX file (magic {data[:4].hex()})")
    dims = struct.unpack(f">{rank}I", data[4:4 + 4 * rank])
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if values.size != int(np.prod(dims)):
        sys.exit(f"evaluate: {path} holds {values.size} bytes of data for dims {list(dims)}")
    return values.reshape(dims)


def test_set(folder):
    """Normalized float32 images [N, 1, 28, 28] and int64 labels [N]."""
    images = read_idx(folder, "t10k-images-idx3-ubyte")
    labels = read_idx(folder, "t10k-labels-idx1-ubyte").astype(np.int64)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != (images.shape[0],):
        sys.exit(f"evaluate: images must be [N,28,28] and labels [N], got {list(images.shape)} and {list(labels.shape)}")
    table = ((np.arange(256, dtype=np.float64) / 255.0 - MEAN) / STD).astype(np.float32)
    return table[images][:, None, :, :], labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="MiniNet weights file or checkpoint (.safetensors)")
    parser.add_argument("--model", choices=sorted(mininet_models.MODELS), help="default: the checkpoint's 'model' metadata")
    parser.add_argument("--data", default=DEFAULT_DATA, help=f"folder of the IDX files (default {DEFAULT_DATA})")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--logits-out", help="also write the logits and labels to this safetensors file")
    args = parser.parse_args()

    _, metadata = mininet_safetensors.read(args.file)
    name = args.model or metadata.get("model")
    if name not in mininet_models.MODELS:
        sys.exit(f"evaluate: {args.file} names no model ({name!r} in its metadata): pass --model, one of {', '.join(sorted(mininet_models.MODELS))}")
    model = mininet_models.MODELS[name]()
    mininet_models.load_mininet(model, args.file)
    model.eval()

    images, labels = test_set(args.data)
    with torch.no_grad():
        logits = np.concatenate([model(torch.from_numpy(images[i:i + args.batch_size])).numpy()
                                 for i in range(0, len(images), args.batch_size)])
    correct = int((logits.argmax(1) == labels).sum())
    print(f"{name} from {args.file}: test accuracy {correct / len(labels):.4f} ({correct}/{len(labels)})")
    if args.logits_out:
        mininet_safetensors.write(args.logits_out, {"logits": logits, "labels": labels})


if __name__ == "__main__":
    main()
