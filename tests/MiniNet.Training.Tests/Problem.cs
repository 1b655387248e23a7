using TorchSharp;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace MiniNet.Training.Tests;

/// <summary>
/// The small fixed problem every optimizer test steps on: three float64 parameters, of shapes [3,4], [5] and [2,2],
/// and a loss whose gradient changes every step and depends on the parameters:
/// <code>
/// loss_t = Σ_i sum(c_ti · tanh(p_i)) + ½·sum(p_i²)    =>   dloss/dp_i = c_ti·(1 - tanh²(p_i)) + p_i
/// </code>
/// with c_ti standard normal, drawn from <c>new Generator(1000 + t)</c>. Parameter 2 is left out of the loss on odd
/// steps, so its gradient is null there: optimizers must skip it, and its step count falls behind the others'.
/// </summary>
static class Problem
{
    public static readonly int[][] Shapes = [[3, 4], [5], [2, 2]];

    /// <summary>New leaves (owned by the current scope) that require grad, drawn from <c>new Generator(seed)</c>.</summary>
    public static Tensor[] Parameters(ulong seed = 1)
    {
        var generator = new Generator(seed);
        return Array.ConvertAll(Shapes, shape =>
        {
            var p = Tensor.Normal(shape, generator: generator, dtype: DType.Float64);
            p.RequiresGrad = true;
            return p;
        });
    }

    /// <summary>Copies that require grad, owned by the current scope.</summary>
    public static Tensor[] Clone(IReadOnlyList<Tensor> parameters) => parameters.Select(p =>
    {
        var copy = p.CloneDetached();
        copy.RequiresGrad = true;
        return copy;
    }).ToArray();

    /// <summary>TorchSharp copies of <paramref name="parameters"/>, for a TorchSharp optimizer.</summary>
    public static TorchParameter[] ToTorch(IReadOnlyList<Tensor> parameters) =>
        parameters.Select(p => new TorchParameter(p.ToTorch(), requires_grad: true)).ToArray();

    /// <summary>Replaces every gradient by that of loss_t (null for parameter 2 on odd steps).</summary>
    public static void Backward(IReadOnlyList<Tensor> parameters, int step)
    {
        using var scope = Tensor.Scope();
        foreach (var p in parameters) p.ZeroGrad();
        var generator = new Generator(1000 + (ulong)step);
        Tensor? loss = null;
        for (int i = 0; i < parameters.Count; i++)
        {
            var c = Tensor.Normal(parameters[i].Shape, generator: generator, dtype: DType.Float64);
            if (i == 2 && step % 2 == 1) continue;
            var term = (c * parameters[i].Tanh()).Sum() + (parameters[i] * parameters[i]).Sum() * 0.5;
            loss = loss is null ? term : loss + term;
        }
        loss!.Backward();
    }

    /// <summary>Gives each TorchSharp parameter a copy of the MiniNet gradient (null stays null).</summary>
    public static void CopyGradients(IReadOnlyList<Tensor> parameters, IReadOnlyList<TorchParameter> torchParameters)
    {
        for (int i = 0; i < parameters.Count; i++) torchParameters[i].grad = parameters[i].Grad?.ToTorch();
    }
}
