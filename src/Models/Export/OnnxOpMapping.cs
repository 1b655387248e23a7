using MiniNet.Kernels;
using Onnx;

namespace MiniNet.Models.Export;

// Which ONNX nodes each traced op becomes: one switch, one small method per op family. Legend: N batch, C channels,
// H×W input, OH×OW output, kH×kW kernel; ONNX lists pads as [top, left, bottom, right] (all begins, then all ends).
sealed partial class OnnxGraphBuilder
{
    void Map(TracedOp op)
    {
        if (!op.Reported) throw Unsupported(op, "this op has no ONNX mapping (only ops that report to OpTrace can be exported)");
        switch (op.Op, op.Attributes)
        {
            case ("conv2d", Conv2dAttributes a): Conv(op, a.Geometry); break;
            case ("max_pool2d", Pool2dAttributes a): Pool(op, "MaxPool", a); break;
            case ("avg_pool2d", Pool2dAttributes a): Pool(op, "AveragePool", a); break;
            case ("adaptive_avg_pool2d", AdaptiveAvgPool2dAttributes a): AdaptivePool(op, a.Geometry); break;
            case ("batch_norm", BatchNormAttributes a): BatchNorm(op, a); break;
            case ("relu", null): Node(op, "Relu", Inputs(op)); break;
            case ("add", null): Node(op, "Add", Inputs(op)); break;
            case ("matmul", null): Node(op, "MatMul", Inputs(op)); break;
            case ("linear", null): Linear(op); break;
            case ("cat", CatAttributes a): Node(op, "Concat", Inputs(op), Int("axis", a.Dim)); break;
            case ("reshape", ReshapeAttributes a): Reshape(op, a.Shape); break;
            case ("pad" or "pad2d", PadAttributes a): Pad(op, a); break;
            default: throw Unsupported(op, "this op has no ONNX mapping");
        }
    }

    IEnumerable<string> Inputs(TracedOp op) => op.Inputs.Where(t => t is not null).Select(t => Name(t!)).ToList();

    // Conv: x, W [O,C/groups,kH,kW], optional B [O]; "same" padding is already resolved to four amounts in the geometry.
    void Conv(TracedOp op, Conv2dGeometry g) => Node(op, "Conv", Inputs(op),
        Ints("kernel_shape", g.KH, g.KW), Ints("strides", g.StrideH, g.StrideW), Ints("pads", g.PadTop, g.PadLeft, g.PadBottom, g.PadRight),
        Ints("dilations", g.DilationH, g.DilationW), Int("group", g.Groups));

    // Note: ceil mode on export. MiniNet (as PyTorch) rounds up but drops a last window that would start in the bottom/right
    // padding; ONNX readers differ on that rule. So ceil mode is written as floor mode with just enough extra end padding to
    // give MiniNet's output size: exact for MaxPool (padding never wins) and for AveragePool without count_include_pad
    // (padding never counted). AveragePool counting padding would count that extra padding too, so there ceil_mode = 1
    // is kept, and refused when the drop rule applied.
    void Pool(TracedOp op, string opType, Pool2dAttributes a)
    {
        var g = a.Geometry;
        int endH = EndPad(g.H, g.KH, g.StrideH, g.PadH, g.DilationH, g.OutH), endW = EndPad(g.W, g.KW, g.StrideW, g.PadW, g.DilationW, g.OutW);
        bool ceil = false;
        if (opType == "AveragePool" && a.CountIncludePad && (endH > g.PadH || endW > g.PadW))
        {
            if (Pool2dGeometry.OutSize(g.H, g.KH, g.StrideH, g.PadH, 1, ceilMode: true) != RawCeil(g.H, g.KH, g.StrideH, g.PadH)
                || Pool2dGeometry.OutSize(g.W, g.KW, g.StrideW, g.PadW, 1, ceilMode: true) != RawCeil(g.W, g.KW, g.StrideW, g.PadW))
                throw Unsupported(op, "ceil mode drops a last window that would start in the padding, which ONNX AveragePool " +
                    "with count_include_pad does not promise to do; use count_include_pad false, or padding and sizes without that window");
            (ceil, endH, endW) = (true, g.PadH, g.PadW);
        }
        var attributes = new List<AttributeProto>
        {
            Ints("kernel_shape", g.KH, g.KW), Ints("strides", g.StrideH, g.StrideW),
            Ints("pads", g.PadH, g.PadW, endH, endW), Int("ceil_mode", ceil ? 1 : 0),
        };
        if (opType == "MaxPool") attributes.Add(Ints("dilations", g.DilationH, g.DilationW));
        else attributes.Add(Int("count_include_pad", a.CountIncludePad ? 1 : 0));
        Node(op, opType, Inputs(op), [.. attributes]);
    }

    // End padding that makes floor mode give outSize windows: the last window must fit in size + pad + end.
    static int EndPad(int size, int kernel, int stride, int pad, int dilation, int outSize) =>
        Math.Max(pad, (outSize - 1) * stride + dilation * (kernel - 1) + 1 - size - pad);

    static int RawCeil(int size, int kernel, int stride, int pad) => (size + 2 * pad - kernel + stride - 1) / stride + 1;

    // 1×1 is GlobalAveragePool; windows of equal size that tile the input (H divisible by OH, W by OW) are an AveragePool
    // with kernel = stride = H/OH, W/OW; other sizes have overlapping or uneven windows, which ONNX cannot express.
    void AdaptivePool(TracedOp op, AdaptivePool2dGeometry g)
    {
        if (g is { OutH: 1, OutW: 1 }) Node(op, "GlobalAveragePool", Inputs(op));
        else if (g.H % g.OutH == 0 && g.W % g.OutW == 0)
            Node(op, "AveragePool", Inputs(op), Ints("kernel_shape", g.H / g.OutH, g.W / g.OutW), Ints("strides", g.H / g.OutH, g.W / g.OutW));
        else
            throw Unsupported(op, $"adaptive average pooling from {g.H}x{g.W} to {g.OutH}x{g.OutW} has uneven or overlapping windows, " +
                "which no ONNX pooling expresses exactly; export needs an output size that divides the input size (or 1x1)");
    }

    // BatchNormalization(X, scale, B, mean, var) in inference mode; a BN without affine parameters gets scale 1 and B 0.
    void BatchNorm(TracedOp op, BatchNormAttributes a)
    {
        if (a.Training)
            throw Unsupported(op, "batch statistics are used (a BatchNorm2D without running statistics, or one in training mode); " +
                "ONNX inference needs running statistics");
        var (x, mean, variance, weight, bias) = (op.Inputs[0]!, op.Inputs[1]!, op.Inputs[2]!, op.Inputs[3], op.Inputs[4]);
        int c = mean.Count;
        string prefix = Layer(op).Name;
        string scale = weight is null ? Constant($"{prefix}.scale_ones_{_constants++}", [c], floats: Enumerable.Repeat(1f, c).ToArray()) : Name(weight);
        string shift = bias is null ? Constant($"{prefix}.bias_zeros_{_constants++}", [c], floats: new float[c]) : Name(bias);
        Node(op, "BatchNormalization", [Name(x), scale, shift, Name(mean), Name(variance)], Float("epsilon", a.Eps));
    }

    // Gemm(x [N,in], W [out,in], B [out]) with transB = 1: y = x·Wᵀ + B.
    void Linear(TracedOp op)
    {
        if (op.Inputs[0]!.Rank != 2)
            throw Unsupported(op, "export maps linear to Gemm, which needs a 2-D input [N, in]; flatten before the Linear");
        Node(op, "Gemm", Inputs(op), Int("transB", 1));
    }

    // A reshape that keeps the batch dim is Flatten (to [N, rest]) or Reshape to [0, ...] (0 copies the batch size), so
    // the graph works for any batch; a reshape of constants keeps its literal shape.
    void Reshape(TracedOp op, int[] shape)
    {
        var x = op.Inputs[0]!;
        int[] inShape = x.Shape;
        if (!_batchDependent.Contains(x))
            Node(op, "Reshape", [Name(x), Constant($"{Layer(op).Name}.shape_{_constants++}", [shape.Length], longs: [.. shape.Select(d => (long)d)])]);
        else if (inShape.Length >= 2 && shape.Length == 2 && shape[0] == inShape[0])
            Node(op, "Flatten", [Name(x)], Int("axis", 1));
        else if (inShape.Length >= 1 && shape.Length >= 1 && shape[0] == inShape[0] && !shape.Skip(1).Contains(0))
            Node(op, "Reshape", [Name(x), Constant($"{Layer(op).Name}.shape_{_constants++}", [shape.Length], longs: [0, .. shape.Skip(1).Select(d => (long)d)])]);
        else
            throw Unsupported(op, "the reshape changes the batch dim, which a graph with a dynamic batch cannot express");
    }

    // Pad (constant): pads [begin of each dim..., end of each dim...] from F.pad's (before, after) pairs that start at the last dim.
    void Pad(TracedOp op, PadAttributes a)
    {
        if (a.Mode != PaddingMode.Zeros)
            throw Unsupported(op, $"{a.Mode.ToString().ToLowerInvariant()} padding (e.g. a Conv2D with padding mode {a.Mode}) is not exported; " +
                "only constant (zeros) padding is");
        var x = op.Inputs[0]!;
        var pads = new long[2 * x.Rank];
        for (int i = 0; i < a.Pad.Length / 2; i++)
            (pads[x.Rank - 1 - i], pads[2 * x.Rank - 1 - i]) = (a.Pad[2 * i], a.Pad[2 * i + 1]);
        string prefix = Layer(op).Name;
        Node(op, "Pad", [Name(x), Constant($"{prefix}.pads_{_constants++}", [pads.Length], longs: pads),
            Constant($"{prefix}.value_{_constants++}", [], floats: [(float)a.Value])], String("mode", "constant"));
    }
}
