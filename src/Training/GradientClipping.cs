using System.Numerics.Tensors;

namespace MiniNet.Training;

/// <summary>Gradient clipping, applied between backward and the optimizer's step.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their global L2 norm (of all gradients
    /// together, as one vector) is at most about <paramref name="maxNorm"/>, and returns the norm they had before.
    /// PyTorch: <c>torch.nn.utils.clip_grad_norm_(parameters, max_norm)</c> (norm_type 2, error_if_nonfinite False).
    /// </summary>
    /// <remarks>
    /// As PyTorch: every gradient is multiplied by min(1, maxNorm / (total + 1e-6)), so clipping starts when the total
    /// reaches maxNorm - 1e-6 and leaves a norm just under maxNorm. Parameters without a gradient are skipped; with no
    /// gradient at all the result is 0. A NaN or infinite total is returned, not thrown, and spreads into every
    /// gradient (NaN, or 0 for an infinite total), as in PyTorch.
    /// </remarks>
    /// <param name="parameters">Tensors (or a module's parameters) whose <see cref="Tensor.Grad"/> to clip; the same tensor must not appear twice.</param>
    /// <param name="maxNorm">Largest allowed global norm, ≥ 0.</param>
    /// <returns>The global L2 norm of the gradients before clipping.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative or NaN maxNorm.</exception>
    public static double ClipByGlobalNorm(IEnumerable<ITensorSource> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"clip_grad_norm: maxNorm must be >= 0, got {maxNorm}");
        var grads = parameters.Select(p => p.Tensor.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;

        double sumOfSquares = 0;
        foreach (var g in grads)
        {
            sumOfSquares += g.DType switch
            {
                DType.Float32 => TensorPrimitives.SumOfSquares(g.Data<float>()),
                DType.Float64 => TensorPrimitives.SumOfSquares(g.Data<double>()),
                _ => throw new NotSupportedException($"clip_grad_norm: gradient {Shapes.Format(g.Shape)} is {g.DType.TorchName()}, not floating point"),
            };
        }
        double totalNorm = Math.Sqrt(sumOfSquares);
        double scale = Math.Min(maxNorm / (totalNorm + 1e-6), 1.0); // Math.Min keeps a NaN, as torch.clamp does
        if (scale != 1.0)
            foreach (var g in grads) g.MulInPlace(scale);
        return totalNorm;
    }
}
