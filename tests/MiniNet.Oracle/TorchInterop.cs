using TorchSharp;

namespace MiniNet;

/// <summary>
/// Copies between MiniNet <see cref="Tensor"/> and TorchSharp <c>torch.Tensor</c> (float32, float64, int64),
/// keeping shape and dtype. Both directions copy: neither side ever sees the other's storage.
/// </summary>
public static class TorchInterop
{
    /// <summary>
    /// Runs once, before the first TorchSharp call of the process.
    /// libtorch starts one intra-op thread per core by default. The machines this runs on have 2 cores and
    /// xunit runs 2 test classes at once (xunit.runner.json: maxParallelThreads 2), so each torch call keeps to
    /// one thread: 2 tests x 1 thread = 2 cores, with no oversubscription (which would slow tests many-fold).
    /// Tiny oracle tensors gain nothing from threads anyway.
    /// </summary>
    static TorchInterop() => torch.set_num_threads(1);

    /// <summary>Makes sure the one-time set-up above has run; cheap after the first call.</summary>
    public static void EnsureInitialized() { }

    /// <summary>A TorchSharp copy of <paramref name="tensor"/>: same shape, same dtype. A leaf, requiring grad when asked.</summary>
    /// <exception cref="ArgumentException">requiresGrad on an int64 tensor.</exception>
    public static torch.Tensor ToTorch(this Tensor tensor, bool requiresGrad = false)
    {
        EnsureInitialized();
        if (requiresGrad && !tensor.DType.IsFloatingPoint())
            throw new ArgumentException($"to_torch: a {tensor.DType.TorchName()} tensor cannot require grad");
        long[] dims = Array.ConvertAll(tensor.Shape, d => (long)d);
        torch.Tensor result = tensor.DType switch
        {
            DType.Float32 => torch.tensor(tensor.ToArray<float>(), dims),
            DType.Float64 => torch.tensor(tensor.ToArray<double>(), dims),
            _ => torch.tensor(tensor.ToArray<long>(), dims),
        };
        return requiresGrad ? result.requires_grad_(true) : result;
    }

    /// <summary>A MiniNet copy of <paramref name="tensor"/> (a leaf, not requiring grad): same shape, same dtype.</summary>
    /// <exception cref="NotSupportedException">For dtypes other than float32, float64 and int64.</exception>
    public static Tensor ToMiniNet(this torch.Tensor tensor)
    {
        EnsureInitialized();
        int[] shape = Array.ConvertAll(tensor.shape, d => checked((int)d));
        using var values = tensor.detach().contiguous();
        return tensor.dtype switch
        {
            torch.ScalarType.Float32 => Tensor.FromArray(values.data<float>().ToArray(), shape),
            torch.ScalarType.Float64 => Tensor.FromArray(values.data<double>().ToArray(), shape),
            torch.ScalarType.Int64 => Tensor.FromArray(values.data<long>().ToArray(), shape),
            var other => throw new NotSupportedException($"to_mininet: MiniNet holds float32, float64 or int64, not {other}"),
        };
    }

    /// <summary>The MiniNet dtype matching a TorchSharp scalar type, or null when MiniNet has none.</summary>
    public static DType? ToMiniNet(this torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => DType.Float32,
        torch.ScalarType.Float64 => DType.Float64,
        torch.ScalarType.Int64 => DType.Int64,
        _ => null,
    };

    /// <summary>The elements of <paramref name="tensor"/> widened to double, in row-major order (any real dtype).</summary>
    internal static double[] ToDoubles(torch.Tensor tensor)
    {
        if (tensor.numel() == 0) return []; // TorchSharp's accessor cannot copy out zero elements
        using var values = tensor.detach().to_type(torch.ScalarType.Float64).contiguous();
        return values.data<double>().ToArray();
    }

    /// <summary>The elements of <paramref name="tensor"/> widened to double, in row-major order.</summary>
    internal static double[] ToDoubles(Tensor tensor) => tensor.DType switch
    {
        DType.Float32 => Array.ConvertAll(tensor.ToArray<float>(), v => (double)v),
        DType.Float64 => tensor.ToArray<double>(),
        _ => Array.ConvertAll(tensor.ToArray<long>(), v => (double)v),
    };
}
