namespace MiniNet.Autograd.Tests;

/// <summary>
/// Tests that touch process-wide state run alone, after the parallel ones: <see cref="Kernels.BufferPool{T}"/>'s
/// counters (a test reading them must not share the process with tests renting buffers on other threads) and a
/// forced SIMD width (see Note: SIMD path in SimdWidth.cs).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "MiniNet serial (process-wide state)";
}
