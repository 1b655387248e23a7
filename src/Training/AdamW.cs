namespace MiniNet.Training;

/// <summary>
/// Adam with decoupled weight decay: each step first shrinks the parameter, p = p·(1 - lr·weightDecay), and the
/// decay never enters the gradient's running averages (Loshchilov and Hutter). PyTorch: <c>torch.optim.AdamW</c>
/// (amsgrad off), step for step. The update is <see cref="Adam"/>'s otherwise.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer; it holds no state until the first step.</summary>
    /// <param name="parameters">The tensors to update, or a module's parameters (see <see cref="Optimizer"/>).</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the running mean of the gradient, in [0, 1).</param>
    /// <param name="beta2">Decay of the running mean of its square, in [0, 1).</param>
    /// <param name="eps">Added to the denominator, after the square root.</param>
    /// <param name="weightDecay">Decoupled decay: the parameter shrinks by lr·weightDecay of itself each step.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter out of its range.</exception>
    public AdamW(IEnumerable<ITensorSource> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
        : base("adamw", parameters, lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay: true) { }
}
