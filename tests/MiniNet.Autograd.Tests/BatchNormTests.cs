using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Tensor.BatchNorm against F.batch_norm in float32 and float64: training and eval, affine on and off, momentum 0.1
/// and 0.3, eps 1e-3 and 1e-5, [N,C] and [N,C,H,W] inputs with N = 2..5 and odd C, comparing the output, the gradients
/// of input, weight and bias, and the running statistics after the call. Also GradCheck in float64, the fused
/// kernels against their references, a hand-checked case and the error messages.
/// </summary>
public class BatchNormTests
{
    /// <summary>(dtype, training, affine, 4-D input, momentum, eps): the full product, 64 cases.</summary>
    public static TheoryData<DType, bool, bool, bool, double, double> Cases()
    {
        var data = new TheoryData<DType, bool, bool, bool, double, double>();
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (bool training in new[] { true, false })
                foreach (bool affine in new[] { true, false })
                    foreach (bool spatial in new[] { false, true })
                        foreach (double momentum in new[] { 0.1, 0.3 })
                            foreach (double eps in new[] { 1e-3, 1e-5 })
                                data.Add(dtype, training, affine, spatial, momentum, eps);
        return data;
    }

    /// <summary>
    /// Input of <paramref name="shape"/> with per-channel offsets (mean far from 0, so centring matters), running
    /// statistics (variance in [0.5, 1.5]) and, when <paramref name="affine"/>, weight and bias; all checked against
    /// F.batch_norm, then the running statistics of both frameworks compared.
    /// </summary>
    static void CheckTorch(int[] shape, DType dtype, bool training, bool affine, double momentum, double eps, bool runningStats = true, ulong seed = 0)
    {
        using var scope = Tensor.Scope();
        int c = shape[1];
        var g = new Generator(seed);
        var x = (Tensor.Normal(shape, std: 2, generator: g, dtype: dtype) + Tensor.Normal([c, .. Enumerable.Repeat(1, shape.Length - 2)], std: 3, generator: g, dtype: dtype));
        var weight = Tensor.Normal([c], mean: 1, std: 0.5, generator: g, dtype: dtype);
        var bias = Tensor.Normal([c], generator: g, dtype: dtype);
        Tensor? rm = runningStats ? Tensor.Normal([c], generator: g, dtype: dtype) : null;
        Tensor? rv = runningStats ? Tensor.Uniform([c], 0.5, 1.5, generator: g, dtype: dtype) : null;

        TorchInterop.EnsureInitialized();
        using var torchScope = torch.NewDisposeScope();
        var trm = rm?.ToTorch();
        var trv = rv?.ToTorch();
        // The oracle's seed ((out + 1)^2).mean() gives an upstream gradient affine in x̂, exactly what the training
        // backward projects out (leaving only an eps-sized rest, all cancellation); a fixed random factor r makes it generic.
        var r = Tensor.Normal(shape, generator: g, dtype: dtype);
        var tr = r.ToTorch();
        Tensor[] inputs = affine ? [x, weight, bias] : [x];
        Oracle.Check(inputs,
            v => Tensor.BatchNorm(v[0], rm, rv, affine ? v[1] : null, affine ? v[2] : null, training, momentum, eps) * r,
            t => torch.nn.functional.batch_norm(t[0], trm, trv, affine ? t[1] : null, affine ? t[2] : null, training, momentum, eps) * tr);
        if (rm is null) return;
        Oracle.Compare(rm, trm!, "running_mean");
        Oracle.Compare(rv!, trv!, "running_var");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Matches_torch(DType dtype, bool training, bool affine, bool spatial, double momentum, double eps)
    {
        // N cycles through 2..5 and C through 3, 5, 7 over the cases, from the flags, so every size meets every mode.
        int variant = (training ? 1 : 0) + (affine ? 2 : 0) + (momentum > 0.2 ? 4 : 0) + (eps > 1e-4 ? 8 : 0);
        int n = 2 + variant % 4, c = 3 + 2 * (variant % 3);
        CheckTorch(spatial ? [n, c, 3, 2] : [n, c], dtype, training, affine, momentum, eps, seed: (ulong)variant);
    }

    // Training without running statistics: batch statistics only, nothing to update.
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Training_without_running_stats_matches_torch(DType dtype)
    {
        CheckTorch([4, 3, 2, 3], dtype, training: true, affine: true, 0.1, 1e-5, runningStats: false, seed: 20);
        CheckTorch([5, 7], dtype, training: true, affine: false, 0.1, 1e-5, runningStats: false, seed: 21);
    }

    // Two values per channel (the fewest allowed in training), extra trailing dims, and one sample in eval.
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Edge_shapes_match_torch(DType dtype)
    {
        CheckTorch([2, 3], dtype, training: true, affine: true, 0.1, 1e-5, seed: 22);
        CheckTorch([1, 3, 2], dtype, training: true, affine: true, 0.3, 1e-5, seed: 23);
        CheckTorch([2, 5, 2, 1, 3], dtype, training: true, affine: true, 0.1, 1e-3, seed: 24);
        CheckTorch([1, 3], dtype, training: false, affine: true, 0.1, 1e-5, seed: 25);
    }

    // Enough values per channel that the kernels split the channels over the worker pool (>= ParallelChunk per range).
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void Parallel_path_matches_torch(DType dtype)
    {
        CheckTorch([8, 5, 48, 48], dtype, training: true, affine: true, 0.1, 1e-5, seed: 26);
        CheckTorch([4096, 33], dtype, training: true, affine: true, 0.1, 1e-5, seed: 27);
    }

    static void Grad(int[] shape, bool training, bool affine, bool relu = false)
    {
        using var scope = Tensor.Scope();
        var g = new Generator(8);
        int c = shape[1];
        var x = Tensor.Normal(shape, std: 2, generator: g, dtype: DType.Float64);
        var weight = Tensor.Normal([c], mean: 1, std: 0.5, generator: g, dtype: DType.Float64);
        var bias = Tensor.Normal([c], generator: g, dtype: DType.Float64);
        var rm = Tensor.Normal([c], generator: g, dtype: DType.Float64);
        var rv = Tensor.Uniform([c], 0.5, 1.5, generator: g, dtype: DType.Float64);
        foreach (var t in affine ? new[] { x, weight, bias } : [x]) t.RequiresGrad = true;
        GradCheck.Assert(v => (relu ? (BatchNormOp)Tensor.BatchNormRelu : Tensor.BatchNorm)(v[0], rm, rv, affine ? v[1] : null, affine ? v[2] : null, training, 0.1, 1e-5),
            affine ? [x, weight, bias] : [x], names: affine ? ["input", "weight", "bias"] : ["input"]);
    }

    delegate Tensor BatchNormOp(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum, double eps);

    [Theory]
    [InlineData(true, true), InlineData(true, false), InlineData(false, true), InlineData(false, false)]
    public void Gradcheck_2d(bool training, bool affine) => Grad([4, 3], training, affine);

    [Theory]
    [InlineData(true, true), InlineData(false, true), InlineData(true, false)]
    public void Fused_relu_gradcheck(bool training, bool affine)
    {
        Grad([4, 3], training, affine, relu: true);
        Grad([2, 3, 3, 4], training, affine, relu: true);
    }

    /// <summary>
    /// batch_norm_relu against batch_norm then relu, bit for bit: the fused forward clamps the same FMA result, and its
    /// backward masks the same gradient before the same sums (Note: fused ReLU). Output, every gradient and the running
    /// statistics, training and eval, both layouts and dtypes.
    /// </summary>
    [Theory]
    [InlineData(DType.Float32, true, false), InlineData(DType.Float32, false, false), InlineData(DType.Float32, true, true),
     InlineData(DType.Float64, true, true), InlineData(DType.Float64, false, true)]
    public void Fused_relu_equals_batch_norm_then_relu_bitwise(DType dtype, bool training, bool spatial)
    {
        int[] shape = spatial ? [3, 5, 7, 9] : [64, 37];
        var fused = RunBatchNormRelu(shape, dtype, training, fused: true);
        var unfused = RunBatchNormRelu(shape, dtype, training, fused: false);
        string[] names = ["output", "gradInput", "gradWeight", "gradBias", "running_mean", "running_var"];
        for (int i = 0; i < names.Length; i++)
            Assert.True(fused[i].SequenceEqual(unfused[i]), $"batch_norm_relu {names[i]} differs from batch_norm + relu ({dtype}, training {training}, {string.Join("x", shape)})");
        Assert.Contains(fused[0], v => v == 0); // the clamp ran
        Assert.Contains(fused[0], v => v > 0);
    }

    static double[][] RunBatchNormRelu(int[] shape, DType dtype, bool training, bool fused)
    {
        using var scope = Tensor.Scope();
        var g = new Generator(31);
        int c = shape[1];
        var x = Tensor.Normal(shape, std: 2, generator: g, dtype: dtype);
        var weight = Tensor.Normal([c], mean: 1, std: 0.5, generator: g, dtype: dtype);
        var bias = Tensor.Normal([c], generator: g, dtype: dtype);
        var rm = Tensor.Normal([c], generator: g, dtype: dtype);
        var rv = Tensor.Uniform([c], 0.5, 1.5, generator: g, dtype: dtype);
        var seed = Tensor.Normal(shape, generator: g, dtype: dtype);
        foreach (var t in new[] { x, weight, bias }) t.RequiresGrad = true;
        var y = fused ? Tensor.BatchNormRelu(x, rm, rv, weight, bias, training) : Tensor.BatchNorm(x, rm, rv, weight, bias, training).Relu();
        (y * seed).Sum().Backward();
        return [.. new[] { y, x.Grad!, weight.Grad!, bias.Grad!, rm, rv }.Select(t => t.To(DType.Float64).ToArray<double>())];
    }

    [Theory]
    [InlineData(true, true), InlineData(true, false), InlineData(false, true), InlineData(false, false)]
    public void Gradcheck_4d(bool training, bool affine) => Grad([2, 3, 2, 2], training, affine);

    [Fact]
    public void Hand_checked_training_step()
    {
        // x = [1, 2, 3, 4] as [4,1] (one channel), no affine, eps = 0, momentum 0.1, running (0, 1):
        //   μ = 2.5, biased σ² = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25, y = (x - 2.5)/√1.25
        //   running_mean = 0.9·0 + 0.1·2.5 = 0.25
        //   running_var = 0.9·1 + 0.1·(1.25·4/3) = 0.9 + 0.1·5/3 = 1.0666...  (unbiased: n/(n-1) = 4/3)
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new[] { 1.0, 2, 3, 4 }, 4, 1);
        var rm = Tensor.Zeros([1], DType.Float64);
        var rv = Tensor.Ones([1], DType.Float64);
        var y = Tensor.BatchNorm(x, rm, rv, null, null, training: true, momentum: 0.1, eps: 0).ToArray<double>();
        double r = 1 / Math.Sqrt(1.25);
        Assert.Equal([-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r], y, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(0.25, rm.Item(), 1e-15);
        Assert.Equal(0.9 + 0.1 * 5 / 3, rv.Item(), 1e-15);
    }

    [Fact]
    public void Eval_leaves_running_stats_and_records_one_op()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([3, 5, 2], generator: new Generator(9), dtype: DType.Float64);
        x.RequiresGrad = true;
        var rm = Tensor.FromArray(new[] { 0.1, 0.2, 0.3, 0.4, 0.5 }, 5);
        var rv = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5 }, 5);
        int before = Tape.Current.Entries.Count;
        var y = Tensor.BatchNorm(x, rm, rv, null, null, training: false);
        Assert.Equal(before + 1, Tape.Current.Entries.Count);
        Assert.Equal("batch_norm", Tape.Current.Entries[^1].Op);
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 0.5], rm.ToArray<double>());
        Assert.Equal([1.0, 2, 3, 4, 5], rv.ToArray<double>());
        Assert.False(rm.RequiresGrad);
    }

    [Fact]
    public void Empty_batch_gives_empty_output_and_keeps_running_stats()
    {
        using var scope = Tensor.Scope();
        var rm = Tensor.Ones([3]);
        var rv = Tensor.Ones([3]);
        var y = Tensor.BatchNorm(Tensor.Zeros([0, 3, 2]), rm, rv, null, null, training: true);
        Assert.Equal([0, 3, 2], y.Shape);
        Assert.Equal([1f, 1, 1], rm.ToArray<float>());
        Assert.Equal([1f, 1, 1], rv.ToArray<float>());
    }

    // ---- kernels: fast against reference -----------------------------------------------------------------------

    /// <summary>
    /// (n, c, s): every s in 0..2x the float vector width and beyond (the channel path), every c in 1..2x the width
    /// with s = 1 (the [N,C] column path), one sample, and sizes that split over the pool.
    /// </summary>
    public static TheoryData<int, int, int> KernelSizes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int s in Enumerable.Range(0, 18).Append(33)) data.Add(3, 5, s);
        foreach (int c in Enumerable.Range(1, 17)) data.Add(4, c, 1);
        data.Add(1, 3, 4);
        data.Add(700, 3, 1);
        data.Add(2000, 37, 1); // [N,C] with channel ranges split over the pool
        data.Add(4, 3, 4099); // a range of >= ParallelChunk values: the channel split over the pool
        return data;
    }

    [Theory, MemberData(nameof(KernelSizes))]
    public void Kernels_match_reference(int n, int c, int s)
    {
        KernelsMatchReference<float>(n, c, s, 1e-5);
        KernelsMatchReference<double>(n, c, s, 1e-12);
    }

    static void KernelsMatchReference<T>(int n, int c, int s, double tol) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Random(n * 1000 + c * 100 + s);
        T[] Draw(int count, double offset, double scale) => Enumerable.Range(0, count).Select(_ => T.CreateTruncating(offset + scale * (rng.NextDouble() * 2 - 1))).ToArray();
        var x = Draw(n * c * s, 5, 3);
        var gradOut = Draw(n * c * s, 0, 1);
        var weight = Draw(c, 1, 0.5);
        var bias = Draw(c, 0, 1);
        foreach (bool batchStats in new[] { true, false })
            foreach (bool affine in new[] { true, false })
            foreach (bool relu in new[] { false, true })
            {
                string what = $"batchStats {batchStats}, affine {affine}, relu {relu}, [{n},{c},{s}] {typeof(T).Name}";
                T[] Stats() => batchStats ? new T[c] : Draw(c, 0.5, 0.4); // eval: the running statistics, variance > 0
                var (mean, variance, invstd) = (Stats(), Stats(), new T[c]);
                var (meanRef, varianceRef, invstdRef) = ((T[])mean.Clone(), (T[])variance.Clone(), new T[c]);
                var (y, yRef) = (new T[n * c * s], new T[n * c * s]);
                T[]? w = affine ? weight : null, b = affine ? bias : null;
                Kernels.BatchNorm.Forward(x, y, n, c, s, w, b, mean, variance, invstd, batchStats, 1e-5, relu);
                Kernels.BatchNorm.ForwardReference<T>(x, yRef, n, c, s, w, b, meanRef, varianceRef, invstdRef, batchStats, 1e-5, relu);
                AssertClose(meanRef, mean, tol, "mean, " + what);
                AssertClose(varianceRef, variance, tol, "variance, " + what);
                AssertClose(invstdRef, invstd, tol, "invstd, " + what);
                AssertClose(yRef, y, tol, "y, " + what);

                var (gradX, gradXRef) = (new T[n * c * s], new T[n * c * s]);
                var (gradW, gradWRef, gradB, gradBRef) = (new T[c], new T[c], new T[c], new T[c]);
                Kernels.BatchNorm.Backward(x, gradOut, n, c, s, w, mean, invstd, batchStats, gradX, gradW, gradB, relu ? y : null);
                Kernels.BatchNorm.BackwardReference<T>(x, gradOut, n, c, s, w, mean, invstd, batchStats, gradXRef, gradWRef, gradBRef, relu ? yRef : default);
                AssertClose(gradXRef, gradX, tol, "gradX, " + what);
                AssertClose(gradWRef, gradW, tol, "gradWeight, " + what);
                AssertClose(gradBRef, gradB, tol, "gradBias, " + what);
            }
    }

    /// <summary>|actual - expected| ≤ tol·(1 + max|expected|) everywhere.</summary>
    static void AssertClose<T>(T[] expected, T[] actual, double tol, string what) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double scale = 1 + expected.Select(v => Math.Abs(double.CreateTruncating(v))).DefaultIfEmpty(0).Max();
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), a = double.CreateTruncating(actual[i]);
            if (!(Math.Abs(e - a) <= tol * scale)) Assert.Fail($"{what}: element {i} of {expected.Length}: expected {e:R}, got {a:R}");
        }
    }

    // ---- errors ------------------------------------------------------------------------------------------------

    [Fact]
    public void One_value_per_channel_in_training_throws_naming_the_shape()
    {
        using var scope = Tensor.Scope();
        foreach (var shape in new[] { new[] { 1, 3 }, [1, 3, 1, 1] })
        {
            var e = Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(Tensor.Zeros(shape), null, null, null, null, training: true));
            Assert.Contains("batch_norm: expected more than 1 value per channel when training", e.Message);
            Assert.Contains(Shapes.Format(shape), e.Message);
        }
    }

    [Fact]
    public void Wrong_channel_count_throws_naming_the_argument_and_shapes()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([4, 3, 2, 2]);
        var four = Tensor.Ones([4]);
        var three = Tensor.Ones([3]);
        foreach (var (call, name) in new (Func<Tensor>, string)[]
        {
            (() => Tensor.BatchNorm(x, four, three, null, null, false), "running_mean"),
            (() => Tensor.BatchNorm(x, three, four, null, null, false), "running_var"),
            (() => Tensor.BatchNorm(x, null, null, four, null, true), "weight"),
            (() => Tensor.BatchNorm(x, null, null, null, Tensor.Ones([3, 1]), true), "bias"),
        })
        {
            var e = Assert.Throws<ArgumentException>(call);
            Assert.Contains($"batch_norm: {name} must be [C] = [3]", e.Message);
            Assert.Contains("[4,3,2,2]", e.Message);
        }
    }

    [Fact]
    public void Other_misuse_throws()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([4, 3]);
        var e = Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(x, null, null, null, null, training: false));
        Assert.Contains("running_mean and running_var", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(Tensor.Zeros([5]), null, null, null, null, training: true));
        Assert.Contains("batch_norm: input must be [N,C]", e.Message);
        Assert.Contains("[5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(x, null, null, Tensor.Ones([3], DType.Float64), null, training: true));
        Assert.Contains("torch.float64", e.Message);
        Assert.Throws<NotSupportedException>(() => Tensor.BatchNorm(Tensor.Zeros([4, 3], DType.Int64), null, null, null, null, training: true));
    }
}
