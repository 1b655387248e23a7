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
/// <param name="Ms">Median forward time.</param>
/// <param name="MaxAbsDiffFromReference">max |output - reference output|.</param>
public sealed record AlgorithmTiming(string Layer, Conv2dAlgorithm Algorithm, double Ms, double MaxAbsDiffFromReference);

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
public sealed record SpeedUpsAnswer(IReadOnlyList<AlgorithmTiming> Algorithms, IReadOnlyList<LayerVersion> Versions) : Answer(10, "Conv speed-ups")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() => Algorithms.Select(a => new FactRow(
            $"{a.Layer} 3x3 64 -> 64 on 1x64x28x28: {a.Algorithm}",
            a.Algorithm switch
            {
                Conv2dAlgorithm.Reference => "direct loops over n, o, oh, ow, c, kh, kw",
                Conv2dAlgorithm.Gemm => "im2col packed inside GEMM: [O, C·K²] x [C·K², OH·OW]",
                _ => "direct row-wise taps per channel plane",
            },
            $"{Format.Ms(a.Ms)}; max |diff| vs reference {Format.Diff(a.MaxAbsDiffFromReference)}"))
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
            {
                using var forced = Conv2dAlgorithms.Force(algorithm);
                var y = layer.Call(x);
                reference ??= y;
                algorithms.Add(new AlgorithmTiming(name, algorithm, TimeForward(layer, x, runs), Probes.MaxAbsDiff(y, reference)));
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
        return new SpeedUpsAnswer(algorithms, versions);
    }

    // Median forward time of layer on x, each run in its own scope so that the pool, not the GC, takes the output.
    static double TimeForward(Module layer, Tensor x, int runs) => Timing.MedianMs(() =>
    {
        using var step = Tensor.Scope();
        layer.Call(x);
    }, runs);
}
