using MiniNet.Layers;

namespace MiniNet.Training.Tests;

/// <summary>
/// Every optimizer takes a module's parameters as written, <c>new RmsProp(model.Parameters())</c>, and then steps
/// exactly as when given the parameters' tensors.
/// </summary>
public class ModuleParametersTests
{
    public static TheoryData<string> Kinds => ["sgd", "adam", "adamw", "rmsprop", "tf_rmsprop"];

    static Optimizer Create(string kind, IEnumerable<ITensorSource> parameters) => kind switch
    {
        "sgd" => new Sgd(parameters, lr: 0.1, momentum: 0.9),
        "adam" => new Adam(parameters),
        "adamw" => new AdamW(parameters),
        "rmsprop" => new RmsProp(parameters),
        "tf_rmsprop" => new TensorFlowRmsProp(parameters, lr: 0.045),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Parameters_and_their_tensors_take_the_same_steps(string kind)
    {
        using var fromModule = new Linear(3, 2, generator: new Generator(7));
        using var fromTensors = new Linear(3, 2, generator: new Generator(7));
        using var byModule = Create(kind, fromModule.Parameters());
        using var byTensors = Create(kind, fromTensors.Parameters().Select(p => p.Value).ToArray());
        Assert.Same(fromModule.Weight.Value, byModule.Parameters[0]);
        for (int step = 0; step < 3; step++)
        {
            foreach (var (model, optimizer) in new (Linear, Optimizer)[] { (fromModule, byModule), (fromTensors, byTensors) })
            {
                using var scope = Tensor.Scope();
                optimizer.ZeroGrad();
                var x = Tensor.FromArray([1f, -2f, 0.5f, 3f, 0.25f, -1f], [2, 3]);
                (model.Call(x) * model.Call(x)).Sum().Backward();
                optimizer.Step();
            }
        }
        var moved = fromModule.Weight.Value.Data<float>().ToArray();
        Assert.Equal(fromTensors.Weight.Value.Data<float>().ToArray(), moved);
        Assert.NotEqual(Fresh(), moved); // it did step
    }

    static float[] Fresh()
    {
        using var model = new Linear(3, 2, generator: new Generator(7));
        return model.Weight.Value.Data<float>().ToArray();
    }

    [Fact]
    public void Gradient_clipping_takes_a_modules_parameters()
    {
        using var model = new Linear(3, 2, generator: new Generator(7));
        using var scope = Tensor.Scope();
        (model.Call(Tensor.Ones([4, 3])).Sum() * 100.0).Backward();
        double norm = GradientClipping.ClipByGlobalNorm(model.Parameters(), 1.0);
        Assert.True(norm > 1);
        double after = Math.Sqrt(model.Parameters().Sum(p => p.Grad!.Data<float>().ToArray().Sum(g => (double)g * g)));
        Assert.InRange(after, 0.99, 1.0);
    }
}
