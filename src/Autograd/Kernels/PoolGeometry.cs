namespace MiniNet.Kernels;

// Legend: N batch, C channels, H×W input height and width, kH×kW kernel (window) height and width, OH×OW output
// height and width. Layouts: input [N,C,H,W], output [N,C,OH,OW]; pooling treats them as N·C independent planes.
// Window of output row oh: rows oh·strideH - padH + i·dilationH for i in [0, kH); columns alike. Rows outside
// [0, H) are padding: max pooling skips them, average pooling may count them (count_include_pad).

/// <summary>
/// The sizes of one 2-D max or average pooling, validated: the only home of the pooling output-size formula
/// OH = ⌊(H + 2·padH - dilationH·(kH-1) - 1) / strideH⌋ + 1 (⌈…⌉ in ceil mode, where the last window must also start
/// inside the input or the top padding), and OW alike. PyTorch: <c>pooling_output_shape</c>, <c>pool2d_shape_check</c>.
/// </summary>
/// <param name="N">Batch size.</param>
/// <param name="C">Channels.</param>
/// <param name="H">Input height.</param>
/// <param name="W">Input width.</param>
/// <param name="KH">Window height.</param>
/// <param name="KW">Window width.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadH">Padding rows, both above and below.</param>
/// <param name="PadW">Padding columns, both left and right.</param>
/// <param name="DilationH">Vertical spacing of the window's points (1 for average pooling).</param>
/// <param name="DilationW">Horizontal spacing of the window's points.</param>
/// <param name="CeilMode">Round the output size up instead of down.</param>
public readonly record struct Pool2dGeometry(int N, int C, int H, int W, int KH, int KW,
    int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, bool CeilMode)
{
    /// <summary>Output height OH (below 1 only for a geometry that <see cref="Create"/> would refuse).</summary>
    public int OutH => OutSize(H, KH, StrideH, PadH, DilationH, CeilMode);

    /// <summary>Output width OW.</summary>
    public int OutW => OutSize(W, KW, StrideW, PadW, DilationW, CeilMode);

    /// <summary>Number of independent planes, N·C.</summary>
    public int Planes => N * C;

    /// <summary>
    /// out = ⌊(size + 2·pad - dilation·(kernel-1) - 1) / stride⌋ + 1, or with ⌈…⌉ in ceil mode; then, in ceil mode,
    /// one less when the last window would start at or past size + pad (wholly in the bottom/right padding).
    /// </summary>
    public static int OutSize(int size, int kernel, int stride, int pad, int dilation, bool ceilMode)
    {
        // C#'s '/' truncates toward zero; the numerator can be negative, so round toward -∞ explicitly.
        long span = (long)size + 2L * pad - (long)dilation * (kernel - 1) - 1;
        long outSize = FloorDiv(span + (ceilMode ? stride - 1 : 0), stride) + 1;
        if (ceilMode && (outSize - 1) * stride >= (long)size + pad) outSize--;
        return (int)Math.Clamp(outSize, int.MinValue, int.MaxValue);
    }

    static long FloorDiv(long a, long b) => a / b - (a % b != 0 && a < 0 ? 1 : 0);

    /// <summary>
    /// Validates a pooling's arguments and returns its geometry. Everything is checked here, before any loop runs.
    /// </summary>
    /// <param name="op">Names the op in error messages, e.g. "max_pool2d".</param>
    /// <param name="inputShape">[N, C, H, W].</param>
    /// <param name="kernel">Window size per axis, each at least 1.</param>
    /// <param name="stride">Stride per axis, each at least 1.</param>
    /// <param name="padding">Implicit padding on both sides of each axis, at most half the window (kernel / 2).</param>
    /// <param name="dilation">Spacing of the window's points per axis, each at least 1.</param>
    /// <param name="ceilMode">Round the output size up.</param>
    /// <exception cref="ArgumentException">Input not of rank 4, a kernel/stride/dilation below 1, negative padding or
    /// padding above kernel/2 (PyTorch's "pad should be at most half of kernel size"), or an output size below 1;
    /// the message names the op, the layout and the sizes received.</exception>
    public static Pool2dGeometry Create(string op, int[] inputShape, Pair kernel, Pair stride, Pair padding, Pair dilation, bool ceilMode)
    {
        string input = Shapes.Format(inputShape);
        if (inputShape.Length != 4) throw new ArgumentException($"{op}: input must be [N,C,H,W] (rank 4), got {input}");
        if (kernel.H < 1 || kernel.W < 1) throw new ArgumentException($"{op}: kernel size must be at least 1, got {kernel} for input {input}");
        if (stride.H < 1 || stride.W < 1) throw new ArgumentException($"{op}: stride must be at least 1, got {stride} for input {input}");
        if (dilation.H < 1 || dilation.W < 1) throw new ArgumentException($"{op}: dilation must be at least 1, got {dilation} for input {input}");
        if (padding.H < 0 || padding.W < 0) throw new ArgumentException($"{op}: padding must be non-negative, got {padding} for input {input}");
        if (padding.H > kernel.H / 2 || padding.W > kernel.W / 2)
            throw new ArgumentException($"{op}: pad should be at most half of kernel size, got padding {padding} for kernel {kernel} (input {input})");

        var g = new Pool2dGeometry(inputShape[0], inputShape[1], inputShape[2], inputShape[3], kernel.H, kernel.W,
            stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, ceilMode);
        if (g.OutH < 1 || g.OutW < 1)
            throw new ArgumentException(
                $"{op}: input [N,C,H,W] = {input} with kernel {kernel}, stride {stride}, padding {padding}, dilation {dilation}, " +
                $"ceil_mode {ceilMode} gives output {g.OutH}x{g.OutW}: output size is too small (must be at least 1x1)");
        return g;
    }
}

/// <summary>
/// The sizes of one 2-D adaptive average pooling, validated. Output row i averages input rows
/// [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉), so neighbouring windows may overlap (H = 7, OH = 4: [0,2), [1,4), [3,6), [5,7)) or,
/// when OH &gt; H, repeat rows. Columns alike. PyTorch: <c>start_index</c> and <c>end_index</c> of AdaptivePooling.h.
/// </summary>
/// <param name="N">Batch size.</param>
/// <param name="C">Channels.</param>
/// <param name="H">Input height.</param>
/// <param name="W">Input width.</param>
/// <param name="OutH">Output height OH.</param>
/// <param name="OutW">Output width OW.</param>
public readonly record struct AdaptivePool2dGeometry(int N, int C, int H, int W, int OutH, int OutW)
{
    /// <summary>Number of independent planes, N·C.</summary>
    public int Planes => N * C;

    /// <summary>First input index of output <paramref name="i"/>'s window: ⌊i·size/outSize⌋.</summary>
    public static int Start(int i, int size, int outSize) => (int)((long)i * size / outSize);

    /// <summary>One past the last input index of output <paramref name="i"/>'s window: ⌈(i+1)·size/outSize⌉.</summary>
    public static int End(int i, int size, int outSize) => (int)(((long)(i + 1) * size + outSize - 1) / outSize);

    /// <summary>Validates the sizes and returns the geometry, before any loop runs.</summary>
    /// <param name="op">Names the op in error messages.</param>
    /// <param name="inputShape">[N, C, H, W].</param>
    /// <param name="outputSize">(OH, OW), each at least 1.</param>
    /// <exception cref="ArgumentException">Input not of rank 4, an empty H or W, or an output size below 1.</exception>
    public static AdaptivePool2dGeometry Create(string op, int[] inputShape, Pair outputSize)
    {
        string input = Shapes.Format(inputShape);
        if (inputShape.Length != 4) throw new ArgumentException($"{op}: input must be [N,C,H,W] (rank 4), got {input}");
        if (inputShape[2] < 1 || inputShape[3] < 1) throw new ArgumentException($"{op}: input [N,C,H,W] = {input} has an empty H or W");
        if (outputSize.H < 1 || outputSize.W < 1) throw new ArgumentException($"{op}: output size must be at least 1, got {outputSize} for input {input}");
        return new AdaptivePool2dGeometry(inputShape[0], inputShape[1], inputShape[2], inputShape[3], outputSize.H, outputSize.W);
    }
}

/// <summary>How pooling kernels share work: fixed ranges of whole planes over <see cref="WorkerPool.Shared"/>.</summary>
public static class PoolPlanes
{
    /// <summary>
    /// Runs <paramref name="body"/>(first, end) over ranges of [0, <paramref name="planes"/>), inline when the whole
    /// job is below about two chunks of <see cref="Elementwise.ParallelChunk"/> elements touched.
    /// </summary>
    /// <param name="planes">Number of planes, N·C.</param>
    /// <param name="workPerPlane">Elements read or written per plane, to judge whether splitting pays.</param>
    /// <param name="body">Works on planes [first, end); ranges never overlap, so writes per plane need no locks.</param>
    public static void For(int planes, long workPerPlane, Action<int, int> body)
    {
        if (planes == 0) return;
        int minPlanes = (int)Math.Clamp(Elementwise.ParallelChunk / Math.Max(1, workPerPlane), 1, planes);
        WorkerPool.Shared.For(planes, minPlanes, body);
    }
}
