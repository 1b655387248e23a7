using MiniNet.Kernels;
using TorchSharp;
using F = TorchSharp.torch.nn.functional;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// conv2d and pad2d. Legend: input [N,C,H,W], weight [O,C/groups,kH,kW], bias [O]. The oracle runs over a seeded
/// sample of the option space that covers every pair of option values at least once (stride, padding, padding mode,
/// dilation, groups, kernel, batch, bias), each case in float32 and float64, with small odd sizes and channel counts
/// that are not multiples of 8, through whatever algorithm the op picks, and in float64 through the reference loops.
/// GradCheck runs on tiny float64 shapes; the shape formula on the classic ImageNet stems; every refusal is checked
/// for its message; and whatever <see cref="Conv2dAlgorithms"/> picks is held to <see cref="Conv2dReference"/>.
/// </summary>
public class Conv2dTests
{
    /// <summary>One convolution of the sample. Sizes are chosen so that the case is valid.</summary>
    public sealed record ConvCase(int N, int C, int H, int W, int O, int KH, int KW, Pair Stride, Padding2d Padding,
        PaddingMode Mode, Pair Dilation, int Groups, bool Bias)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            $"x [{N},{C},{H},{W}] w [{O},{C / Groups},{KH},{KW}] stride {Stride} padding {Padding} {Mode} dilation {Dilation} groups {Groups}{(Bias ? " +bias" : "")}";
    }

    // The option values; "asymmetric" is (top 1, bottom 2, left 0, right 3).
    static readonly Pair[] Strides = [1, 2, 3, (2, 1)];
    static readonly Padding2d[] Paddings = [0, 1, 2, 3, (1, 2, 0, 3), Padding2d.Same, Padding2d.Valid];
    static readonly PaddingMode[] Modes = [PaddingMode.Zeros, PaddingMode.Reflect, PaddingMode.Replicate, PaddingMode.Circular];
    static readonly Pair[] Dilations = [1, 2, 3, (1, 2)];
    static readonly string[] GroupKinds = ["1", "2", "C", "C, O = 2C"];
    static readonly (int H, int W)[] KernelSizes = [(1, 1), (3, 3), (5, 5), (7, 7), (1, 7), (7, 1), (2, 2), (4, 4)];
    static readonly int[] Batches = [1, 5];
    static readonly bool[] Biases = [true, false];
    static readonly int[] Levels = [Strides.Length, Paddings.Length, Modes.Length, Dilations.Length, GroupKinds.Length, KernelSizes.Length, Batches.Length, Biases.Length];

    // PyTorch refuses "same" with a stride (tested below as an error); every other combination is made valid by its sizes.
    static bool Allowed(int[] row) => !(row[1] >= 0 && Paddings[row[1]].IsSame && row[0] >= 0 && Strides[row[0]] != 1);

    /// <summary>The pairwise-covering rows, then seeded random rows: 160 cases, the same every run.</summary>
    static readonly int[][] Rows = Pairwise.Cover(Levels, Allowed, seed: 7).Concat(Pairwise.Random(Levels, Allowed, 160, seed: 8)).Take(160).ToArray();

    static readonly ConvCase[] Cases = Rows.Select((row, i) => MakeCase(row, new Generator(1000 + (ulong)i))).ToArray();

    public static TheoryData<int, DType> CaseData()
    {
        var data = new TheoryData<int, DType>();
        for (int i = 0; i < Cases.Length; i++)
        {
            data.Add(i, DType.Float32);
            data.Add(i, DType.Float64);
        }
        return data;
    }

    static ConvCase MakeCase(int[] row, Generator rng)
    {
        T Pick<T>(T[] values) => values[rng.NextInt(values.Length)];
        var (kh, kw) = KernelSizes[row[5]];
        var (stride, padding, mode, dilation) = (Strides[row[0]], Paddings[row[1]], Modes[row[2]], Dilations[row[3]]);
        var (c, groups, o) = GroupKinds[row[4]] switch
        {
            "1" => (Pick([1, 3, 5, 6, 7]), 1, Pick([1, 2, 3, 5, 7])),
            "2" => (Pick([2, 6, 10]), 2, Pick([2, 4, 6])),
            "C" => Pick<(int, int, int)>([(3, 3, 3), (5, 5, 5), (6, 6, 6), (7, 7, 7)]),
            _ => Pick<(int, int, int)>([(3, 3, 6), (5, 5, 10)]),
        };
        var (top, bottom, left, right) = TorchPads(padding, (kh, kw), dilation);
        int h = Math.Max(5 + rng.NextInt(8), SmallestSize(dilation.H * (kh - 1) + 1, top, bottom, mode));
        int w = Math.Max(5 + rng.NextInt(8), SmallestSize(dilation.W * (kw - 1) + 1, left, right, mode));
        return new ConvCase(Batches[row[6]], c, h, w, o, kh, kw, stride, padding, mode, dilation, groups, Biases[row[7]]);
    }

    // The padded axis must hold the dilated kernel; reflect needs pad < size, circular pad <= size.
    static int SmallestSize(int dilatedKernel, int before, int after, PaddingMode mode) => Math.Max(dilatedKernel - before - after, mode switch
    {
        PaddingMode.Reflect => Math.Max(before, after) + 1,
        PaddingMode.Circular => Math.Max(before, after),
        _ => 1,
    });

    /// <summary>
    /// Explicit (top, bottom, left, right), "same" resolved as PyTorch's nn.Conv2d does for a padding_mode
    /// (_reversed_padding_repeated_twice): total = dilation·(k-1) per axis, total/2 before, the rest after.
    /// </summary>
    static (int Top, int Bottom, int Left, int Right) TorchPads(Padding2d padding, (int H, int W) kernel, Pair dilation)
    {
        if (!padding.IsSame) return (padding.Top, padding.Bottom, padding.Left, padding.Right);
        int totalH = dilation.H * (kernel.H - 1), totalW = dilation.W * (kernel.W - 1);
        return (totalH / 2, totalH - totalH / 2, totalW / 2, totalW - totalW / 2);
    }

    static Tensor Mini(ConvCase k, Tensor[] a) =>
        Tensor.Conv2d(a[0], a[1], k.Bias ? a[2] : null, k.Stride, k.Padding, k.Dilation, k.Groups, k.Mode);

    /// <summary>
    /// PyTorch: zero "same" through libtorch's own padding="same"; symmetric zero padding through conv2d's padding;
    /// anything else as F.pad (constant/reflect/replicate/circular) followed by conv2d without padding.
    /// float32 is computed in float64 and cast back (see Note: libtorch float32 conv backward).
    /// </summary>
    /// <remarks>
    /// Note: libtorch float32 conv backward. In TorchSharp-cpu 0.107 the float32 conv2d input gradient is wrong
    /// for some shapes whose kernel covers most of the input (values off by O(1), zeros, even NaN, changing from run
    /// to run), e.g. x [5,3,7,13], w [1,3,7,7], stride (2,1), dilation (1,2), no padding; the float64 result is
    /// right (and agrees with MiniNet). The output and the weight gradient were right. So the float32 reference
    /// runs in float64: the casts are part of the torch graph, and the gradients reach the float32 leaves through them.
    /// </remarks>
    static torch.Tensor Torch(ConvCase k, torch.Tensor[] t)
    {
        if (t[0].dtype == torch.float32)
            return Torch(k, t.Select(a => a.to_type(torch.float64)).ToArray()).to_type(torch.float32);
        long[] strides = [k.Stride.H, k.Stride.W], dilation = [k.Dilation.H, k.Dilation.W];
        var bias = k.Bias ? t[2] : null;
        if (k.Padding.IsSame && k.Mode == PaddingMode.Zeros)
            return F.conv2d_padding(t[0], t[1], bias, strides, Padding.Same, dilation, k.Groups);
        var (top, bottom, left, right) = TorchPads(k.Padding, (k.KH, k.KW), k.Dilation);
        if (k.Mode == PaddingMode.Zeros && top == bottom && left == right)
            return F.conv2d(t[0], t[1], bias, strides, [top, left], dilation, k.Groups);
        var padded = F.pad(t[0], [left, right, top, bottom], TorchMode(k.Mode));
        return F.conv2d(padded, t[1], bias, strides, [0, 0], dilation, k.Groups);
    }

    static PaddingModes TorchMode(PaddingMode mode) => mode switch
    {
        PaddingMode.Reflect => PaddingModes.Reflect,
        PaddingMode.Replicate => PaddingModes.Replicate,
        PaddingMode.Circular => PaddingModes.Circular,
        _ => PaddingModes.Constant,
    };

    [Theory, MemberData(nameof(CaseData))]
    public void Matches_torch(int index, DType dtype) => CheckCase(index, dtype);

    public static TheoryData<int> CaseIndices() => new(Enumerable.Range(0, Cases.Length));

    /// <summary>The reference loops themselves, in float64, whatever the op would pick (the fast paths are held to them below).</summary>
    [Theory, MemberData(nameof(CaseIndices))]
    public void Reference_matches_torch(int index)
    {
        using var reference = Conv2dAlgorithms.Force(Conv2dAlgorithm.Reference);
        CheckCase(index, DType.Float64);
    }

    static void CheckCase(int index, DType dtype)
    {
        var k = Cases[index];
        int[][] shapes = k.Bias ? [[k.N, k.C, k.H, k.W], [k.O, k.C / k.Groups, k.KH, k.KW], [k.O]] : [[k.N, k.C, k.H, k.W], [k.O, k.C / k.Groups, k.KH, k.KW]];
        try
        {
            Oracle.Check(shapes, a => Mini(k, a), t => Torch(k, t), dtype, seed: (ulong)index);
        }
        catch (Exception e) when (e is OracleMismatchException or ArgumentException)
        {
            throw new Xunit.Sdk.XunitException($"case {index}: {k}\n{e.Message}");
        }
    }

    [Fact]
    public void Sample_covers_every_pair_of_option_values()
    {
        // Every pair of values of two different options meets in some case, except "same" with a stride (refused).
        var rows = Rows;
        for (int f1 = 0; f1 < Levels.Length; f1++)
            for (int f2 = f1 + 1; f2 < Levels.Length; f2++)
                for (int v1 = 0; v1 < Levels[f1]; v1++)
                    for (int v2 = 0; v2 < Levels[f2]; v2++)
                    {
                        var pair = Enumerable.Repeat(-1, Levels.Length).ToArray();
                        (pair[f1], pair[f2]) = (v1, v2);
                        if (Allowed(pair)) Assert.Contains(rows, r => r[f1] == v1 && r[f2] == v2);
                    }
        Assert.All(rows, r => Assert.True(Allowed(r)));
        Assert.Equal(Rows, Pairwise.Cover(Levels, Allowed, seed: 7).Concat(Pairwise.Random(Levels, Allowed, 160, seed: 8)).Take(160)); // stable run to run
    }

    [Fact]
    public void Hand_checked_3x3_by_2x2()
    {
        // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,2],[3,4]], b = 0.5, stride 1, no padding:
        // y[i,j] = Σ w[a,b]·x[i+a, j+b] + 0.5 = [[37.5, 47.5], [67.5, 77.5]] (37 = 1·1 + 2·2 + 3·4 + 4·5).
        // L = Σ y  =>  dL/dw[a,b] = Σ of the 2x2 window of x at (a,b) = [[12,16],[24,28]], dL/db = 4 (outputs),
        //              dL/dx[r,c] = Σ of the w taps that read x[r,c] = [[1,3,2],[4,10,6],[3,7,4]].
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3);
        var w = Tensor.FromArray([1.0, 2, 3, 4], 1, 1, 2, 2);
        var b = Tensor.FromArray([0.5], 1);
        x.RequiresGrad = w.RequiresGrad = b.RequiresGrad = true;
        var y = Tensor.Conv2d(x, w, b);
        y.Sum().Backward();
        Assert.Equal([37.5, 47.5, 67.5, 77.5], y.ToArray<double>());
        Assert.Equal([12.0, 16, 24, 28], w.Grad!.ToArray<double>());
        Assert.Equal([4.0], b.Grad!.ToArray<double>());
        Assert.Equal([1.0, 3, 2, 4, 10, 6, 3, 7, 4], x.Grad!.ToArray<double>());
    }

    public static TheoryData<int[], int[], bool, Pair, Padding2d, Pair, int, PaddingMode> GradCheckCases => new()
    {
        { [2, 4, 6, 7], [4, 2, 3, 3], true, (2, 1), (1, 0, 2, 1), (1, 2), 2, PaddingMode.Zeros },    // groups 2, asymmetric everything
        { [1, 3, 5, 5], [6, 1, 3, 3], false, 1, Padding2d.Same, 2, 3, PaddingMode.Zeros },            // depthwise x2, same + dilation
        { [1, 2, 5, 6], [3, 2, 3, 3], true, 2, 2, 1, 1, PaddingMode.Reflect },
        { [1, 2, 4, 5], [2, 2, 2, 2], true, 1, Padding2d.Same, 1, 1, PaddingMode.Replicate },         // even kernel: pad after
        { [2, 1, 5, 6], [2, 1, 3, 2], false, 1, (1, 2), (2, 1), 1, PaddingMode.Circular },
        { [1, 3, 7, 6], [3, 1, 3, 3], true, 3, (2, 0, 1, 2), 1, 3, PaddingMode.Reflect },             // depthwise, stride 3
    };

    [Theory, MemberData(nameof(GradCheckCases))]
    public void Gradcheck(int[] xShape, int[] wShape, bool bias, Pair stride, Padding2d padding, Pair dilation, int groups, PaddingMode mode)
    {
        using var scope = Tensor.Scope();
        var generator = new Generator(42);
        int[][] shapes = bias ? [xShape, wShape, [wShape[0]]] : [xShape, wShape];
        var inputs = shapes.Select(s => Tensor.Normal(s, generator: generator, dtype: DType.Float64)).ToArray();
        foreach (var t in inputs) t.RequiresGrad = true;
        GradCheck.Assert(a => Tensor.Conv2d(a[0], a[1], bias ? a[2] : null, stride, padding, dilation, groups, mode), inputs,
            names: ["input", "weight", "bias"]);
    }

    [Fact]
    public void Backward_computes_only_the_gradients_asked_for_and_records_conv2d()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([2, 3, 6, 6], generator: new Generator(1));
        var w = Tensor.Normal([4, 3, 3, 3], generator: new Generator(2));
        var b = Tensor.Normal([4], generator: new Generator(3));
        w.RequiresGrad = true;
        var y = Tensor.Conv2d(x, w, b, padding: 1);
        var entry = Tape.Current.Entries[^1];
        Assert.Equal("conv2d([2,3,6,6], [4,3,3,3], [4]) -> [2,4,6,6]", entry.ToString());
        y.Sum().Backward();
        Assert.Null(x.Grad);
        Assert.Null(b.Grad);
        Assert.Equal([4, 3, 3, 3], w.Grad!.Shape);
    }

    [Fact]
    public void Classic_imagenet_shapes()
    {
        // 224 through 7x7 stride 2 pad 3 -> 112; 3x3 pad 1 keeps 224; 3x3 stride 2 no pad -> 111 (⌊(224-3)/2⌋ + 1).
        var stem = Conv2dGeometry.Create("conv2d", [1, 3, 224, 224], [64, 3, 7, 7], 2, 3, 1, 1);
        Assert.Equal((112, 112), (stem.OutH, stem.OutW));
        Assert.Equal(3 * 7 * 7, stem.K);
        var same = Conv2dGeometry.Create("conv2d", [1, 64, 224, 224], [64, 64, 3, 3], 1, 1, 1, 1);
        Assert.Equal((224, 224), (same.OutH, same.OutW));
        var reduce = Conv2dGeometry.Create("conv2d", [1, 64, 224, 224], [96, 64, 3, 3], 2, 0, 1, 1);
        Assert.Equal((111, 111), (reduce.OutH, reduce.OutW));
        var depthwise = Conv2dGeometry.Create("conv2d", [1, 32, 56, 56], [64, 1, 3, 3], 1, Padding2d.Same, 2, 32);
        Assert.Equal((56, 56, 1, 2, 9), (depthwise.OutH, depthwise.OutW, depthwise.CPerGroup, depthwise.OPerGroup, depthwise.K));
        Assert.Equal((2, 2, 2, 2), (depthwise.PadTop, depthwise.PadBottom, depthwise.PadLeft, depthwise.PadRight));
    }

    public static TheoryData<int[], int[], Pair, Padding2d, Pair, int, PaddingMode, string> BadArguments => new()
    {
        { [8, 3, 32, 32], [16, 4, 3, 3], 1, 0, 1, 1, PaddingMode.Zeros, "conv2d: weight [O,C/groups,kH,kW] = [16,4,3,3] needs input C = 4*groups = 4, got [8,3,32,32]" },
        { [1, 8, 9, 9], [6, 2, 3, 3], 1, 0, 1, 2, PaddingMode.Zeros, "conv2d: weight [O,C/groups,kH,kW] = [6,2,3,3] needs input C = 2*groups = 4, got [1,8,9,9]" },
        { [8, 3, 32, 32], [16, 3, 3], 1, 0, 1, 1, PaddingMode.Zeros, "conv2d: weight must be [O,C/groups,kH,kW] (rank 4), got [16,3,3]" },
        { [3, 32, 32], [16, 3, 3, 3], 1, 0, 1, 1, PaddingMode.Zeros, "conv2d: input must be [N,C,H,W] (rank 4), got [3,32,32]" },
        { [1, 6, 8, 8], [4, 1, 3, 3], 1, 0, 1, 4, PaddingMode.Zeros, "conv2d: input channels C = 6 are not divisible by groups = 4, got input [1,6,8,8]" },
        { [1, 4, 8, 8], [6, 1, 3, 3], 1, 0, 1, 4, PaddingMode.Zeros, "conv2d: weight [O,C/groups,kH,kW] = [6,1,3,3] has O = 6, not divisible by groups = 4" },
        { [1, 1, 2, 9], [1, 1, 3, 3], 1, 0, 1, 1, PaddingMode.Zeros, "conv2d: input height 2 (+ padding 0) too small for the dilated kernel 3" },
        { [1, 1, 9, 2], [1, 1, 3, 3], 1, 1, 2, 1, PaddingMode.Zeros, "conv2d: input width 2 (+ padding 2) too small for the dilated kernel 5" },
        { [1, 1, 9, 9], [1, 1, 3, 3], 2, Padding2d.Same, 1, 1, PaddingMode.Zeros, "conv2d: padding=\"same\" is not supported for strided convolutions (stride 2), as in PyTorch" },
        { [1, 1, 3, 3], [1, 1, 3, 3], 1, 3, 1, 1, PaddingMode.Reflect, "pad2d (reflect): padding 3 on the top must be less than the input height 3, got input [1,1,3,3]" },
        { [1, 1, 9, 3], [1, 1, 3, 3], 1, (0, 4), 1, 1, PaddingMode.Circular, "pad2d (circular): padding 4 on the left must be at most the input width 3, got input [1,1,9,3]" },
        { [1, 1, 9, 9], [1, 1, 3, 3], 1, -1, 1, 1, PaddingMode.Zeros, "conv2d: padding must be non-negative, got (top -1, bottom -1, left -1, right -1)" },
        { [1, 1, 9, 9], [1, 1, 3, 3], (0, 1), 0, 1, 1, PaddingMode.Zeros, "conv2d: stride must be at least 1, got (0,1)" },
        { [1, 1, 9, 9], [1, 1, 3, 3], 1, 0, 0, 1, PaddingMode.Zeros, "conv2d: dilation must be at least 1, got 0" },
        { [1, 1, 9, 9], [1, 1, 3, 3], 1, 0, 1, 0, PaddingMode.Zeros, "conv2d: groups must be at least 1, got 0" },
    };

    [Theory, MemberData(nameof(BadArguments))]
    public void Refusals_name_the_op_the_layout_and_the_shapes(int[] xShape, int[] wShape, Pair stride, Padding2d padding, Pair dilation, int groups, PaddingMode mode, string message)
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros(xShape);
        var w = Tensor.Zeros(wShape);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, w, null, stride, padding, dilation, groups, mode));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Refuses_a_wrong_bias_mixed_dtypes_and_int64()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([1, 2, 5, 5]);
        var w = Tensor.Zeros([3, 2, 3, 3]);
        Assert.Equal("conv2d: bias must be [O] = [3] for weight [3,2,3,3], got [2]",
            Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, w, Tensor.Zeros([2]))).Message);
        Assert.Equal("conv2d: input, weight and bias must share a dtype, got input torch.float32, weight torch.float64",
            Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, Tensor.Zeros([3, 2, 3, 3], DType.Float64))).Message);
        Assert.Throws<NotSupportedException>(() => Tensor.Conv2d(Tensor.Zeros([1, 2, 5, 5], DType.Int64), Tensor.Zeros([3, 2, 3, 3], DType.Int64)));
    }

    [Fact]
    public void Torch_refuses_the_same_combinations()
    {
        // The cases left out of the sample are refused by PyTorch too, not only by MiniNet.
        TorchInterop.EnsureInitialized();
        using var scope = torch.NewDisposeScope();
        var w = torch.zeros(1, 1, 3, 3);
        Assert.ThrowsAny<Exception>(() => F.conv2d_padding(torch.zeros(1, 1, 9, 9), w, null, [2, 2], Padding.Same));
        Assert.ThrowsAny<Exception>(() => F.conv2d(torch.zeros(1, 1, 2, 9), w));
        Assert.ThrowsAny<Exception>(() => F.pad(torch.zeros(1, 1, 3, 3), [3, 3, 3, 3], PaddingModes.Reflect));
    }

    public static TheoryData<PaddingMode, int[], Padding2d> PadCases => new()
    {
        { PaddingMode.Reflect, [2, 3, 4, 5], (3, 1, 4, 2) },    // reflect up to size - 1
        { PaddingMode.Replicate, [1, 2, 3, 4], (5, 0, 2, 7) },  // replicate any amount
        { PaddingMode.Circular, [2, 1, 4, 5], (4, 2, 5, 1) },   // circular up to size
        { PaddingMode.Zeros, [1, 2, 3, 4], (1, 2, 0, 3) },
        { PaddingMode.Reflect, [1, 1, 1, 6], (0, 0, 2, 1) },    // a one-row input, height unpadded
    };

    [Theory, MemberData(nameof(PadCases))]
    public void Pad2d_matches_torch(PaddingMode mode, int[] shape, Padding2d padding)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            Oracle.Check(shape, x => x.Pad2d(padding, mode),
                t => F.pad(t, [padding.Left, padding.Right, padding.Top, padding.Bottom], TorchMode(mode)), dtype, seed: 3);
    }

    [Fact]
    public void Pad_mode_mappings_by_hand()
    {
        // [a b c] padded by 2 on each side: reflect c b | a b c | b a, replicate a a | a b c | c c, circular b c | a b c | a b
        Assert.Equal([2, 1, 0, 1, 2, 1, 0], PadModes.SourceIndices(PaddingMode.Reflect, 2, 3, 2));
        Assert.Equal([0, 0, 0, 1, 2, 2, 2], PadModes.SourceIndices(PaddingMode.Replicate, 2, 3, 2));
        Assert.Equal([1, 2, 0, 1, 2, 0, 1], PadModes.SourceIndices(PaddingMode.Circular, 2, 3, 2));
        Assert.Equal([0, 1, 2, 0, 1, 2, 0, 1, 2], PadModes.SourceIndices(PaddingMode.Circular, 3, 3, 3));
    }

    [Fact]
    public void Pad2d_gradient_by_hand()
    {
        // Replicate [1 2] by 2 on the left: y = [x0 x0 x0 x1]; L = Σ k·y_k with weights 1..4  =>  dL/dx0 = 1+2+3 = 6, dL/dx1 = 4
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray([1.0, 2], 1, 1, 1, 2);
        x.RequiresGrad = true;
        var y = x.Pad2d((0, 0, 2, 0), PaddingMode.Replicate);
        Assert.Equal([1.0, 1, 1, 2], y.ToArray<double>());
        (y * Tensor.FromArray([1.0, 2, 3, 4], 1, 1, 1, 4)).Sum().Backward();
        Assert.Equal([6.0, 4], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Pad2d_refusals()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([1, 1, 3, 4]);
        Assert.Equal("pad2d (reflect): padding 4 on the right must be less than the input width 4, got input [1,1,3,4]",
            Assert.Throws<ArgumentException>(() => x.Pad2d((0, 0, 1, 4), PaddingMode.Reflect)).Message);
        Assert.Equal("pad2d (circular): padding 4 on the bottom must be at most the input height 3, got input [1,1,3,4]",
            Assert.Throws<ArgumentException>(() => x.Pad2d((0, 4, 0, 0), PaddingMode.Circular)).Message);
        Assert.Equal("pad2d (replicate): padding 1 on the top needs a non-empty input height to repeat, got input [1,1,0,4]",
            Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 1, 0, 4]).Pad2d(1, PaddingMode.Replicate)).Message);
        Assert.StartsWith("pad2d (reflect): needs explicit amounts, not \"same\"",
            Assert.Throws<ArgumentException>(() => x.Pad2d(Padding2d.Same, PaddingMode.Reflect)).Message);
        Assert.Equal("pad2d (circular): input must be [N,C,H,W] (rank 4), got [3,4]",
            Assert.Throws<ArgumentException>(() => Tensor.Zeros([3, 4]).Pad2d(1, PaddingMode.Circular)).Message);
    }

    [Fact]
    public void Algorithms_match_the_reference()
    {
        // Whatever Conv2dAlgorithms picks, on 50 seeded configurations (every 5th one large enough for a blocked or
        // GEMM path), in float32: forward, and the three backward kernels accumulating onto the same random start.
        var rng = new Generator(2024);
        for (int i = 0; i < 50; i++)
        {
            var g = RandomGeometry(rng, large: i % 5 == 4);
            bool bias = rng.NextInt(2) == 0;
            int outCount = g.N * g.O * g.OutH * g.OutW;
            var x = RandomArray(rng, g.N * g.C * g.H * g.W);
            var w = RandomArray(rng, g.O * g.CPerGroup * g.KH * g.KW);
            var b = bias ? RandomArray(rng, g.O) : [];
            var gradY = RandomArray(rng, outCount);
            var start = (X: RandomArray(rng, x.Length), W: RandomArray(rng, w.Length), B: RandomArray(rng, g.O));

            var (y, yRef) = (new float[outCount], new float[outCount]);
            Conv2dAlgorithms.Forward<float>(x, w, b, y, g);
            Conv2dReference.Forward<float>(x, w, b, yRef, g);
            AssertClose(yRef, y, $"forward, {g}");

            var (gradX, gradXRef) = ((float[])start.X.Clone(), (float[])start.X.Clone());
            Conv2dAlgorithms.BackwardInput<float>(gradY, w, gradX, g);
            Conv2dReference.BackwardInput<float>(gradY, w, gradXRef, g);
            AssertClose(gradXRef, gradX, $"backward input, {g}");

            var (gradW, gradWRef) = ((float[])start.W.Clone(), (float[])start.W.Clone());
            Conv2dAlgorithms.BackwardWeight<float>(x, gradY, gradW, g);
            Conv2dReference.BackwardWeight<float>(x, gradY, gradWRef, g);
            AssertClose(gradWRef, gradW, $"backward weight, {g}");

            var (gradB, gradBRef) = ((float[])start.B.Clone(), (float[])start.B.Clone());
            Conv2dAlgorithms.BackwardBias<float>(gradY, gradB, g);
            Conv2dReference.BackwardBias<float>(gradY, gradBRef, g);
            AssertClose(gradBRef, gradB, $"backward bias, {g}");
        }
    }

    [Fact]
    public void Batched_gemm_paths_match_the_reference() => CheckBatchedGemmPaths();

    internal static void CheckBatchedGemmPaths()
    {
        // The GEMM covers every image at once (Note: conv GEMM across images), so panels and column blocks straddle
        // images: 45 images of 7x7 make 2205 columns (past one 2048-wide block); odd channel counts and sizes; 3x3 and
        // 5x5 packed by table from the padded copy (Note: im2col by table), 1x1 in whole-plane runs; stride 2 (the
        // input gradient then goes per image through col2im), asymmetric padding, dilation and groups.
        (int[] X, int[] W, Pair Stride, Padding2d Padding, Pair Dilation, int Groups)[] layers =
        [
            ([45, 12, 7, 7], [10, 12, 3, 3], 1, 1, 1, 1),
            ([9, 20, 14, 14], [7, 20, 1, 1], 1, 0, 1, 1),
            ([6, 8, 9, 11], [13, 8, 5, 5], 1, 2, 1, 1),
            ([5, 6, 4, 4], [10, 3, 3, 3], 1, 1, 1, 2),
            ([4, 5, 10, 9], [6, 5, 3, 3], 2, (1, 2, 0, 1), 1, 1),
            ([3, 4, 11, 12], [5, 4, 3, 2], 1, (2, 1, 1, 0), (2, 1), 1),
        ];
        var rng = new Generator(77);
        foreach (var (xShape, wShape, stride, padding, dilation, groups) in layers)
        {
            var g = Conv2dGeometry.Create("conv2d", xShape, wShape, stride, padding, dilation, groups);
            Assert.Equal(Conv2dAlgorithm.Gemm, Conv2dAlgorithms.Choose(g));
            int outCount = g.N * g.O * g.OutH * g.OutW;
            var x = RandomArray(rng, g.N * g.C * g.H * g.W);
            var w = RandomArray(rng, g.O * g.CPerGroup * g.KH * g.KW);
            var b = RandomArray(rng, g.O);
            var gradY = RandomArray(rng, outCount);
            var (y, yRef) = (new float[outCount], new float[outCount]);
            Conv2dAlgorithms.Forward<float>(x, w, b, y, g);
            Conv2dReference.Forward<float>(x, w, b, yRef, g);
            AssertClose(yRef, y, $"forward, {g}");
            var start = RandomArray(rng, x.Length);
            var (gradX, gradXRef) = ((float[])start.Clone(), (float[])start.Clone());
            Conv2dAlgorithms.BackwardInput<float>(gradY, w, gradX, g);
            Conv2dReference.BackwardInput<float>(gradY, w, gradXRef, g);
            AssertClose(gradXRef, gradX, $"backward input, {g}");
            var startW = RandomArray(rng, w.Length);
            var (gradW, gradWRef) = ((float[])startW.Clone(), (float[])startW.Clone());
            Conv2dAlgorithms.BackwardWeight<float>(x, gradY, gradW, g);
            Conv2dReference.BackwardWeight<float>(x, gradY, gradWRef, g);
            AssertClose(gradWRef, gradW, $"backward weight, {g}");
        }
    }

    static Conv2dGeometry RandomGeometry(Generator rng, bool large)
    {
        int groups = large ? new[] { 1, 2, 16 }[rng.NextInt(3)] : 1 + rng.NextInt(3);
        int cPerGroup = groups == 16 ? 1 : large ? 4 + rng.NextInt(13) : 1 + rng.NextInt(6);
        int oPerGroup = groups == 16 ? 1 + rng.NextInt(2) : large ? 4 + rng.NextInt(21) : 1 + rng.NextInt(6);
        int kh = large ? 1 + 2 * rng.NextInt(3) : 1 + rng.NextInt(5), kw = large ? kh : 1 + rng.NextInt(5);
        Pair stride = (1 + rng.NextInt(large ? 2 : 3), 1 + rng.NextInt(large ? 2 : 3));
        Pair dilation = (1 + rng.NextInt(large ? 2 : 3), 1 + rng.NextInt(large ? 2 : 3));
        Padding2d padding = (rng.NextInt(kh), rng.NextInt(kh), rng.NextInt(kw), rng.NextInt(kw));
        int h = dilation.H * (kh - 1) + 1 + rng.NextInt(large ? 16 : 9), w = dilation.W * (kw - 1) + 1 + rng.NextInt(large ? 16 : 9);
        int n = 1 + rng.NextInt(large ? 2 : 3);
        return Conv2dGeometry.Create("conv2d", [n, cPerGroup * groups, h, w], [oPerGroup * groups, cPerGroup, kh, kw], stride, padding, dilation, groups);
    }

    static float[] RandomArray(Generator rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)rng.NextNormal();
        return values;
    }

    static void AssertClose(float[] expected, float[] actual, string what)
    {
        double worst = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            worst = Math.Max(worst, double.IsNaN(actual[i]) ? double.PositiveInfinity : Math.Abs(actual[i] - expected[i]));
        }
        Assert.True(worst <= 1e-5 * scale + 1e-6, $"{what}: max |fast - reference| = {worst:G3} against max |reference| = {scale:G3}");
    }
}

/// <summary>
/// A small greedy generator of pairwise-covering test rows (all-pairs testing): every pair of values of two
/// different factors appears in at least one row, with far fewer rows than the full product. Deterministic per seed.
/// </summary>
static class Pairwise
{
    /// <summary>
    /// Rows (one value index per factor) covering every allowed pair. Each row starts from the first uncovered pair
    /// and fills the other factors, in a random order, with the value that covers the most uncovered pairs
    /// (ties broken at random); the best of a few such candidates is kept. <paramref name="allowed"/> sees partial
    /// rows (-1 = not chosen yet) and must accept every row that contains no forbidden pair.
    /// </summary>
    public static List<int[]> Cover(int[] levels, Func<int[], bool> allowed, ulong seed)
    {
        var rng = new Generator(seed);
        var uncovered = new HashSet<(int, int, int, int)>();
        for (int f1 = 0; f1 < levels.Length; f1++)
            for (int f2 = f1 + 1; f2 < levels.Length; f2++)
                for (int v1 = 0; v1 < levels[f1]; v1++)
                    for (int v2 = 0; v2 < levels[f2]; v2++)
                        if (allowed(Partial(levels.Length, (f1, v1), (f2, v2)))) uncovered.Add((f1, v1, f2, v2));

        var rows = new List<int[]>();
        while (uncovered.Count > 0)
        {
            var (f1, v1, f2, v2) = uncovered.OrderBy(p => p).First();
            int[] best = [];
            int bestScore = -1;
            for (int candidate = 0; candidate < 8; candidate++)
            {
                var row = Partial(levels.Length, (f1, v1), (f2, v2));
                var order = Enumerable.Range(0, levels.Length).Where(f => row[f] < 0).ToArray();
                rng.Shuffle<int>(order);
                foreach (int f in order)
                {
                    int bestValue = -1, bestGain = -1;
                    int first = rng.NextInt(levels[f]);
                    for (int t = 0; t < levels[f]; t++)
                    {
                        int v = (first + t) % levels[f];
                        row[f] = v;
                        if (!allowed(row)) continue;
                        int gain = Enumerable.Range(0, levels.Length).Count(o => o != f && row[o] >= 0 && uncovered.Contains(Key(f, v, o, row[o])));
                        if (gain > bestGain) (bestValue, bestGain) = (v, gain);
                    }
                    row[f] = bestValue;
                }
                int score = Covered(row, uncovered).Count();
                if (score > bestScore) (best, bestScore) = (row, score);
            }
            foreach (var pair in Covered(best, uncovered).ToList()) uncovered.Remove(pair);
            rows.Add(best);
        }
        return rows;
    }

    /// <summary><paramref name="count"/> uniformly random allowed rows.</summary>
    public static IEnumerable<int[]> Random(int[] levels, Func<int[], bool> allowed, int count, ulong seed)
    {
        var rng = new Generator(seed);
        for (int made = 0; made < count;)
        {
            var row = levels.Select(l => rng.NextInt(l)).ToArray();
            if (!allowed(row)) continue;
            made++;
            yield return row;
        }
    }

    static int[] Partial(int factors, params (int Factor, int Value)[] chosen)
    {
        var row = Enumerable.Repeat(-1, factors).ToArray();
        foreach (var (f, v) in chosen) row[f] = v;
        return row;
    }

    static (int, int, int, int) Key(int f1, int v1, int f2, int v2) => f1 < f2 ? (f1, v1, f2, v2) : (f2, v2, f1, v1);

    static IEnumerable<(int, int, int, int)> Covered(int[] row, HashSet<(int, int, int, int)> uncovered) =>
        from f1 in Enumerable.Range(0, row.Length)
        from f2 in Enumerable.Range(f1 + 1, row.Length - f1 - 1)
        let key = (f1, row[f1], f2, row[f2])
        where uncovered.Contains(key)
        select key;
}
