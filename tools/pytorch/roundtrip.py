"""Both halves of the MiniNet <-> PyTorch round trip that tests/MiniNet.Models.Tests/PyTorchInteropTests.cs checks.

    python3 roundtrip.py DIR MODEL [MODEL ...]

For each MODEL (a name in mininet_models.MODELS), in folder DIR:
  1. MiniNet -> PyTorch: loads MODEL.mininet.safetensors (weights saved by MiniNet) strictly into the PyTorch model
     and, in evaluation mode, runs it on each tensor of MODEL.inputs.safetensors: "input" (images) through the whole
     model, "HEAD.input" (a feature map) through auxiliary head HEAD. Writes the results, "logits" and "HEAD.logits",
     to MODEL.torch-outputs.safetensors.
  2. PyTorch -> MiniNet: builds a seeded PyTorch model with non-trivial batch norms (random gamma and beta, running
     statistics moved by two training-mode forwards), saves its weights to MODEL.torch.safetensors and its
     evaluation-mode inputs and outputs, named as above, to MODEL.torch-io.safetensors.
Besides the logits, the output of every stage (child of the model) that the forward runs is written as "STAGE.output".
A step that fails writes its traceback to the output file's name plus ".error" instead, and the others go on, so
each test reports its own cause. Nothing is trained and nothing is compared here: the C# tests compare.
"""

import os
import sys
import traceback
from collections import OrderedDict

import torch

import mininet_models
import mininet_safetensors

IMAGES = (4, 1, 28, 28)  # one small batch
FEATURE_SIDE = 7  # every auxiliary head of the three models reads a 7x7 map


def outputs(model, inputs):
    """Evaluation-mode results for each input: "input" -> "logits" and "STAGE.output" for every child the forward runs
    (the feature maps: global average pooling alone would wash out a spatially transposed kernel); "HEAD.input" ->
    "HEAD.logits" (auxiliary head HEAD alone)."""
    model.eval()
    results = OrderedDict()
    with torch.no_grad():
        for name, x in inputs.items():
            head = name[:-len(".input")] if name.endswith(".input") else None
            if head:
                results[f"{head}.logits"] = getattr(model, head)(torch.from_numpy(x)).numpy()
                continue
            hooks = [child.register_forward_hook(lambda _m, _i, y, stage=stage: results.__setitem__(f"{stage}.output", y.numpy().copy()))
                     for stage, child in model.named_children()]
            try:
                results["logits"] = model(torch.from_numpy(x)).numpy()
            finally:
                for hook in hooks:
                    hook.remove()
    return results


def stir_batch_norms(model, generator):
    """Random gamma in [0.5, 1.5) and beta ~ N(0, 0.2), then two training-mode forwards that move every running
    statistic off 0 and 1, so a transposed kernel or a batch norm read wrongly changes the logits."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.normal_(0, 0.2, generator=generator)
        model.train()
        for _ in range(2):
            model(torch.randn(IMAGES, generator=generator) * 2 + 0.5)


def mininet_to_torch(folder, name):
    model = mininet_models.MODELS[name]()
    mininet_models.load_mininet(model, os.path.join(folder, f"{name}.mininet.safetensors"))
    inputs, _ = mininet_safetensors.read(os.path.join(folder, f"{name}.inputs.safetensors"))
    return outputs(model, inputs)


def torch_to_mininet(folder, name, seed):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # the layers' own initialization
    model = mininet_models.MODELS[name]()
    stir_batch_norms(model, generator)
    mininet_models.save_mininet(model, os.path.join(folder, f"{name}.torch.safetensors"), {"format": "pt"})
    inputs = OrderedDict(input=torch.randn(IMAGES, generator=generator).numpy())
    for head in model.aux_heads:
        channels = getattr(model, head).conv.conv.in_channels
        inputs[f"{head}.input"] = torch.randn((2, channels, FEATURE_SIDE, FEATURE_SIDE), generator=generator).numpy()
    return OrderedDict(**inputs, **outputs(model, inputs))


def run_step(path, step):
    try:
        mininet_safetensors.write(path, step())
    except Exception:  # reported to the test that reads this file, by the file next to it
        with open(path + ".error", "w") as f:
            f.write(traceback.format_exc())
        print(f"roundtrip: {os.path.basename(path)} failed:\n{traceback.format_exc()}", file=sys.stderr)


def main(argv):
    if len(argv) < 3 or any(name not in mininet_models.MODELS for name in argv[2:]):
        sys.exit(f"usage: roundtrip.py DIR MODEL [MODEL ...], MODEL one of {', '.join(mininet_models.MODELS)}; got {argv[1:]}")
    folder = argv[1]
    for seed, name in enumerate(argv[2:], start=100):
        run_step(os.path.join(folder, f"{name}.torch-outputs.safetensors"), lambda: mininet_to_torch(folder, name))
        run_step(os.path.join(folder, f"{name}.torch-io.safetensors"), lambda: torch_to_mininet(folder, name, seed))


if __name__ == "__main__":
    main(sys.argv)
