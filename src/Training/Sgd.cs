namespace MiniNet.Training;

/// <summary>
/// Stochastic gradient descent, with optional momentum (plain or Nesterov), dampening and L2 weight decay.
/// PyTorch: <c>torch.optim.SGD</c>, step for step.
/// </summary>
/// <remarks>
/// For each parameter p with gradient g, at learning rate lr:
/// <code>
/// d   = g + weightDecay·p
/// buf = d                                   first step (no dampening, as PyTorch)
/// buf = momentum·buf + (1 - dampening)·d    later steps
/// d   = nesterov ? d + momentum·buf : buf   only when momentum ≠ 0
/// p   = p - lr·d
/// </code>
/// State per parameter: <c>momentum_buffer</c> when momentum ≠ 0, none otherwise.
/// </remarks>
public sealed class Sgd : Optimizer
{
    const string MomentumBuffer = "momentum_buffer";

    /// <summary>Creates the optimizer; it holds no state until the first step.</summary>
    /// <param name="parameters">The tensors to update, or a module's parameters (see <see cref="Optimizer"/>).</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="momentum">Momentum factor; 0 turns momentum off.</param>
    /// <param name="dampening">Dampening of the gradient's share in the momentum buffer (not applied on the first step).</param>
    /// <param name="weightDecay">L2 penalty, added to the gradient.</param>
    /// <param name="nesterov">Nesterov momentum: steps along d + momentum·buf instead of buf.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite lr, momentum, dampening or weightDecay.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum, or with dampening (PyTorch refuses both).</exception>
    public Sgd(IEnumerable<ITensorSource> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base("sgd", parameters, lr)
    {
        Momentum = Require.NonNegative(Name, nameof(momentum), momentum);
        Dampening = Require.NonNegative(Name, nameof(dampening), dampening);
        WeightDecay = Require.NonNegative(Name, nameof(weightDecay), weightDecay);
        if (nesterov && (momentum == 0 || dampening != 0))
            throw new ArgumentException($"{Name}: Nesterov momentum requires momentum > 0 and dampening 0, got momentum {momentum}, dampening {dampening}", nameof(nesterov));
        Nesterov = nesterov;
        StateNames = momentum != 0 ? [MomentumBuffer] : [];
    }

    /// <summary>Momentum factor (0: none). PyTorch: <c>momentum</c>.</summary>
    public double Momentum { get; }

    /// <summary>Dampening of the gradient in the momentum buffer. PyTorch: <c>dampening</c>.</summary>
    public double Dampening { get; }

    /// <summary>L2 penalty added to the gradient. PyTorch: <c>weight_decay</c>.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the momentum is Nesterov's. PyTorch: <c>nesterov</c>.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateNames { get; }

    /// <inheritdoc/>
    protected override void Update(Tensor parameter, Tensor grad, ParameterState state)
    {
        var direction = WeightDecay == 0 ? grad : grad + parameter * WeightDecay;
        if (Momentum != 0)
        {
            if (state.TryGet(MomentumBuffer, out var buffer)) buffer.MulInPlace(Momentum).AddInPlace(direction, 1 - Dampening);
            else buffer = state.Add(MomentumBuffer, direction.CloneDetached());
            direction = Nesterov ? direction + buffer * Momentum : buffer;
        }
        parameter.AddInPlace(direction, -LearningRate);
    }
}
