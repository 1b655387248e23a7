using MiniNet.Kernels;

namespace MiniNet;

// pad2d in reflect, replicate or circular mode. Legend: x [N,C,H,W] seen as N·C planes of H×W; y [N,C,top+H+bottom,
// left+W+right]. Every cell of y copies one cell of x, picked per axis by the mode's mapping (Kernels/PadModes.cs).
public sealed partial class Tensor
{
    /// <summary>
    /// Pads the last two dims of an [N,C,H,W] tensor by explicit amounts, filling the border in
    /// <paramref name="mode"/>: reflect mirrors without repeating the edge ([a b c] by 2 gives c b | a b c | b a),
    /// replicate repeats the edge (a a | a b c | c c), circular wraps around (b c | a b c | a b), and zeros
    /// is <see cref="Pad"/>. Always a copy. PyTorch: <c>F.pad(x, (left, right, top, bottom), mode)</c> with mode
    /// "reflect", "replicate", "circular" or "constant".
    /// </summary>
    /// <exception cref="ArgumentException">Not rank 4; "same" instead of amounts; a negative amount; reflect with a
    /// pad not less than the size of its axis; circular with a pad larger than that size; replicate of an empty axis.</exception>
    public Tensor Pad2d(Padding2d padding, PaddingMode mode)
    {
        ThrowIfDisposed();
        string op = $"pad2d ({mode.ToString().ToLowerInvariant()})";
        if (Rank != 4) throw new ArgumentException($"{op}: input must be [N,C,H,W] (rank 4), got {Shapes.Format(_shape)}");
        if (padding.IsSame) throw new ArgumentException($"{op}: needs explicit amounts, not \"same\"; resolve them first with Padding2d.Resolve");
        if (padding.Top < 0 || padding.Bottom < 0 || padding.Left < 0 || padding.Right < 0)
            throw new ArgumentException($"{op}: padding must be non-negative, got {padding}");
        if (mode == PaddingMode.Zeros) return Pad([padding.Left, padding.Right, padding.Top, padding.Bottom]);
        CheckPadFits(op, mode, "top", padding.Top, "height", 2);
        CheckPadFits(op, mode, "bottom", padding.Bottom, "height", 2);
        CheckPadFits(op, mode, "left", padding.Left, "width", 3);
        CheckPadFits(op, mode, "right", padding.Right, "width", 3);

        int planes = _shape[0] * _shape[1], h = _shape[2], w = _shape[3];
        var rows = PadModes.SourceIndices(mode, padding.Top, h, padding.Bottom);
        var cols = PadModes.SourceIndices(mode, padding.Left, w, padding.Right);
        var y = Empty([_shape[0], _shape[1], rows.Length, cols.Length], DType, "pad2d");
        Layout.Run(this, y, new PadGather(planes, h, w, rows, cols));
        var x = this;
        OpTrace.Current?.Add("pad2d", [this], y, new PadAttributes([padding.Left, padding.Right, padding.Top, padding.Bottom], 0, mode));
        return Tape.Record("pad2d", y, [this], gradOut =>
        {
            // y[p,i,j] = x[p, rows[i], cols[j]]  =>  dL/dx[p,r,c] = Σ gradOut[p,i,j] over the cells (i,j) that copied (r,c)
            // (an edge cell copied into the border collects several gradients)
            var gradX = new Tensor((int[])x._shape.Clone(), x.DType, zeroed: true, "pad2d_backward");
            switch (x.DType)
            {
                case DType.Float32: PadModes.ScatterAdd<float>(gradOut.Span<float>(), gradX.Span<float>(), planes, h, w, rows, cols); break;
                default: PadModes.ScatterAdd<double>(gradOut.Span<double>(), gradX.Span<double>(), planes, h, w, rows, cols); break;
            }
            x.AccumulateGrad(gradX);
        });
    }

    // PyTorch's limits: reflect needs pad < size (the mirror must not reach past the far edge), circular pad <= size
    // (wrap around at most once), replicate a non-empty axis to repeat.
    void CheckPadFits(string op, PaddingMode mode, string side, int pad, string axis, int dim)
    {
        int size = _shape[dim];
        if (pad == 0) return;
        if (mode == PaddingMode.Reflect && pad >= size)
            throw new ArgumentException($"{op}: padding {pad} on the {side} must be less than the input {axis} {size}, got input {Shapes.Format(_shape)}");
        if (mode == PaddingMode.Circular && pad > size)
            throw new ArgumentException($"{op}: padding {pad} on the {side} must be at most the input {axis} {size}, got input {Shapes.Format(_shape)}");
        if (mode == PaddingMode.Replicate && size == 0)
            throw new ArgumentException($"{op}: padding {pad} on the {side} needs a non-empty input {axis} to repeat, got input {Shapes.Format(_shape)}");
    }

    readonly struct PadGather(int planes, int h, int w, int[] rows, int[] cols) : ILayoutAction
    {
        public void Run<T>(T[] src, int srcCount, T[] dst, int dstCount) where T : unmanaged =>
            PadModes.Gather<T>(src.AsSpan(0, srcCount), dst.AsSpan(0, dstCount), planes, h, w, rows, cols);
    }
}
