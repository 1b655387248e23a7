namespace MiniNet.Training;

/// <summary>
/// Cosine annealing from the base rate down to <see cref="EtaMin"/> over <see cref="TMax"/> steps:
/// lr(t) = etaMin + (base - etaMin)·(1 + cos(π·t / tMax)) / 2. Past tMax the cosine goes on, so the rate climbs back
/// to the base at 2·tMax, as PyTorch's does; stop stepping at tMax to stay at etaMin.
/// PyTorch: <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> (its closed form).
/// </summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    /// <summary>Binds the schedule and sets the optimizer's rate to the base rate (step 0).</summary>
    /// <param name="optimizer">The optimizer whose rate to set.</param>
    /// <param name="tMax">Steps from the base rate down to etaMin, ≥ 1.</param>
    /// <param name="etaMin">The lowest rate, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">tMax below 1, or a negative or non-finite etaMin.</exception>
    public CosineSchedule(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        TMax = Require.Positive(nameof(CosineSchedule), nameof(tMax), tMax);
        EtaMin = Require.NonNegative(nameof(CosineSchedule), nameof(etaMin), etaMin);
        Start();
    }

    /// <summary>Steps from the base rate down to <see cref="EtaMin"/>. PyTorch: <c>T_max</c>.</summary>
    public int TMax { get; }

    /// <summary>The lowest rate. PyTorch: <c>eta_min</c>.</summary>
    public double EtaMin { get; }

    /// <inheritdoc/>
    protected override double ClosedForm(int step) =>
        EtaMin + (BaseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * step / TMax)) / 2;
}
