using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

// Each kernel: its scalar definition (the reference) and its fast path. TensorPrimitives serves where it has the
// function; the rest are Vector256 operator structs run by Simd.Map. Tests hold every Fast to its Reference.

/// <summary>-x</summary>
public readonly struct NegKernel : IUnaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => -x;
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Negate(x, y);
}

/// <summary>e^x</summary>
public readonly struct ExpKernel : IUnaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x);
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Exp(x, y);
}

/// <summary>ln x</summary>
public readonly struct LogKernel : IUnaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x);
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Log(x, y);
}

/// <summary>√x</summary>
public readonly struct SqrtKernel : IUnaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x);
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, y);
}

/// <summary>|x|</summary>
public readonly struct AbsKernel : IUnaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(x);
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Abs(x, y);
}

/// <summary>sign(x): -1, 0 or 1 (NaN stays NaN).</summary>
public readonly struct SignKernel : IUnaryKernel, IVectorUnary
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.IsNaN(x) ? x : T.CreateTruncating(T.Sign(x));
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Simd.Map(this, x, y);
    /// <inheritdoc/>
    public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Reference(x);
    /// <inheritdoc/>
    public Vector256<T> Apply<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var pos = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One, Vector256<T>.Zero);
        var neg = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), Vector256<T>.One, Vector256<T>.Zero);
        var nan = ~Vector256.Equals(x, x);
        return Vector256.ConditionalSelect(nan, x, pos - neg);
    }
}

/// <summary>max(x, 0); NaN stays NaN, as in PyTorch.</summary>
public readonly struct ReluKernel : IUnaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.IsNaN(x) || x > T.Zero ? x : T.Zero;
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, T.Zero, y);
}

/// <summary>x for x &gt; 0, else slope·x.</summary>
public readonly struct LeakyReluKernel(double slope) : IUnaryKernel, IVectorUnary
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? x : T.CreateTruncating(slope) * x;
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Simd.Map(this, x, y);
    /// <inheritdoc/>
    public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Reference(x);
    /// <inheritdoc/>
    public Vector256<T> Apply<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, x * Vector256.Create(T.CreateTruncating(slope)));
}

/// <summary>1 / (1 + e^-x)</summary>
public readonly struct SigmoidKernel : IUnaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!x.IsEmpty) TensorPrimitives.Sigmoid(x, y); // it rejects empty spans
    }
}

/// <summary>
/// tanh x. Our own vector form: TensorPrimitives.Tanh (10.0 and 11.0) computes (e^2x - 1)/(e^2x + 1), whose
/// cancellation gives tanh(0) = -6e-8 in float and wrong signs near 0. Here |x| &lt; 1/4 uses the Taylor series up to
/// x^17 (truncation below 1e-14 relative there), and larger |x| uses sign(x)·(1 - e)/(1 + e) with e = exp(-2|x|),
/// which has no cancellation since 1 - e &gt; 0.39.
/// </summary>
public readonly struct TanhKernel : IUnaryKernel, IVectorUnary
{
    // Taylor coefficients of tanh x = x · Σ c_i x^(2i).
    static readonly double[] Series = [1.0, -1.0 / 3, 2.0 / 15, -17.0 / 315, 62.0 / 2835, -1382.0 / 155925,
        21844.0 / 6081075, -929569.0 / 638512875, 6404582.0 / 10854718875];

    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x);
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Simd.Map(this, x, y);
    /// <inheritdoc/>
    public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x);
    /// <inheritdoc/>
    public Vector256<T> Apply<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ax = Vector256.Abs(x);
        var e = Simd.Exp(ax * Vector256.Create(T.CreateTruncating(-2.0)));
        var one = Vector256<T>.One;
        var large = (one - e) / (one + e);
        large = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -large, large);
        var x2 = x * x;
        var poly = Vector256.Create(T.CreateTruncating(Series[^1]));
        for (int i = Series.Length - 2; i >= 0; i--) poly = Simd.MultiplyAdd(poly, x2, Vector256.Create(T.CreateTruncating(Series[i])));
        // NaN fails both comparisons and keeps the `large` lane, which is NaN.
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(T.CreateTruncating(0.25))), x * poly, large);
    }
}

/// <summary>min(max(x, low), high); NaN stays NaN.</summary>
public readonly struct ClampKernel(double low, double high) : IUnaryKernel, IVectorUnary
{
    /// <inheritdoc/>
    public T Reference<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(x) ? x : T.Min(T.Max(x, T.CreateTruncating(low)), T.CreateTruncating(high));
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Simd.Map(this, x, y);
    /// <inheritdoc/>
    public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Reference(x);
    /// <inheritdoc/>
    public Vector256<T> Apply<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(T.CreateTruncating(low))), Vector256.Create(T.CreateTruncating(high)));
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), clamped, x);
    }
}

/// <summary>x + y</summary>
public readonly struct AddKernel : IBinaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x + y;
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(x, y, z);
    /// <inheritdoc/>
    public void FastScalarRight<T>(ReadOnlySpan<T> x, T s, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(x, s, z);
    /// <inheritdoc/>
    public void FastScalarLeft<T>(T s, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(y, s, z);
}

/// <summary>x - y</summary>
public readonly struct SubKernel : IBinaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x - y;
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(x, y, z);
    /// <inheritdoc/>
    public void FastScalarRight<T>(ReadOnlySpan<T> x, T s, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(x, s, z);
    /// <inheritdoc/>
    public void FastScalarLeft<T>(T s, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(s, y, z);
}

/// <summary>x · y</summary>
public readonly struct MulKernel : IBinaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x * y;
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, y, z);
    /// <inheritdoc/>
    public void FastScalarRight<T>(ReadOnlySpan<T> x, T s, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, s, z);
    /// <inheritdoc/>
    public void FastScalarLeft<T>(T s, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(y, s, z);
}

/// <summary>x / y</summary>
public readonly struct DivKernel : IBinaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x / y;
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(x, y, z);
    /// <inheritdoc/>
    public void FastScalarRight<T>(ReadOnlySpan<T> x, T s, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(x, s, z);
    /// <inheritdoc/>
    public void FastScalarLeft<T>(T s, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(s, y, z);
}

/// <summary>x ^ y</summary>
public readonly struct PowKernel : IBinaryKernel
{
    /// <inheritdoc/>
    public T Reference<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(x, y);
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(x, y, z);
    /// <inheritdoc/>
    public void FastScalarRight<T>(ReadOnlySpan<T> x, T s, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(x, s, z);
    /// <inheritdoc/>
    public void FastScalarLeft<T>(T s, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(s, y, z);
}

/// <summary>
/// A binary kernel from a Vector256 operator struct: the three row shapes come from Simd's drivers.
/// </summary>
public readonly struct VectorBinaryKernel<TOp>(TOp op) : IBinaryKernel where TOp : struct, IVectorBinary
{
    /// <inheritdoc/>
    public T Reference<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => op.Apply(x, y);
    /// <inheritdoc/>
    public void Fast<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => Simd.Map(op, x, y, z);
    /// <inheritdoc/>
    public void FastScalarRight<T>(ReadOnlySpan<T> x, T s, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => Simd.MapScalarRight(op, x, s, z);
    /// <inheritdoc/>
    public void FastScalarLeft<T>(T s, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T> => Simd.MapScalarLeft(op, s, y, z);
}

/// <summary>Backward of leaky ReLU: g where x &gt; 0, else slope·g (ReLU is slope 0; the kink at 0 takes the left side, as PyTorch).</summary>
public readonly struct LeakyReluGradOp(double slope) : IVectorBinary
{
    /// <inheritdoc/>
    public T Apply<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? g : T.CreateTruncating(slope) * g;
    /// <inheritdoc/>
    public Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> g) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), g, g * Vector256.Create(T.CreateTruncating(slope)));
}

/// <summary>Backward of clamp: g where low ≤ x ≤ high, else 0 (PyTorch passes the gradient at the bounds).</summary>
public readonly struct ClampGradOp(double low, double high) : IVectorBinary
{
    /// <inheritdoc/>
    public T Apply<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T> =>
        x >= T.CreateTruncating(low) && x <= T.CreateTruncating(high) ? g : T.Zero;
    /// <inheritdoc/>
    public Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inside = Vector256.GreaterThanOrEqual(x, Vector256.Create(T.CreateTruncating(low)))
                   & Vector256.LessThanOrEqual(x, Vector256.Create(T.CreateTruncating(high)));
        return Vector256.ConditionalSelect(inside, g, Vector256<T>.Zero);
    }
}
