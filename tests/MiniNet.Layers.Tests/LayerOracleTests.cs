using TorchSharp;

namespace MiniNet.Layers.Tests;

/// <summary>
/// Every layer against its PyTorch module (through TorchSharp) with the same weights, in float32 and float64:
/// output, gradients of the input and of every parameter, and the buffers after the forward (see
/// <see cref="ModuleOracle"/>). Cases cover the non-default arguments of each layer, training and evaluation mode.
/// </summary>
public class LayerOracleTests
{
    sealed record Case(Func<Module> Mini, Func<torch.nn.Module<torch.Tensor, torch.Tensor>> Reference, int[] InputShape, bool Training = true);

    static readonly Dictionary<string, Case> Cases = new()
    {
        ["conv 3x3 pad 1"] = new(() => new Conv2D(3, 4, 3, padding: 1, generator: new Generator(1)),
            () => torch.nn.Conv2d(3, 4, 3, padding: 1), [2, 3, 5, 6]),
        ["conv (3,2) stride (2,1) pad (1,0) dilation (1,2) no bias"] = new(
            () => new Conv2D(4, 6, (3, 2), stride: (2, 1), padding: (1, 0), dilation: (1, 2), bias: false, generator: new Generator(2)),
            () => torch.nn.Conv2d(4, 6, (3, 2), stride: (2, 1), padding: (1, 0), dilation: (1, 2), bias: false), [2, 4, 7, 6]),
        ["conv groups 2"] = new(() => new Conv2D(4, 6, 3, groups: 2, generator: new Generator(3)),
            () => torch.nn.Conv2d(4, 6, 3, groups: 2), [3, 4, 5, 5]),
        ["conv same, even kernel"] = new(() => new Conv2D(3, 2, (3, 4), padding: Padding2d.Same, generator: new Generator(4)),
            () => torch.nn.Conv2d(3, 2, (3, 4), Padding.Same), [2, 3, 5, 6]),
        ["conv reflect pad 1"] = new(() => new Conv2D(3, 4, 3, padding: 1, paddingMode: PaddingMode.Reflect, generator: new Generator(5)),
            () => torch.nn.Conv2d(3, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect), [2, 3, 4, 5]),
        ["linear"] = new(() => new Linear(5, 3, generator: new Generator(6)), () => torch.nn.Linear(5, 3), [4, 5]),
        ["linear 3-d input, no bias"] = new(() => new Linear(5, 3, bias: false, generator: new Generator(7)),
            () => torch.nn.Linear(5, 3, hasBias: false), [2, 3, 5]),
        ["batchnorm train"] = new(() => new BatchNorm2D(3), () => torch.nn.BatchNorm2d(3), [4, 3, 3, 2]),
        ["batchnorm train, momentum 0.3, eps 1e-3, not affine"] = new(() => new BatchNorm2D(5, eps: 1e-3, momentum: 0.3, affine: false),
            () => torch.nn.BatchNorm2d(5, eps: 1e-3, momentum: 0.3, affine: false), [2, 5, 2, 3]),
        ["batchnorm eval, running stats"] = new(() => WithStatistics(new BatchNorm2D(3)), () => torch.nn.BatchNorm2d(3), [2, 3, 4, 3], Training: false),
        ["batchnorm eval, no running stats"] = new(() => new BatchNorm2D(3, trackRunningStats: false),
            () => torch.nn.BatchNorm2d(3, track_running_stats: false), [3, 3, 2, 2], Training: false),
        ["maxpool 3 stride 2 pad 1 ceil"] = new(() => new MaxPool2D(3, 2, 1, ceilMode: true),
            () => torch.nn.MaxPool2d(3, 2, 1, ceil_mode: true), [2, 3, 8, 7]),
        ["maxpool (2,3) dilation 2"] = new(() => new MaxPool2D((2, 3), dilation: 2),
            () => torch.nn.MaxPool2d((2, 3), dilation: (2, 2)), [2, 2, 7, 9]),
        ["avgpool 3 stride 2 pad 1 ceil, pad not counted"] = new(() => new AvgPool2D(3, 2, 1, ceilMode: true, countIncludePad: false),
            () => torch.nn.AvgPool2d(3, 2, 1, ceil_mode: true, count_include_pad: false), [2, 3, 8, 7]),
        ["avgpool 2"] = new(() => new AvgPool2D(2), () => torch.nn.AvgPool2d(2), [2, 3, 6, 5]),
        ["adaptive avgpool (3,2)"] = new(() => new AdaptiveAvgPool2D((3, 2)), () => torch.nn.AdaptiveAvgPool2d((3, 2)), [2, 3, 7, 5]),
        ["global avgpool"] = new(() => new GlobalAvgPool(),
            () => torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()), [2, 3, 4, 5]),
        ["relu"] = new(() => new ReLU(), () => torch.nn.ReLU(), [2, 3, 4]),
        ["flatten"] = new(() => new Flatten(), () => torch.nn.Flatten(), [2, 3, 4, 2]),
        ["flatten 0..2"] = new(() => new Flatten(0, 2), () => torch.nn.Flatten(0, 2), [2, 3, 4, 2]),
        ["dropout eval"] = new(() => new Dropout(0.5), () => torch.nn.Dropout(0.5), [3, 4], Training: false),
        ["sequential of basic convs, train"] = new(SmallNet, SmallTorchNet, [3, 3, 9, 9]),
        ["sequential of basic convs, eval"] = new(() => WithStatistics(SmallNet()), SmallTorchNet, [2, 3, 9, 9], Training: false),
    };

    public static TheoryData<string, DType> CaseNames()
    {
        var data = new TheoryData<string, DType>();
        foreach (var name in Cases.Keys)
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                data.Add(name, dtype);
        return data;
    }

    [Theory, MemberData(nameof(CaseNames))]
    public void Matches_torch(string name, DType dtype)
    {
        var c = Cases[name];
        using var mini = c.Mini();
        using var reference = c.Reference();
        ModuleOracle.Check(mini, reference, c.InputShape, dtype, c.Training, seed: (ulong)name.Length);
    }

    /// <summary>Conv-BN-ReLU twice, max pool, flatten, linear: [N,3,9,9] to [N,4,9,9], [N,6,4,4], [N,6,2,2], [N,24], [N,5].</summary>
    internal static Sequential SmallNet() => new(
        new BasicConv(3, 4, 3, padding: 1, generator: new Generator(11)),
        new BasicConv(4, 6, 3, stride: 2, generator: new Generator(12)),
        new MaxPool2D(2),
        new Flatten(),
        new Linear(24, 5, generator: new Generator(13)));

    internal static torch.nn.Module<torch.Tensor, torch.Tensor> SmallTorchNet() => torch.nn.Sequential(
        new TorchBasicConv2d(3, 4, 3, padding: 1),
        new TorchBasicConv2d(4, 6, 3, stride: 2),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(24, 5));

    /// <summary>Running mean ~ N(0, 1) and running variance ~ U[0.5, 1.5) in every BatchNorm2D, so eval mode is not the identity.</summary>
    internal static TModule WithStatistics<TModule>(TModule module) where TModule : Module
    {
        var generator = new Generator(99);
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        foreach (var batchNorm in module.NamedModules().Select(m => m.Module).OfType<BatchNorm2D>())
        {
            batchNorm.RunningMean!.Value.CopyFrom(Tensor.Normal([batchNorm.Channels], generator: generator));
            batchNorm.RunningVar!.Value.CopyFrom(Tensor.Uniform([batchNorm.Channels], 0.5, 1.5, generator));
        }
        return module;
    }
}
