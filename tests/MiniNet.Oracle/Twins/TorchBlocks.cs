using TorchSharp;
using TorchSharp.Modules;

namespace MiniNet;

// TorchSharp twins of MiniNet's building blocks. Each registers its children by hand, under MiniNet's names and in
// MiniNet's order, so that state dicts copy across by name (TwinComparison.CopyState). Forwards call children through
// call(), never forward(), so that forward hooks see every child (LayerTrace).
// Legend: N batch, C channels, H, W height and width.
//
// Note: twin field names. A child's field is named exactly as the child is registered ("conv", not "_conv"):
// TorchSharp registers every module-typed field once more under its field name when the module becomes a child
// (RegisterComponents, skipped for names already taken), so a field "_conv" would put each tensor in the state dict
// twice, as "conv.weight" and "_conv.weight".

/// <summary>
/// Conv (no bias), batch norm (eps 0.001), ReLU: the twin of MiniNet's <c>BasicConv</c> and torchvision's
/// <c>BasicConv2d</c>. Children "conv" and "bn"; the ReLU is functional, as in both.
/// </summary>
public sealed class TorchBasicConv : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    readonly Conv2d conv;
    readonly BatchNorm2d bn;

    /// <summary>A square kernel, stride and padding.</summary>
    public TorchBasicConv(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0, long groups = 1)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding), groups) { }

    /// <summary>Kernel, stride and padding as (H, W).</summary>
    public TorchBasicConv(long inChannels, long outChannels, (long H, long W) kernel, (long H, long W) stride, (long H, long W) padding, long groups = 1)
        : base("BasicConv")
    {
        conv = torch.nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, groups: groups, bias: false);
        bn = torch.nn.BatchNorm2d(outChannels, eps: 1e-3);
        register_module("conv", conv);
        register_module("bn", bn);
    }

    /// <inheritdoc/>
    public override torch.Tensor forward(torch.Tensor input) => torch.nn.functional.relu(bn.call(conv.call(input)));
}

/// <summary>
/// GoogLeNet's Inception (v1) block, the twin of MiniNet's <c>InceptionV1</c>; branches concatenated on C:
/// branch1 1x1 → c1; branch2 1x1 → r3, 3x3 pad 1 → c3; branch3 1x1 → r5, 5x5 pad 2 → c5 (a real 5x5, unlike
/// torchvision's 3x3); branch4 3x3 max-pool stride 1 pad 1 → 1x1 → poolProj. Children named as torchvision's.
/// </summary>
public sealed class TorchInceptionV1 : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    readonly torch.nn.Module<torch.Tensor, torch.Tensor> branch1, branch2, branch3, branch4;

    /// <summary>Output channels c1 + c3 + c5 + poolProj.</summary>
    public TorchInceptionV1(long inChannels, long c1, long r3, long c3, long r5, long c5, long poolProj) : base("InceptionV1")
    {
        branch1 = new TorchBasicConv(inChannels, c1, 1);
        branch2 = torch.nn.Sequential(new TorchBasicConv(inChannels, r3, 1), new TorchBasicConv(r3, c3, 3, padding: 1));
        branch3 = torch.nn.Sequential(new TorchBasicConv(inChannels, r5, 1), new TorchBasicConv(r5, c5, 5, padding: 2));
        branch4 = torch.nn.Sequential(torch.nn.MaxPool2d(3, stride: 1, padding: 1), new TorchBasicConv(inChannels, poolProj, 1));
        register_module("branch1", branch1);
        register_module("branch2", branch2);
        register_module("branch3", branch3);
        register_module("branch4", branch4);
    }

    /// <inheritdoc/>
    public override torch.Tensor forward(torch.Tensor input) =>
        torch.cat([branch1.call(input), branch2.call(input), branch3.call(input), branch4.call(input)], 1);
}

/// <summary>
/// The auxiliary classifier on an intermediate feature map, the twin of MiniNet's <c>AuxiliaryHead</c>: adaptive
/// average pool to 4x4, conv (BasicConv 1x1 → 32), flatten, fc1 (512 → 256), ReLU, dropout (0.7), fc2 (256 → classes).
/// Children "conv", "fc1", "dropout", "fc2" (the pool is functional).
/// </summary>
public sealed class TorchAuxiliaryHead : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    readonly TorchBasicConv conv;
    readonly Linear fc1, fc2;
    readonly Dropout dropout;

    /// <summary>Creates the head on a map of <paramref name="inChannels"/> channels.</summary>
    public TorchAuxiliaryHead(long inChannels, long classes) : base("AuxiliaryHead")
    {
        conv = new TorchBasicConv(inChannels, 32, 1);
        fc1 = torch.nn.Linear(32 * 4 * 4, 256);
        dropout = torch.nn.Dropout(0.7);
        fc2 = torch.nn.Linear(256, classes);
        register_module("conv", conv);
        register_module("fc1", fc1);
        register_module("dropout", dropout);
        register_module("fc2", fc2);
    }

    /// <inheritdoc/>
    public override torch.Tensor forward(torch.Tensor input)
    {
        var x = conv.call(torch.nn.functional.adaptive_avg_pool2d(input, (4, 4))).flatten(1);
        return fc2.call(dropout.call(torch.nn.functional.relu(fc1.call(x))));
    }
}

/// <summary>
/// The mean of each channel over H and W, flattened: [N, C, H, W] to [N, C]. The twin of MiniNet's
/// <c>GlobalAvgPool</c> (torchvision writes <c>nn.AdaptiveAvgPool2d(1)</c> then <c>torch.flatten(x, 1)</c>).
/// </summary>
public sealed class TorchGlobalAvgPool() : torch.nn.Module<torch.Tensor, torch.Tensor>("GlobalAvgPool")
{
    /// <inheritdoc/>
    public override torch.Tensor forward(torch.Tensor input) => torch.nn.functional.adaptive_avg_pool2d(input, 1).flatten(1);
}
