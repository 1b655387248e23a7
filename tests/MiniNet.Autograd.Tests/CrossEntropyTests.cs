using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Tensor.CrossEntropy against F.cross_entropy for every reduction and label smoothing 0, 0.1, 0.3, on [N,K]
/// (N = 1 and 5, K = 7) and spatial [N,K,d1] logits: GradCheck in float64, the oracle in float32 and float64
/// (int64 targets through the explicit-input overload), a golden number, and the error messages.
/// </summary>
public class CrossEntropyTests
{
    const int K = 7;

    // Targets cover class 0 and class K-1, and repeat classes.
    static readonly long[] Targets5 = [3, 0, 6, 1, 6];
    static readonly long[] Targets1 = [4];
    static readonly long[] TargetsSpatial = [0, 6, 2, 5, 1, 3, 6, 6]; // [2,4]

    static torch.nn.Reduction ToTorch(Reduction r) => r switch
    {
        Reduction.None => torch.nn.Reduction.None,
        Reduction.Sum => torch.nn.Reduction.Sum,
        _ => torch.nn.Reduction.Mean,
    };

    /// <summary>Logits of <paramref name="shape"/> (normal, std <paramref name="std"/>) against the given targets, in both frameworks.</summary>
    static void CheckTorch(int[] shape, long[] targets, int[] targetShape, DType dtype, Reduction r, double eps, double std = 2)
    {
        using var scope = Tensor.Scope();
        var logits = Tensor.Normal(shape, std: std, generator: new Generator(5), dtype: dtype);
        Oracle.Check([logits, Tensor.FromArray(targets, targetShape)],
            x => Tensor.CrossEntropy(x[0], x[1], r, eps),
            t => torch.nn.functional.cross_entropy(t[0], t[1], reduction: ToTorch(r), label_smoothing: eps), [true, false]);
    }

    static void Grad(int[] shape, long[] targets, int[] targetShape, Reduction r, double eps)
    {
        using var scope = Tensor.Scope();
        var logits = Tensor.Normal(shape, std: 2, generator: new Generator(6), dtype: DType.Float64);
        logits.RequiresGrad = true;
        GradCheck.Assert(x => Tensor.CrossEntropy(x[0], x[1], r, eps), [logits, Tensor.FromArray(targets, targetShape)]);
    }

    public static TheoryData<Reduction, double> GradCases()
    {
        var data = new TheoryData<Reduction, double>();
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            foreach (double eps in new[] { 0, 0.1, 0.3 })
                data.Add(r, eps);
        return data;
    }

    public static TheoryData<DType, Reduction, double> Cases()
    {
        var data = new TheoryData<DType, Reduction, double>();
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (var r in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
                foreach (double eps in new[] { 0, 0.1, 0.3 })
                    data.Add(dtype, r, eps);
        return data;
    }

    [Theory, MemberData(nameof(GradCases))]
    public void Batch_gradcheck(Reduction r, double eps) => Grad([5, K], Targets5, [5], r, eps);

    [Theory, MemberData(nameof(GradCases))]
    public void Single_row_gradcheck(Reduction r, double eps) => Grad([1, K], Targets1, [1], r, eps);

    [Theory, MemberData(nameof(GradCases))]
    public void Spatial_gradcheck(Reduction r, double eps) => Grad([2, K, 4], TargetsSpatial, [2, 4], r, eps);

    [Theory, MemberData(nameof(Cases))]
    public void Batch_matches_torch(DType dtype, Reduction r, double eps) => CheckTorch([5, K], Targets5, [5], dtype, r, eps);

    [Theory, MemberData(nameof(Cases))]
    public void Single_row_matches_torch(DType dtype, Reduction r, double eps) => CheckTorch([1, K], Targets1, [1], dtype, r, eps);

    [Theory, MemberData(nameof(Cases))]
    public void Spatial_matches_torch(DType dtype, Reduction r, double eps) => CheckTorch([2, K, 4], TargetsSpatial, [2, 4], dtype, r, eps);

    [Theory, MemberData(nameof(Cases))]
    public void Spatial_2d_matches_torch(DType dtype, Reduction r, double eps) =>
        CheckTorch([2, K, 2, 2], TargetsSpatial, [2, 2, 2], dtype, r, eps);

    // Logits with std 50 (|x| up to ~150): e^x overflows float32 unless the max is subtracted first.
    [Theory, MemberData(nameof(Cases))]
    public void Large_logits_match_torch(DType dtype, Reduction r, double eps) => CheckTorch([5, K], Targets5, [5], dtype, r, eps, std: 50);

    // Unbatched: logits [K], a rank-0 target.
    [Theory, MemberData(nameof(Cases))]
    public void Unbatched_matches_torch(DType dtype, Reduction r, double eps) => CheckTorch([K], [5], [], dtype, r, eps);

    // Enough rows that the kernels split the outer blocks over the worker pool (ForBlocks: outer >= 2·32768/block).
    [Theory, MemberData(nameof(Cases))]
    public void Parallel_path_matches_torch(DType dtype, Reduction r, double eps) =>
        CheckTorch([12000, K], Enumerable.Range(0, 12000).Select(i => (long)(i * 5 % K)).ToArray(), [12000], dtype, r, eps);

    // A -Inf logit of another class: with eps = 0 the loss stays finite (no 0·-Inf), as in PyTorch.
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Minus_infinity_logit_of_another_class_matches_torch(DType dtype)
    {
        using var scope = Tensor.Scope();
        var logits = Tensor.FromArray(new[] { 1.0, double.NegativeInfinity, 0.5, 2, -1, double.NegativeInfinity }, 2, 3).To(dtype);
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            Oracle.Check([logits, Tensor.FromArray(new long[] { 0, 1 }, 2)], x => Tensor.CrossEntropy(x[0], x[1], r),
                t => torch.nn.functional.cross_entropy(t[0], t[1], reduction: ToTorch(r)), [true, false]);
    }

    [Fact]
    public void Label_smoothing_golden_number()
    {
        // logits x = [1, 2, 3] (K = 3), target 0, eps = 0.1: q = (1 - eps)·onehot(0) + eps/K = [0.9 + 0.1/3, 0.1/3, 0.1/3].
        // loss = -Σ q_k log p_k = Σ q_k (lse - x_k) = lse - Σ q_k x_k, since Σ q_k = 1, where
        //   lse = ln(e + e^2 + e^3) = 3.40760596444438
        //   loss = lse - (1 - eps)·1 - eps/3·(1 + 2 + 3) = 3.40760596444438 - 0.9 - 0.2 = 2.30760596444438
        // dloss/dx = softmax(x) - q, softmax(x) = e^(x - lse) = [0.0900305731703805, 0.244728471054798, 0.665240955774822]
        //   => [-0.843302760162953, 0.211395137721464, 0.631907622441489]
        // Same value in TorchSharp: torch.nn.functional.cross_entropy(torch.tensor(new[] { 1.0, 2, 3 }).reshape(1, 3),
        //   torch.tensor(new long[] { 0 }), label_smoothing: 0.1).item<double>()
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new[] { 1.0, 2, 3 }, 1, 3);
        x.RequiresGrad = true;
        var loss = Tensor.CrossEntropy(x, Tensor.FromArray(new long[] { 0 }, 1), Reduction.Mean, labelSmoothing: 0.1);
        loss.Backward();
        Assert.Equal(2.30760596444438, loss.Item(), 1e-13);
        var grad = x.Grad!.ToArray<double>();
        Assert.Equal(-0.843302760162953, grad[0], 1e-13);
        Assert.Equal(0.211395137721464, grad[1], 1e-13);
        Assert.Equal(0.631907622441489, grad[2], 1e-13);

        TorchInterop.EnsureInitialized();
        using var torchScope = torch.NewDisposeScope();
        double torchLoss = torch.nn.functional.cross_entropy(torch.tensor(new[] { 1.0, 2, 3 }).reshape(1, 3),
            torch.tensor(new long[] { 0 }), label_smoothing: 0.1).item<double>();
        Assert.Equal(2.30760596444438, torchLoss, 1e-13);
    }

    // ---- errors -------------------------------------------------------------------------------------------------

    [Theory, InlineData(7L), InlineData(-1L), InlineData(100L)]
    public void Out_of_range_target_names_the_index_and_K(long bad)
    {
        using var scope = Tensor.Scope();
        var logits = Tensor.Zeros([3, K]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.CrossEntropy(logits, Tensor.FromArray(new long[] { 0, bad, 2 }, 3)));
        Assert.Contains("cross_entropy", e.Message);
        Assert.Contains($"target {bad}", e.Message);
        Assert.Contains($"[0, {K})", e.Message);
    }

    [Fact]
    public void Float_targets_throw_not_supported()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<NotSupportedException>(() => Tensor.CrossEntropy(Tensor.Zeros([3, K]), Tensor.FromArray(new[] { 0f, 1f, 2f }, 3)));
        Assert.Contains("cross_entropy", e.Message);
        Assert.Contains("int64", e.Message);
    }

    [Fact]
    public void Targets_of_the_wrong_shape_throw()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.CrossEntropy(Tensor.Zeros([3, K]), Tensor.FromArray(new long[] { 0, 1 }, 2)));
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[2]", e.Message);
    }

    [Fact]
    public void Label_smoothing_outside_0_1_throws()
    {
        using var scope = Tensor.Scope();
        var targets = Tensor.FromArray(new long[] { 0, 1, 2 }, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.CrossEntropy(Tensor.Zeros([3, K]), targets, labelSmoothing: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.CrossEntropy(Tensor.Zeros([3, K]), targets, labelSmoothing: 1.5));
    }
}
