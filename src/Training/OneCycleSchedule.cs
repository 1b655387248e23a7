namespace MiniNet.Training;

/// <summary>How <see cref="OneCycleSchedule"/> moves between two rates. PyTorch: <c>anneal_strategy</c>.</summary>
public enum AnnealStrategy
{
    /// <summary>Half a cosine: end + (start - end)·(1 + cos(π·pct)) / 2. PyTorch: <c>"cos"</c>.</summary>
    Cosine,

    /// <summary>A straight line: start + (end - start)·pct. PyTorch: <c>"linear"</c>.</summary>
    Linear,
}

/// <summary>
/// The one-cycle policy (Smith): the rate climbs from maxLr/divFactor to <see cref="MaxLearningRate"/> over the first
/// <see cref="PctStart"/> of <see cref="TotalSteps"/>, then anneals down to maxLr/(divFactor·finalDivFactor) at step
/// totalSteps - 1. Call <see cref="LearningRateSchedule.Step"/> once per batch. PyTorch:
/// <c>torch.optim.lr_scheduler.OneCycleLR</c> with <c>cycle_momentum=False</c> and <c>three_phase=False</c>.
/// </summary>
/// <remarks>
/// No momentum cycling: the optimizer's momentum (or Adam's beta1) stays as constructed, which is PyTorch's
/// <c>cycle_momentum=False</c>. The rates come from maxLr alone; the optimizer's initial rate is not used.
/// As in PyTorch, the first phase ends at step pctStart·totalSteps - 1 (a fraction in general), the second at
/// totalSteps - 1; step totalSteps itself is allowed (the annealing extrapolates a little past the minimum) and
/// stepping beyond it throws.
/// </remarks>
public sealed class OneCycleSchedule : LearningRateSchedule
{
    readonly double _warmupEnd;

    /// <summary>Binds the schedule and sets the optimizer's rate to maxLr/divFactor (step 0).</summary>
    /// <param name="optimizer">The optimizer whose rate to set.</param>
    /// <param name="maxLr">The peak rate, ≥ 0.</param>
    /// <param name="totalSteps">Length of the cycle in steps (batches), ≥ 1.</param>
    /// <param name="pctStart">Fraction of the cycle spent climbing, in [0, 1].</param>
    /// <param name="divFactor">The starting rate is maxLr/divFactor; &gt; 0.</param>
    /// <param name="finalDivFactor">The final rate is the starting rate/finalDivFactor; &gt; 0.</param>
    /// <param name="anneal">The shape of both phases.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range.</exception>
    public OneCycleSchedule(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, double divFactor = 25,
        double finalDivFactor = 1e4, AnnealStrategy anneal = AnnealStrategy.Cosine) : base(optimizer)
    {
        const string owner = nameof(OneCycleSchedule);
        MaxLearningRate = Require.NonNegative(owner, nameof(maxLr), maxLr);
        TotalSteps = Require.Positive(owner, nameof(totalSteps), totalSteps);
        PctStart = Require.Fraction(owner, nameof(pctStart), pctStart, oneAllowed: true);
        if (!(divFactor > 0) || !(finalDivFactor > 0))
            throw new ArgumentOutOfRangeException(divFactor > 0 ? nameof(finalDivFactor) : nameof(divFactor),
                $"{owner}: divFactor and finalDivFactor must be > 0, got {divFactor} and {finalDivFactor}");
        InitialLearningRate = maxLr / divFactor;
        MinLearningRate = InitialLearningRate / finalDivFactor;
        Anneal = anneal;
        _warmupEnd = pctStart * totalSteps - 1;
        Start();
    }

    /// <summary>The peak rate. PyTorch: <c>max_lr</c>.</summary>
    public double MaxLearningRate { get; }

    /// <summary>The rate at step 0, maxLr/divFactor. PyTorch: <c>initial_lr</c>.</summary>
    public double InitialLearningRate { get; }

    /// <summary>The rate at step totalSteps - 1, initial/finalDivFactor. PyTorch: <c>min_lr</c>.</summary>
    public double MinLearningRate { get; }

    /// <summary>Length of the cycle in steps. PyTorch: <c>total_steps</c>.</summary>
    public int TotalSteps { get; }

    /// <summary>Fraction of the cycle spent climbing. PyTorch: <c>pct_start</c>.</summary>
    public double PctStart { get; }

    /// <summary>The shape of both phases. PyTorch: <c>anneal_strategy</c>.</summary>
    public AnnealStrategy Anneal { get; }

    /// <inheritdoc/>
    protected override double ClosedForm(int step)
    {
        if (step > TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(step), $"{nameof(OneCycleSchedule)}: step {step} is past the end of the cycle, totalSteps = {TotalSteps}");
        double lastStep = TotalSteps - 1;
        return step <= _warmupEnd
            ? Interpolate(InitialLearningRate, MaxLearningRate, step / _warmupEnd)
            : Interpolate(MaxLearningRate, MinLearningRate, (step - _warmupEnd) / (lastStep - _warmupEnd));
    }

    double Interpolate(double start, double end, double pct) => Anneal == AnnealStrategy.Cosine
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;
}
