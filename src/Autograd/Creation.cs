using System.Numerics;

namespace MiniNet;

// Factories. Each returns a new leaf owned by the current scope (if any), with RequiresGrad false.
public sealed partial class Tensor
{
    /// <summary>A tensor of <paramref name="shape"/> holding a copy of <paramref name="data"/> (row-major). PyTorch: <c>torch.tensor(data).reshape(shape)</c>.</summary>
    /// <exception cref="ArgumentException">When the lengths disagree.</exception>
    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        shape = shape.Length == 0 && data.Length != 1 ? [data.Length] : (int[])shape.Clone();
        int count = Shapes.Count("from_array", shape);
        if (count != data.Length)
            throw new ArgumentException($"from_array: {data.Length} elements cannot fill shape {Shapes.Format(shape)} ({count} elements)");
        var t = new Tensor(shape, DTypes.Of<T>(), zeroed: false, "from_array");
        data.CopyTo(t.Span<T>());
        return t;
    }

    /// <summary>A one-element tensor of rank 0. PyTorch: <c>torch.tensor(value)</c>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    /// <summary>Uninitialized storage (from the pool): for ops that overwrite every element.</summary>
    internal static Tensor Empty(int[] shape, DType dtype, string creator) => new(shape, dtype, zeroed: false, creator);

    /// <summary>Zeros. PyTorch: <c>torch.zeros</c>.</summary>
    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32) => new((int[])shape.Clone(), dtype, zeroed: true, "zeros");

    /// <summary>Ones. PyTorch: <c>torch.ones</c>.</summary>
    public static Tensor Ones(int[] shape, DType dtype = DType.Float32) => Full(shape, 1, dtype);

    /// <summary>Every element equal to <paramref name="value"/>. PyTorch: <c>torch.full</c>.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32)
    {
        var t = new Tensor((int[])shape.Clone(), dtype, zeroed: false, "full");
        t.FillUnchecked(value);
        return t;
    }

    /// <summary>Zeros with the shape and dtype of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => Zeros(like._shape, like.DType);

    /// <summary>Ones with the shape and dtype of <paramref name="like"/>.</summary>
    public static Tensor OnesLike(Tensor like) => Ones(like._shape, like.DType);

    /// <summary>
    /// The values start, start+step, ... below end (a 1-D tensor). PyTorch: <c>torch.arange</c>.
    /// </summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0 || double.IsNaN(start + end + step)) throw new ArgumentException($"arange: step must be non-zero and bounds finite, got ({start}, {end}, {step})");
        int n = (int)Math.Max(0, Math.Ceiling((end - start) / step));
        var t = new Tensor([n], dtype, zeroed: false, "arange");
        switch (dtype)
        {
            case DType.Float32: FillWith(t.Span<float>(), i => start + i * step); break;
            case DType.Float64: FillWith(t.Span<double>(), i => start + i * step); break;
            default: var l = t.Span<long>(); for (int i = 0; i < n; i++) l[i] = (long)(start + i * step); break;
        }
        return t;
    }

    /// <summary>Uniform on [low, high), drawn in row-major order from <paramref name="generator"/>. PyTorch: <c>torch.rand</c> / <c>uniform_</c>.</summary>
    public static Tensor Uniform(int[] shape, double low = 0, double high = 1, Generator? generator = null, DType dtype = DType.Float32)
    {
        var g = generator ?? Generator.Default;
        var t = new Tensor((int[])shape.Clone(), dtype, zeroed: false, "uniform");
        FillFloat(t, _ => low + (high - low) * g.NextDouble(), "uniform");
        return t;
    }

    /// <summary>Normal with the given mean and standard deviation. PyTorch: <c>torch.randn</c> / <c>normal_</c>.</summary>
    public static Tensor Normal(int[] shape, double mean = 0, double std = 1, Generator? generator = null, DType dtype = DType.Float32)
    {
        var g = generator ?? Generator.Default;
        var t = new Tensor((int[])shape.Clone(), dtype, zeroed: false, "normal");
        FillFloat(t, _ => mean + std * g.NextNormal(), "normal");
        return t;
    }

    static void FillFloat(Tensor t, Func<int, double> value, string op)
    {
        switch (t.DType)
        {
            case DType.Float32: FillWith(t.Span<float>(), value); break;
            case DType.Float64: FillWith(t.Span<double>(), value); break;
            default: throw new NotSupportedException($"{op}: needs a floating-point dtype, got {t.DType.TorchName()}");
        }
    }

    static void FillWith<T>(Span<T> span, Func<int, double> value) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < span.Length; i++) span[i] = T.CreateTruncating(value(i));
    }

    internal void FillUnchecked(double value)
    {
        switch (DType)
        {
            case DType.Float32: Span<float>().Fill((float)value); break;
            case DType.Float64: Span<double>().Fill(value); break;
            default: Span<long>().Fill((long)value); break;
        }
    }
}
