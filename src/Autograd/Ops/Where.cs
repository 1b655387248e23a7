using System.Numerics;
using MiniNet.Kernels;

namespace MiniNet;

// where and masked_fill: selection by a mask whose non-zero elements count as true (NaN is true, -0 false).
// Operands of another shape are first copied broadcast to the result's shape (MiniNet has no zero-stride views).
public sealed partial class Tensor
{
    /// <summary>
    /// x where <paramref name="condition"/> is non-zero, else y, with broadcasting among all three. The condition
    /// is float or int64 (non-zero = true; NaN counts as true); x and y share one dtype (any, int64 included).
    /// PyTorch: <c>torch.where(condition, x, y)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not broadcast, or x and y of different dtypes.</exception>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y)
    {
        condition.ThrowIfDisposed();
        x.ThrowIfDisposed();
        y.ThrowIfDisposed();
        if (x.DType != y.DType)
            throw new ArgumentException($"where: x and y dtypes differ, {x.DType.TorchName()} {Shapes.Format(x._shape)} and {y.DType.TorchName()} {Shapes.Format(y._shape)}");
        var shape = Shapes.Broadcast("where", Shapes.Broadcast("where", condition._shape, x._shape), y._shape);
        var z = Empty(shape, x.DType, "where");
        var (cb, xb, yb) = (condition.BroadcastForSelect(shape), x.BroadcastForSelect(shape), y.BroadcastForSelect(shape));
        SelectInto(cb, xb, yb, z);
        foreach (var (copy, original) in new[] { (cb, condition), (xb, x), (yb, y) })
            if (!ReferenceEquals(copy, original)) copy.Dispose();
        return Tape.Record("where", z, [x, y, condition], gradOut =>
        {
            // z = cond ? x : y  =>  dL/dx = gradOut where cond (0 elsewhere), dL/dy = gradOut where !cond
            // (the condition itself gets no gradient; broadcast dims are summed in AccumulateGrad)
            var c = condition.BroadcastForSelect(shape);
            if (x.RequiresGrad) x.AccumulateGrad(c.MaskedFillUnrecorded(gradOut, 0, fillWhenTrue: false));
            if (y.RequiresGrad) y.AccumulateGrad(c.MaskedFillUnrecorded(gradOut, 0, fillWhenTrue: true));
        });
    }

    /// <summary>
    /// A copy with <paramref name="value"/> where <paramref name="mask"/> is non-zero; the mask (float or int64,
    /// NaN counts as true) must broadcast to this tensor's shape. PyTorch: <c>masked_fill(mask, value)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A mask that does not broadcast to this shape.</exception>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        ThrowIfDisposed();
        mask.ThrowIfDisposed();
        if (!Shapes.Equal(Shapes.Broadcast("masked_fill", mask._shape, _shape), _shape))
            throw new ArgumentException($"masked_fill: mask {Shapes.Format(mask._shape)} does not broadcast to the tensor's shape {Shapes.Format(_shape)}");
        var shape = _shape;
        var mb = mask.BroadcastForSelect(shape);
        var y = mb.MaskedFillUnrecorded(this, value, fillWhenTrue: true);
        if (!ReferenceEquals(mb, mask)) mb.Dispose();
        var x = this;
        return Tape.Record("masked_fill", y, [this, mask], gradOut =>
        {
            // y = mask ? value : x  =>  dL/dx = gradOut where !mask, 0 where mask (value is a constant)
            x.AccumulateGrad(mask.BroadcastForSelect(shape).MaskedFillUnrecorded(gradOut, 0, fillWhenTrue: true));
        });
    }

    /// <summary>This tensor, or a broadcast copy of it when its shape differs from <paramref name="shape"/>; not recorded.</summary>
    Tensor BroadcastForSelect(int[] shape)
    {
        if (Shapes.Equal(_shape, shape)) return this;
        var copy = Empty((int[])shape.Clone(), DType, "broadcast");
        switch (DType)
        {
            case DType.Float32: Layout.BroadcastTo(Array<float>(), _shape, copy.Span<float>(), shape); break;
            case DType.Float64: Layout.BroadcastTo(Array<double>(), _shape, copy.Span<double>(), shape); break;
            default: Layout.BroadcastTo(Array<long>(), _shape, copy.Span<long>(), shape); break;
        }
        return copy;
    }

    /// <summary>New tensor = <paramref name="source"/> with <paramref name="value"/> where this mask's truth equals fillWhenTrue; same shapes.</summary>
    Tensor MaskedFillUnrecorded(Tensor source, double value, bool fillWhenTrue)
    {
        var z = Empty((int[])source._shape.Clone(), source.DType, "masked_fill");
        switch (DType)
        {
            case DType.Float32: FillByMask<float>(Span<float>(), source, value, z, fillWhenTrue); break;
            case DType.Float64: FillByMask<double>(Span<double>(), source, value, z, fillWhenTrue); break;
            default: FillByMask<long>(Span<long>(), source, value, z, fillWhenTrue); break;
        }
        return z;
    }

    static void FillByMask<TC>(ReadOnlySpan<TC> mask, Tensor source, double value, Tensor z, bool fillWhenTrue) where TC : unmanaged, INumberBase<TC>
    {
        switch (source.DType)
        {
            case DType.Float32: Selection.MaskedFill(mask, source.Span<float>(), (float)value, z.Span<float>(), fillWhenTrue); break;
            case DType.Float64: Selection.MaskedFill(mask, source.Span<double>(), value, z.Span<double>(), fillWhenTrue); break;
            default: Selection.MaskedFill(mask, source.Span<long>(), (long)value, z.Span<long>(), fillWhenTrue); break;
        }
    }

    static void SelectInto(Tensor condition, Tensor x, Tensor y, Tensor z)
    {
        switch (condition.DType)
        {
            case DType.Float32: SelectInto<float>(condition.Span<float>(), x, y, z); break;
            case DType.Float64: SelectInto<double>(condition.Span<double>(), x, y, z); break;
            default: SelectInto<long>(condition.Span<long>(), x, y, z); break;
        }
    }

    static void SelectInto<TC>(ReadOnlySpan<TC> condition, Tensor x, Tensor y, Tensor z) where TC : unmanaged, INumberBase<TC>
    {
        switch (x.DType)
        {
            case DType.Float32: Selection.Where(condition, x.Span<float>(), y.Span<float>(), z.Span<float>()); break;
            case DType.Float64: Selection.Where(condition, x.Span<double>(), y.Span<double>(), z.Span<double>()); break;
            default: Selection.Where(condition, x.Span<long>(), y.Span<long>(), z.Span<long>()); break;
        }
    }
}
