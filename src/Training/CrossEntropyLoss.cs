namespace MiniNet.Training;

/// <summary>
/// Cross-entropy between logits and class indices, with PyTorch's label smoothing: the target distribution is
/// (1 - ε)·one_hot(t) + ε/K over the K classes, so
/// L_n = -(1 - ε)·log_softmax(x_n)[t_n] - (ε/K)·Σ_k log_softmax(x_n)[k].
/// A thin, configured wrapper over the fused op <see cref="Tensor.CrossEntropy"/>, which holds the forward and
/// backward. PyTorch: <c>nn.CrossEntropyLoss(reduction=..., label_smoothing=...)</c>.
/// </summary>
public sealed class CrossEntropyLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">How the per-sample losses are combined (mean by default, as PyTorch).</param>
    /// <param name="labelSmoothing">ε in [0, 1]; 0 is plain cross-entropy.</param>
    /// <exception cref="ArgumentOutOfRangeException">ε outside [0, 1] or NaN.</exception>
    public CrossEntropyLoss(Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"CrossEntropyLoss: label_smoothing must be in [0, 1], got {labelSmoothing}");
        (Reduction, LabelSmoothing) = (reduction, labelSmoothing);
    }

    /// <summary>How per-sample losses are combined. PyTorch: <c>reduction</c>.</summary>
    public Reduction Reduction { get; }

    /// <summary>ε, the share of the target mass spread evenly over all classes. PyTorch: <c>label_smoothing</c>.</summary>
    public double LabelSmoothing { get; }

    /// <summary>The loss of <paramref name="logits"/> [N, K] (or [N, K, d...]) against int64 <paramref name="targets"/> [N] (or [N, d...]).</summary>
    /// <exception cref="ArgumentException">Targets that do not fit the logits (see <see cref="Tensor.CrossEntropy"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target outside [0, K).</exception>
    public Tensor Call(Tensor logits, Tensor targets) => Tensor.CrossEntropy(logits, targets, Reduction, LabelSmoothing);
}
