namespace MiniNet.Models.Tests;

/// <summary>Gives every BatchNorm2D of a model non-trivial state, so a test comparing logits sees the batch norms.</summary>
static class BatchNormStir
{
    /// <summary>
    /// Random γ in [0.5, 1.5) and β ~ N(0, 0.2), then two training-mode forwards that move every running statistic
    /// off 0 and 1 (and the counters to 2). Leaves the model in training mode.
    /// </summary>
    public static void Stir(Classifier model, ulong seed = 9)
    {
        var generator = new Generator(seed);
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        foreach (var bn in model.NamedModules().Select(m => m.Module).OfType<BatchNorm2D>())
        {
            bn.Weight?.Value.CopyFrom(Tensor.Uniform(bn.Weight.Shape, 0.5, 1.5, generator));
            bn.Bias?.Value.CopyFrom(Tensor.Normal(bn.Bias.Shape, 0, 0.2, generator));
        }
        model.Train();
        for (int i = 0; i < 2; i++) model.Classify(Tensor.Normal([4, 1, 28, 28], 0.5, 2, generator));
    }
}
