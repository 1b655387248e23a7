namespace MiniNet.Models.Tests;

/// <summary>
/// Output shapes of every block and model, and OutputShape/Macs (computed without running) against a real forward:
/// the output's shape, and the multiply-adds counted by forward hooks on every Conv2D and Linear from the shapes
/// they really saw.
/// </summary>
public class ShapeTests
{
    static readonly Dictionary<string, (Func<Module> Make, int[] Input, int[] Output)> Cases = new()
    {
        ["bottleneck 256 -> 64 -> 64"] = (() => new Bottleneck(256, 64, 64, 3, padding: 1), [2, 256, 7, 7], [2, 64, 7, 7]),
        ["bottleneck, stride 2, unpadded"] = (() => new Bottleneck(8, 4, 6, 3, stride: 2), [2, 8, 9, 9], [2, 6, 4, 4]),
        ["separable conv"] = (() => new SeparableConv2D(4, 6, 3), [2, 4, 7, 7], [2, 6, 5, 5]),
        ["separable conv, stride 2, BN + ReLU"] =
            (() => new SeparableConv2D(4, 6, 3, stride: 2, padding: 1, batchNormReluBetween: true, batchNormReluAfter: true), [2, 4, 7, 7], [2, 6, 4, 4]),
        ["inception v1 3a"] = (() => new InceptionV1(48, 16, 24, 32, 4, 8, 8), [2, 48, 14, 14], [2, 64, 14, 14]),
        ["inception A"] = (() => new InceptionA(48, 16, 16, 24, 16, 24, 16), [2, 48, 14, 14], [2, 80, 14, 14]),
        ["grid reduction 14 -> 7"] = (() => new GridReduction(96, 64, 32, 48), [2, 96, 14, 14], [2, 208, 7, 7]),
        ["grid reduction 5 -> 3"] = (() => new GridReduction(3, 2, 2, 3), [2, 3, 5, 5], [2, 8, 3, 3]),
        ["inception C"] = (() => new InceptionC(208, 32, 48), [2, 208, 7, 7], [2, 192, 7, 7]),
        ["auxiliary head on 7x7"] = (() => new AuxiliaryHead(128, 10), [2, 128, 7, 7], [2, 10]),
        ["auxiliary head on 14x14"] = (() => new AuxiliaryHead(132, 5), [2, 132, 14, 14], [2, 5]),
        ["mini GoogLeNet"] = (() => new MiniGoogLeNet(new Generator(1)), [2, 1, 28, 28], [2, 10]),
        ["mini Inception v3"] = (() => new MiniInceptionV3(new Generator(2), classes: 7), [2, 1, 28, 28], [2, 7]),
        ["mini MobileNet"] = (() => new MiniMobileNet(new Generator(3)), [2, 1, 28, 28], [2, 10]),
        ["mini MobileNet, plain twin"] = (() => new MiniMobileNet(new Generator(4), separable: false), [2, 1, 28, 28], [2, 10]),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory, MemberData(nameof(CaseNames))]
    public void OutputShape_and_Macs_agree_with_a_forward(string name)
    {
        var (make, input, output) = Cases[name];
        using var module = make();
        module.Eval(); // a classifier's forward and Macs both cover the main path
        using var scope = Tensor.Scope();
        var (y, macs) = ForwardCount.Run(module, Tensor.Normal(input, generator: new Generator(9)));
        Assert.Equal(output, y.Shape);
        Assert.Equal(output, module.OutputShape(input));
        Assert.Equal(macs, module.Macs(input));
    }

    [Fact]
    public void Branches_that_do_not_line_up_fail_naming_the_block_and_the_branches()
    {
        using var block = new MisalignedBlock();
        var e = Assert.Throws<ArgumentException>(() => block.OutputShape([1, 2, 6, 6]));
        Assert.Contains("MisalignedBlock", e.Message);
        Assert.Contains("same gives [1,2,6,6] and strided gives [1,2,3,3]", e.Message);
    }

    [Fact]
    public void A_bad_input_fails_naming_the_path_to_the_layer_that_refuses_it()
    {
        using var model = new MiniGoogLeNet();
        var e = Assert.Throws<ArgumentException>(() => model.Macs([1, 3, 28, 28]));
        Assert.StartsWith("MiniGoogLeNet: child \"conv1\" (BasicConv) cannot take input [1,3,28,28]: Conv2D:", e.Message);
        using var block = new InceptionV1(4, 1, 1, 1, 1, 1, 1);
        e = Assert.Throws<ArgumentException>(() => block.OutputShape([1, 3, 5, 5]));
        Assert.StartsWith("InceptionV1: child \"branch1\" (BasicConv) cannot take input [1,3,5,5]: Conv2D:", e.Message);
    }

    sealed class MisalignedBlock : InceptionBlock
    {
        public MisalignedBlock() : base(null)
        {
            AddBranch("same", Conv(2, 2, 3, padding: 1));
            AddBranch("strided", Conv(2, 2, 3, stride: 2, padding: 1));
        }
    }
}
