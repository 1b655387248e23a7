namespace MiniNet.Training;

/// <summary>
/// RMSprop as TensorFlow 1 implements it (<c>tf.train.RMSPropOptimizer</c>), the optimizer Inception v3 was
/// trained with: decay 0.9, momentum 0.9, epsilon 1.0, learning rate 0.045 decayed ×0.94 every two epochs
/// (<see cref="StepSchedule"/>). PyTorch has no such optimizer; <see cref="RmsProp"/> is PyTorch's.
/// </summary>
/// <remarks>
/// For each parameter w with gradient g, at learning rate lr:
/// <code>
/// ms  = decay·ms + (1 - decay)·g²               ms starts at 1
/// mom = momentum·mom + lr·g / sqrt(ms + eps)    mom starts at 0
/// w   = w - mom
/// </code>
/// Note: TensorFlow's RMSprop against PyTorch's. With the same hyperparameters the two take different steps:
/// <list type="bullet">
/// <item>ms starts at ones, PyTorch's square_avg at zeros: TensorFlow's first steps are about lr·g/sqrt(1 + eps), while
/// PyTorch's first step is about lr/sqrt(1 - alpha) per element whatever the gradient's size.</item>
/// <item>epsilon goes inside the square root, sqrt(ms + eps), PyTorch's eps outside, sqrt(sq) + eps. With Inception's
/// eps = 1 the denominator is at least 1, so small gradients take SGD-sized steps (at most lr·|g|) instead of being
/// scaled up to steps of about lr: eps is a damping term here, not a mere guard against division by 0.</item>
/// <item>lr goes into the momentum buffer, PyTorch's multiplies the buffer: a change of learning rate here acts on new
/// gradients only and reaches the step gradually; in PyTorch it rescales the whole next step at once.</item>
/// <item>No weight decay and no centered form (TensorFlow adds the L2 penalty to the loss). Keras' later
/// <c>tf.keras.optimizers.RMSprop</c> starts ms at zeros; this class follows TF 1, which Inception v3 used.</item>
/// </list>
/// State per parameter: <c>square_avg</c> (ms) and <c>momentum_buffer</c> (mom).
/// </remarks>
public sealed class TensorFlowRmsProp : Optimizer
{
    const string SquareAvg = "square_avg", MomentumBuffer = "momentum_buffer";

    /// <summary>Creates the optimizer; it holds no state until the first step.</summary>
    /// <param name="parameters">The tensors to update, or a module's parameters (see <see cref="Optimizer"/>).</param>
    /// <param name="lr">Learning rate (0.045 for Inception v3).</param>
    /// <param name="decay">Discount of the running mean square, in [0, 1]. TensorFlow: <c>decay</c> (PyTorch's alpha).</param>
    /// <param name="momentum">Momentum factor. TensorFlow: <c>momentum</c>.</param>
    /// <param name="epsilon">Added to the mean square inside the square root. TensorFlow: <c>epsilon</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter out of its range.</exception>
    public TensorFlowRmsProp(IEnumerable<ITensorSource> parameters, double lr, double decay = 0.9, double momentum = 0.9, double epsilon = 1.0)
        : base("tf_rmsprop", parameters, lr)
    {
        Decay = Require.Fraction(Name, nameof(decay), decay, oneAllowed: true);
        Momentum = Require.NonNegative(Name, nameof(momentum), momentum);
        Epsilon = Require.NonNegative(Name, nameof(epsilon), epsilon);
    }

    /// <summary>Discount of the running mean square. TensorFlow: <c>decay</c>.</summary>
    public double Decay { get; }

    /// <summary>Momentum factor. TensorFlow: <c>momentum</c>.</summary>
    public double Momentum { get; }

    /// <summary>Added to the mean square inside the square root. TensorFlow: <c>epsilon</c>.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateNames { get; } = [SquareAvg, MomentumBuffer];

    /// <inheritdoc/>
    protected override void Update(Tensor parameter, Tensor grad, ParameterState state)
    {
        var meanSquare = state.GetOrFill(SquareAvg, parameter, 1).MulInPlace(Decay).AddInPlace(grad * grad, 1 - Decay);
        var momentumBuffer = state.GetOrFill(MomentumBuffer, parameter, 0).MulInPlace(Momentum)
            .AddInPlace(grad / (meanSquare + Epsilon).Sqrt(), LearningRate);
        parameter.AddInPlace(momentumBuffer, -1);
    }
}
