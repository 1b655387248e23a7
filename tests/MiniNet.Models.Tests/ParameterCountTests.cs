namespace MiniNet.Models.Tests;

/// <summary>
/// Parameter counts and multiply-adds by hand. A BasicConv from C to O with a kH x kW kernel holds C·O·kH·kW
/// weights and 2·O BN parameters (γ, β); a Linear in·out + out. The models' totals are those of their TorchSharp
/// twins (given in the spec), split into main path and auxiliary heads.
/// </summary>
public class ParameterCountTests
{
    [Fact]
    public void A_bottleneck_costs_a_third_of_the_dense_conv_it_replaces()
    {
        using var bottleneck = new Bottleneck(256, 64, 64, 3, padding: 1);
        using var dense = new BasicConv(256, 64, 3, padding: 1);
        Assert.Equal(256 * 64 + 2 * 64 + 64 * 64 * 9 + 2 * 64, bottleneck.ParameterCount); // 53,504
        Assert.Equal(256 * 64 * 9 + 2 * 64, dense.ParameterCount);                          // 147,584
        Assert.Equal(7 * 7 * (256 * 64 + 64 * 64 * 9), bottleneck.Macs([1, 256, 7, 7]));
    }

    [Fact]
    public void A_separable_conv_costs_C_k2_plus_C_O_where_the_dense_conv_costs_C_O_k2()
    {
        using var separable = new SeparableConv2D(64, 128, 3, padding: 1);
        using var dense = new Conv2D(64, 128, 3, padding: 1, bias: false);
        Assert.Equal(73_728, dense.ParameterCount);              // 64·128·9
        Assert.Equal(576 + 8_192, separable.ParameterCount);     // 64·9 + 64·128 = 8,768
        Assert.Equal(14 * 14 * 8_768, separable.Macs([1, 64, 14, 14]));
        Assert.Equal(14 * 14 * 73_728, dense.Macs([1, 64, 14, 14]));
        Assert.Equal([[64, 1, 3, 3], [128, 64, 1, 1]], separable.Parameters().Select(p => p.Shape));

        using var normalized = new SeparableConv2D(64, 128, 3, padding: 1, batchNormReluBetween: true, batchNormReluAfter: true);
        Assert.Equal(8_768 + 2 * 64 + 2 * 128, normalized.ParameterCount);
    }

    [Fact]
    public void Inception_v1_branches_of_3a()
    {
        using var block = new InceptionV1(48, 16, 24, 32, 4, 8, 8);
        Assert.Equal(["branch1", "branch2", "branch3", "branch4"], block.NamedChildren().Select(c => c.Name));
        Assert.Equal(
            [
                48 * 16 + 2 * 16,                         // 1x1: 800
                48 * 24 + 2 * 24 + 24 * 32 * 9 + 2 * 32, // 1x1 reduce, 3x3: 8,176
                48 * 4 + 2 * 4 + 4 * 8 * 25 + 2 * 8,      // 1x1 reduce, 5x5 (not torchvision's 3x3): 1,016
                48 * 8 + 2 * 8,                           // pool, 1x1 projection: 400
            ],
            block.Branches.Select(b => b.ParameterCount));
        Assert.Equal(64, block.OutChannels);
        Assert.Equal([8, 4, 5, 5], block.StateDict()["branch3.1.conv.weight"].Shape);
    }

    public static TheoryData<string, long, long[]> ModelCounts() => new()
    {
        { "GoogLeNet", 371_714, [138_058, 138_186] },
        { "GoogLeNet without aux", 371_714, [] },
        { "Inception v3", 337_786, [140_106] },
        { "Inception v3 without aux", 337_786, [] },
        { "MobileNet", 136_202, [] },
        // conv1 352; dense 3x3 blocks 18,560 + 73,984 + 147,712 + 295,424 + 590,336; fc 2,570
        { "MobileNet plain twin", 1_128_938, [] },
    };

    [Theory, MemberData(nameof(ModelCounts))]
    public void Models_have_their_twins_parameter_counts(string name, long mainPath, long[] auxiliaryHeads)
    {
        using var model = Models[name]();
        Assert.Equal(auxiliaryHeads, model.AuxiliaryHeads.Select(h => h.ParameterCount));
        Assert.Equal(mainPath + auxiliaryHeads.Sum(), model.ParameterCount);
        Assert.Equal(model.ParameterCount, model.TrainableParameterCount);
    }

    [Fact]
    public void Model_totals_with_auxiliary_heads()
    {
        using var googLeNet = new MiniGoogLeNet();
        using var inceptionV3 = new MiniInceptionV3();
        Assert.Equal(647_958, googLeNet.ParameterCount);
        Assert.Equal(477_892, inceptionV3.ParameterCount);
    }

    [Theory]
    [InlineData("GoogLeNet", 18.2e6)]
    [InlineData("Inception v3", 26.5e6)]
    public void Main_path_multiply_adds_per_image_within_one_percent(string name, double expected)
    {
        using var model = Models[name]();
        Assert.InRange(model.Macs([1, 1, 28, 28]), 0.99 * expected, 1.01 * expected);
    }

    [Fact]
    public void The_separable_MobileNet_needs_far_fewer_multiply_adds_than_its_plain_twin()
    {
        using var separable = new MiniMobileNet();
        using var plain = new MiniMobileNet(separable: false);
        long separableMacs = separable.Macs([1, 1, 28, 28]), plainMacs = plain.Macs([1, 1, 28, 28]);
        Assert.True(plainMacs > 6 * separableMacs, $"plain {plainMacs:N0} vs separable {separableMacs:N0}");
    }

    static readonly Dictionary<string, Func<Classifier>> Models = new()
    {
        ["GoogLeNet"] = () => new MiniGoogLeNet(),
        ["GoogLeNet without aux"] = () => new MiniGoogLeNet(auxLogits: false),
        ["Inception v3"] = () => new MiniInceptionV3(),
        ["Inception v3 without aux"] = () => new MiniInceptionV3(auxLogits: false),
        ["MobileNet"] = () => new MiniMobileNet(),
        ["MobileNet plain twin"] = () => new MiniMobileNet(separable: false),
    };
}
