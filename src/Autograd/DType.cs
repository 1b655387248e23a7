namespace MiniNet;

/// <summary>Element type of a <see cref="Tensor"/>. PyTorch: <c>torch.dtype</c>.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float, the default for data and parameters.</summary>
    Float32,
    /// <summary>64-bit IEEE float, used for exact gradient checks.</summary>
    Float64,
    /// <summary>64-bit integer: class targets and counters. No gradient flows through it.</summary>
    Int64,
}

/// <summary>Helpers that map between <see cref="DType"/> and CLR element types.</summary>
public static class DTypes
{
    /// <summary>The <see cref="DType"/> of the CLR type <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException">For any type other than float, double and long.</exception>
    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(long) ? DType.Int64
        : throw new NotSupportedException($"MiniNet tensors hold float, double or long, not {typeof(T).Name}");

    /// <summary>True for the floating-point types, the only ones that carry gradients.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype != DType.Int64;

    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype == DType.Float32 ? 4 : 8;

    /// <summary>PyTorch's spelling, used by <see cref="Tensor.ToString"/> and errors.</summary>
    public static string TorchName(this DType dtype) => dtype switch
    {
        DType.Float32 => "torch.float32",
        DType.Float64 => "torch.float64",
        _ => "torch.int64",
    };
}
