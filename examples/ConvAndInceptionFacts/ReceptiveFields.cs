using MiniNet.Layers;

namespace MiniNet.Examples.ConvAndInceptionFacts;

// Questions 3, 9 and 13: receptive fields, computed (Summary's receptive-field arithmetic) and measured (a one-hot
// output gradient sent back to the input; see Probes.MeasureField). Legend: C channels, K kernel side, d dilation.

/// <summary>Question 3: three stacked 3x3 stride-1 convs against one 7x7, at width C, without bias.</summary>
/// <param name="Channels">C.</param>
/// <param name="FieldFromSummary">Receptive field side of the stack, from <see cref="Summary"/>.</param>
/// <param name="Measured">What a one-hot gradient at the centre output reaches (15x15 input, float64).</param>
/// <param name="StackParameters">ParameterCount of the three 3x3 convs.</param>
/// <param name="SevenParameters">ParameterCount of one 7x7 conv.</param>
public sealed record StackedThreeByThreeAnswer(int Channels, int FieldFromSummary, MeasuredField Measured, long StackParameters, long SevenParameters)
    : Answer(3, "Receptive field of three stacked 3x3 convs")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new("receptive field, computed (Summary)", "1 + 3·(K - 1) = 1 + 3·2", FieldFromSummary.ToString()),
        new("receptive field, measured: one-hot gradient at the centre output", "bounding box of non-zero input gradients",
            $"{Measured.Height}x{Measured.Width} ({Measured.Pixels} pixels)"),
        new($"three 3x3 vs one 7x7, C = {Channels}, no bias", $"3·9·C² vs 49·C² = 27·{Channels}² vs 49·{Channels}²",
            $"{Format.N(StackParameters)} vs {Format.N(SevenParameters)} (ratio {Format.F((double)StackParameters / SevenParameters)} = 27/49)"),
    ];
}

/// <summary>Question 9: a 3x3 conv with dilation 2.</summary>
/// <param name="Weights">ParameterCount of Conv2D(1, 1, 3, dilation 2) without bias.</param>
/// <param name="FieldFromSummary">Its receptive field side, from <see cref="Summary"/>.</param>
/// <param name="Measured">What a one-hot gradient at the centre output reaches (11x11 input, float64).</param>
public sealed record DilatedAnswer(long Weights, int FieldFromSummary, MeasuredField Measured) : Answer(9, "Dilated 3x3, rate 2")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new("weights of a 3x3, dilation 2, 1 -> 1 channel", "K² = 9", Format.N(Weights)),
        new("receptive field, computed (Summary)", "d·(K - 1) + 1 = 2·2 + 1", $"{FieldFromSummary}x{FieldFromSummary}"),
        new("receptive field, measured: one-hot gradient at the centre output", "input pixels with a non-zero gradient; their bounding box",
            $"{Measured.Pixels} pixels in {Measured.Height}x{Measured.Width}"),
    ];
}

/// <summary>Question 13: one 5x5 conv against two 3x3s (each followed by a ReLU), without bias.</summary>
/// <param name="FiveWeightsPerPair">Weights per (input, output) channel pair of the 5x5.</param>
/// <param name="TwoThreeWeightsPerPair">The same for the two 3x3s.</param>
/// <param name="FiveField">Receptive field side of the 5x5, from <see cref="Summary"/>.</param>
/// <param name="TwoThreeField">Receptive field side of the two 3x3s, from <see cref="Summary"/>.</param>
/// <param name="FiveNonLinearities">ReLU layers in the 5x5 version.</param>
/// <param name="TwoThreeNonLinearities">ReLU layers in the two-3x3 version.</param>
public sealed record FiveVersusTwoThreeAnswer(long FiveWeightsPerPair, long TwoThreeWeightsPerPair, int FiveField, int TwoThreeField,
    int FiveNonLinearities, int TwoThreeNonLinearities) : Answer(13, "5x5 vs two 3x3")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() =>
    [
        new("weights per channel pair", "5·5 vs 2·3·3", $"{FiveWeightsPerPair} vs {TwoThreeWeightsPerPair}"),
        new("receptive field (Summary)", "5 vs 1 + 2·(3 - 1)", $"{FiveField}x{FiveField} vs {TwoThreeField}x{TwoThreeField}"),
        new("non-linearities (ReLU layers)", "one per conv", $"{FiveNonLinearities} vs {TwoThreeNonLinearities}"),
    ];
}

public static partial class Facts
{
    /// <summary>Question 3: the receptive field of three 3x3 convs, computed and measured, and their parameters against a 7x7's.</summary>
    public static StackedThreeByThreeAnswer StackedThreeByThree()
    {
        const int c = 64;
        var generator = new Generator(seed: 3);
        using var stack = new Sequential(
            new Conv2D(c, c, 3, padding: 1, bias: false, generator: generator),
            new Conv2D(c, c, 3, padding: 1, bias: false, generator: generator),
            new Conv2D(c, c, 3, padding: 1, bias: false, generator: generator));
        using var seven = new Conv2D(c, c, 7, padding: 3, bias: false, generator: generator);
        int field = Probes.SummaryField(stack, [1, c, 15, 15]);
        return new StackedThreeByThreeAnswer(c, field, Probes.MeasureField(stack, c, 15), stack.ParameterCount, seven.ParameterCount);
    }

    /// <summary>Question 9: a dilated 3x3 covers 5x5 with 9 weights, computed and measured.</summary>
    public static DilatedAnswer Dilated()
    {
        using var conv = new Conv2D(1, 1, 3, padding: 2, dilation: 2, bias: false, generator: new Generator(seed: 9));
        int field = Probes.SummaryField(conv, [1, 1, 11, 11]);
        return new DilatedAnswer(conv.ParameterCount, field, Probes.MeasureField(conv, 1, 11));
    }

    /// <summary>Question 13: a 5x5 conv against two 3x3 convs at width C: weights per channel pair, receptive fields, ReLUs.</summary>
    public static FiveVersusTwoThreeAnswer FiveVersusTwoThree()
    {
        const int c = 8;
        var generator = new Generator(seed: 13);
        using var five = new Sequential(new Conv2D(c, c, 5, padding: 2, bias: false, generator: generator), new ReLU());
        using var twoThree = new Sequential(
            new Conv2D(c, c, 3, padding: 1, bias: false, generator: generator), new ReLU(),
            new Conv2D(c, c, 3, padding: 1, bias: false, generator: generator), new ReLU());
        int[] inputShape = [1, c, 15, 15];
        static int Relus(Module m) => m.NamedModules().Count(x => x.Module is ReLU);
        return new FiveVersusTwoThreeAnswer(five.ParameterCount / (c * c), twoThree.ParameterCount / (c * c),
            Probes.SummaryField(five, inputShape), Probes.SummaryField(twoThree, inputShape), Relus(five), Relus(twoThree));
    }
}
