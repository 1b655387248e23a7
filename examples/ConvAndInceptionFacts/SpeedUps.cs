using MiniNet.Kernels;
using MiniNet.Layers;

namespace MiniNet.Examples.ConvAndInceptionFacts;

// Questions 4 and 10: the timed ones. Multiply-adds come from Module.Macs (see "Note: what Macs counts" in
// src/Layers/Module.cs); timings are medians of a few forward runs without recording, printed and never asserted.
// Legend: C input channels, O output channels, K kernel side, OH×OW output size, r reduced channels.

/// <summary>Question 4: halving H and W with a stride-2 conv, or with a stride-1 conv then 2x2 max pooling.</summary>
/// <param name="InputShape">[1, 64, 56, 56].</param>
/// <param name="StridedShape">Output of the 3x3 stride-2 conv (run).</param>
/// <param name="PooledShape">Output of the 3x3 stride-1 conv + MaxPool2D(2) (run).</param>
/// <param name="StridedMacs">MACs of the stride-2 path.</param>
/// <param name="PooledMacs">MACs of the pooled path (pooling counts 0).</param>
/// <param name="StridedMs">Median forward time of the stride-2 path.</param>
/// <param name="PooledMs">Median forward time of the pooled path.</param>
public sealed record DownsamplingAnswer(int[] InputShape, int[] StridedShape, int[] PooledShape, long StridedMacs, long PooledMacs, double StridedMs, double PooledMs)
    : Answer(4, "Downsampling: stride-2 conv vs conv + 2x2 max-pool")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new($"3x3 conv 64 -> 64, stride 2, pad 1, on {Format.Shape(InputShape)}", "MACs = OH·OW·O·C·K² = 28·28·64·64·9",
            $"{Format.Shape(StridedShape)}; {Format.N(StridedMacs)} MACs; {Format.Ms(StridedMs)}"),
        new("3x3 conv 64 -> 64, stride 1, pad 1, then MaxPool2D(2)", "MACs = 56·56·64·64·9 (pooling: 0) = 4x",
            $"{Format.Shape(PooledShape)}; {Format.N(PooledMacs)} MACs ({Format.F((double)PooledMacs / StridedMacs, 1)}x); {Format.Ms(PooledMs)}"),
    ];
}

/// <summary>One algorithm on one layer, question 10.</summary>
/// <param name="Layer">"dense" or "depthwise".</param>
/// <param name="Algorithm">The forced algorithm.</param>
/// <param name="Width">The forced register width of the GEMM micro-kernel; null for the other algorithms.</param>
/// <param name="Ms">Median forward time.</param>
/// <param name="MaxAbsDiffFromReference">max |output - reference output|.</param>
public sealed record AlgorithmTiming(string Layer, Conv2dAlgorithm Algorithm, SimdWidth? Width, double Ms, double MaxAbsDiffFromReference);

/// <summary>Batch norm and ReLU fused or not, question 10.</summary>
/// <param name="Name">"batch_norm then relu" or "batch_norm_relu (fused)".</param>
/// <param name="Ms">Median time of forward and backward, batch statistics.</param>
/// <param name="MaxAbsDiffFromUnfused">max |output - unfused output| and of the input gradient, whichever is larger.</param>
public sealed record FusionTiming(string Name, double Ms, double MaxAbsDiffFromUnfused);

/// <summary>One version of a layer, question 10.</summary>
/// <param name="Name">"dense 3x3", "depthwise separable", "bottleneck, r = 16".</param>
/// <param name="Formula">Its MACs as a formula.</param>
/// <param name="ConvWeights">Weights of its convolutions.</param>
/// <param name="Macs">MACs on the 1x64x28x28 input.</param>
/// <param name="Ms">Median forward time (evaluation mode, default algorithms).</param>
public sealed record LayerVersion(string Name, string Formula, long ConvWeights, long Macs, double Ms);

/// <summary>Question 10: conv algorithms timed on the same layers, and cheaper versions of a 3x3 conv 64 -> 64 on 28x28.</summary>
/// <param name="Algorithms">Reference and GEMM on the dense layer; reference, GEMM and depthwise on the depthwise one.</param>
/// <param name="Versions">Dense, depthwise separable and bottleneck versions of the dense layer.</param>
/// <param name="Fusion">BasicConv's batch norm and ReLU as two ops and as one, on the dense layer's output at batch 8.</param>
/// <param name="NotBuilt">Algorithms the question names that MiniNet does not have yet, to say so rather than omit them.</param>
public sealed record SpeedUpsAnswer(IReadOnlyList<AlgorithmTiming> Algorithms, IReadOnlyList<LayerVersion> Versions,
    IReadOnlyList<FusionTiming> Fusion, IReadOnlyList<string> NotBuilt) : Answer(10, "Conv speed-ups")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() => Algorithms.Select(a => new FactRow(
            $"{a.Layer} 3x3 64 -> 64 on 1x64x28x28: {a.Algorithm}{(a.Width is { } width ? $" ({width})" : "")}",
            a.Algorithm switch
            {
                Conv2dAlgorithm.Reference => "direct loops over n, o, oh, ow, c, kh, kw",
                Conv2dAlgorithm.Gemm => "im2col packed inside GEMM: [O, C·K²] x [C·K², OH·OW]",
                _ => "direct row-wise taps per channel plane",
            },
            $"{Format.Ms(a.Ms)}; max |diff| vs reference {Format.Diff(a.MaxAbsDiffFromReference)}"))
        .Concat(NotBuilt.Select(name => new FactRow($"dense 3x3 64 -> 64: {name}", "not built in MiniNet yet", "not measured")))
        .Concat(Fusion.Select(f => new FactRow($"{f.Name} on 8x64x28x28, forward + backward", "one pass over memory each way when fused",
            $"{Format.Ms(f.Ms)}; max |diff| vs unfused {Format.Diff(f.MaxAbsDiffFromUnfused)}")))
        .Concat(Versions.Select(v => new FactRow(
            $"version of the dense layer: {v.Name}",
            v.Formula,
            $"{Format.N(v.Macs)} MACs; {Format.N(v.ConvWeights)} weights; {Format.Ms(v.Ms)}")));
}

public static partial class Facts
{
    /// <summary>Question 4: shapes, MACs and median times of the two ways to halve a 64x56x56 map.</summary>
    /// <param name="runs">Timed runs per path (after one warm-up).</param>
    public static DownsamplingAnswer Downsampling(int runs = 5)
    {
        int[] inputShape = [1, 64, 56, 56];
        using var strided = new Conv2D(64, 64, 3, stride: 2, padding: 1, generator: new Generator(seed: 4));
        using var pooled = new Sequential(new Conv2D(64, 64, 3, padding: 1, generator: new Generator(seed: 4)), new MaxPool2D(2));
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var x = Tensor.Normal(inputShape, generator: new Generator(seed: 5));
        int[] stridedShape = strided.Call(x).Shape, pooledShape = pooled.Call(x).Shape;
        return new DownsamplingAnswer(inputShape, stridedShape, pooledShape, strided.Macs(inputShape), pooled.Macs(inputShape),
            TimeForward(strided, x, runs), TimeForward(pooled, x, runs));
    }

    /// <summary>
    /// Question 10: a dense and a depthwise 3x3 conv 64 -> 64 on 1x64x28x28 through each algorithm that applies (forced
    /// with <see cref="Conv2dAlgorithms.Force"/>), and the dense layer's depthwise separable and bottleneck versions.
    /// </summary>
    /// <param name="runs">Timed runs per measurement (after one warm-up).</param>
    public static SpeedUpsAnswer SpeedUps(int runs = 5)
    {
        int[] inputShape = [1, 64, 28, 28];
        var fusion = BatchNormReluFusion(runs); // records a tape: before the no-grad scope below
        using var dense = new Conv2D(64, 64, 3, padding: 1, generator: new Generator(seed: 10));
        using var depthwise = new Conv2D(64, 64, 3, padding: 1, groups: 64, generator: new Generator(seed: 10));
        using var separable = new SeparableConv2D(64, 64, 3, padding: 1, generator: new Generator(seed: 10));
        using var bottleneck = new Bottleneck(64, 16, 64, 3, padding: 1, generator: new Generator(seed: 10));
        bottleneck.Eval();
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var x = Tensor.Normal(inputShape, generator: new Generator(seed: 11));

        var algorithms = new List<AlgorithmTiming>();
        foreach (var (name, layer, choices) in new[]
        {
            ("dense", dense, new[] { Conv2dAlgorithm.Reference, Conv2dAlgorithm.Gemm }),
            ("depthwise", depthwise, new[] { Conv2dAlgorithm.Reference, Conv2dAlgorithm.Gemm, Conv2dAlgorithm.Depthwise }),
        })
        {
            Tensor? reference = null;
            foreach (var algorithm in choices)
                foreach (SimdWidth? width in algorithm == Conv2dAlgorithm.Gemm ? SimdPath.Supported.Select(w => (SimdWidth?)w) : [null])
                {
                    using var forced = Conv2dAlgorithms.Force(algorithm);
                    using var forcedWidth = width is { } w ? SimdPath.Force(w) : null;
                    var y = layer.Call(x);
                    reference ??= y;
                    algorithms.Add(new AlgorithmTiming(name, algorithm, width, TimeForward(layer, x, runs), Probes.MaxAbsDiff(y, reference)));
                }
        }
        var versions = new List<LayerVersion>();
        foreach (var (name, formula, layer) in new (string, string, Module)[]
        {
            ("dense 3x3", "OH·OW·C·O·K² = 784·64·64·9", dense),
            ("depthwise separable", "OH·OW·C·(K² + O) = 784·64·(9 + 64)", separable),
            ("bottleneck, r = 16", "OH·OW·(C·r + r·O·K²) = 784·(64·16 + 16·64·9)", bottleneck),
        })
            versions.Add(new LayerVersion(name, formula, Probes.ConvWeights(layer), layer.Macs(inputShape), TimeForward(layer, x, runs)));
        return new SpeedUpsAnswer(algorithms, versions, fusion, ["Winograd F(2x2, 3x3)", "FFT"]);
    }

    // batch_norm then relu against batch_norm_relu, training (batch statistics), forward and backward on 8x64x28x28.
    static FusionTiming[] BatchNormReluFusion(int runs)
    {
        using var scope = Tensor.Scope();
        var generator = new Generator(seed: 12);
        var x = Tensor.Normal([8, 64, 28, 28], generator: generator);
        var gamma = Tensor.Uniform([64], 0.5, 1.5, generator);
        var beta = Tensor.Normal([64], std: 0.5, generator: generator);
        var gradOut = Tensor.Normal([8, 64, 28, 28], generator: generator);
        x.RequiresGrad = true;
        (Tensor Output, Tensor GradInput) Run(bool fused)
        {
            x.ZeroGrad();
            var y = fused ? Tensor.BatchNormRelu(x, null, null, gamma, beta, training: true) : Tensor.BatchNorm(x, null, null, gamma, beta, training: true).Relu();
            y.Backward(gradOut);
            return (y, x.Grad!.CloneDetached());
        }
        var unfused = Run(fused: false);
        return [.. new[] { false, true }.Select(fused =>
        {
            var (output, gradInput) = Run(fused);
            double ms = Timing.MedianMs(() => { using var step = Tensor.Scope(); Run(fused); }, runs);
            double diff = Math.Max(Probes.MaxAbsDiff(output, unfused.Output), Probes.MaxAbsDiff(gradInput, unfused.GradInput));
            return new FusionTiming(fused ? "batch_norm_relu (fused)" : "batch_norm then relu", ms, diff);
        })];
    }

    // Median forward time of layer on x, each run in its own scope so that the pool, not the GC, takes the output.
    static double TimeForward(Module layer, Tensor x, int runs) => Timing.MedianMs(() =>
    {
        using var step = Tensor.Scope();
        layer.Call(x);
    }, runs);
}
