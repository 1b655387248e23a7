using MiniNet.Layers;

namespace MiniNet.Training;

/// <summary>The training loss of a classifier with auxiliary heads.</summary>
public static class ClassifierLoss
{
    /// <summary>
    /// Mean cross-entropy of the main logits plus <paramref name="auxWeight"/> times that of each auxiliary head:
    /// L = CE(logits, t; ε_main) + w·Σ_i CE(aux_i, t; ε_aux), each from <see cref="Tensor.CrossEntropy"/> with its
    /// own label smoothing ε. GoogLeNet's paper weighs each auxiliary loss by 0.3 (the default); Inception-v3's
    /// torchvision recipe uses 0.4. In evaluation mode <see cref="ClassifierOutput.AuxLogits"/> is empty and L is
    /// the main loss alone. PyTorch: <c>F.cross_entropy(out.logits, t) + w * sum(F.cross_entropy(a, t) for a in aux)</c>.
    /// </summary>
    /// <param name="output">What <see cref="Classifier.Classify"/> returned.</param>
    /// <param name="targets">Class indices, int64 [N].</param>
    /// <param name="auxWeight">Weight w of each auxiliary loss.</param>
    /// <param name="labelSmoothing">Label smoothing ε of the main head, in [0, 1].</param>
    /// <param name="auxLabelSmoothing">Label smoothing ε of the auxiliary heads, in [0, 1].</param>
    /// <returns>A scalar.</returns>
    /// <exception cref="ArgumentException">Targets that do not fit the logits (see <see cref="Tensor.CrossEntropy"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target outside the classes, or a smoothing outside [0, 1].</exception>
    public static Tensor Compute(ClassifierOutput output, Tensor targets, double auxWeight = 0.3, double labelSmoothing = 0, double auxLabelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        var loss = Tensor.CrossEntropy(output.Logits, targets, Reduction.Mean, labelSmoothing);
        foreach (var auxLogits in output.AuxLogits)
            loss += auxWeight * Tensor.CrossEntropy(auxLogits, targets, Reduction.Mean, auxLabelSmoothing);
        return loss;
    }
}
