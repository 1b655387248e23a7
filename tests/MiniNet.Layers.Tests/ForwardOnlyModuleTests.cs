namespace MiniNet.Layers.Tests;

/// <summary>
/// A custom module that overrides only Forward: its output shape and multiply-adds come from a dry run, the run
/// leaves the model as it was (mode, dropout stream, batch-norm statistics), and Summary works on it.
/// </summary>
public class ForwardOnlyModuleTests
{
    /// <summary>conv 1->4 (28x28) -> batch norm -> relu -> conv 4->8 stride 2 (14x14) -> relu -> flatten (op) -> dropout -> fc 1568->10.</summary>
    sealed class ForwardOnlyNet : Module
    {
        readonly Conv2D _conv1, _conv2;
        readonly BatchNorm2D _norm;
        readonly Dropout _dropout;
        readonly Linear _fc;

        public ForwardOnlyNet(Generator generator)
        {
            _conv1 = RegisterModule("conv1", new Conv2D(1, 4, 3, padding: 1, generator: generator));
            _norm = RegisterModule("norm", new BatchNorm2D(4));
            _conv2 = RegisterModule("conv2", new Conv2D(4, 8, 3, stride: 2, padding: 1, generator: generator));
            _dropout = RegisterModule("dropout", new Dropout(0.5, generator));
            _fc = RegisterModule("fc", new Linear(8 * 14 * 14, 10, generator: generator));
        }

        protected override Tensor Forward(Tensor x)
        {
            var features = _conv2.Call(_norm.Call(_conv1.Call(x)).Relu()).Relu();
            return _fc.Call(_dropout.Call(features.Flatten(1)));
        }
    }

    [Fact]
    public void OutputShapeAndMacsComeFromADryRun()
    {
        using var model = new ForwardOnlyNet(new Generator(1));
        Assert.Equal([5, 10], model.OutputShape([5, 1, 28, 28]));
        // Hand count, batch 5: conv1 5·4·28·28·(1·3·3), conv2 5·8·14·14·(4·3·3), fc 5·1568·10; norm, relu, dropout 0.
        Assert.Equal(5L * 4 * 28 * 28 * 9 + 5L * 8 * 14 * 14 * 36 + 5L * 1568 * 10, model.Macs([5, 1, 28, 28]));
        using var scope = Tensor.Scope();
        Assert.Equal(model.OutputShape([3, 1, 28, 28]), model.Call(Tensor.Zeros([3, 1, 28, 28])).Shape);
    }

    [Fact]
    public void TheDryRunLeavesTheModelAsItWas()
    {
        var generator = new Generator(2);
        using var model = new ForwardOnlyNet(generator);
        model.Train();
        model.NamedChildren().Single(c => c.Name == "norm").Module.Eval(); // a mixed mode, restored module by module
        var stream = generator.State;
        var before = model.StateDict().ToDictionary(e => e.Key, e => e.Value.DType == DType.Float32 ? e.Value.ToArray<float>() : []);
        _ = model.Macs([2, 1, 28, 28]);
        Assert.True(model.IsTraining);
        Assert.All(model.NamedModules(), m => Assert.Equal(m.Name != "norm", m.Module.IsTraining));
        Assert.Equal(stream, generator.State); // dropout drew nothing
        foreach (var (name, tensor) in model.StateDict())
            if (tensor.DType == DType.Float32) Assert.Equal(before[name], tensor.ToArray<float>()); // running statistics untouched
    }

    [Fact]
    public void ABadShapeNamesTheModuleAndTheForwardsError()
    {
        using var model = new ForwardOnlyNet(new Generator(3));
        var error = Assert.Throws<ArgumentException>(() => model.OutputShape([2, 3, 28, 28]));
        Assert.Contains("ForwardOnlyNet: Forward cannot take input [2,3,28,28]", error.Message);
        Assert.Throws<ArgumentException>(() => model.OutputShape([]));
        Assert.True(model.IsTraining);
    }

    [Fact]
    public void SummaryTracesTheChildrenAsForwardCallsThem()
    {
        using var model = new ForwardOnlyNet(new Generator(4));
        var summary = new Summary(model, [1, 1, 28, 28]);
        Assert.Equal(["", "conv1", "norm", "conv2", "dropout", "fc"], summary.Rows.Select(r => r.Name));
        Assert.Equal([1, 8, 14, 14], summary.Rows[3].OutputShape);
        Assert.Equal([1, 10], summary.Rows[0].OutputShape);
        Assert.Equal(model.Macs([1, 1, 28, 28]), summary.MacsPerImage);
        Assert.Equal(summary.Rows.Skip(1).Sum(r => r.Macs), summary.MacsPerImage);
        Assert.Equal(model.ParameterCount, summary.TotalParameters);
        Assert.Equal(new ReceptiveField(5, 2), summary.Rows[3].Field); // 3x3 then 3x3 stride 2
        Assert.Contains("fc (Linear)", summary.ToString());
    }
}
