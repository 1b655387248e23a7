using MiniNet.Layers;

namespace MiniNet.Examples;

/// <summary>
/// One module that owns parameters itself (a convolution, a batch norm or a linear layer) with those parameters:
/// the unit whose gradient norm the example records. <see cref="Of"/> lists them in the order of
/// <see cref="Module.NamedParameters"/>, which for MiniGoogLeNet is depth order (an Inception block's branches one
/// after another; the auxiliary heads, registered after inception5b, between it and fc).
/// </summary>
/// <param name="Name">The module's dotted name, e.g. "inception3a.branch2.1.conv".</param>
/// <param name="Kind">The module's type: "Conv2D", "BatchNorm2D" or "Linear".</param>
/// <param name="Stage">The model's child that holds it: "conv1" (the stem), "inception3a", …, "fc", or "aux1", "aux2".</param>
/// <param name="Depth">Its index along the main path (0 = the stem's conv), or -1 inside an auxiliary head.</param>
/// <param name="Parameters">Its own parameters (weight, and bias where it has one).</param>
sealed record Layer(string Name, string Kind, string Stage, int Depth, IReadOnlyList<Parameter> Parameters)
{
    /// <summary>False for the layers of an auxiliary head.</summary>
    public bool OnMainPath => Depth >= 0;

    /// <summary>The layers of <paramref name="model"/>: its parameters grouped by the module that registered them.</summary>
    public static IReadOnlyList<Layer> Of(Classifier model)
    {
        var auxHeads = model.NamedChildren().Where(c => c.Module is AuxiliaryHead).Select(c => c.Name).ToHashSet();
        var modules = model.NamedModules().ToDictionary(m => m.Name, m => m.Module);
        var layers = new List<Layer>();
        int depth = 0;
        foreach (var module in model.NamedParameters().GroupBy(p => p.Name[..Math.Max(0, p.Name.LastIndexOf('.'))]))
        {
            string stage = module.Key.Split('.')[0];
            int index = auxHeads.Contains(stage) ? -1 : depth++;
            layers.Add(new Layer(module.Key, modules[module.Key].TypeName, stage, index, module.Select(p => p.Parameter).ToList()));
        }
        return layers;
    }

    /// <summary>The L2 norm of the gradient of all its parameters together, √(Σ g²); 0 where backward left none.</summary>
    public double GradNorm() => Math.Sqrt(Parameters.Sum(p => SumOfSquares(p.Grad)));

    static double SumOfSquares(Tensor? grad)
    {
        if (grad is null) return 0;
        double sum = 0;
        foreach (float g in grad.Data<float>()) sum += (double)g * g;
        return sum;
    }
}
