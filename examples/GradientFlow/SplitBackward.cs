using System.Globalization;
using MiniNet.Layers;
using MiniNet.Training;

namespace MiniNet.Examples;

/// <summary>
/// Note: one backward per loss term. The training loss is L = CE_main + w·CE_aux1 + w·CE_aux2, so its gradient is
/// the sum of the three terms' gradients. Running backward once per term (retaining the graph for the next one) and
/// reading every layer's .Grad after each shows how much gradient each head sends to each layer. The tape adds
/// into .Grad, so after each term the gradients are copied out and cleared; at the end the copies are added back,
/// in term order, and the optimizer steps on main + aux1 + aux2, as after one backward of L. Only float rounding
/// differs (the sum is formed at the parameters instead of at each shared activation);
/// <see cref="CheckAgainstSingleBackward"/> measures it. The tape computes every gradient; this code only reads,
/// copies and adds them.
/// </summary>
static class SplitBackward
{
    /// <summary>
    /// The loss terms of one forward, in backward order: the main head's cross-entropy, then w times each auxiliary
    /// head's. With w = 0 the auxiliary losses are not added at all (the heads still run in the forward, so both
    /// runs draw the same dropout masks), and the heads get no gradient.
    /// </summary>
    public static IReadOnlyList<Tensor> LossTerms(ClassifierOutput output, Tensor targets, double auxWeight, double labelSmoothing)
    {
        var terms = new List<Tensor> { Tensor.CrossEntropy(output.Logits, targets, Reduction.Mean, labelSmoothing) };
        if (auxWeight != 0)
            foreach (var auxLogits in output.AuxLogits)
                terms.Add(auxWeight * Tensor.CrossEntropy(auxLogits, targets, Reduction.Mean, labelSmoothing));
        return terms;
    }

    /// <summary>
    /// Backward of each term in turn (see "Note: one backward per loss term"); returns each term's gradient norm per
    /// layer, [term][layer], and leaves the sum of the terms' gradients in .Grad for the optimizer. The parameters'
    /// gradients must be cleared before.
    /// </summary>
    public static double[][] Run(IReadOnlyList<Tensor> terms, IReadOnlyList<Parameter> parameters, IReadOnlyList<Layer> layers)
    {
        var norms = new double[terms.Count][];
        var parts = new List<Tensor?[]>();
        for (int t = 0; t < terms.Count; t++)
        {
            terms[t].Backward(retainGraph: t < terms.Count - 1);
            norms[t] = layers.Select(layer => layer.GradNorm()).ToArray();
            parts.Add(parameters.Select(p => p.Grad?.CloneDetached()).ToArray());
            foreach (var p in parameters) p.Value.ZeroGrad();
        }
        using (Tensor.NoGrad())
            foreach (var part in parts)
                for (int i = 0; i < parameters.Count; i++)
                    if (part[i] is { } grad) parameters[i].Value.AccumulateGrad(grad);
        return norms;
    }

    /// <summary>
    /// On one batch, compares the gradients that <see cref="Run"/> leaves with those of one backward of
    /// <see cref="ClassifierLoss.Compute"/> (the trainer's loss) on the same forward, by the oracle's float32 rule per
    /// parameter: max|split - single| ≤ 1e-6 + 1e-4·max|single|. Prints the largest difference; throws when a
    /// parameter fails.
    /// </summary>
    public static void CheckAgainstSingleBackward(ulong seed, ImageDataset trainSet, double auxWeight, double labelSmoothing)
    {
        using var model = new Models.MiniGoogLeNet(new Generator(seed));
        var parameters = model.Parameters().ToList();
        using var scope = Tensor.Scope();
        var (images, targets) = new DataLoader(trainSet, FlowRun.BatchSize, shuffle: false).Epoch().First();
        var output = model.Classify(images);

        ClassifierLoss.Compute(output, targets, auxWeight, labelSmoothing, labelSmoothing).Backward(retainGraph: true);
        var single = parameters.Select(p => p.Grad!.ToArray<float>()).ToList();
        model.ZeroGrad();
        Run(LossTerms(output, targets, auxWeight, labelSmoothing), parameters, Layer.Of(model));

        double worst = 0, largest = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var split = parameters[i].Grad!.Data<float>();
            double difference = 0, scale = 0;
            for (int k = 0; k < split.Length; k++)
            {
                difference = Math.Max(difference, Math.Abs(split[k] - single[i][k]));
                scale = Math.Max(scale, Math.Abs(single[i][k]));
            }
            if (difference > 1e-6 + 1e-4 * scale)
                throw new InvalidOperationException($"split backward: parameter {i} differs from one backward of the total by {difference:G3} (largest element {scale:G3})");
            worst = Math.Max(worst, difference);
            largest = Math.Max(largest, scale);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"check: main + {auxWeight}·aux1 + {auxWeight}·aux2 backward one by one and summed vs one backward of the total, one batch: " +
            $"max |difference| = {worst:G3} over {parameters.Count} parameters (largest gradient element {largest:G3}): ok"));
    }
}
