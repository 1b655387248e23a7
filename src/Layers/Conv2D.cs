using MiniNet.Kernels;

namespace MiniNet.Layers;

/// <summary>
/// 2-D convolution layer over NCHW input: weight [O, C/groups, kH, kW] and optional bias [O], applied with
/// <see cref="Tensor.Conv2d"/>. Both start uniform on [-1/√fan_in, 1/√fan_in) with fan_in = C/groups·kH·kW
/// (<see cref="Init.FanInUniform"/>), as PyTorch's. Output [N, O, OH, OW], sizes from <see cref="Conv2dGeometry"/>.
/// PyTorch: <c>nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode)</c>.
/// </summary>
public sealed class Conv2D : Module
{
    /// <summary>Creates the layer and draws its initial weights from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Input channels C.</param>
    /// <param name="outChannels">Output channels O.</param>
    /// <param name="kernel">Kernel size (kH, kW).</param>
    /// <param name="stride">Stride; default 1.</param>
    /// <param name="padding">Padding per side, or <see cref="Padding2d.Same"/>; default none.</param>
    /// <param name="dilation">Spacing of the kernel taps; default 1.</param>
    /// <param name="groups">Channel groups: each output channel sees C/groups input channels.</param>
    /// <param name="bias">Whether to learn a bias [O].</param>
    /// <param name="paddingMode">How the padding is filled; default zeros.</param>
    /// <param name="generator">Random stream of the initial values; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentException">Channels or kernel below 1, channels not divisible by groups, negative
    /// padding, or "same" padding with a stride.</exception>
    public Conv2D(int inChannels, int outChannels, Pair kernel, Pair? stride = null, Padding2d? padding = null, Pair? dilation = null,
        int groups = 1, bool bias = true, PaddingMode paddingMode = PaddingMode.Zeros, Generator? generator = null)
    {
        if (inChannels < 1 || outChannels < 1 || groups < 1 || kernel.H < 1 || kernel.W < 1)
            throw new ArgumentException($"Conv2D: channels, groups and kernel must be at least 1, got in {inChannels}, out {outChannels}, groups {groups}, kernel {kernel}");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2D: in_channels {inChannels} and out_channels {outChannels} must both be divisible by groups {groups}");
        (InChannels, OutChannels, Kernel, Groups, PaddingMode) = (inChannels, outChannels, kernel, groups, paddingMode);
        (Stride, Padding, Dilation) = (stride ?? 1, padding ?? Padding2d.Valid, dilation ?? 1);
        _ = Padding.Resolve("Conv2D", Kernel, Dilation, Stride); // refuses negative amounts and "same" with a stride now, not at the first forward

        int fanIn = inChannels / groups * kernel.H * kernel.W;
        Weight = RegisterParameter("weight", Init.FanInUniform([outChannels, inChannels / groups, kernel.H, kernel.W], fanIn, generator));
        Bias = bias ? RegisterParameter("bias", Init.FanInUniform([outChannels], fanIn, generator)) : null;
    }

    /// <summary>Input channels C.</summary>
    public int InChannels { get; }

    /// <summary>Output channels O.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel size (kH, kW).</summary>
    public Pair Kernel { get; }

    /// <summary>Stride.</summary>
    public Pair Stride { get; }

    /// <summary>Padding, as given (<see cref="Padding2d.Same"/> stays "same").</summary>
    public Padding2d Padding { get; }

    /// <summary>Spacing of the kernel taps.</summary>
    public Pair Dilation { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>How the padding is filled.</summary>
    public PaddingMode PaddingMode { get; }

    /// <summary>Weight [O, C/groups, kH, kW]; state-dict name "weight".</summary>
    public Parameter Weight { get; }

    /// <summary>Bias [O], or null when created without; state-dict name "bias".</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => Tensor.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups, PaddingMode);

    /// <summary>[N, O, OH, OW].</summary>
    /// <exception cref="ArgumentException">Not [N, C, H, W] with this layer's C, or too small for the dilated kernel.</exception>
    public override int[] OutputShape(int[] inputShape)
    {
        var g = Geometry(inputShape);
        return [g.N, g.O, g.OutH, g.OutW];
    }

    /// <summary>N·O·OH·OW·(C/groups)·kH·kW: one multiply-add per weight tap per output value.</summary>
    public override long Macs(int[] inputShape)
    {
        var g = Geometry(inputShape);
        return (long)g.N * g.O * g.OutH * g.OutW * g.K;
    }

    Conv2dGeometry Geometry(int[] inputShape) => Conv2dGeometry.Create("Conv2D", inputShape, Weight.Shape, Stride, Padding, Dilation, Groups);

    /// <inheritdoc/>
    protected override string ExtraRepr =>
        $"{InChannels}, {OutChannels}, kernel={Kernel}, stride={Stride}"
        + (Padding == Padding2d.Valid ? "" : $", padding={Padding}")
        + (Dilation == new Pair(1, 1) ? "" : $", dilation={Dilation}")
        + (Groups == 1 ? "" : $", groups={Groups}")
        + (Bias is null ? ", bias=False" : "")
        + (PaddingMode == PaddingMode.Zeros ? "" : $", padding_mode={PaddingMode}");
}
