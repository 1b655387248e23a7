namespace MiniNet.Models.Tests;

/// <summary>
/// Every new layer's gradients (input and every parameter) against central finite differences in float64, with
/// PyTorch's gradcheck tolerances: tiny channel counts, 5x5 inputs, batch 2, training mode (batch statistics).
/// </summary>
public class GradCheckTests
{
    // Every layer takes 2 input channels (the first constructor argument).
    static readonly Dictionary<string, Func<Module>> Layers = new()
    {
        ["bottleneck"] = () => new Bottleneck(2, 2, 3, 3, padding: 1, generator: new Generator(1)),
        ["separable conv"] = () => new SeparableConv2D(2, 4, 3, stride: 2, generator: new Generator(2)),
        ["separable conv, BN + ReLU between and after"] =
            () => new SeparableConv2D(2, 3, 3, padding: 1, batchNormReluBetween: true, batchNormReluAfter: true, generator: new Generator(3)),
        ["inception v1"] = () => new InceptionV1(2, 2, 2, 2, 1, 2, 1, new Generator(4)),
        ["inception A"] = () => new InceptionA(2, 1, 2, 2, 1, 2, 1, new Generator(5)),
        ["grid reduction"] = () => new GridReduction(2, 2, 1, 2, new Generator(6)),
        ["inception C"] = () => new InceptionC(2, 1, 2, new Generator(7)),
    };

    public static TheoryData<string> LayerNames() => new(Layers.Keys);

    [Theory, MemberData(nameof(LayerNames))]
    public void Gradients_match_finite_differences(string name)
    {
        using var layer = Layers[name]();
        AssertGradients(layer, [2, 2, 5, 5], new GradCheckOptions());
    }

    /// <summary>
    /// Evaluation mode, as its dropout draws a new mask at each forward in training; fast mode (random directions),
    /// as fc1 alone has 131,328 parameters.
    /// </summary>
    [Fact]
    public void Auxiliary_head_gradients_match_finite_differences()
    {
        using var head = new AuxiliaryHead(2, 3, new Generator(8));
        head.Eval();
        AssertGradients(head, [2, 2, 5, 5], new GradCheckOptions(FastMode: true, Directions: 8));
    }

    static void AssertGradients(Module layer, int[] inputShape, GradCheckOptions options)
    {
        layer.To(DType.Float64);
        using var scope = Tensor.Scope();
        var x = Tensor.Normal(inputShape, generator: new Generator(42), dtype: DType.Float64);
        x.RequiresGrad = true;
        var parameters = layer.NamedParameters().ToList();
        GradCheck.Assert(inputs => layer.Call(inputs[0]), [x, .. parameters.Select(p => p.Parameter.Value)], options,
            ["input", .. parameters.Select(p => p.Name)]);
    }
}
