namespace MiniNet.Training;

/// <summary>
/// RMSprop: each step divided by a running root mean square of the gradient, optionally centered (by the running
/// mean) and with momentum. PyTorch: <c>torch.optim.RMSprop</c>, step for step. For the TensorFlow variant that
/// Inception v3 was trained with, see <see cref="TensorFlowRmsProp"/>.
/// </summary>
/// <remarks>
/// For each parameter p with gradient g, at learning rate lr:
/// <code>
/// g   = g + weightDecay·p
/// sq  = alpha·sq + (1 - alpha)·g²                      square_avg, starts at 0
/// ga  = alpha·ga + (1 - alpha)·g                       grad_avg, only when centered, starts at 0
/// avg = sqrt(sq - ga²) + eps   (centered)   or   sqrt(sq) + eps        eps added after the square root
/// buf = momentum·buf + g / avg;   p = p - lr·buf       when momentum > 0 (buf starts at 0)
/// p   = p - lr·g / avg                                 otherwise
/// </code>
/// State per parameter: <c>step</c>, <c>square_avg</c>, <c>grad_avg</c> (centered) and <c>momentum_buffer</c>
/// (momentum > 0). Since square_avg starts at 0, the first step is large: about lr/sqrt(1 - alpha)
/// per element, 10·lr with the default alpha.
/// </remarks>
public sealed class RmsProp : Optimizer
{
    const string SquareAvg = "square_avg", GradAvg = "grad_avg", MomentumBuffer = "momentum_buffer";

    /// <summary>Creates the optimizer; it holds no state until the first step.</summary>
    /// <param name="parameters">The tensors to update, or a module's parameters (see <see cref="Optimizer"/>).</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="alpha">Smoothing constant of the running averages, in [0, 1].</param>
    /// <param name="eps">Added to the root mean square, after the square root.</param>
    /// <param name="weightDecay">L2 penalty, added to the gradient.</param>
    /// <param name="momentum">Momentum factor; 0 turns momentum off.</param>
    /// <param name="centered">Divide by the running standard deviation (sq - ga²) instead of the root mean square.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter out of its range.</exception>
    public RmsProp(IEnumerable<ITensorSource> parameters, double lr = 0.01, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0,
        double momentum = 0, bool centered = false)
        : base("rmsprop", parameters, lr)
    {
        Alpha = Require.Fraction(Name, nameof(alpha), alpha, oneAllowed: true);
        Eps = Require.NonNegative(Name, nameof(eps), eps);
        WeightDecay = Require.NonNegative(Name, nameof(weightDecay), weightDecay);
        Momentum = Require.NonNegative(Name, nameof(momentum), momentum);
        Centered = centered;
        List<string> names = [ParameterState.StepName, SquareAvg];
        if (centered) names.Add(GradAvg);
        if (momentum > 0) names.Add(MomentumBuffer);
        StateNames = names;
    }

    /// <summary>Smoothing constant of the running averages. PyTorch: <c>alpha</c>.</summary>
    public double Alpha { get; }

    /// <summary>Added to the root mean square, after the square root. PyTorch: <c>eps</c>.</summary>
    public double Eps { get; }

    /// <summary>L2 penalty added to the gradient. PyTorch: <c>weight_decay</c>.</summary>
    public double WeightDecay { get; }

    /// <summary>Momentum factor (0: none). PyTorch: <c>momentum</c>.</summary>
    public double Momentum { get; }

    /// <summary>Whether the gradient is divided by the running standard deviation. PyTorch: <c>centered</c>.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateNames { get; }

    /// <inheritdoc/>
    protected override void Update(Tensor parameter, Tensor grad, ParameterState state)
    {
        state.IncrementStep();
        if (WeightDecay != 0) grad = grad + parameter * WeightDecay;
        var squareAvg = state.GetOrFill(SquareAvg, parameter, 0).MulInPlace(Alpha).AddInPlace(grad * grad, 1 - Alpha);
        Tensor avg;
        if (Centered)
        {
            var gradAvg = state.GetOrFill(GradAvg, parameter, 0).MulInPlace(Alpha).AddInPlace(grad, 1 - Alpha);
            avg = (squareAvg - gradAvg * gradAvg).Sqrt() + Eps;
        }
        else
        {
            avg = squareAvg.Sqrt() + Eps;
        }
        if (Momentum > 0)
        {
            var buffer = state.GetOrFill(MomentumBuffer, parameter, 0).MulInPlace(Momentum).AddInPlace(grad / avg);
            parameter.AddInPlace(buffer, -LearningRate);
        }
        else
        {
            parameter.AddInPlace(grad / avg, -LearningRate);
        }
    }
}
