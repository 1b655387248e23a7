namespace MiniNet.Training;

/// <summary>
/// Multiplies the base rate by <see cref="Gamma"/> every <see cref="StepSize"/> steps:
/// lr(t) = base·gamma^⌊t / stepSize⌋. Inception v3: gamma 0.94 every 2 epochs. PyTorch: <c>torch.optim.lr_scheduler.StepLR</c>.
/// </summary>
public sealed class StepSchedule : LearningRateSchedule
{
    /// <summary>Binds the schedule and sets the optimizer's rate to the base rate (step 0).</summary>
    /// <param name="optimizer">The optimizer whose rate to set.</param>
    /// <param name="stepSize">Steps between decays, ≥ 1.</param>
    /// <param name="gamma">Factor of each decay, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">stepSize below 1, or a negative or non-finite gamma.</exception>
    public StepSchedule(Optimizer optimizer, int stepSize, double gamma) : base(optimizer)
    {
        StepSize = Require.Positive(nameof(StepSchedule), nameof(stepSize), stepSize);
        Gamma = Require.NonNegative(nameof(StepSchedule), nameof(gamma), gamma);
        Start();
    }

    /// <summary>Steps between decays. PyTorch: <c>step_size</c>.</summary>
    public int StepSize { get; }

    /// <summary>Factor of each decay. PyTorch: <c>gamma</c>.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double ClosedForm(int step) => BaseLearningRate * Math.Pow(Gamma, step / StepSize);
}
