using MiniNet.Layers;

namespace MiniNet.Examples.ConvAndInceptionFacts;

// Question 15: GoogLeNet's Inception module against Inception-v3's blocks A (the 5x5 as two 3x3s) and C (7x7 as
// 1x7 + 7x1), each built to read 192 channels and write 256, on one 28x28 map (GoogLeNet's inception3a input).

/// <summary>One block of question 15.</summary>
/// <param name="Name">"InceptionV1", "InceptionA", "InceptionC".</param>
/// <param name="Configuration">The constructor arguments and the branch widths that sum to the output channels.</param>
/// <param name="OutChannels">Output channels (run).</param>
/// <param name="Parameters">ParameterCount, batch norms included.</param>
/// <param name="ConvWeights">Weights of its convolutions.</param>
/// <param name="Macs">MACs on 1x192x28x28.</param>
/// <param name="Field">Receptive field side of its widest branch, from <see cref="Summary"/>.</param>
public sealed record InceptionBlockCost(string Name, string Configuration, int OutChannels, long Parameters, long ConvWeights, long Macs, int Field);

/// <summary>Question 15: Inception v1 against v3 blocks of the same width.</summary>
/// <param name="Blocks">InceptionV1, InceptionA, InceptionC.</param>
public sealed record InceptionAnswer(IReadOnlyList<InceptionBlockCost> Blocks) : Answer(15, "Inception v1 vs v3 blocks, 192 -> 256 channels on 28x28")
{
    /// <inheritdoc/>
    public override IEnumerable<FactRow> Rows() => Blocks.Select(b => new FactRow(
        $"{b.Name}{b.Configuration}",
        "Σ over its convs of C·O·kH·kW (params + BN γ, β); MACs: ·28·28",
        $"out {b.OutChannels} channels; {Format.N(b.Parameters)} parameters ({Format.N(b.ConvWeights)} conv weights); {Format.N(b.Macs)} MACs; field {b.Field}x{b.Field}"));
}

public static partial class Facts
{
    /// <summary>
    /// Question 15: InceptionV1(192, 64, 96, 128, 16, 32, 32) (GoogLeNet's inception3a), InceptionA(192, 64, 48, 64, 64,
    /// 96, 32) (torchvision's Mixed_5b widths, 5x5 branch as one 3x3) and InceptionC(192, 48, 64) (four branches of 64),
    /// each 256 channels out, on 1x192x28x28.
    /// </summary>
    public static InceptionAnswer InceptionBlocks()
    {
        int[] inputShape = [1, 192, 28, 28];
        var generator = new Generator(seed: 15);
        var blocks = new (string Name, string Configuration, InceptionBlock Block)[]
        {
            ("InceptionV1", "(192, c1 64, r3 96, c3 128, r5 16, c5 32, pool 32): 64 + 128 + 32 + 32",
                new InceptionV1(192, 64, 96, 128, 16, 32, 32, generator)),
            ("InceptionA", "(192, c1 64, r3 48, c3 64, rd 64, cd 96, pp 32): 64 + 64 + 96 + 32",
                new InceptionA(192, 64, 48, 64, 64, 96, 32, generator)),
            ("InceptionC", "(192, c7 48, out 64): 4·64", new InceptionC(192, 48, 64, generator)),
        };
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var x = Tensor.Normal(inputShape, generator: new Generator(seed: 16));
        var costs = new List<InceptionBlockCost>();
        foreach (var (name, configuration, block) in blocks)
            using (block)
                costs.Add(new InceptionBlockCost(name, configuration, block.Call(x).Size(1), block.ParameterCount, Probes.ConvWeights(block),
                    block.Macs(inputShape), Probes.SummaryField(block, inputShape)));
        return new InceptionAnswer(costs);
    }
}
