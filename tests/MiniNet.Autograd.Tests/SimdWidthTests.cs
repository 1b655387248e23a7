using MiniNet.Kernels;

namespace MiniNet.Autograd.Tests;

/// <summary>Every SIMD width this machine has, forced in turn, held to the reference loops and to each other.</summary>
[Collection(SerialCollection.Name)]
public class SimdWidthTests
{
    /// <summary>The widths this machine supports.</summary>
    public static TheoryData<SimdWidth> Widths()
    {
        var data = new TheoryData<SimdWidth>();
        foreach (var width in SimdPath.Supported) data.Add(width);
        return data;
    }

    [Fact]
    public void The_machine_has_avx2_and_the_widest_width_is_the_default()
    {
        Assert.Contains(SimdWidth.Vector256, SimdPath.Supported);
        Assert.Equal(SimdPath.Supported[^1], SimdPath.Current);
        using (SimdPath.Force(SimdWidth.Vector256)) Assert.Equal(SimdWidth.Vector256, SimdPath.Current);
        Assert.Equal(SimdPath.Supported[^1], SimdPath.Current);
        if (!SimdPath.IsSupported(SimdWidth.Vector512))
            Assert.StartsWith("simd: this machine cannot run Vector512", Assert.Throws<NotSupportedException>(() => SimdPath.Force(SimdWidth.Vector512)).Message);
    }

    [Theory, MemberData(nameof(Widths))]
    public void Gemm_matches_the_reference_at(SimdWidth width)
    {
        using var forced = SimdPath.Force(width);
        Assert.Equal(2 * (width == SimdWidth.Vector512 ? 16 : 8), Gemm.NR<float>(width));
        // Edges of both tile widths (16 and 32 float columns), the blocks, and the parallel split.
        foreach (var (m, n, k) in new[] { (1, 1, 1), (6, 16, 3), (6, 32, 3), (7, 33, 5), (13, 47, 19), (73, 65, 257), (150, 200, 90), (5, 2081, 7) })
            KernelTests.CheckGemmShapes(m, n, k);
    }

    [Theory, MemberData(nameof(Widths))]
    public void Conv_gemm_packers_match_the_reference_at(SimdWidth width)
    {
        using var forced = SimdPath.Force(width);
        Conv2dTests.CheckBatchedGemmPaths();
    }

    [Fact]
    public void Every_width_gives_the_same_bits()
    {
        // Each lane runs the same FMA chain over k in the same order at either width, so the products are identical.
        const int m = 37, n = 83, k = 300;
        var rng = new Generator(5);
        float[] a = new float[m * k], b = new float[k * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextNormal();
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextNormal();
        float[]? first = null;
        foreach (var width in SimdPath.Supported)
        {
            using var forced = SimdPath.Force(width);
            var c = new float[m * n];
            Gemm.Multiply(a, false, b, true, c, m, n, k, accumulate: false);
            if (first is null) first = c;
            else Assert.Equal(first, c);
        }
        Assert.NotNull(first);
    }
}
