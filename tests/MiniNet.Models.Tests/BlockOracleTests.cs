using MiniNet.Layers.Tests;
using TorchSharp;

namespace MiniNet.Models.Tests;

/// <summary>
/// Each new block against its TorchSharp twin (tests/MiniNet.Oracle/Twins) with the same weights, in float64:
/// output, gradient of the input and of every parameter, and the BN buffers (<see cref="ModuleOracle.Check"/>).
/// Tiny channel counts and 5x5 inputs, batch 2.
/// </summary>
public class BlockOracleTests
{
    sealed record Case(Func<Module> Mini, Func<torch.nn.Module<torch.Tensor, torch.Tensor>> Reference, int[] InputShape, bool Training = true);

    static readonly Dictionary<string, Case> Cases = new()
    {
        ["inception v1"] = new(() => new InceptionV1(3, 2, 2, 3, 2, 3, 2, new Generator(1)),
            () => new TorchInceptionV1(3, 2, 2, 3, 2, 3, 2), [2, 3, 5, 5]),
        ["inception v1, eval"] = new(() => new InceptionV1(3, 2, 2, 3, 2, 3, 2, new Generator(2)),
            () => new TorchInceptionV1(3, 2, 2, 3, 2, 3, 2), [2, 3, 5, 5], Training: false),
        ["inception A"] = new(() => new InceptionA(3, 2, 2, 3, 2, 3, 2, new Generator(3)),
            () => new TorchInceptionA(3, 2, 2, 3, 2, 3, 2), [2, 3, 5, 5]),
        ["grid reduction"] = new(() => new GridReduction(3, 2, 2, 3, new Generator(4)),
            () => new TorchGridReduction(3, 2, 2, 3), [2, 3, 5, 5]),
        ["inception C"] = new(() => new InceptionC(3, 2, 3, new Generator(5)),
            () => new TorchInceptionC(3, 2, 3), [2, 3, 5, 5]),
        // Evaluation mode: in training its dropout (p = 0.7) draws masks that no two frameworks share.
        ["auxiliary head, eval"] = new(() => new AuxiliaryHead(3, 4, new Generator(6)),
            () => new TorchAuxiliaryHead(3, 4), [2, 3, 5, 5], Training: false),
        ["separable conv, stride 2"] = new(
            () => new SeparableConv2D(3, 4, 3, stride: 2, padding: 1, batchNormReluBetween: true, batchNormReluAfter: true, generator: new Generator(7)),
            () => new TorchSeparableConv(3, 4, 3, stride: 2, padding: 1), [2, 3, 5, 5]),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory, MemberData(nameof(CaseNames))]
    public void Matches_torch_in_float64(string name)
    {
        var c = Cases[name];
        using var mini = c.Mini();
        using var reference = c.Reference();
        ModuleOracle.Check(mini, reference, c.InputShape, DType.Float64, c.Training, seed: (ulong)name.Length);
    }
}
