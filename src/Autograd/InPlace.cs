using System.Numerics.Tensors;
using MiniNet.Kernels;

namespace MiniNet;

// In-place updates: what optimizers and initializers need. Never recorded; refused while the tape still needs
// the tensor, since its backward would then read changed values (PyTorch's version-counter error, caught earlier).
public sealed partial class Tensor
{
    /// <summary>this += alpha · other (same shape and dtype). PyTorch: <c>add_(other, alpha=alpha)</c>.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        EnsureInPlaceAllowed("add_");
        if (!Shapes.Equal(other._shape, _shape) || other.DType != DType)
            throw new ArgumentException($"add_: {Shapes.Format(_shape)} {DType} += {Shapes.Format(other._shape)} {other.DType} needs equal shapes and dtypes");
        switch (DType)
        {
            case DType.Float32: TensorPrimitives.FusedMultiplyAdd(other.Span<float>(), (float)alpha, Span<float>(), Span<float>()); break;
            case DType.Float64: TensorPrimitives.FusedMultiplyAdd(other.Span<double>(), alpha, Span<double>(), Span<double>()); break;
            default: throw Elementwise.FloatOnly("add_", this);
        }
        return this;
    }

    /// <summary>this ·= s. PyTorch: <c>mul_(s)</c>.</summary>
    public Tensor MulInPlace(double s)
    {
        EnsureInPlaceAllowed("mul_");
        switch (DType)
        {
            case DType.Float32: TensorPrimitives.Multiply(Span<float>(), (float)s, Span<float>()); break;
            case DType.Float64: TensorPrimitives.Multiply(Span<double>(), s, Span<double>()); break;
            default: throw Elementwise.FloatOnly("mul_", this);
        }
        return this;
    }

    /// <summary>Copies <paramref name="source"/>'s elements in (same shape; converts dtype). PyTorch: <c>copy_</c>.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        EnsureInPlaceAllowed("copy_");
        if (!Shapes.Equal(source._shape, _shape))
            throw new ArgumentException($"copy_: source {Shapes.Format(source._shape)} does not match destination {Shapes.Format(_shape)}");
        if (source.DType == DType) { source.CopyElementsTo(this); return this; }
        using var converted = new Tensor((int[])_shape.Clone(), source._storage.CloneAs(DType), "copy_").Unscoped();
        converted.CopyElementsTo(this);
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>. PyTorch: <c>fill_</c>.</summary>
    public Tensor FillInPlace(double value)
    {
        EnsureInPlaceAllowed("fill_");
        FillUnchecked(value);
        return this;
    }

    /// <summary>
    /// Writable access to the elements for custom in-place updates, under the same rules as the other in-place ops.
    /// </summary>
    public Span<T> MutableData<T>() where T : unmanaged
    {
        EnsureInPlaceAllowed("mutable_data");
        return Span<T>();
    }

    void EnsureInPlaceAllowed(string op)
    {
        ThrowIfDisposed();
        if (RequiresGrad && Tape.IsRecording)
            throw new InvalidOperationException($"{op}: in-place update of {Shapes.Format(_shape)} (made by '{Creator}') which requires grad; wrap it in Tensor.NoGrad()");
        if (_storage.TapeUses > 0)
            throw new InvalidOperationException($"{op}: {Shapes.Format(_shape)} (made by '{Creator}') is still needed by {_storage.TapeUses} tape entr{(_storage.TapeUses == 1 ? "y" : "ies")}; run Backward first or release the tape");
    }
}
