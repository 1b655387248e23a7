using MiniNet.Kernels;

namespace MiniNet;

// pad (constant mode): a contiguous copy written into a larger tensor filled with the pad value.
// Legend: before[d] / after[d] are the elements added in front of / behind dim d.
public sealed partial class Tensor
{
    /// <summary>
    /// Copies this tensor into a larger one filled with <paramref name="value"/>. <paramref name="pad"/> lists
    /// (before, after) pairs starting from the LAST dim: <c>[1, 2]</c> adds 1 element before and 2 after in the
    /// last dim, <c>[1, 1, 2, 2]</c> also 2 on each side of the second-to-last. Always a contiguous copy; for int64
    /// tensors the value is truncated to an integer. PyTorch: <c>F.pad(x, pad, mode="constant", value=value)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An odd-length list, or more pairs than dims.</exception>
    /// <exception cref="NotSupportedException">A negative pad (cropping); use <see cref="Narrow"/> or <see cref="Slice"/>.</exception>
    public Tensor Pad(int[] pad, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(pad);
        ThrowIfDisposed();
        if (pad.Length % 2 != 0 || pad.Length / 2 > Rank)
            throw new ArgumentException($"pad: needs (before, after) pairs for at most {Rank} dims of {Shapes.Format(_shape)}, got [{string.Join(",", pad)}]");
        foreach (int p in pad)
            if (p < 0)
                throw new NotSupportedException($"pad: negative pads (cropping) are not supported, got [{string.Join(",", pad)}] for {Shapes.Format(_shape)}; use Narrow or Slice");

        var before = new int[Rank];
        var shape = (int[])_shape.Clone();
        for (int i = 0; i < pad.Length / 2; i++)
        {
            int d = Rank - 1 - i;
            before[d] = pad[2 * i];
            long padded = (long)shape[d] + pad[2 * i] + pad[2 * i + 1];
            if (padded > int.MaxValue) throw new ArgumentException($"pad: dim {d} of {Shapes.Format(_shape)} padded by [{string.Join(",", pad)}] is too large");
            shape[d] = (int)padded;
        }

        var y = new Tensor(shape, DType, zeroed: value == 0, "pad");
        if (value != 0) y.FillUnchecked(value);
        Layout.Run(this, y, new PadCopy(_shape, shape, before));
        var x = this;
        OpTrace.Current?.Add("pad", [this], y, new PadAttributes((int[])pad.Clone(), value, PaddingMode.Zeros));
        return Tape.Record("pad", y, [this], gradOut =>
        {
            // y = x inside the window at before, constant outside  =>  dL/dx = gradOut cropped to that window
            var gradX = Empty(x._shape, x.DType, "pad");
            Layout.Run(gradOut, gradX, new CropCopy(shape, x._shape, before));
            x.AccumulateGrad(gradX);
        });
    }

    readonly struct PadCopy(int[] srcShape, int[] dstShape, int[] before) : ILayoutAction
    {
        public void Run<T>(T[] src, int srcCount, T[] dst, int dstCount) where T : unmanaged =>
            Layout.PadInto<T>(src.AsSpan(0, srcCount), srcShape, dst.AsSpan(0, dstCount), dstShape, before);
    }

    readonly struct CropCopy(int[] paddedShape, int[] dstShape, int[] before) : ILayoutAction
    {
        public void Run<T>(T[] src, int srcCount, T[] dst, int dstCount) where T : unmanaged =>
            Layout.CropFrom<T>(src.AsSpan(0, srcCount), paddedShape, dst.AsSpan(0, dstCount), dstShape, before);
    }
}
