namespace MiniNet.Training;

/// <summary>
/// Adam: steps by bias-corrected running averages of the gradient and of its square, with optional L2 weight decay
/// added to the gradient. PyTorch: <c>torch.optim.Adam</c> (amsgrad off), step for step. For decoupled weight decay
/// see <see cref="AdamW"/>.
/// </summary>
/// <remarks>
/// For each parameter p with gradient g, at learning rate lr, on its t-th step (t counted per parameter):
/// <code>
/// g = g + weightDecay·p                     Adam only;  AdamW instead:  p = p·(1 - lr·weightDecay)
/// m = beta1·m + (1 - beta1)·g               exp_avg, starts at 0
/// v = beta2·v + (1 - beta2)·g²              exp_avg_sq, starts at 0
/// p = p - lr/(1 - beta1^t) · m / (sqrt(v)/sqrt(1 - beta2^t) + eps)
/// </code>
/// State per parameter: <c>step</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>.
/// </remarks>
public class Adam : Optimizer
{
    const string ExpAvg = "exp_avg", ExpAvgSq = "exp_avg_sq";

    /// <summary>Creates the optimizer; it holds no state until the first step.</summary>
    /// <param name="parameters">The tensors to update, or a module's parameters (see <see cref="Optimizer"/>).</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the running mean of the gradient, in [0, 1).</param>
    /// <param name="beta2">Decay of the running mean of its square, in [0, 1).</param>
    /// <param name="eps">Added to the denominator, after the square root.</param>
    /// <param name="weightDecay">L2 penalty, added to the gradient.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter out of its range.</exception>
    public Adam(IEnumerable<ITensorSource> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : this("adam", parameters, lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay: false) { }

    private protected Adam(string name, IEnumerable<ITensorSource> parameters, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool decoupledWeightDecay)
        : base(name, parameters, lr)
    {
        Beta1 = Require.Fraction(Name, nameof(beta1), beta1, oneAllowed: false);
        Beta2 = Require.Fraction(Name, nameof(beta2), beta2, oneAllowed: false);
        Eps = Require.NonNegative(Name, nameof(eps), eps);
        WeightDecay = Require.NonNegative(Name, nameof(weightDecay), weightDecay);
        DecoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>Decay of the running mean of the gradient. PyTorch: <c>betas[0]</c>.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the running mean of the squared gradient. PyTorch: <c>betas[1]</c>.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator, after the square root. PyTorch: <c>eps</c>.</summary>
    public double Eps { get; }

    /// <summary>Weight decay: an L2 penalty on the gradient (Adam) or a shrink of the parameter (AdamW). PyTorch: <c>weight_decay</c>.</summary>
    public double WeightDecay { get; }

    /// <summary>True for <see cref="AdamW"/>: the decay shrinks the parameter instead of entering the gradient. PyTorch: <c>decoupled_weight_decay</c>.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateNames { get; } = [ParameterState.StepName, ExpAvg, ExpAvgSq];

    /// <inheritdoc/>
    protected override void Update(Tensor parameter, Tensor grad, ParameterState state)
    {
        long step = state.IncrementStep();
        if (WeightDecay != 0)
        {
            if (DecoupledWeightDecay) parameter.MulInPlace(1 - LearningRate * WeightDecay);
            else grad = grad + parameter * WeightDecay;
        }
        var expAvg = state.GetOrFill(ExpAvg, parameter, 0).MulInPlace(Beta1).AddInPlace(grad, 1 - Beta1);
        var expAvgSq = state.GetOrFill(ExpAvgSq, parameter, 0).MulInPlace(Beta2).AddInPlace(grad * grad, 1 - Beta2);
        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, step);
        var denominator = expAvgSq.Sqrt() / Math.Sqrt(biasCorrection2) + Eps;
        parameter.AddInPlace(expAvg / denominator, -LearningRate / biasCorrection1);
    }
}
