using MiniNet.Kernels;
using MiniNet.Layers;

namespace MiniNet.Examples.ConvAndInceptionFacts;

// Questions 1, 2, 7 and 8: output sizes, parameter counts, "same" and "valid" padding, groups.
// Legend: N batch, C (Cin) input channels, O (Cout) output channels, H×W input size, K kernel side, P padding per
// side, S stride, G groups.

/// <summary>One convolution of question 1.</summary>
/// <param name="Name">How the layer is known ("7x7 stem").</param>
/// <param name="Kernel">K.</param>
/// <param name="Padding">P, on every side.</param>
/// <param name="Stride">S.</param>
/// <param name="Formula">⌊(H + 2P - K)/S⌋ + 1, computed here.</param>
/// <param name="Inferred">The layer's <see cref="Module.OutputShape"/>, without running it.</param>
/// <param name="Run">The shape of the tensor the layer returned when run.</param>
public sealed record OutputSize(string Name, int Kernel, int Padding, int Stride, int Formula, int[] Inferred, int[] Run);

/// <summary>Question 1: output sizes of three convolutions on a 224x224 input.</summary>
/// <param name="InputShape">[1, 3, 224, 224].</param>
/// <param name="Layers">The three convolutions.</param>
public sealed record OutputSizesAnswer(int[] InputShape, IReadOnlyList<OutputSize> Layers) : Answer(1, "Output sizes of a 224x224 input")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() => Layers.Select(l => new FactRow(
        $"{l.Name}: K={l.Kernel}, P={l.Padding}, S={l.Stride}",
        $"H_out = ⌊(H + 2P - K)/S⌋ + 1 = ⌊({InputShape[2]} + {2 * l.Padding} - {l.Kernel})/{l.Stride}⌋ + 1",
        $"{l.Formula}; OutputShape {Format.Shape(l.Inferred)}, run {Format.Shape(l.Run)}"));
}

/// <summary>Question 2: a 3x3 conv against fully connected layers on the same 128x28x28 input.</summary>
/// <param name="ConvParameters">ParameterCount of Conv2D(128, 256, 3) with bias.</param>
/// <param name="ConvFormula">(Cin·K² + 1)·Cout.</param>
/// <param name="DenseToMapFormula">(Cin·H·W + 1)·(Cout·H·W): a linear layer with the conv's input and output sizes (formula only: 80 GB in float32).</param>
/// <param name="DenseToVectorFormula">(Cin·H·W + 1)·Cout: a linear layer from the flattened map to 256 outputs.</param>
/// <param name="DenseToVectorParameters">ParameterCount of that layer, built (103 MB).</param>
public sealed record ConvVersusDenseAnswer(long ConvParameters, long ConvFormula, long DenseToMapFormula, long DenseToVectorFormula, long DenseToVectorParameters)
    : Answer(2, "Parameters: 3x3 conv vs fully connected, on 128x28x28")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new("3x3 conv 128 -> 256, with bias", "(Cin·K² + 1)·Cout = (128·9 + 1)·256", $"{Format.N(ConvParameters)} (formula {Format.N(ConvFormula)})"),
        new("FC 128x28x28 -> 256x28x28 outputs, with bias (formula only, 80 GB)", "(Cin·H·W + 1)·(Cout·H·W) = (100,352 + 1)·200,704",
            $"{Format.N(DenseToMapFormula)} ({Format.N(DenseToMapFormula / ConvParameters)}x the conv)"),
        new("FC 128x28x28 -> 256 outputs, with bias (built)", "(Cin·H·W + 1)·Cout = (100,352 + 1)·256",
            $"{Format.N(DenseToVectorParameters)} (formula {Format.N(DenseToVectorFormula)})"),
    ];
}

/// <summary>One kernel size of question 7, on an input of side H.</summary>
/// <param name="Kernel">K.</param>
/// <param name="Pad">⌊(K - 1)/2⌋, the explicit padding that "same" picks for odd K.</param>
/// <param name="Same">Output side with padding "same", stride 1.</param>
/// <param name="Valid">Output side with padding "valid" (none), stride 1: H - K + 1.</param>
/// <param name="ExplicitStride2">Output side with the explicit pad ⌊(K - 1)/2⌋ at stride 2.</param>
/// <param name="CeilHalf">⌈H/2⌉.</param>
public sealed record PaddingCase(int Kernel, int Pad, int Same, int Valid, int ExplicitStride2, int CeilHalf);

/// <summary>Question 7: "same" against "valid" padding, and "same" refused at stride 2.</summary>
/// <param name="Size">H = W of the input.</param>
/// <param name="Cases">K = 3, 5, 7.</param>
/// <param name="SameStride2Error">The message of the exception that Conv2D(..., stride 2, padding "same") throws.</param>
public sealed record PaddingAnswer(int Size, IReadOnlyList<PaddingCase> Cases, string SameStride2Error) : Answer(7, "Padding \"same\" vs \"valid\"")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() => Cases.SelectMany(c => new FactRow[]
    {
        new($"K={c.Kernel}, H={Size}, stride 1: \"same\" / \"valid\"", $"same: P = ⌊(K-1)/2⌋ = {c.Pad} keeps H; valid: H - K + 1 = {Size} - {c.Kernel} + 1",
            $"{c.Same} / {c.Valid}"),
        new($"K={c.Kernel}, H={Size}, stride 2, explicit P={c.Pad}", $"⌊(H + 2P - K)/2⌋ + 1 = ⌈H/2⌉ = ⌈{Size}/2⌉", $"{c.ExplicitStride2} (⌈H/2⌉ = {c.CeilHalf})"),
    }).Append(new FactRow("\"same\" at stride 2", "refused, as in PyTorch", SameStride2Error));
}

/// <summary>One grouping of question 8.</summary>
/// <param name="Groups">G.</param>
/// <param name="Parameters">ParameterCount of Conv2D(256, 256, 3, groups: G) with bias.</param>
/// <param name="Formula">(Cin/G·K²)·Cout + Cout.</param>
/// <param name="Macs">Multiply-adds on a 1x256x14x14 input: H_out·W_out·Cout·(Cin/G)·K².</param>
/// <param name="Algorithm">The algorithm conv2d picks for it (<see cref="Conv2dAlgorithms.Choose"/>).</param>
public sealed record GroupedCase(int Groups, long Parameters, long Formula, long Macs, Conv2dAlgorithm Algorithm);

/// <summary>Question 8: a grouped 3x3 conv 256 -> 256, from one group to depthwise.</summary>
/// <param name="Cases">G = 1, 4 and 256 (depthwise).</param>
public sealed record GroupedAnswer(IReadOnlyList<GroupedCase> Cases) : Answer(8, "Grouped conv 256 -> 256, 3x3, with bias")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() => Cases.Select(c => new FactRow(
        c.Groups == 256 ? "groups = C = 256 (depthwise)" : $"groups = {c.Groups}",
        $"(Cin/G·K²)·Cout + Cout = (256/{c.Groups}·9)·256 + 256; MACs on 14x14: 196·256·(256/{c.Groups})·9",
        $"{Format.N(c.Parameters)} (formula {Format.N(c.Formula)}); {Format.N(c.Macs)} MACs; algorithm {c.Algorithm}"));
}

public static partial class Facts
{
    /// <summary>Question 1: runs three convolutions on a 1x3x224x224 input and compares their shapes with the formula.</summary>
    public static OutputSizesAnswer OutputSizes()
    {
        int[] inputShape = [1, 3, 224, 224];
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var input = Tensor.Normal(inputShape, generator: new Generator(seed: 1));
        var layers = new List<OutputSize>();
        foreach (var (name, k, p, s) in new[] { ("7x7 stem", 7, 3, 2), ("3x3 'same'", 3, 1, 1), ("3x3 no pad, stride 2", 3, 0, 2) })
        {
            using var conv = new Conv2D(3, 8, k, s, p, generator: new Generator(seed: 2));
            int formula = (inputShape[2] + 2 * p - k) / s + 1; // the numerator is positive, so C#'s '/' is the floor
            layers.Add(new OutputSize(name, k, p, s, formula, conv.OutputShape(inputShape), conv.Call(input).Shape));
        }
        return new OutputSizesAnswer(inputShape, layers);
    }

    /// <summary>
    /// Question 2: parameters of a 3x3 conv 128 -> 256 against a linear layer on the same 128x28x28 input, to 256x28x28
    /// outputs (formula only: 20 billion weights) and to 256 outputs (built, 103 MB).
    /// </summary>
    public static ConvVersusDenseAnswer ConvVersusDense()
    {
        const int cin = 128, cout = 256, k = 3, side = 28;
        using var conv = new Conv2D(cin, cout, k, padding: 1, generator: new Generator(seed: 1));
        long flatIn = (long)cin * side * side;
        using var dense = new Linear((int)flatIn, cout, generator: new Generator(seed: 1));
        return new ConvVersusDenseAnswer(
            ConvParameters: conv.ParameterCount,
            ConvFormula: ((long)cin * k * k + 1) * cout,
            DenseToMapFormula: (flatIn + 1) * ((long)cout * side * side),
            DenseToVectorFormula: (flatIn + 1) * cout,
            DenseToVectorParameters: dense.ParameterCount);
    }

    /// <summary>
    /// Question 7: output sides with "same" and "valid" padding for K = 3, 5, 7 (run on a 27x27 input), the explicit
    /// pad ⌊(K - 1)/2⌋ at stride 2, and the error "same" gives at stride 2.
    /// </summary>
    public static PaddingAnswer Padding()
    {
        const int size = 27; // odd, so that ⌈H/2⌉ differs from H/2
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var input = Tensor.Normal([1, 1, size, size], generator: new Generator(seed: 1));
        var cases = new List<PaddingCase>();
        foreach (int k in new[] { 3, 5, 7 })
        {
            int pad = (k - 1) / 2;
            int Side(Pair stride, Padding2d padding)
            {
                using var conv = new Conv2D(1, 1, k, stride, padding, generator: new Generator(seed: 2));
                return conv.Call(input).Size(2);
            }
            cases.Add(new PaddingCase(k, pad, Side(1, Padding2d.Same), Side(1, Padding2d.Valid), Side(2, pad), (size + 1) / 2));
        }
        string error;
        try
        {
            using var refused = new Conv2D(1, 1, 3, stride: 2, padding: Padding2d.Same);
            error = "(accepted: not expected)";
        }
        catch (ArgumentException e) { error = e.Message; }
        return new PaddingAnswer(size, cases, error);
    }

    /// <summary>Question 8: parameters and MACs of Conv2D(256, 256, 3) with 1, 4 and 256 groups, and the algorithm each gets.</summary>
    public static GroupedAnswer Grouped()
    {
        const int c = 256, k = 3;
        int[] inputShape = [1, c, 14, 14];
        var cases = new List<GroupedCase>();
        foreach (int groups in new[] { 1, 4, c })
        {
            using var conv = new Conv2D(c, c, k, padding: 1, groups: groups, generator: new Generator(seed: 1));
            var geometry = Conv2dGeometry.Create("conv2d", inputShape, conv.Weight.Shape, 1, 1, 1, groups);
            cases.Add(new GroupedCase(groups, conv.ParameterCount, (long)c / groups * k * k * c + c, conv.Macs(inputShape), Conv2dAlgorithms.Choose(geometry)));
        }
        return new GroupedAnswer(cases);
    }
}
