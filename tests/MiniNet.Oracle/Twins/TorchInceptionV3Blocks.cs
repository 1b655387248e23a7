using TorchSharp;

namespace MiniNet;

// TorchSharp twins of MiniNet's Inception-v3 blocks and its separable convolution, with MiniNet's child names
// (src/Layers/InceptionA.cs, GridReduction.cs, InceptionC.cs, SeparableConv2D.cs); fields named as the children (see
// "Note: twin field names" in TorchBlocks.cs). Every conv is a TorchBasicConv.
// Legend: N batch, C channels, H, W height and width.

/// <summary>
/// Inception-v3's figure-5 block, the twin of MiniNet's <c>InceptionA</c>: branch1 1x1 → c1; branch2 1x1 → r3, 3x3
/// pad 1 → c3; branch3 1x1 → rd, 3x3 pad 1 → cd, 3x3 pad 1 → cd; branch4 3x3 average pool stride 1 pad 1 (padding
/// counted) → 1x1 → pp. Output [N, c1 + c3 + cd + pp, H, W].
/// </summary>
public sealed class TorchInceptionA : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    readonly torch.nn.Module<torch.Tensor, torch.Tensor> branch1, branch2, branch3, branch4;

    /// <summary>Creates the block.</summary>
    public TorchInceptionA(long inChannels, long c1, long r3, long c3, long rd, long cd, long pp) : base("InceptionA")
    {
        branch1 = new TorchBasicConv(inChannels, c1, 1);
        branch2 = torch.nn.Sequential(new TorchBasicConv(inChannels, r3, 1), new TorchBasicConv(r3, c3, 3, padding: 1));
        branch3 = torch.nn.Sequential(new TorchBasicConv(inChannels, rd, 1), new TorchBasicConv(rd, cd, 3, padding: 1), new TorchBasicConv(cd, cd, 3, padding: 1));
        branch4 = torch.nn.Sequential(torch.nn.AvgPool2d(3, stride: 1, padding: 1, count_include_pad: true), new TorchBasicConv(inChannels, pp, 1));
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
/// Inception-v3's grid-size reduction, the twin of MiniNet's <c>GridReduction</c>: branch1 3x3 stride 2 pad 1 → c1;
/// branch2 1x1 → r, 3x3 pad 1 → c2, 3x3 stride 2 pad 1 → c2; branch3 3x3 max pool stride 2 pad 1 (a bare pooling,
/// not a Sequential). Output [N, c1 + c2 + in, ⌊(H - 1)/2⌋ + 1, ⌊(W - 1)/2⌋ + 1].
/// </summary>
public sealed class TorchGridReduction : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    readonly torch.nn.Module<torch.Tensor, torch.Tensor> branch1, branch2, branch3;

    /// <summary>Creates the block.</summary>
    public TorchGridReduction(long inChannels, long c1, long r, long c2) : base("GridReduction")
    {
        branch1 = new TorchBasicConv(inChannels, c1, 3, stride: 2, padding: 1);
        branch2 = torch.nn.Sequential(new TorchBasicConv(inChannels, r, 1), new TorchBasicConv(r, c2, 3, padding: 1),
            new TorchBasicConv(c2, c2, 3, stride: 2, padding: 1));
        branch3 = torch.nn.MaxPool2d(3, stride: 2, padding: 1);
        register_module("branch1", branch1);
        register_module("branch2", branch2);
        register_module("branch3", branch3);
    }

    /// <inheritdoc/>
    public override torch.Tensor forward(torch.Tensor input) =>
        torch.cat([branch1.call(input), branch2.call(input), branch3.call(input)], 1);
}

/// <summary>
/// Inception-v3's figure-6 block with n = 7, the twin of MiniNet's <c>InceptionC</c>: branch1 1x1 → out; branch2
/// 1x1 → c7, 1x7 → c7, 7x1 → out; branch3 1x1 → c7, 7x1 → c7, 1x7 → c7, 7x1 → c7, 1x7 → out; branch4 3x3 average
/// pool stride 1 pad 1 (padding counted) → 1x1 → out. A 1x7 pads (0, 3), a 7x1 (3, 0). Output [N, 4·out, H, W].
/// </summary>
public sealed class TorchInceptionC : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    readonly torch.nn.Module<torch.Tensor, torch.Tensor> branch1, branch2, branch3, branch4;

    /// <summary>Creates the block.</summary>
    public TorchInceptionC(long inChannels, long c7, long outChannels) : base("InceptionC")
    {
        branch1 = new TorchBasicConv(inChannels, outChannels, 1);
        branch2 = torch.nn.Sequential(new TorchBasicConv(inChannels, c7, 1), Row(c7, c7), Column(c7, outChannels));
        branch3 = torch.nn.Sequential(new TorchBasicConv(inChannels, c7, 1), Column(c7, c7), Row(c7, c7), Column(c7, c7), Row(c7, outChannels));
        branch4 = torch.nn.Sequential(torch.nn.AvgPool2d(3, stride: 1, padding: 1, count_include_pad: true), new TorchBasicConv(inChannels, outChannels, 1));
        register_module("branch1", branch1);
        register_module("branch2", branch2);
        register_module("branch3", branch3);
        register_module("branch4", branch4);
    }

    static TorchBasicConv Row(long inChannels, long outChannels) => new(inChannels, outChannels, (1, 7), (1, 1), (0, 3));

    static TorchBasicConv Column(long inChannels, long outChannels) => new(inChannels, outChannels, (7, 1), (1, 1), (3, 0));

    /// <inheritdoc/>
    public override torch.Tensor forward(torch.Tensor input) =>
        torch.cat([branch1.call(input), branch2.call(input), branch3.call(input), branch4.call(input)], 1);
}

/// <summary>
/// Depthwise separable convolution with batch norm and ReLU after both stages (MobileNet's figure 3), the twin of
/// MiniNet's <c>SeparableConv2D(..., batchNormReluBetween: true, batchNormReluAfter: true)</c>: "depthwise" a
/// BasicConv k x k with groups = C, then "pointwise" a BasicConv 1x1 to O.
/// </summary>
public sealed class TorchSeparableConv : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    readonly TorchBasicConv depthwise, pointwise;

    /// <summary>Creates the block; stride and padding are the depthwise conv's.</summary>
    public TorchSeparableConv(long inChannels, long outChannels, long kernel = 3, long stride = 1, long padding = 1) : base("SeparableConv2D")
    {
        depthwise = new TorchBasicConv(inChannels, inChannels, kernel, stride, padding, groups: inChannels);
        pointwise = new TorchBasicConv(inChannels, outChannels, 1);
        register_module("depthwise", depthwise);
        register_module("pointwise", pointwise);
    }

    /// <inheritdoc/>
    public override torch.Tensor forward(torch.Tensor input) => pointwise.call(depthwise.call(input));
}
