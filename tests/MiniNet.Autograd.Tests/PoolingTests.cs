using System.Runtime.InteropServices;
using MiniNet.Kernels;
using TorchSharp;
using F = TorchSharp.torch.nn.functional;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// max_pool2d, avg_pool2d, adaptive_avg_pool2d and global average pooling: the PyTorch oracle in float32 and float64
/// over seeded random configurations and GoogLeNet's pools, exact ties and NaN for max pooling, GradCheck in float64,
/// every fast kernel against its reference, and the argument errors.
/// </summary>
public class PoolingTests
{
    // ---------------------------------------------------------------- configurations

    /// <summary>One pooling configuration; its ToString names the case in failure messages.</summary>
    sealed record PoolCase(int[] Shape, Pair Kernel, Pair Stride, Pair Padding, Pair Dilation, bool CeilMode, bool CountIncludePad = true)
    {
        public Pool2dGeometry Geometry => Pool2dGeometry.Create("test", Shape, Kernel, Stride, Padding, Dilation, CeilMode);

        public override string ToString() =>
            $"input {Shapes.Format(Shape)} kernel {Kernel} stride {Stride} padding {Padding} dilation {Dilation} ceil {CeilMode} countIncludePad {CountIncludePad}";
    }

    static readonly int[] Channels = [1, 3, 5, 7, 9, 13];

    /// <summary>
    /// Seeded valid configurations: kernel 1-4, stride 1-3, padding 0..k/2, dilation 1-2 (when asked), ceil and
    /// count_include_pad on or off, batch 1 or 3, odd channel counts, sizes 1..maxSize; horizontal stride 1 when asked.
    /// </summary>
    static List<PoolCase> RandomCases(int seed, int count, bool dilation, int maxSize = 12, bool unitStrideW = false)
    {
        var rng = new Random(seed);
        var cases = new List<PoolCase>();
        while (cases.Count < count)
        {
            Pair kernel = (rng.Next(1, 5), rng.Next(1, 5));
            Pair d = dilation ? (rng.Next(1, 3), rng.Next(1, 3)) : 1;
            var c = new PoolCase([rng.Next(2) == 0 ? 1 : 3, Channels[rng.Next(Channels.Length)], rng.Next(1, maxSize + 1), rng.Next(1, maxSize + 1)],
                kernel, (rng.Next(1, 4), unitStrideW ? 1 : rng.Next(1, 4)), (rng.Next(kernel.H / 2 + 1), rng.Next(kernel.W / 2 + 1)), d,
                CeilMode: rng.Next(2) == 0, CountIncludePad: rng.Next(2) == 0);
            if (Pool2dGeometry.OutSize(c.Shape[2], kernel.H, c.Stride.H, c.Padding.H, d.H, c.CeilMode) >= 1 &&
                Pool2dGeometry.OutSize(c.Shape[3], kernel.W, c.Stride.W, c.Padding.W, d.W, c.CeilMode) >= 1)
                cases.Add(c);
        }
        return cases;
    }

    /// <summary>
    /// A max-pool window with no point inside the input (dilation only): PyTorch's CPU backward then writes through
    /// an out-of-range index, so the oracle skips such cases; <see cref="MaxPool2d_window_wholly_in_padding_gives_minus_infinity"/> covers them.
    /// </summary>
    static bool HasEmptyWindow(PoolCase c)
    {
        var g = c.Geometry with { N = 1, C = 1 };
        var argmax = new long[g.OutH * g.OutW];
        Kernels.MaxPool2d.ForwardReference<double>(new double[g.H * g.W], new double[argmax.Length], argmax, g);
        return argmax.Contains(-1);
    }

    static void ForEachCase(IEnumerable<PoolCase> cases, Action<PoolCase> check)
    {
        foreach (var c in cases)
        {
            try { check(c); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"{c}:\n{e.Message}"); }
        }
    }

    static long[] L(Pair p) => [p.H, p.W];

    static Tensor MiniMax(Tensor x, PoolCase c) => x.MaxPool2d(c.Kernel, c.Stride, c.Padding, c.Dilation, c.CeilMode);
    static torch.Tensor TorchMax(torch.Tensor t, PoolCase c) =>
        F.max_pool2d(t, L(c.Kernel), strides: L(c.Stride), padding: L(c.Padding), dilation: L(c.Dilation), ceil_mode: c.CeilMode);

    static Tensor MiniAvg(Tensor x, PoolCase c) => x.AvgPool2d(c.Kernel, c.Stride, c.Padding, c.CeilMode, c.CountIncludePad);
    static torch.Tensor TorchAvg(torch.Tensor t, PoolCase c) =>
        F.avg_pool2d(t, L(c.Kernel), stride: L(c.Stride), padding: L(c.Padding), ceil_mode: c.CeilMode, count_include_pad: c.CountIncludePad);

    // ---------------------------------------------------------------- output size

    [Fact]
    public void Output_size_matches_torch_for_every_small_configuration()
    {
        // Along H (W = 1, kernel width 1): sizes 1..12, kernel 1..4, stride 1..3, padding 0..k/2, dilation 1..3, floor and
        // ceil. Valid sizes are compared with torch's output shape; for sizes below 1 torch must refuse too (a few
        // only: each torch error costs ~40 ms).
        TorchInterop.EnsureInitialized();
        using var torchScope = torch.NewDisposeScope();
        int refusedChecked = 0;
        for (int size = 1; size <= 12; size++)
        {
            var x = torch.zeros(1, 1, size, 1);
            for (int k = 1; k <= 4; k++)
            for (int s = 1; s <= 3; s++)
            for (int p = 0; p <= k / 2; p++)
            for (int d = 1; d <= 3; d++)
            foreach (bool ceil in new[] { false, true })
            {
                int ours = Pool2dGeometry.OutSize(size, k, s, p, d, ceil);
                string what = $"size {size} kernel {k} stride {s} padding {p} dilation {d} ceil {ceil}";
                Func<torch.Tensor> theirs = () => F.max_pool2d(x, [k, 1], strides: [s, 1], padding: [p, 0], dilation: [d, 1], ceil_mode: ceil);
                if (ours >= 1) Assert.True(theirs().shape[2] == ours, $"{what}: MiniNet {ours}, torch {theirs().shape[2]}");
                else if (refusedChecked++ < 8) Assert.Throws<ExternalException>(() => theirs());
            }
        }
        Assert.Equal(4, Pool2dGeometry.OutSize(6, 3, 2, 1, 1, ceilMode: true));  // ⌈5/2⌉ + 1
        Assert.Equal(3, Pool2dGeometry.OutSize(5, 2, 2, 1, 1, ceilMode: true));  // ⌈5/2⌉ + 1 = 4, but window 3 would start at 6 = H + pad
        Assert.Equal(1, Pool2dGeometry.OutSize(2, 3, 2, 0, 1, ceilMode: true));  // ⌈-1/2⌉ + 1: a window that overhangs the input
        Assert.Equal(0, Pool2dGeometry.OutSize(2, 3, 1, 0, 1, ceilMode: false)); // ⌊-1/1⌋ + 1 (truncation would give 1)
    }

    // ---------------------------------------------------------------- oracle: random configurations

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void MaxPool2d_matches_torch_on_random_configurations(DType dtype) =>
        ForEachCase(RandomCases(seed: 100 + (int)dtype, count: 60, dilation: true).Where(c => !HasEmptyWindow(c)),
            c => Oracle.Check(c.Shape, x => MiniMax(x, c), t => TorchMax(t, c), dtype, seed: 7));

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void AvgPool2d_matches_torch_on_random_configurations(DType dtype) =>
        ForEachCase(RandomCases(seed: 200 + (int)dtype, count: 60, dilation: false),
            c => Oracle.Check(c.Shape, x => MiniAvg(x, c), t => TorchAvg(t, c), dtype, seed: 8));

    // GoogLeNet's pools on 28, 14 and 7: 3x3/2 between stages (ceil, padding 1 or 0 as torchvision, and floor), 2x2/2 ceil
    // before the last stage, the 3x3/1/1 ceil pool of every inception branch, the 7x7 average head; C = 19 is not a multiple of 8.
    static IEnumerable<PoolCase> GoogLeNetCases() =>
        from size in new[] { 28, 14, 7 }
        from c in new PoolCase[]
        {
            new([3, 19, size, size], 3, 2, 1, 1, CeilMode: true), new([3, 19, size, size], 3, 2, 1, 1, CeilMode: false),
            new([3, 19, size, size], 3, 2, 0, 1, CeilMode: true), new([3, 19, size, size], 3, 1, 1, 1, CeilMode: true),
            new([3, 19, size, size], 2, 2, 0, 1, CeilMode: true), new([1, 19, size, size], 3, 2, 1, 1, CeilMode: true, CountIncludePad: false),
        }
        select c;

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void GoogLeNet_pools_match_torch(DType dtype)
    {
        ForEachCase(GoogLeNetCases(), c =>
        {
            Oracle.Check(c.Shape, x => MiniMax(x, c), t => TorchMax(t, c), dtype, seed: 9);
            Oracle.Check(c.Shape, x => MiniAvg(x, c), t => TorchAvg(t, c), dtype, seed: 10);
        });
        Oracle.Check([3, 19, 7, 7], x => x.AvgPool2d(7, 1), t => F.avg_pool2d(t, [7, 7], stride: [1, 1]), dtype, seed: 11);
        Oracle.Check([3, 19, 7, 7], x => x.GlobalAvgPool2d(), t => F.adaptive_avg_pool2d(t, [1, 1]), dtype, seed: 12);
    }

    // (input H, W) -> (output H, W): overlapping windows (7 -> 4), uneven (5 -> 3), global (14 -> 1), repeating rows
    // (4 -> 7), non-square both ways.
    public static TheoryData<int, int, int, int> AdaptiveSizes => new()
    {
        { 7, 7, 4, 4 }, { 5, 5, 3, 3 }, { 14, 14, 1, 1 }, { 4, 4, 7, 7 }, { 9, 6, 4, 5 }, { 5, 11, 2, 3 }, { 13, 1, 1, 1 }, { 6, 6, 6, 6 }, { 3, 8, 5, 1 },
    };

    [Theory, MemberData(nameof(AdaptiveSizes))]
    public void AdaptiveAvgPool2d_matches_torch(int h, int w, int outH, int outW)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (int n in new[] { 1, 3 })
            Oracle.Check([n, 5, h, w], x => x.AdaptiveAvgPool2d((outH, outW)), t => F.adaptive_avg_pool2d(t, [outH, outW]), dtype, seed: (ulong)(h * w + n));
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void GlobalAvgPool2d_matches_torch(DType dtype)
    {
        Oracle.Check([3, 13, 9, 11], x => x.GlobalAvgPool2d(), t => F.adaptive_avg_pool2d(t, 1), dtype, seed: 13);
        Oracle.Check([2, 3, 1, 1], x => x.GlobalAvgPool2d(), t => t.mean([2, 3], keepdim: true), dtype, seed: 14);
    }

    // ---------------------------------------------------------------- max pool: ties, NaN, empty windows

    /// <summary>Normal draws mapped to {-1, 0, 1}: nearly every window holds exact ties.</summary>
    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void MaxPool2d_ties_send_the_gradient_to_the_first_max_as_torch(DType dtype)
    {
        static Tensor Ties(Tensor x) => x.Gt(0.5) - x.Lt(-0.5);
        ForEachCase(RandomCases(seed: 300, count: 25, dilation: true).Where(c => !HasEmptyWindow(c)),
            c => Oracle.Check(c.Shape, x => MiniMax(x, c), t => TorchMax(t, c), dtype, seed: 15, transform: Ties));
        var flat = new PoolCase([3, 5, 7, 9], 3, 1, 1, 1, CeilMode: false);
        Oracle.Check(flat.Shape, x => MiniMax(x, flat), t => TorchMax(t, flat), dtype, seed: 16, transform: x => x * 0 + 2);
    }

    [Fact]
    public void MaxPool2d_tie_by_hand()
    {
        // x = [[1, 3, 3], [3, 0, 2]], one 2x3 window: max 3 at (0,1), (0,2), (1,0); y = 3, dL/dy = 1 reaches only (0,1).
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new[] { 1.0, 3, 3, 3, 0, 2 }, 1, 1, 2, 3);
        x.RequiresGrad = true;
        x.MaxPool2d((2, 3)).Sum().Backward();
        Assert.Equal([0.0, 1, 0, 0, 0, 0], x.Grad!.ToArray<double>());
    }

    [Theory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void MaxPool2d_NaN_propagates_as_torch(DType dtype)
    {
        // NaN at every 5th element: windows hold zero, one or several NaNs (of several, the last takes the gradient).
        using var scope = Tensor.Scope();
        var values = Tensor.Normal([3, 5, 9, 8], generator: new Generator(17), dtype: DType.Float64).ToArray<double>();
        for (int i = 0; i < values.Length; i += 5) values[i] = double.NaN;
        var x = Tensor.FromArray(values, 3, 5, 9, 8).To(dtype);
        ForEachCase(RandomCases(seed: 400, count: 20, dilation: true).Select(c => c with { Shape = [3, 5, 9, 8] }).Where(c => !HasEmptyWindow(c)),
            c => Oracle.Check([x], v => MiniMax(v[0], c), t => TorchMax(t[0], c)));
    }

    [Fact]
    public void MaxPool2d_NaN_by_hand()
    {
        // One 2x2 window [[NaN, 1], [NaN, 2]]: y = NaN; the gradient goes to the last NaN, (1,0), as PyTorch's CPU kernel.
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new[] { double.NaN, 1, double.NaN, 2 }, 1, 1, 2, 2);
        x.RequiresGrad = true;
        var y = x.MaxPool2d(2);
        Assert.True(double.IsNaN(y.Item()));
        y.Backward(Tensor.Ones([1, 1, 1, 1], DType.Float64));
        Assert.Equal([0.0, 0, 1, 0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxPool2d_window_wholly_in_padding_gives_minus_infinity()
    {
        // kernel 2, padding 1, dilation 3 on H = 2: the window's rows are -1 and 2, both outside the input.
        using var scope = Tensor.Scope();
        using var torchScope = torch.NewDisposeScope();
        var x = Tensor.Normal([1, 2, 2, 5], generator: new Generator(18), dtype: DType.Float64);
        x.RequiresGrad = true;
        var y = x.MaxPool2d(2, 1, 1, (3, 1));
        Oracle.Compare(y, F.max_pool2d(x.ToTorch(), [2, 2], strides: [1, 1], padding: [1, 1], dilation: [3, 1]), "output");
        Assert.All(y.ToArray<double>(), v => Assert.Equal(double.NegativeInfinity, v));
        y.Backward(Tensor.OnesLike(y));
        Assert.All(x.Grad!.ToArray<double>(), v => Assert.Equal(0.0, v));
    }

    // ---------------------------------------------------------------- hand-checkable cases

    [Fact]
    public void Pools_by_hand_with_default_stride()
    {
        // x = arange(16) as 4x4, 2x2 windows (stride defaults to the kernel): max = bottom-right of each window,
        // mean = its centre; d mean / dx = 1/4 everywhere, d max / dx = 1 at rows/cols 1 and 3 only.
        using var scope = Tensor.Scope();
        var x = Tensor.Arange(0, 16, dtype: DType.Float64).Reshape(1, 1, 4, 4);
        x.RequiresGrad = true;
        Assert.Equal([5.0, 7, 13, 15], x.MaxPool2d(2).ToArray<double>());
        Assert.Equal([2.5, 4.5, 10.5, 12.5], x.AvgPool2d(2).ToArray<double>());
        x.AvgPool2d(2).Sum().Backward();
        Assert.All(x.Grad!.ToArray<double>(), v => Assert.Equal(0.25, v));
        x.ZeroGrad();
        x.MaxPool2d(2).Sum().Backward();
        Assert.Equal([0.0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void AvgPool2d_ceil_mode_divisor_by_hand()
    {
        // x = [1..6] as one row, kernel (1,3), stride (1,2), padding (0,1), ceil: OW = ⌈(6+2-2-1)/2⌉+1 = 4, the last
        // window [5,8) overhangs the padded row [-1,7). Windows: [-1,2) [1,4) [3,6) [5,8).
        // count_include_pad: (0+1+2)/3, (2+3+4)/3, (4+5+6)/3, (6+0)/2 (not /3);  without: (1+2)/2, 9/3, 15/3, 6/1.
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 1, 1, 1, 6);
        Assert.Equal([1.0, 3, 5, 3], x.AvgPool2d((1, 3), (1, 2), (0, 1), ceilMode: true).ToArray<double>());
        Assert.Equal([1.5, 3, 5, 6], x.AvgPool2d((1, 3), (1, 2), (0, 1), ceilMode: true, countIncludePad: false).ToArray<double>());
        Assert.Equal([1.0, 3, 5], x.AvgPool2d((1, 3), (1, 2), (0, 1)).ToArray<double>());
    }

    [Fact]
    public void AdaptiveAvgPool2d_overlapping_windows_by_hand()
    {
        // 7 -> 4 along W: windows [0,2) [1,4) [3,6) [5,7) of x = 0..6: means 0.5, 2, 4, 5.5; x_1, x_3, x_5 lie in two
        // windows, so the gradient of sum(y) is 1/2, 1/2+1/3, 1/3, 1/3+1/3, 1/3, 1/3+1/2, 1/2.
        using var scope = Tensor.Scope();
        var x = Tensor.Arange(0, 7, dtype: DType.Float64).Reshape(1, 1, 1, 7);
        x.RequiresGrad = true;
        var y = x.AdaptiveAvgPool2d((1, 4));
        Assert.Equal([0.5, 2, 4, 5.5], y.ToArray<double>());
        y.Sum().Backward();
        double[] expected = [1 / 2.0, 1 / 2.0 + 1 / 3.0, 1 / 3.0, 2 / 3.0, 1 / 3.0, 1 / 3.0 + 1 / 2.0, 1 / 2.0];
        Assert.Equal(expected, x.Grad!.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void No_grad_forward_records_nothing_and_gives_the_same_values()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([2, 3, 8, 8], generator: new Generator(19), dtype: DType.Float64);
        x.RequiresGrad = true;
        var recorded = x.MaxPool2d(3, 2, 1, ceilMode: true);
        int entries = Tape.Current.Entries.Count;
        using (Tensor.NoGrad())
        {
            var plain = x.MaxPool2d(3, 2, 1, ceilMode: true);
            Assert.False(plain.RequiresGrad);
            Assert.Equal(recorded.ToArray<double>(), plain.ToArray<double>());
        }
        Assert.Equal(entries, Tape.Current.Entries.Count);
    }

    // ---------------------------------------------------------------- GradCheck (float64)

    static Tensor Leaf(ulong seed, params int[] shape)
    {
        var t = Tensor.Normal(shape, generator: new Generator(seed), dtype: DType.Float64);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void Pools_gradcheck()
    {
        using var scope = Tensor.Scope();
        // Normal draws: no two values within the finite-difference step, so max pooling has no ties here.
        GradCheck.Assert(v => v[0].MaxPool2d(3, 2, 1, ceilMode: true), [Leaf(20, 2, 3, 6, 5)]);
        GradCheck.Assert(v => v[0].MaxPool2d((2, 3), 1, (1, 0), (2, 1)), [Leaf(21, 1, 2, 5, 6)]);
        GradCheck.Assert(v => v[0].AvgPool2d(3, 2, 1, ceilMode: true), [Leaf(22, 2, 3, 6, 5)]);
        GradCheck.Assert(v => v[0].AvgPool2d((3, 2), (2, 1), (1, 1), ceilMode: true, countIncludePad: false), [Leaf(23, 1, 2, 6, 5)]);
        GradCheck.Assert(v => v[0].AdaptiveAvgPool2d((3, 4)), [Leaf(24, 2, 3, 5, 7)]);
        GradCheck.Assert(v => v[0].AdaptiveAvgPool2d((7, 2)), [Leaf(25, 1, 2, 4, 3)]);
        GradCheck.Assert(v => v[0].GlobalAvgPool2d(), [Leaf(26, 2, 3, 4, 5)]);
    }

    // ---------------------------------------------------------------- fast kernels vs references

    /// <summary>Normal draws, with NaN, ±Inf and exact ties planted when <paramref name="specials"/>.</summary>
    static T[] Values<T>(int n, int seed, bool specials) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var a = new T[n];
        for (int i = 0; i < n; i++)
        {
            double v = rng.NextDouble() * 4 - 2;
            if (specials) v = rng.Next(12) switch { 0 => double.NaN, 1 => double.PositiveInfinity, 2 => double.NegativeInfinity, < 6 => 1.0, _ => v };
            a[i] = T.CreateTruncating(v);
        }
        return a;
    }

    /// <summary>
    /// Random configurations (widths 1..17: both sides of a vector's width), wide rows of stride 1 and more (the vector
    /// path of max pooling, with its edges and tails), a few large enough to split over the pool, and an empty batch.
    /// </summary>
    static IEnumerable<PoolCase> KernelCases(bool dilation) =>
        RandomCases(seed: dilation ? 500 : 600, count: 200, dilation, maxSize: 17)
            .Concat(RandomCases(seed: dilation ? 501 : 601, count: 60, dilation, maxSize: 40, unitStrideW: true))
            .Concat(RandomCases(seed: dilation ? 502 : 602, count: 60, dilation, maxSize: 56))
            .Concat([new([2, 33, 40, 37], 3, 2, 1, dilation ? 2 : 1, CeilMode: true), new([4, 16, 31, 31], 3, 1, 1, 1, CeilMode: true, CountIncludePad: false),
                     new([3, 7, 9, 45], (3, 4), 1, (1, 2), dilation ? (2, 3) : 1, CeilMode: false), new([0, 3, 5, 5], 2, 2, 0, 1, CeilMode: false),
                     // GoogLeNet's pools (3x3, pad 1, stride 1 and 2) on its 28x28, 14x14, 7x7 and 4x4 maps
                     new([2, 5, 28, 28], 3, 2, 1, 1, CeilMode: false), new([2, 6, 14, 14], 3, 1, 1, 1, CeilMode: false),
                     new([3, 5, 7, 7], 3, 1, 1, 1, CeilMode: false), new([2, 5, 7, 7], 3, 2, 1, 1, CeilMode: true), new([4, 3, 4, 4], 3, 1, 1, 1, CeilMode: false)]);

    static void AssertSame<T>(T[] expected, T[] actual, string what) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
            if (!(expected[i] == actual[i] || T.IsNaN(expected[i]) && T.IsNaN(actual[i])))
                Assert.Fail($"{what} ({typeof(T).Name}): element {i} of {expected.Length}: reference {expected[i]}, fast {actual[i]}");
    }

    [Fact]
    public void MaxPool2d_fast_matches_reference()
    {
        ForEachCase(KernelCases(dilation: true), c => { CheckMax<float>(c); CheckMax<double>(c); });

        static void CheckMax<T>(PoolCase c) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var g = c.Geometry;
            int inCount = g.Planes * g.H * g.W, outCount = g.Planes * g.OutH * g.OutW;
            var x = Values<T>(inCount, seed: inCount, specials: true);
            var (y, argmax, yRef, argmaxRef) = (new T[outCount], new long[outCount], new T[outCount], new long[outCount]);
            Kernels.MaxPool2d.Forward(x, y, argmax, g);
            Kernels.MaxPool2d.ForwardReference<T>(x, yRef, argmaxRef, g);
            AssertSame(yRef, y, "forward");
            Assert.Equal(argmaxRef, argmax);
            var valuesOnly = new T[outCount];
            Kernels.MaxPool2d.Forward(x, valuesOnly, null, g);
            AssertSame(yRef, valuesOnly, "forward without argmax");

            var gradOut = Values<T>(outCount, seed: outCount + 1, specials: false);
            var (gradX, gradXRef) = (Values<T>(inCount, 1, false), Values<T>(inCount, 2, false)); // stale contents must be overwritten
            Kernels.MaxPool2d.Backward(gradOut, argmax, gradX, g);
            Kernels.MaxPool2d.BackwardReference<T>(gradOut, argmax, gradXRef, g);
            AssertSame(gradXRef, gradX, "backward");
        }
    }

    [Fact]
    public void AvgPool2d_fast_matches_reference()
    {
        // Same summation order in both: equal bit for bit.
        ForEachCase(KernelCases(dilation: false), c => { CheckAvg<float>(c); CheckAvg<double>(c); });

        static void CheckAvg<T>(PoolCase c) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var g = c.Geometry;
            int inCount = g.Planes * g.H * g.W, outCount = g.Planes * g.OutH * g.OutW;
            var x = Values<T>(inCount, seed: inCount, specials: true);
            var (y, yRef) = (new T[outCount], new T[outCount]);
            Kernels.AvgPool2d.Forward(x, y, g, c.CountIncludePad);
            Kernels.AvgPool2d.ForwardReference<T>(x, yRef, g, c.CountIncludePad);
            AssertSame(yRef, y, "forward");

            var gradOut = Values<T>(outCount, seed: outCount + 1, specials: false);
            var (gradX, gradXRef) = (Values<T>(inCount, 1, false), Values<T>(inCount, 2, false));
            Kernels.AvgPool2d.Backward(gradOut, gradX, g, c.CountIncludePad);
            Kernels.AvgPool2d.BackwardReference<T>(gradOut, gradXRef, g, c.CountIncludePad);
            AssertSame(gradXRef, gradX, "backward");
        }
    }

    [Fact]
    public void AdaptiveAvgPool2d_fast_matches_reference()
    {
        var rng = new Random(700);
        for (int k = 0; k < 150; k++)
        {
            var g = new AdaptivePool2dGeometry(rng.Next(1, 4), Channels[rng.Next(Channels.Length)], rng.Next(1, 18), rng.Next(1, 18),
                k % 3 == 0 ? 1 : rng.Next(1, 10), k % 3 == 0 ? 1 : rng.Next(1, 10));
            CheckAdaptive<float>(g, 1e-5);
            CheckAdaptive<double>(g, 1e-13);
        }
        CheckAdaptive<float>(new AdaptivePool2dGeometry(3, 67, 28, 28, 1, 1), 1e-5);
        CheckAdaptive<double>(new AdaptivePool2dGeometry(2, 37, 30, 29, 4, 4), 0);

        // The global path sums in vector lanes, the reference in order: equal up to round-off.
        static void CheckAdaptive<T>(AdaptivePool2dGeometry g, double rtol) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            int inCount = g.Planes * g.H * g.W, outCount = g.Planes * g.OutH * g.OutW;
            var x = Values<T>(inCount, seed: inCount, specials: false);
            var (y, yRef) = (new T[outCount], new T[outCount]);
            Kernels.AdaptiveAvgPool2d.Forward(x, y, g);
            Kernels.AdaptiveAvgPool2d.ForwardReference<T>(x, yRef, g);
            for (int i = 0; i < outCount; i++)
                Assert.True(double.Abs(double.CreateTruncating(y[i] - yRef[i])) <= rtol * (1 + double.Abs(double.CreateTruncating(yRef[i]))),
                    $"{g} forward ({typeof(T).Name}) at {i}: reference {yRef[i]}, fast {y[i]}");
            var gradOut = Values<T>(outCount, seed: outCount + 1, specials: false);
            var (gradX, gradXRef) = (Values<T>(inCount, 1, false), Values<T>(inCount, 2, false));
            Kernels.AdaptiveAvgPool2d.Backward(gradOut, gradX, g);
            Kernels.AdaptiveAvgPool2d.BackwardReference<T>(gradOut, gradXRef, g);
            AssertSame(gradXRef, gradX, $"{g} backward");
        }
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void Errors_name_the_op_and_the_sizes()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([2, 3, 5, 5]);

        var e = Assert.Throws<ArgumentException>(() => x.MaxPool2d(3, 1, 2));
        Assert.Contains("max_pool2d: pad should be at most half of kernel size", e.Message);
        Assert.Contains("padding 2 for kernel 3 (input [2,3,5,5])", e.Message);
        // PyTorch checks pad against kernel/2, not the dilated kernel: padding 2 with kernel 3, dilation 2 is refused.
        Assert.Contains("pad should be at most half", Assert.Throws<ArgumentException>(() => x.MaxPool2d(3, 1, 2, 2)).Message);
        Assert.Contains("avg_pool2d: pad should be at most half", Assert.Throws<ArgumentException>(() => x.AvgPool2d((3, 1), 1, (1, 1))).Message);

        e = Assert.Throws<ArgumentException>(() => x.MaxPool2d(6));
        Assert.Contains("max_pool2d: input [N,C,H,W] = [2,3,5,5] with kernel 6", e.Message);
        Assert.Contains("gives output 0x0: output size is too small", e.Message);
        Assert.Contains("output size is too small", Assert.Throws<ArgumentException>(() => x.AvgPool2d((3, 6), 1)).Message);
        Assert.Contains("output size is too small", Assert.Throws<ArgumentException>(() => x.MaxPool2d(3, 1, 0, 3)).Message);

        Assert.Contains("max_pool2d: input must be [N,C,H,W] (rank 4), got [3,5,5]",
            Assert.Throws<ArgumentException>(() => Tensor.Zeros([3, 5, 5]).MaxPool2d(2)).Message);
        Assert.Contains("max_pool2d: kernel size must be at least 1, got (0,2)", Assert.Throws<ArgumentException>(() => x.MaxPool2d((0, 2))).Message);
        Assert.Contains("avg_pool2d: stride must be at least 1, got 0", Assert.Throws<ArgumentException>(() => x.AvgPool2d(2, 0)).Message);
        Assert.Contains("max_pool2d: dilation must be at least 1", Assert.Throws<ArgumentException>(() => x.MaxPool2d(2, dilation: 0)).Message);
        Assert.Contains("avg_pool2d: padding must be non-negative", Assert.Throws<ArgumentException>(() => x.AvgPool2d(2, padding: -1)).Message);
        Assert.Contains("adaptive_avg_pool2d: output size must be at least 1, got (0,2) for input [2,3,5,5]",
            Assert.Throws<ArgumentException>(() => x.AdaptiveAvgPool2d((0, 2))).Message);
        Assert.Contains("adaptive_avg_pool2d: input must be [N,C,H,W]", Assert.Throws<ArgumentException>(() => Tensor.Zeros([5, 5]).GlobalAvgPool2d()).Message);
        Assert.Contains("max_pool2d: needs a floating-point tensor, got torch.int64 [1,1,4,4]",
            Assert.Throws<NotSupportedException>(() => Tensor.Zeros([1, 1, 4, 4], DType.Int64).MaxPool2d(2)).Message);
    }
}
