using System.Numerics;
using System.Runtime.Intrinsics;
using MiniNet.Kernels;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// Every fast kernel held to the reference beside it (STYLE 11: lengths 0..2x vector width, in-place aliasing, odd
/// sizes). Specials (NaN, ±Inf, ±0) are spread over both the vector lanes and the scalar tail.
/// </summary>
public class KernelTests
{
    // ---------------------------------------------------------------- inputs and comparison

    /// <summary>Where an operand's values come from: a random draw, plus specials planted at spread positions.</summary>
    sealed record Domain(Func<Random, double> Draw, double[] Specials);

    static readonly double[] Ieee = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0];

    static readonly Domain Any = new(r => r.NextDouble() * 20 - 10, Ieee);
    static readonly Domain Wide = new(r => r.NextDouble() * 20 - 10, [.. Ieee, 100, -100, 20, -20]);
    static readonly Domain Positive = new(r => Math.Exp(r.NextDouble() * 20 - 10), [0.0, double.PositiveInfinity, double.NaN, 1.0]);
    static readonly Domain NonNegative = new(r => r.NextDouble() * 100, [0.0, -0.0, double.PositiveInfinity, double.NaN]);
    static readonly Domain PowBase = new(r => Math.Exp(r.NextDouble() * 4 - 2), []);
    static readonly Domain PowExponent = new(r => r.NextDouble() * 6 - 3, []);
    static readonly Domain Finite = new(r => r.NextDouble() * 4 - 2, []);

    /// <summary>Exact: bit-for-bit (so the sign of zero counts) with any NaN matching any NaN; else atol + rtol·|expected|.</summary>
    readonly record struct Tol(double Rtol, double Atol, bool Exact)
    {
        public static Tol Bits => new(0, 0, true);
        public static Tol Rel(double rtol, double atol) => new(rtol, atol, false);
    }

    // Transcendental fast paths (TensorPrimitives) may differ from the scalar Math by a few ulps.
    static readonly Tol Float32Ulps = Tol.Rel(1e-5, 1e-37);
    static readonly Tol Float64Ulps = Tol.Rel(1e-13, 1e-300);

    static T[] Make<T>(int n, Domain d, int seed) where T : IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var a = new T[n];
        for (int i = 0; i < n; i++) a[i] = T.CreateTruncating(d.Draw(rng));
        if (d.Specials.Length > 0)
            for (int i = 0, s = seed % d.Specials.Length; i < n; i++)
                if ((i * 7 + n) % 3 == 0) a[i] = T.CreateTruncating(d.Specials[s++ % d.Specials.Length]);
        return a;
    }

    static bool Close(double e, double a, Tol tol)
    {
        if (double.IsNaN(e) || double.IsNaN(a)) return double.IsNaN(e) && double.IsNaN(a);
        if (tol.Exact) return BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a);
        if (double.IsInfinity(e) || double.IsInfinity(a)) return e == a;
        return Math.Abs(e - a) <= tol.Atol + tol.Rtol * Math.Abs(e);
    }

    static void AssertClose<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, Tol tol, string what) where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), a = double.CreateTruncating(actual[i]);
            if (!Close(e, a, tol)) Assert.Fail($"{what} ({typeof(T).Name}): element {i} of {expected.Length}: expected {e:R}, got {a:R}");
        }
    }

    /// <summary>A destination with one guard cell on each side, to catch writes past either end.</summary>
    static T[] Guarded<T>(int n) where T : IFloatingPointIeee754<T>
    {
        var y = new T[n + 2];
        y.AsSpan().Fill(T.CreateTruncating(-12345.5));
        return y;
    }

    static void AssertGuards<T>(T[] y, string what) where T : IFloatingPointIeee754<T>
    {
        Assert.True(y[0] == T.CreateTruncating(-12345.5), $"{what}: wrote before the start");
        Assert.True(y[^1] == T.CreateTruncating(-12345.5), $"{what}: wrote past the end");
    }

    // ---------------------------------------------------------------- unary kernels

    static readonly Dictionary<string, Action> UnaryCases = new()
    {
        ["neg"] = () => CheckUnary(new NegKernel(), Any, Tol.Bits, Tol.Bits),
        ["exp"] = () => CheckUnary(new ExpKernel(), Wide, Float32Ulps, Float64Ulps),
        ["log"] = () => CheckUnary(new LogKernel(), Positive, Float32Ulps, Float64Ulps),
        ["sqrt"] = () => CheckUnary(new SqrtKernel(), NonNegative, Tol.Bits, Tol.Bits),
        ["abs"] = () => CheckUnary(new AbsKernel(), Any, Tol.Bits, Tol.Bits),
        ["sign"] = () => CheckUnary(new SignKernel(), Any, Tol.Bits, Tol.Bits),
        ["relu"] = () => CheckUnary(new ReluKernel(), Any, Tol.Bits, Tol.Bits),
        ["leaky_relu 0.01"] = () => CheckUnary(new LeakyReluKernel(0.01), Any, Tol.Bits, Tol.Bits),
        ["leaky_relu 0.2"] = () => CheckUnary(new LeakyReluKernel(0.2), Any, Tol.Bits, Tol.Bits),
        // Length 0 of sigmoid and the accuracy of tanh near 0 are known bugs, each in its own skipped test below.
        ["sigmoid (lengths 1..)"] = () => CheckUnary(new SigmoidKernel(), Wide, Float32Ulps, Float64Ulps, from: 1),
        ["clamp -1.5..2.5"] = () => CheckUnary(new ClampKernel(-1.5, 2.5), new Domain(Any.Draw, [.. Ieee, -1.5, 2.5]), Tol.Bits, Tol.Bits),
        ["clamp 0..6"] = () => CheckUnary(new ClampKernel(0, 6), new Domain(Any.Draw, [.. Ieee, 6]), Tol.Bits, Tol.Bits),
    };

    public static TheoryData<string> UnaryNames => new(UnaryCases.Keys);

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void Unary_fast_matches_reference_for_every_length_and_in_place(string kernel) => UnaryCases[kernel]();

    static void CheckUnary<TK>(TK k, Domain d, Tol float32, Tol float64, int from = 0) where TK : struct, IUnaryKernel
    {
        CheckUnary<TK, float>(k, d, float32, from);
        CheckUnary<TK, double>(k, d, float64, from);
    }

    static void CheckUnary<TK, T>(TK k, Domain d, Tol tol, int from = 0) where TK : struct, IUnaryKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        int max = 2 * Vector256<T>.Count + 3;
        for (int n = from; n <= max; n++)
        {
            var x = Make<T>(n, d, seed: 100 + n);
            var original = (T[])x.Clone();
            var expected = new T[n];
            for (int i = 0; i < n; i++) expected[i] = k.Reference(x[i]);

            var y = Guarded<T>(n);
            k.Fast<T>(x, y.AsSpan(1, n));
            AssertClose<T>(expected, y.AsSpan(1, n), tol, $"{typeof(TK).Name} n={n}");
            AssertGuards(y, $"{typeof(TK).Name} n={n}");
            Assert.True(x.AsSpan().SequenceEqual(original), $"{typeof(TK).Name} n={n}: the input changed");

            var inPlace = (T[])x.Clone();
            k.Fast<T>(inPlace, inPlace);
            AssertClose<T>(expected, inPlace, tol, $"{typeof(TK).Name} in place n={n}");
        }
    }

    [Fact]
    public void Relu_clamp_and_sign_propagate_nan_and_keep_infinities()
    {
        // PyTorch: torch.relu(nan) = nan, torch.clamp(nan, -1, 1) = nan, torch.sign(nan) = nan.
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, -3f, 3f, float.NaN, 2f, -2f];
        var relu = new float[x.Length];
        var clamp = new float[x.Length];
        var sign = new float[x.Length];
        new ReluKernel().Fast<float>(x, relu);
        new ClampKernel(-1, 1).Fast<float>(x, clamp);
        new SignKernel().Fast<float>(x, sign);
        Assert.True(float.IsNaN(relu[0]) && float.IsNaN(relu[7]));
        Assert.True(float.IsNaN(clamp[0]) && float.IsNaN(clamp[7]));
        Assert.True(float.IsNaN(sign[0]) && float.IsNaN(sign[7]));
        Assert.Equal(new[] { float.PositiveInfinity, 0f, 0f, 0f, 0f, 3f }, relu[1..7]);
        Assert.Equal(new[] { 1f, -1f, 0f, 0f, -1f, 1f }, clamp[1..7]);
        Assert.Equal(new[] { 1f, -1f, 0f, 0f, -1f, 1f }, sign[1..7]);
    }

    [Fact]
    public void Unary_map_over_the_worker_pool_matches_reference()
    {
        // Above 2·ParallelChunk elements Elementwise.Map splits the span over the pool.
        using var scope = Tensor.Scope();
        int n = 2 * Elementwise.ParallelChunk + 777;
        var data = Make<float>(n, Wide, seed: 7);
        var x = Tensor.FromArray(data, n);
        var y = Elementwise.Map("exp", x, new ExpKernel()).ToArray<float>();
        var expected = new float[n];
        for (int i = 0; i < n; i++) expected[i] = new ExpKernel().Reference(data[i]);
        AssertClose<float>(expected, y, Float32Ulps, "exp over the pool");
        var z = Elementwise.Map("sign", Tensor.FromArray(Make<double>(n, Any, seed: 8), n), new SignKernel());
        Assert.Equal(n, z.Count);
    }

    [Fact]
    public void Sigmoid_of_an_empty_span_and_an_empty_tensor_is_empty()
    {
        new SigmoidKernel().Fast<float>(ReadOnlySpan<float>.Empty, Span<float>.Empty);
        new SigmoidKernel().Fast<double>(ReadOnlySpan<double>.Empty, Span<double>.Empty);
        using var scope = Tensor.Scope();
        Assert.Equal(new[] { 0, 3 }, Tensor.Zeros([0, 3]).Sigmoid().Shape);
    }

    [Fact]
    public void Tanh_fast_matches_reference_for_every_length_and_in_place()
    {
        CheckUnary(new TanhKernel(), new Domain(Wide.Draw, [.. Wide.Specials, 1e-7, -1e-4, 1e-6]), Float32Ulps, Float64Ulps);
        using var scope = Tensor.Scope();
        Assert.All(Tensor.Zeros([8]).Tanh().ToArray<float>(), v => Assert.Equal(0f, v));
    }


    // ---------------------------------------------------------------- binary kernels

    static readonly double[] Scalars = [0.5, -3, 0, -0.0, 2, double.NaN, double.PositiveInfinity];

    static readonly Dictionary<string, Action> BinaryCases = new()
    {
        ["add"] = () => CheckBinary(new AddKernel(), Any, Any, Scalars, Tol.Bits, Tol.Bits),
        ["sub"] = () => CheckBinary(new SubKernel(), Any, Any, Scalars, Tol.Bits, Tol.Bits),
        ["mul"] = () => CheckBinary(new MulKernel(), Any, Any, Scalars, Tol.Bits, Tol.Bits),
        ["div"] = () => CheckBinary(new DivKernel(), Any, Any, Scalars, Tol.Bits, Tol.Bits),
        ["pow"] = () => CheckBinary(new PowKernel(), PowBase, PowExponent, [0.5, 2, -1.5, 3], Float32Ulps, Float64Ulps),
        ["leaky_relu_grad 0.01"] = () => CheckBinary(new VectorBinaryKernel<LeakyReluGradOp>(new LeakyReluGradOp(0.01)), Any, Any, Scalars, Tol.Bits, Tol.Bits),
        ["relu_grad (slope 0)"] = () => CheckBinary(new VectorBinaryKernel<LeakyReluGradOp>(new LeakyReluGradOp(0)), Any, Finite, [0.5, -3, 0, -0.0, 2], Tol.Bits, Tol.Bits),
        ["clamp_grad -1..1"] = () => CheckBinary(new VectorBinaryKernel<ClampGradOp>(new ClampGradOp(-1, 1)),
            new Domain(Any.Draw, [.. Ieee, -1, 1]), Any, [-1, 1, 0.5, -3, double.NaN, double.NegativeInfinity], Tol.Bits, Tol.Bits),
    };

    public static TheoryData<string> BinaryNames => new(BinaryCases.Keys);

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void Binary_fast_and_scalar_forms_match_reference_for_every_length(string kernel) => BinaryCases[kernel]();

    static void CheckBinary<TK>(TK k, Domain dx, Domain dy, double[] scalars, Tol float32, Tol float64) where TK : struct, IBinaryKernel
    {
        CheckBinary<TK, float>(k, dx, dy, scalars, float32);
        CheckBinary<TK, double>(k, dx, dy, scalars, float64);
    }

    static void CheckBinary<TK, T>(TK k, Domain dx, Domain dy, double[] scalars, Tol tol) where TK : struct, IBinaryKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = typeof(TK).Name;
        int max = 2 * Vector256<T>.Count + 3;
        for (int n = 0; n <= max; n++)
        {
            var x = Make<T>(n, dx, seed: 200 + n);
            var y = Make<T>(n, dy, seed: 301 + n);
            var expected = new T[n];
            for (int i = 0; i < n; i++) expected[i] = k.Reference(x[i], y[i]);

            var z = Guarded<T>(n);
            k.Fast<T>(x, y, z.AsSpan(1, n));
            AssertClose<T>(expected, z.AsSpan(1, n), tol, $"{name} fast n={n}");
            AssertGuards(z, $"{name} fast n={n}");

            var xz = (T[])x.Clone();
            k.Fast<T>(xz, y, xz);
            AssertClose<T>(expected, xz, tol, $"{name} fast, z aliasing x, n={n}");
            var yz = (T[])y.Clone();
            k.Fast<T>(x, yz, yz);
            AssertClose<T>(expected, yz, tol, $"{name} fast, z aliasing y, n={n}");

            foreach (double sd in scalars)
            {
                T s = T.CreateTruncating(sd);
                var right = new T[n];
                var left = new T[n];
                for (int i = 0; i < n; i++) { right[i] = k.Reference(x[i], s); left[i] = k.Reference(s, y[i]); }

                var zr = Guarded<T>(n);
                k.FastScalarRight(x, s, zr.AsSpan(1, n));
                AssertClose<T>(right, zr.AsSpan(1, n), tol, $"{name} scalar right s={sd} n={n}");
                AssertGuards(zr, $"{name} scalar right s={sd} n={n}");
                var xr = (T[])x.Clone();
                k.FastScalarRight(xr, s, xr);
                AssertClose<T>(right, xr, tol, $"{name} scalar right in place s={sd} n={n}");

                var zl = Guarded<T>(n);
                k.FastScalarLeft(s, y, zl.AsSpan(1, n));
                AssertClose<T>(left, zl.AsSpan(1, n), tol, $"{name} scalar left s={sd} n={n}");
                AssertGuards(zl, $"{name} scalar left s={sd} n={n}");
                var yl = (T[])y.Clone();
                k.FastScalarLeft(s, yl, yl);
                AssertClose<T>(left, yl, tol, $"{name} scalar left in place s={sd} n={n}");
            }
        }
    }

    [Fact]
    public void Pow_of_a_negative_base_with_an_integer_exponent_is_real_in_every_lane()
    {
        // PyTorch: torch.tensor([-2., -3.]).pow(2) = [4., 9.]; (x - target).Pow(2) in a loss meets negative bases.
        // (-2)^2 = 4, (-2)^3 = -8, (-2)^-1 = -0.5: finite, so the vector lanes must agree with the scalar tail.
        CheckNegativeBase<float>();
        CheckNegativeBase<double>();

        static void CheckNegativeBase<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = 2 * Vector256<T>.Count + 3;
            var rng = new Random(5);
            var x = new T[n];
            var e = new T[n];
            double[] exponents = [2, 3, -1, 0, 1, 4];
            for (int i = 0; i < n; i++) { x[i] = T.CreateTruncating(-(0.5 + 3 * rng.NextDouble())); e[i] = T.CreateTruncating(exponents[i % exponents.Length]); }
            var expected = new T[n];
            for (int i = 0; i < n; i++) expected[i] = T.Pow(x[i], e[i]);
            var tol = typeof(T) == typeof(float) ? Float32Ulps : Float64Ulps;

            var z = new T[n];
            new PowKernel().Fast<T>(x, e, z);
            AssertClose<T>(expected, z, tol, "pow(negative, integer)");
            new PowKernel().FastScalarRight(x, T.CreateTruncating(2.0), z);
            var squares = x.Select(v => v * v).ToArray();
            AssertClose<T>(squares, z, tol, "pow(negative, 2)");
        }
    }

    [Fact]
    public void Pow_ieee_special_cases_match_the_scalar_definition()
    {
        // IEEE 754 pow (and PyTorch): x^0 = 1 for any x (NaN too), 1^y = 1 for any y (NaN too), 0^-1 = +Inf, 0^2 = 0.
        double[] bases = [2, 1, 0, 0, double.NaN, double.PositiveInfinity, 4, 1, 0.5, 3];
        double[] exps = [0, double.NaN, -1, 2, 0, 0.5, -0.5, 3, double.PositiveInfinity, 1];
        Check<float>();
        Check<double>();

        void Check<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var x = bases.Select(T.CreateTruncating).ToArray();
            var y = exps.Select(T.CreateTruncating).ToArray();
            var expected = new T[x.Length];
            for (int i = 0; i < x.Length; i++) expected[i] = T.Pow(x[i], y[i]);
            var z = new T[x.Length];
            new PowKernel().Fast<T>(x, y, z);
            AssertClose<T>(expected, z, typeof(T) == typeof(float) ? Float32Ulps : Float64Ulps, "pow specials");
        }
    }

    // ---------------------------------------------------------------- broadcasting zip

    public static TheoryData<int[], int[]> ShapePairs => new()
    {
        { new[] { 2, 3 }, new[] { 3 } },
        { new[] { 2, 1, 4 }, new[] { 3, 1 } },
        { new[] { 5 }, new int[0] },
        { new int[0], new int[0] },
        { new[] { 1 }, new[] { 4, 1 } },
        { new[] { 2, 3, 4 }, new[] { 2, 1, 4 } },
        { new[] { 7, 1, 1 }, new[] { 1, 6, 5 } },
        { new[] { 3, 1, 5 }, new[] { 1, 4, 1 } },
        { new[] { 6, 1, 3 }, new[] { 6, 2, 1 } },
        { new[] { 2, 2, 2, 2 }, new[] { 2, 1, 2, 1 } },
        { new[] { 1, 8 }, new[] { 8, 1 } },
        { new[] { 5, 1 }, new[] { 1, 1, 1 } },
        { new[] { 2, 3 }, new[] { 2, 3 } },
        { new[] { 1, 1 }, new[] { 1 } },
        { new[] { 0, 3 }, new[] { 3 } },
        { new[] { 2, 0 }, new[] { 1 } },
        { new[] { 4, 1 }, new[] { 0 } },
        { new[] { 3, 1, 2 }, new[] { 0, 1 } },
        { new[] { 300, 257 }, new[] { 257 } },     // rows go to the worker pool
        { new[] { 300, 1 }, new[] { 257 } },       // scalar-left rows on the pool
        { new[] { 3, 70001 }, new[] { 3, 1 } },    // three long rows, split over the pool
        { new[] { 2, 70001 }, new[] { 2, 70001 } }, // equal shapes, above the parallel threshold
    };

    [Theory]
    [MemberData(nameof(ShapePairs))]
    public void Zip_broadcasting_matches_reference(int[] shapeA, int[] shapeB)
    {
        foreach (var (a, b) in new[] { (shapeA, shapeB), (shapeB, shapeA) })
        {
            CheckZip<AddKernel, float>(new AddKernel(), "add", a, b, Any, Any, Tol.Bits);
            CheckZip<SubKernel, double>(new SubKernel(), "sub", a, b, Any, Any, Tol.Bits);
            CheckZip<MulKernel, float>(new MulKernel(), "mul", a, b, Any, Any, Tol.Bits);
            CheckZip<DivKernel, double>(new DivKernel(), "div", a, b, Any, Any, Tol.Bits);
            CheckZip<SubKernel, float>(new SubKernel(), "sub", a, b, Any, Any, Tol.Bits);
            CheckZip<AddKernel, double>(new AddKernel(), "add", a, b, Any, Any, Tol.Bits);
            CheckZip<PowKernel, float>(new PowKernel(), "pow", a, b, PowBase, PowExponent, Float32Ulps);
            CheckZip<PowKernel, double>(new PowKernel(), "pow", a, b, PowBase, PowExponent, Float64Ulps);
            var leakyGrad = new VectorBinaryKernel<LeakyReluGradOp>(new LeakyReluGradOp(0.1));
            CheckZip<VectorBinaryKernel<LeakyReluGradOp>, float>(leakyGrad, "leaky_relu_backward", a, b, Any, Any, Tol.Bits);
            CheckZip<VectorBinaryKernel<LeakyReluGradOp>, double>(leakyGrad, "leaky_relu_backward", a, b, Any, Any, Tol.Bits);
        }
    }

    static void CheckZip<TK, T>(TK k, string op, int[] shapeA, int[] shapeB, Domain da, Domain db, Tol tol)
        where TK : struct, IBinaryKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scope = Tensor.Scope();
        var x = Make<T>(Shapes.Count("test", shapeA), da, seed: 11);
        var y = Make<T>(Shapes.Count("test", shapeB), db, seed: 13);
        var z = Elementwise.Zip(op, Tensor.FromArray(x, shapeA), Tensor.FromArray(y, shapeB), k);
        var shape = Shapes.Broadcast("test", shapeA, shapeB);
        Assert.Equal(shape, z.Shape);
        var expected = new T[Shapes.Count("test", shape)];
        Elementwise.ZipReference(k, x, shapeA, y, shapeB, expected);
        AssertClose<T>(expected, z.ToArray<T>(), tol, $"zip {op} {Shapes.Format(shapeA)} & {Shapes.Format(shapeB)}");
    }

    [Fact]
    public void ZipReference_itself_broadcasts_as_numpy()
    {
        // Hand-checkable: [[1],[2]] + [10, 20, 30] = [[11, 21, 31], [12, 22, 32]].
        var z = new float[6];
        Elementwise.ZipReference(new AddKernel(), [1f, 2f], [2, 1], [10f, 20f, 30f], [3], z);
        Assert.Equal(new[] { 11f, 21f, 31f, 12f, 22f, 32f }, z);
    }

    // ---------------------------------------------------------------- reductions

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(0, 3, 4)]
    [InlineData(3, 0, 4)]
    [InlineData(3, 0, 1)]
    [InlineData(3, 4, 0)]
    [InlineData(1, 17, 1)]
    [InlineData(5, 1, 7)]
    [InlineData(2, 33, 1)]
    [InlineData(3, 7, 9)]
    [InlineData(4, 100, 3)]
    [InlineData(1, 1000, 1)]
    [InlineData(7, 13, 33)]
    [InlineData(2, 3, 257)]
    public void SumAxis_matches_reference(int outer, int reduce, int inner)
    {
        Check<float>(1e-5);
        Check<double>(1e-13);

        void Check<T>(double rtol) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var x = Make<T>(outer * reduce * inner, Finite, seed: outer * 1000 + reduce * 10 + inner);
            var expected = new T[outer * inner];
            var actual = Guarded<T>(outer * inner);
            Reduce.SumAxisReference<T>(x, expected, outer, reduce, inner);
            Reduce.SumAxis<T>(x, actual.AsSpan(1, outer * inner), outer, reduce, inner);
            AssertGuards(actual, "sum_axis");
            // Summation order differs (vectorized rows): bound the error by the sum of magnitudes.
            var abs = x.Select(T.Abs).ToArray();
            var bound = new T[outer * inner];
            Reduce.SumAxisReference<T>(abs, bound, outer, reduce, inner);
            for (int i = 0; i < expected.Length; i++)
            {
                double e = double.CreateTruncating(expected[i]), a = double.CreateTruncating(actual[i + 1]);
                Assert.True(Math.Abs(e - a) <= rtol * (1 + double.CreateTruncating(bound[i])),
                    $"sum_axis ({outer},{reduce},{inner}) {typeof(T).Name} at {i}: expected {e:R}, got {a:R}");
            }
        }
    }

    [Fact]
    public void SumAll_of_a_long_array_matches_a_double_sum_and_ignores_elements_past_count()
    {
        const int count = 700_001; // > 2·256K: split over the pool in fixed partitions
        var rng = new Random(3);

        // float: small integers, whose every partial sum is exact in float (< 2^24), so any order gives the same total.
        var ints = new float[count + 1000];
        long exact = 0;
        for (int i = 0; i < ints.Length; i++)
        {
            ints[i] = rng.Next(0, 3);
            if (i < count) exact += (long)ints[i];
        }
        Assert.Equal((float)exact, Reduce.SumAll(ints, count));

        // double: random reals against a compensated sum.
        var reals = new double[count + 1000];
        for (int i = 0; i < reals.Length; i++) reals[i] = rng.NextDouble() * 2 - 0.5;
        double sum = 0, c = 0, abs = 0;
        for (int i = 0; i < count; i++)
        {
            double yv = reals[i] - c, t = sum + yv;
            c = t - sum - yv;
            sum = t;
            abs += Math.Abs(reals[i]);
        }
        double got = Reduce.SumAll(reals, count);
        Assert.True(Math.Abs(got - sum) <= 1e-12 * abs, $"SumAll double: expected {sum:R}, got {got:R}");

        // float of reals: loose bound against the double sum.
        var floats = new float[count];
        double floatSum = 0, floatAbs = 0;
        for (int i = 0; i < count; i++) { floats[i] = (float)(rng.NextDouble() * 2 - 0.5); floatSum += floats[i]; floatAbs += Math.Abs(floats[i]); }
        float gotF = Reduce.SumAll(floats, count);
        Assert.True(Math.Abs(gotF - floatSum) <= 1e-5 * floatAbs, $"SumAll float: expected {floatSum:R}, got {gotF:R}");

        // Below the parallel threshold as well.
        Assert.Equal(6f, Reduce.SumAll([1f, 2f, 3f, 100f], 3));
        Assert.Equal(0.0, Reduce.SumAll(new double[4], 0));
    }

    // ---------------------------------------------------------------- GEMM

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(4, 16, 1)]
    [InlineData(17, 33, 9)]
    [InlineData(64, 64, 64)]
    [InlineData(65, 129, 31)]
    [InlineData(150, 200, 90)] // above the parallel threshold (m·n·k ≥ 2^18)
    [InlineData(6, 16, 3)]     // exactly one 6 x 2-vector register tile
    [InlineData(12, 32, 5)]    // whole tiles, several of them
    [InlineData(73, 35, 257)]  // one past the blocks: MC = 72 rows, KC = 256 deep
    [InlineData(7, 2049, 20)]  // one past NC = 2048 columns
    [InlineData(3, 4, 0)]      // k = 0: C = 0, or C unchanged when accumulating
    [InlineData(0, 4, 3)]
    [InlineData(4, 0, 3)]
    public void Gemm_matches_reference_for_every_transpose_accumulate_and_offset(int m, int n, int k) => CheckGemmShapes(m, n, k);

    internal static void CheckGemmShapes(int m, int n, int k)
    {
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                {
                    CheckGemm<float>(m, n, k, transA, transB, accumulate, offsets: (3, 5, 7), eps: 1.2e-7);
                    CheckGemm<double>(m, n, k, transA, transB, accumulate, offsets: (1, 0, 2), eps: 2.3e-16);
                    CheckGemm<float>(m, n, k, transA, transB, accumulate, offsets: (0, 0, 0), eps: 1.2e-7);
                }
    }

    internal static void CheckGemm<T>(int m, int n, int k, bool transA, bool transB, bool accumulate, (int A, int B, int C) offsets, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string what = $"gemm {typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate} offsets={offsets}";
        var a = Make<T>(offsets.A + m * k + 3, Finite, seed: 17 + m);
        var b = Make<T>(offsets.B + k * n + 3, Finite, seed: 19 + n);
        var c = Make<T>(offsets.C + m * n + 5, Finite, seed: 23 + k);
        var cRef = (T[])c.Clone();
        Gemm.Multiply(a, transA, b, transB, c, m, n, k, accumulate, offsets.A, offsets.B, offsets.C);
        Gemm.Reference<T>(a.AsSpan(offsets.A, m * k), transA, b.AsSpan(offsets.B, k * n), transB, cRef.AsSpan(offsets.C, m * n), m, n, k, accumulate);

        // Outside the C window nothing may change.
        for (int i = 0; i < c.Length; i++)
            if (i < offsets.C || i >= offsets.C + m * n)
                Assert.True(c[i] == cRef[i], $"{what}: wrote outside C at {i}");

        // Error bound: (k + 2)·eps·(|C| + Σ|a||b|), computed by the reference on magnitudes.
        var absA = a.Select(T.Abs).ToArray();
        var absB = b.Select(T.Abs).ToArray();
        var bound = c.Select(T.Abs).ToArray();
        Gemm.Reference<T>(absA.AsSpan(offsets.A, m * k), transA, absB.AsSpan(offsets.B, k * n), transB, bound.AsSpan(offsets.C, m * n), m, n, k, accumulate);
        for (int i = offsets.C; i < offsets.C + m * n; i++)
        {
            double e = double.CreateTruncating(cRef[i]), got = double.CreateTruncating(c[i]);
            double tol = 2 * (k + 2) * eps * double.CreateTruncating(bound[i]) + 1e-30;
            Assert.True(Math.Abs(e - got) <= tol, $"{what}: C[{i - offsets.C}] expected {e:R}, got {got:R}");
        }
    }

    [Fact]
    public void Gemm_reference_is_the_textbook_product()
    {
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]; with A stored transposed ([[1,3],[2,4]]) the same.
        var c = new double[4];
        Gemm.Reference<double>([1, 2, 3, 4], false, [5, 6, 7, 8], false, c, 2, 2, 2, false);
        Assert.Equal(new[] { 19.0, 22, 43, 50 }, c);
        Gemm.Reference<double>([1, 3, 2, 4], true, [5, 7, 6, 8], true, c, 2, 2, 2, true);
        Assert.Equal(new[] { 38.0, 44, 86, 100 }, c);
    }

    // ---------------------------------------------------------------- layout

    static int[] Unflatten(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { index[d] = flat % shape[d]; flat /= shape[d]; }
        return index;
    }

    static int Flatten(int[] index, int[] shape)
    {
        int flat = 0;
        for (int d = 0; d < shape.Length; d++) flat = flat * shape[d] + index[d];
        return flat;
    }

    public static TheoryData<int[], int[]> Permutations => new()
    {
        { new int[0], new int[0] },
        { new[] { 5 }, new[] { 0 } },
        { new[] { 3, 4 }, new[] { 1, 0 } },
        { new[] { 1, 7 }, new[] { 1, 0 } },
        { new[] { 2, 3, 4 }, new[] { 2, 0, 1 } },
        { new[] { 2, 3, 4 }, new[] { 1, 2, 0 } },
        { new[] { 2, 3, 4 }, new[] { 0, 2, 1 } },
        { new[] { 2, 3, 4, 5 }, new[] { 3, 1, 0, 2 } },
        { new[] { 3, 1, 2, 1, 4 }, new[] { 4, 2, 0, 3, 1 } },
        { new[] { 2, 0, 3 }, new[] { 2, 1, 0 } },
    };

    [Theory]
    [MemberData(nameof(Permutations))]
    public void Permute_matches_index_by_index_permutation(int[] srcShape, int[] perm)
    {
        int count = Shapes.Count("test", srcShape);
        var src = Enumerable.Range(0, count).Select(i => i * 1.5 + 0.25).ToArray();
        var dstShape = perm.Select(p => srcShape[p]).ToArray();
        var expected = new double[count];
        for (int flat = 0; flat < count; flat++)
        {
            var di = Unflatten(flat, dstShape);
            var si = new int[srcShape.Length];
            for (int d = 0; d < perm.Length; d++) si[perm[d]] = di[d];
            expected[flat] = src[Flatten(si, srcShape)];
        }
        var dst = new double[count];
        Layout.Permute<double>(src, srcShape, perm, dst);
        Assert.Equal(expected, dst);
    }

    public static TheoryData<int[], int[]> Broadcasts => new()
    {
        { new[] { 3 }, new[] { 2, 3 } },
        { new[] { 2, 1 }, new[] { 2, 4 } },
        { new int[0], new[] { 3, 2 } },
        { new[] { 1, 3, 1 }, new[] { 2, 3, 4 } },
        { new[] { 2, 1, 3 }, new[] { 4, 2, 5, 3 } },
        { new[] { 1 }, new[] { 1 } },
        { new[] { 1, 5 }, new[] { 0, 5 } },
    };

    [Theory]
    [MemberData(nameof(Broadcasts))]
    public void BroadcastTo_matches_index_by_index_broadcast(int[] srcShape, int[] dstShape)
    {
        int count = Shapes.Count("test", dstShape);
        var src = Enumerable.Range(0, Shapes.Count("test", srcShape)).Select(i => (long)(i * 10 + 1)).ToArray();
        var expected = new long[count];
        int lead = dstShape.Length - srcShape.Length;
        for (int flat = 0; flat < count; flat++)
        {
            var di = Unflatten(flat, dstShape);
            var si = new int[srcShape.Length];
            for (int d = 0; d < srcShape.Length; d++) si[d] = srcShape[d] == 1 ? 0 : di[lead + d];
            expected[flat] = src[Flatten(si, srcShape)];
        }
        var dst = new long[count];
        Layout.BroadcastTo(src, srcShape, dst, dstShape);
        Assert.Equal(expected, dst);
    }

    public static TheoryData<int[], int[], int[]> Pads => new()
    {
        { new[] { 2, 3, 4 }, new[] { 1, 0, 2 }, new[] { 0, 2, 1 } },
        { new[] { 5 }, new[] { 2 }, new[] { 3 } },
        { new[] { 3, 3 }, new[] { 0, 0 }, new[] { 0, 0 } },
        { new[] { 1, 2, 1, 3 }, new[] { 1, 1, 1, 1 }, new[] { 2, 0, 1, 0 } },
        { new int[0], new int[0], new int[0] },
        { new[] { 0, 3 }, new[] { 1, 1 }, new[] { 1, 1 } },
    };

    [Theory]
    [MemberData(nameof(Pads))]
    public void PadInto_places_the_source_and_CropFrom_reads_it_back(int[] srcShape, int[] before, int[] after)
    {
        const double fill = -7;
        var dstShape = srcShape.Select((s, d) => s + before[d] + after[d]).ToArray();
        int srcCount = Shapes.Count("test", srcShape), dstCount = Shapes.Count("test", dstShape);
        var src = Enumerable.Range(0, srcCount).Select(i => i + 0.5).ToArray();
        var padded = Enumerable.Repeat(fill, dstCount).ToArray();
        Layout.PadInto<double>(src, srcShape, padded, dstShape, before);

        for (int flat = 0; flat < dstCount; flat++)
        {
            var di = Unflatten(flat, dstShape);
            bool inside = true;
            var si = new int[srcShape.Length];
            for (int d = 0; d < srcShape.Length; d++)
            {
                si[d] = di[d] - before[d];
                inside &= si[d] >= 0 && si[d] < srcShape[d];
            }
            Assert.Equal(inside ? src[Flatten(si, srcShape)] : fill, padded[flat]);
        }

        var cropped = new double[srcCount];
        Layout.CropFrom<double>(padded, dstShape, cropped, srcShape, before);
        Assert.Equal(src, cropped);
    }

    // ---------------------------------------------------------------- worker pool

    // Private pools: the tests do not depend on who else uses WorkerPool.Shared. Four threads on any machine, so
    // partitions really run concurrently even on a 2-core runner.
    static readonly WorkerPool Pool = new(4);

    [Fact]
    public void WorkerPool_runs_every_partition_exactly_once()
    {
        foreach (var pool in new[] { Pool, WorkerPool.Shared, new WorkerPool(1) })
            for (int partitions = 1; partitions <= 9; partitions++)
                for (int repeat = 0; repeat < 50; repeat++)
                {
                    var counts = new int[partitions];
                    pool.Run(partitions, p => Interlocked.Increment(ref counts[p]));
                    Assert.All(counts, c => Assert.Equal(1, c));
                }

        // Zero partitions: nothing runs.
        Pool.Run(0, _ => throw new InvalidOperationException("must not run"));
    }

    [Fact]
    public void WorkerPool_For_covers_the_range_once_in_contiguous_chunks()
    {
        foreach (int length in new[] { 0, 1, 7, 100, 1000, 4097 })
            foreach (int minChunk in new[] { 1, 10, 300, 5000 })
            {
                var hits = new int[length];
                Pool.For(length, minChunk, (s, e) =>
                {
                    Assert.True(0 <= s && s <= e && e <= length);
                    for (int i = s; i < e; i++) Interlocked.Increment(ref hits[i]);
                });
                Assert.All(hits, h => Assert.Equal(1, h));
            }
    }

    [Fact]
    public async Task WorkerPool_nested_run_inside_a_partition_runs_inline_without_deadlock()
    {
        var counts = new int[6 * 5];
        var task = Task.Run(() =>
        {
            for (int repeat = 0; repeat < 20; repeat++)
                Pool.Run(6, p => Pool.Run(5, q => Interlocked.Increment(ref counts[p * 5 + q])));
        });
        await task.WaitAsync(TimeSpan.FromSeconds(60)); // TimeoutException: nested WorkerPool.Run deadlocked
        Assert.All(counts, c => Assert.Equal(20, c));
    }

    [Fact]
    public void WorkerPool_rethrows_a_partition_exception_on_the_caller_and_stays_usable()
    {
        for (int failing = 0; failing < 6; failing++)
        {
            var ran = new int[6];
            int f = failing;
            var e = Assert.ThrowsAny<Exception>(() => Pool.Run(6, p =>
            {
                Interlocked.Increment(ref ran[p]);
                if (p == f) throw new InvalidOperationException($"boom in partition {p}");
            }));
            // The pool wraps the first failure in an AggregateException when it ran in parallel.
            var inner = e is AggregateException agg ? agg.InnerException! : e;
            Assert.IsType<InvalidOperationException>(inner);
            Assert.Equal($"boom in partition {f}", inner.Message);
            Assert.All(ran, r => Assert.Equal(1, r));
        }

        // Single partition (inline): the exception also reaches the caller.
        Assert.Throws<ArithmeticException>(() => Pool.Run(1, _ => throw new ArithmeticException("inline")));

        // And the pool still works afterwards.
        var counts = new int[9];
        Pool.Run(9, p => Interlocked.Increment(ref counts[p]));
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public async Task WorkerPool_concurrent_callers_from_two_threads_both_complete_correctly()
    {
        const int rounds = 300;
        var sums = new long[2];
        var start = new Barrier(2);
        var tasks = Enumerable.Range(0, 2).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (int r = 0; r < rounds; r++)
            {
                var counts = new int[7];
                Pool.Run(7, p => { Interlocked.Increment(ref counts[p]); Interlocked.Add(ref sums[t], p + 1); });
                if (counts.Any(c => c != 1)) throw new InvalidOperationException($"thread {t} round {r}: counts {string.Join(",", counts)}");
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60)); // TimeoutException: the callers did not finish
        Assert.Equal(rounds * 28L, sums[0]); // Σ_{p=0..6} (p + 1) = 28 per round
        Assert.Equal(rounds * 28L, sums[1]);
    }
}
