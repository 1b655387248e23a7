namespace MiniNet;

/// <summary>
/// How close MiniNet must come to PyTorch: <c>max|mini - torch| &lt;= ATol + RTol * max|torch|</c>, over the whole tensor.
/// </summary>
public readonly record struct OracleTolerance(double RTol, double ATol)
{
    /// <summary>float64: (1e-9, 1e-12), near round-off of a short chain of ops.</summary>
    public static OracleTolerance Float64 { get; } = new(1e-9, 1e-12);

    /// <summary>float32: (1e-4, 1e-6), room for a different summation order.</summary>
    public static OracleTolerance Float32 { get; } = new(1e-4, 1e-6);

    /// <summary>int64: exact.</summary>
    public static OracleTolerance Exact { get; } = new(0, 0);

    /// <summary>The default for tensors of <paramref name="dtype"/>.</summary>
    public static OracleTolerance For(DType dtype) => dtype switch
    {
        DType.Float32 => Float32,
        DType.Float64 => Float64,
        _ => Exact,
    };
}

/// <summary>MiniNet and PyTorch disagree; the message names the item compared, its shape, the worst index and both values.</summary>
public sealed class OracleMismatchException(string message) : Exception(message);
