using MiniNet.Kernels;

namespace MiniNet;

// expand: a broadcast made concrete. A contiguous copy, since MiniNet has no zero-stride views (see Tensor's remarks).
public sealed partial class Tensor
{
    /// <summary>Copies this tensor broadcast to <paramref name="shape"/>. PyTorch: <c>expand(shape).contiguous()</c>.</summary>
    /// <exception cref="ArgumentException">When this shape does not broadcast to <paramref name="shape"/>.</exception>
    public Tensor Expand(params int[] shape)
    {
        var target = Shapes.Broadcast("expand", _shape, shape);
        if (!Shapes.Equal(target, shape))
            throw new ArgumentException($"expand: {Shapes.Format(_shape)} cannot be expanded to {Shapes.Format(shape)}");
        var y = Empty(target, DType, "expand");
        Layout.Run(this, y, new BroadcastCopy(_shape, target));
        var x = this;
        return Tape.Record("expand", y, [this], gradOut =>
        {
            // y = broadcast(x)  =>  dL/dx = gradOut summed over the broadcast dims (AccumulateGrad does it)
            x.AccumulateGrad(gradOut);
        });
    }

    readonly struct BroadcastCopy(int[] from, int[] to) : ILayoutAction
    {
        public void Run<T>(T[] src, int srcCount, T[] dst, int dstCount) where T : unmanaged =>
            Layout.BroadcastTo(src, from, dst.AsSpan(0, dstCount), to);
    }
}
