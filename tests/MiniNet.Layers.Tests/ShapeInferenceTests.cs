namespace MiniNet.Layers.Tests;

/// <summary>
/// OutputShape and Macs, computed without running: OutputShape equals the real forward's output shape for every
/// layer type, Macs equals multiply-adds counted by hand, and bad shapes fail with the layer's name and the shape.
/// </summary>
public class ShapeInferenceTests
{
    static readonly Dictionary<string, (Func<Module> Make, int[] Input)> Cases = new()
    {
        ["conv (3,5) stride (2,1) pad (1,2) dilation (1,2)"] = (() => new Conv2D(3, 8, (3, 5), stride: (2, 1), padding: (1, 2), dilation: (1, 2)), [2, 3, 11, 10]),
        ["conv same, even kernel"] = (() => new Conv2D(3, 4, 4, padding: Padding2d.Same), [1, 3, 7, 6]),
        ["conv groups 2, circular"] = (() => new Conv2D(4, 6, 3, padding: 1, groups: 2, paddingMode: PaddingMode.Circular), [2, 4, 5, 5]),
        ["linear 3-d"] = (() => new Linear(6, 3), [2, 4, 6]),
        ["batchnorm"] = (() => new BatchNorm2D(3), [2, 3, 4, 4]),
        ["relu"] = (() => new ReLU(), [2, 3, 5]),
        ["dropout"] = (() => new Dropout(0.2), [4, 7]),
        ["flatten"] = (() => new Flatten(), [2, 3, 4, 5]),
        ["flatten 1..2"] = (() => new Flatten(1, 2), [2, 3, 4, 5]),
        ["maxpool 3 stride 2 ceil"] = (() => new MaxPool2D(3, 2, ceilMode: true), [2, 3, 14, 14]),
        ["maxpool (2,3) pad 1 dilation 2"] = (() => new MaxPool2D((2, 3), padding: (1, 1), dilation: 2), [1, 2, 9, 11]),
        ["avgpool 3 stride 2 pad 1"] = (() => new AvgPool2D(3, 2, 1), [2, 3, 9, 8]),
        ["adaptive avgpool (4,3)"] = (() => new AdaptiveAvgPool2D((4, 3)), [2, 3, 7, 9]),
        ["global avgpool"] = (() => new GlobalAvgPool(), [2, 5, 3, 4]),
        ["basic conv"] = (() => new BasicConv(3, 4, 3, stride: 2, padding: 1), [2, 3, 9, 9]),
        ["sequential"] = (LayerOracleTests.SmallNet, [2, 3, 9, 9]),
        ["empty sequential"] = (() => new Sequential(), [2, 3]),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory, MemberData(nameof(CaseNames))]
    public void OutputShape_equals_the_forward_output_shape(string name)
    {
        var (make, input) = Cases[name];
        using var module = make();
        using var scope = Tensor.Scope();
        var output = module.Call(Tensor.Normal(input, generator: new Generator(1)));
        Assert.Equal(output.Shape, module.OutputShape(input));
    }

    public static TheoryData<string, long> HandCountedMacs() => new()
    {
        { "conv", 64L * 112 * 112 * 3 * 7 * 7 },       // GoogLeNet's stem, per image: 118,013,952
        { "grouped conv", 2L * 256 * 14 * 14 * 64 * 9 }, // N·O·OH·OW·(C/groups)·kH·kW
        { "linear", 2L * 1024 * 1000 },
        { "linear 3-d", 2L * 4 * 6 * 3 },
        { "small net", 2L * 4 * 9 * 9 * 27 + 2L * 6 * 4 * 4 * 36 + 2L * 24 * 5 }, // conv1 + conv2 + linear; BN, pool, flatten count 0
        { "basic conv", 2L * 4 * 5 * 5 * 27 },
        { "batchnorm", 0 }, { "maxpool", 0 }, { "global avgpool", 0 }, { "relu", 0 },
    };

    static readonly Dictionary<string, (Func<Module> Make, int[] Input)> MacCases = new()
    {
        ["conv"] = (() => new Conv2D(3, 64, 7, stride: 2, padding: 3), [1, 3, 224, 224]),
        ["grouped conv"] = (() => new Conv2D(256, 256, 3, padding: 1, groups: 4), [2, 256, 14, 14]),
        ["linear"] = (() => new Linear(1024, 1000), [2, 1024]),
        ["linear 3-d"] = (() => new Linear(6, 3), [2, 4, 6]),
        ["small net"] = (LayerOracleTests.SmallNet, [2, 3, 9, 9]),
        ["basic conv"] = (() => new BasicConv(3, 4, 3, stride: 2, padding: 1), [2, 3, 9, 9]),
        ["batchnorm"] = (() => new BatchNorm2D(3), [2, 3, 4, 4]),
        ["maxpool"] = (() => new MaxPool2D(2), [2, 3, 4, 4]),
        ["global avgpool"] = (() => new GlobalAvgPool(), [2, 3, 4, 4]),
        ["relu"] = (() => new ReLU(), [2, 3]),
    };

    [Theory, MemberData(nameof(HandCountedMacs))]
    public void Macs_equal_the_hand_count(string name, long expected)
    {
        var (make, input) = MacCases[name];
        using var module = make();
        Assert.Equal(expected, module.Macs(input));
    }

    [Fact]
    public void Bad_shapes_fail_naming_the_layer_and_the_shape()
    {
        using var conv = new Conv2D(3, 8, 3);
        AssertFails(() => conv.OutputShape([1, 4, 8, 8]), "Conv2D", "[1,4,8,8]");
        AssertFails(() => conv.Macs([1, 3, 2, 2]), "Conv2D", "too small");
        using var bn = new BatchNorm2D(4);
        AssertFails(() => bn.OutputShape([2, 4, 3]), "BatchNorm2D", "[2,4,3]");
        using var scope = Tensor.Scope();
        AssertFails(() => bn.Call(Tensor.Zeros([2, 5, 3, 3])), "BatchNorm2D", "[2,5,3,3]");
        using var linear = new Linear(5, 2);
        AssertFails(() => linear.OutputShape([3, 4]), "Linear", "[3,4]");
        using var pool = new MaxPool2D(3, padding: 2);
        AssertFails(() => pool.OutputShape([1, 1, 8, 8]), "MaxPool2D", "pad should be at most half");
        using var global = new GlobalAvgPool();
        AssertFails(() => global.Macs([2, 3]), "GlobalAvgPool", "[2,3]");
        using var flatten = new Flatten(2, 1);
        AssertFails(() => flatten.OutputShape([2, 3, 4]), "Flatten", "[2,3,4]");
        using var net = LayerOracleTests.SmallNet();
        AssertFails(() => net.OutputShape([2, 3, 2, 2]), "Sequential: child \"1\" (BasicConv) cannot take input [2,4,2,2]: Conv2D: input height 2");
        using var outer = new Sequential().Add("features", LayerOracleTests.SmallNet());
        AssertFails(() => outer.Macs([2, 3, 9, 8]), "child \"features\" (Sequential) cannot take input [2,3,9,8]: Sequential: child \"4\" (Linear) cannot take input [2,12]");
    }

    static void AssertFails(Action action, params string[] parts)
    {
        var e = Assert.ThrowsAny<ArgumentException>(action);
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Conv2D_refuses_bad_settings_when_built()
    {
        Assert.Contains("divisible by groups", Assert.Throws<ArgumentException>(() => new Conv2D(6, 4, 3, groups: 4)).Message);
        Assert.Contains("stride", Assert.Throws<ArgumentException>(() => new Conv2D(3, 4, 3, stride: 2, padding: Padding2d.Same)).Message);
        Assert.Throws<ArgumentException>(() => new Conv2D(3, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5));
    }
}
