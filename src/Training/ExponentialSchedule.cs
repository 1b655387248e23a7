namespace MiniNet.Training;

/// <summary>
/// Multiplies the base rate by <see cref="Gamma"/> every step: lr(t) = base·gamma^t.
/// PyTorch: <c>torch.optim.lr_scheduler.ExponentialLR</c>.
/// </summary>
public sealed class ExponentialSchedule : LearningRateSchedule
{
    /// <summary>Binds the schedule and sets the optimizer's rate to the base rate (step 0).</summary>
    /// <param name="optimizer">The optimizer whose rate to set.</param>
    /// <param name="gamma">Factor of each step's decay, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite gamma.</exception>
    public ExponentialSchedule(Optimizer optimizer, double gamma) : base(optimizer)
    {
        Gamma = Require.NonNegative(nameof(ExponentialSchedule), nameof(gamma), gamma);
        Start();
    }

    /// <summary>Factor of each step's decay. PyTorch: <c>gamma</c>.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double ClosedForm(int step) => BaseLearningRate * Math.Pow(Gamma, step);
}
