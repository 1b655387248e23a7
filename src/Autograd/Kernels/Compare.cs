using System.Numerics;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

/// <summary>Which comparison a <see cref="CompareOp"/> makes.</summary>
public enum Comparison
{
    /// <summary>x &gt; y</summary>
    Greater,
    /// <summary>x ≥ y</summary>
    GreaterOrEqual,
    /// <summary>x &lt; y</summary>
    Less,
    /// <summary>x ≤ y</summary>
    LessOrEqual,
    /// <summary>x = y</summary>
    Equal,
}

/// <summary>1 where the comparison holds, else 0, in the inputs' float type. Any comparison with NaN is false (0).</summary>
public readonly struct CompareOp(Comparison comparison) : IVectorBinary
{
    /// <inheritdoc/>
    public T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool holds = comparison switch
        {
            Comparison.Greater => x > y,
            Comparison.GreaterOrEqual => x >= y,
            Comparison.Less => x < y,
            Comparison.LessOrEqual => x <= y,
            _ => x == y,
        };
        return holds ? T.One : T.Zero;
    }

    /// <inheritdoc/>
    public Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var holds = comparison switch
        {
            Comparison.Greater => Vector256.GreaterThan(x, y),
            Comparison.GreaterOrEqual => Vector256.GreaterThanOrEqual(x, y),
            Comparison.Less => Vector256.LessThan(x, y),
            Comparison.LessOrEqual => Vector256.LessThanOrEqual(x, y),
            _ => Vector256.Equals(x, y),
        };
        return Vector256.ConditionalSelect(holds, Vector256<T>.One, Vector256<T>.Zero);
    }
}
