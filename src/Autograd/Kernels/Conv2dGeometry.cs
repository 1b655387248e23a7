namespace MiniNet.Kernels;

// Legend: N batch, C input channels, H×W input height and width, O output channels, kH×kW kernel height and width,
// OH×OW output height and width. Layouts: input [N,C,H,W], weight [O,C/groups,kH,kW], bias [O], output [N,O,OH,OW].
// Groups: output channel o sees only the C/groups input channels of its group, g = o / (O/groups).

/// <summary>
/// The sizes of one 2-D convolution, validated: the only home of the output-size formula
/// OH = ⌊(H + padTop + padBottom - dilationH·(kH-1) - 1) / strideH⌋ + 1 (and OW alike). Kernels take this record
/// instead of a dozen ints. Padding here is always explicit zero padding. PyTorch: the shape formula of <c>nn.Conv2d</c>.
/// </summary>
/// <param name="N">Batch size.</param>
/// <param name="C">Input channels.</param>
/// <param name="H">Input height.</param>
/// <param name="W">Input width.</param>
/// <param name="O">Output channels.</param>
/// <param name="KH">Kernel height.</param>
/// <param name="KW">Kernel width.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadTop">Zero rows above.</param>
/// <param name="PadBottom">Zero rows below.</param>
/// <param name="PadLeft">Zero columns left.</param>
/// <param name="PadRight">Zero columns right.</param>
/// <param name="DilationH">Vertical spacing of the kernel taps.</param>
/// <param name="DilationW">Horizontal spacing of the kernel taps.</param>
/// <param name="Groups">Channel groups; C and O are both divisible by it.</param>
public readonly record struct Conv2dGeometry(int N, int C, int H, int W, int O, int KH, int KW,
    int StrideH, int StrideW, int PadTop, int PadBottom, int PadLeft, int PadRight, int DilationH, int DilationW, int Groups)
{
    /// <summary>The sizes, without the derived output size (which throws for a geometry built by hand that does not fit).</summary>
    public override string ToString() =>
        $"conv2d geometry: input [{N},{C},{H},{W}], weight [{O},{C}/{Groups},{KH},{KW}], stride ({StrideH},{StrideW}), " +
        $"padding (top {PadTop}, bottom {PadBottom}, left {PadLeft}, right {PadRight}), dilation ({DilationH},{DilationW})";

    /// <summary>Output height OH.</summary>
    /// <exception cref="ArgumentException">The padded input is shorter than the dilated kernel.</exception>
    public int OutH => OutHeight("conv2d");

    /// <summary>Output width OW.</summary>
    /// <exception cref="ArgumentException">The padded input is narrower than the dilated kernel.</exception>
    public int OutW => OutWidth("conv2d");

    /// <summary>Input channels per group, C/groups.</summary>
    public int CPerGroup => C / Groups;

    /// <summary>Output channels per group, O/groups.</summary>
    public int OPerGroup => O / Groups;

    /// <summary>Length of one output value's dot product, (C/groups)·kH·kW: the inner size of a GEMM formulation.</summary>
    public int K => CPerGroup * KH * KW;

    int OutHeight(string op) => OutSize(op, "height", H, (long)PadTop + PadBottom, KH, DilationH, StrideH);
    int OutWidth(string op) => OutSize(op, "width", W, (long)PadLeft + PadRight, KW, DilationW, StrideW);

    // C#'s '/' truncates toward zero: check the numerator first, or a too-small input yields 1 instead of an error.
    static int OutSize(string op, string axis, int size, long pad, int kernel, int dilation, int stride)
    {
        long span = size + pad - (long)dilation * (kernel - 1) - 1;
        if (span < 0)
            throw new ArgumentException($"{op}: input {axis} {size} (+ padding {pad}) too small for the dilated kernel {(long)dilation * (kernel - 1) + 1}");
        return (int)(span / stride + 1);
    }

    /// <summary>
    /// Validates a convolution's arguments and returns its geometry, with "same" padding resolved to explicit
    /// amounts (<see cref="Padding2d.Resolve"/>). Everything is checked here, before any loop runs.
    /// </summary>
    /// <param name="op">Names the op in error messages, e.g. "conv2d".</param>
    /// <param name="inputShape">[N, C, H, W].</param>
    /// <param name="weightShape">[O, C/groups, kH, kW].</param>
    /// <param name="stride">Stride per axis, each at least 1.</param>
    /// <param name="padding">Zero padding per side, or "same"/"valid".</param>
    /// <param name="dilation">Kernel tap spacing per axis, each at least 1.</param>
    /// <param name="groups">Channel groups, at least 1, dividing both C and O.</param>
    /// <exception cref="ArgumentException">Wrong ranks, channel counts that do not match the weight or the groups, a
    /// stride/dilation/groups below 1, negative padding, "same" with a stride, or an input too small for the dilated
    /// kernel; the message names the op, the expected layout and the shapes received.</exception>
    public static Conv2dGeometry Create(string op, int[] inputShape, int[] weightShape, Pair stride, Padding2d padding, Pair dilation, int groups)
    {
        string input = Shapes.Format(inputShape), weight = Shapes.Format(weightShape);
        if (inputShape.Length != 4) throw new ArgumentException($"{op}: input must be [N,C,H,W] (rank 4), got {input}");
        if (weightShape.Length != 4) throw new ArgumentException($"{op}: weight must be [O,C/groups,kH,kW] (rank 4), got {weight}");
        if (groups < 1) throw new ArgumentException($"{op}: groups must be at least 1, got {groups}");
        if (stride.H < 1 || stride.W < 1) throw new ArgumentException($"{op}: stride must be at least 1, got {stride}");
        if (dilation.H < 1 || dilation.W < 1) throw new ArgumentException($"{op}: dilation must be at least 1, got {dilation}");
        if (weightShape[2] < 1 || weightShape[3] < 1) throw new ArgumentException($"{op}: weight [O,C/groups,kH,kW] = {weight} has an empty kernel");

        int c = inputShape[1], o = weightShape[0], cPerGroup = weightShape[1];
        if (c % groups != 0) throw new ArgumentException($"{op}: input channels C = {c} are not divisible by groups = {groups}, got input {input}");
        if (o % groups != 0) throw new ArgumentException($"{op}: weight [O,C/groups,kH,kW] = {weight} has O = {o}, not divisible by groups = {groups}");
        if ((long)cPerGroup * groups != c)
            throw new ArgumentException($"{op}: weight [O,C/groups,kH,kW] = {weight} needs input C = {cPerGroup}*groups = {(long)cPerGroup * groups}, got {input}");

        var pad = padding.Resolve(op, (weightShape[2], weightShape[3]), dilation, stride);
        var g = new Conv2dGeometry(inputShape[0], c, inputShape[2], inputShape[3], o, weightShape[2], weightShape[3],
            stride.H, stride.W, pad.Top, pad.Bottom, pad.Left, pad.Right, dilation.H, dilation.W, groups);
        _ = g.OutHeight(op);
        _ = g.OutWidth(op);
        return g;
    }
}
