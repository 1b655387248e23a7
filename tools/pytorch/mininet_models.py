"""MiniNet's three models (src/Models) as torch.nn.Modules whose state_dict keys, shapes and order are MiniNet's.

Each block mirrors its MiniNet layer (src/Layers) child for child, so a weights file or checkpoint saved by MiniNet
loads with `load_state_dict(strict=True)` and gives the same evaluation-mode logits, and `save_mininet` writes a file
MiniNet's `Module.LoadSafeTensors` takes back. Every BatchNorm2d is BasicConv's: eps 1e-3, momentum 0.1. Max pooling
pads with -inf (padding is never the maximum) and average pooling counts the zero padding, as in MiniNet. In training
mode a model with auxiliary heads returns (logits, [aux logits in forward order]), as torchvision's GoogLeNet and
Inception3 do; in evaluation mode, the logits alone.
"""

from collections import OrderedDict

import torch
from torch import nn
import torch.nn.functional as F

import mininet_safetensors


class BasicConv(nn.Module):
    """Conv2d without bias ("conv"), BatchNorm2d eps 1e-3 ("bn"), ReLU. MiniNet: BasicConv."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=1e-3, momentum=0.1)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Branches(nn.Module):
    """Branches "branch1", "branch2", ... on the same input, concatenated on channels. MiniNet: InceptionBlock."""

    def __init__(self, *branches):
        super().__init__()
        for i, branch in enumerate(branches):
            self.add_module(f"branch{i + 1}", branch)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.children()], 1)


def inception_v1(in_channels, c1, r3, c3, r5, c5, pool_proj):
    """GoogLeNet's module with the paper's 5x5 in branch3. MiniNet: InceptionV1."""
    return Branches(
        BasicConv(in_channels, c1, 1),
        nn.Sequential(BasicConv(in_channels, r3, 1), BasicConv(r3, c3, 3, padding=1)),
        nn.Sequential(BasicConv(in_channels, r5, 1), BasicConv(r5, c5, 5, padding=2)),
        nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), BasicConv(in_channels, pool_proj, 1)))


def inception_a(in_channels, c1, r3, c3, rd, cd, pp):
    """Inception-v3's figure 5 block (the 5x5 as two 3x3s). MiniNet: InceptionA."""
    return Branches(
        BasicConv(in_channels, c1, 1),
        nn.Sequential(BasicConv(in_channels, r3, 1), BasicConv(r3, c3, 3, padding=1)),
        nn.Sequential(BasicConv(in_channels, rd, 1), BasicConv(rd, cd, 3, padding=1), BasicConv(cd, cd, 3, padding=1)),
        nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=True), BasicConv(in_channels, pp, 1)))


def inception_c(in_channels, c7, out_channels):
    """Inception-v3's figure 6 block with n = 7: 1x7 pads (0, 3), 7x1 pads (3, 0). MiniNet: InceptionC."""
    def row(i, o):
        return BasicConv(i, o, (1, 7), padding=(0, 3))

    def column(i, o):
        return BasicConv(i, o, (7, 1), padding=(3, 0))

    return Branches(
        BasicConv(in_channels, out_channels, 1),
        nn.Sequential(BasicConv(in_channels, c7, 1), row(c7, c7), column(c7, out_channels)),
        nn.Sequential(BasicConv(in_channels, c7, 1), column(c7, c7), row(c7, c7), column(c7, c7), row(c7, out_channels)),
        nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=True), BasicConv(in_channels, out_channels, 1)))


def grid_reduction(in_channels, c1, r, c2):
    """Inception-v3's grid-size reduction, padded: every branch halves H and W. MiniNet: GridReduction."""
    return Branches(
        BasicConv(in_channels, c1, 3, stride=2, padding=1),
        nn.Sequential(BasicConv(in_channels, r, 1), BasicConv(r, c2, 3, padding=1), BasicConv(c2, c2, 3, stride=2, padding=1)),
        nn.MaxPool2d(3, stride=2, padding=1))


class SeparableConv(nn.Module):
    """Depthwise 3x3 + BN + ReLU ("depthwise"), pointwise 1x1 + BN + ReLU ("pointwise"). MiniNet: SeparableConv2D
    with batchNormReluBetween and batchNormReluAfter, as MiniMobileNet builds it."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.depthwise = BasicConv(in_channels, in_channels, 3, stride=stride, padding=1, groups=in_channels)
        self.pointwise = BasicConv(in_channels, out_channels, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class AuxiliaryHead(nn.Module):
    """Adaptive average pooling to 4x4, 1x1 BasicConv to 32 ("conv"), flatten, Linear 512 -> 256 ("fc1"), ReLU,
    Dropout 0.7 ("dropout"), Linear 256 -> classes ("fc2"). MiniNet: AuxiliaryHead."""

    def __init__(self, in_channels, classes):
        super().__init__()
        self.conv = BasicConv(in_channels, 32, 1)
        self.fc1 = nn.Linear(32 * 4 * 4, 256)
        self.dropout = nn.Dropout(0.7)
        self.fc2 = nn.Linear(256, classes)

    def forward(self, x):
        x = torch.flatten(self.conv(F.adaptive_avg_pool2d(x, 4)), 1)
        return self.fc2(self.dropout(F.relu(self.fc1(x))))


class Classifier(nn.Module):
    """Stages run in order; each auxiliary head reads the output of one stage, in training mode only. Children are
    registered in MiniNet's order (heads where MiniNet registers them), so state_dict() lists MiniNet's keys in
    MiniNet's order. MiniNet: Classifier."""

    def __init__(self, children, reads):
        super().__init__()
        for name, module in children:
            self.add_module(name, module)
        self._reads = reads  # head name -> name of the stage whose output it reads
        self.aux_heads = list(reads)
        self._stages = [name for name, _ in children if name not in reads]

    def forward(self, x):
        aux = []
        for name in self._stages:
            x = getattr(self, name)(x)
            if self.training:
                aux += [getattr(self, head)(x) for head, stage in self._reads.items() if stage == name]
        return (x, aux) if self.training and self._reads else x


class GlobalAvgPool(nn.Module):
    """[N, C, H, W] -> [N, C], the mean over H and W. MiniNet: GlobalAvgPool."""

    def forward(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


def MiniGoogLeNet(classes=10, aux_logits=True):
    """MiniNet's MiniGoogLeNet (src/Models/MiniGoogLeNet.cs): 647,958 parameters for 10 classes."""
    pool = lambda: nn.MaxPool2d(3, stride=2, padding=1)
    children = [
        ("conv1", BasicConv(1, 48, 3, padding=1)), ("maxpool1", pool()),
        ("inception3a", inception_v1(48, 16, 24, 32, 4, 8, 8)), ("inception3b", inception_v1(64, 32, 32, 48, 8, 24, 16)),
        ("maxpool3", pool()),
        ("inception4a", inception_v1(120, 48, 24, 52, 4, 12, 16)), ("inception4b", inception_v1(128, 40, 28, 56, 6, 16, 16)),
        ("inception4c", inception_v1(128, 32, 32, 64, 6, 16, 16)), ("inception4d", inception_v1(128, 28, 36, 72, 8, 16, 16)),
        ("inception4e", inception_v1(132, 64, 40, 80, 8, 32, 32)), ("maxpool4", pool()),
        ("inception5a", inception_v1(208, 64, 40, 80, 8, 32, 32)), ("inception5b", inception_v1(208, 96, 48, 96, 12, 32, 32)),
    ]
    reads = {}
    if aux_logits:
        children += [("aux1", AuxiliaryHead(128, classes)), ("aux2", AuxiliaryHead(132, classes))]
        reads = {"aux1": "inception4a", "aux2": "inception4d"}
    children += [("avgpool", GlobalAvgPool()), ("dropout", nn.Dropout(0.4)), ("fc", nn.Linear(256, classes))]
    return Classifier(children, reads)


def MiniInceptionV3(classes=10, aux_logits=True):
    """MiniNet's MiniInceptionV3 (src/Models/MiniInceptionV3.cs): 477,892 parameters for 10 classes."""
    children = [
        ("conv1", BasicConv(1, 32, 3, padding=1)), ("maxpool1", nn.MaxPool2d(3, stride=2, padding=1)),
        ("conv2", BasicConv(32, 48, 3, padding=1)),
        ("mixed1", inception_a(48, 16, 16, 24, 16, 24, 16)), ("mixed2", inception_a(80, 24, 24, 32, 16, 24, 16)),
        ("reduction", grid_reduction(96, 64, 32, 48)), ("mixed3", inception_c(208, 32, 48)),
    ]
    reads = {}
    if aux_logits:
        children.append(("aux", AuxiliaryHead(192, classes)))
        reads = {"aux": "mixed3"}
    children += [("mixed4", inception_c(192, 40, 48)), ("avgpool", GlobalAvgPool()), ("dropout", nn.Dropout(0.5)),
                 ("fc", nn.Linear(192, classes))]
    return Classifier(children, reads)


def MiniMobileNet(classes=10):
    """MiniNet's MiniMobileNet (src/Models/MiniMobileNet.cs), separable: 136,202 parameters for 10 classes."""
    blocks = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1)]
    children = [("conv1", BasicConv(1, 32, 3, padding=1))]
    children += [(f"block{i + 1}", SeparableConv(i_c, o_c, s)) for i, (i_c, o_c, s) in enumerate(blocks)]
    children += [("avgpool", GlobalAvgPool()), ("dropout", nn.Dropout(0.2)), ("fc", nn.Linear(256, classes))]
    return Classifier(children, {})


MODELS = {"MiniGoogLeNet": MiniGoogLeNet, "MiniInceptionV3": MiniInceptionV3, "MiniMobileNet": MiniMobileNet}


def load_mininet(model, path):
    """Loads a MiniNet weights file or training checkpoint (its "model." section) into `model`, strictly: every key
    must match by name and shape. Returns the file's metadata."""
    tensors, metadata = mininet_safetensors.read(path)
    state = mininet_safetensors.model_state(tensors, metadata)
    model.load_state_dict(OrderedDict((name, torch.from_numpy(array)) for name, array in state.items()), strict=True)
    return metadata


def save_mininet(model, path, metadata=None):
    """Writes `model.state_dict()` (float32/float64 tensors, int64 counters) as a safetensors file MiniNet loads."""
    state = OrderedDict((name, t.detach().cpu().contiguous().numpy()) for name, t in model.state_dict().items())
    mininet_safetensors.write(path, state, metadata)
