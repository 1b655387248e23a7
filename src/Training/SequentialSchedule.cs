namespace MiniNet.Training;

/// <summary>
/// Runs schedules one after another: schedule i takes over at milestone i-1 and runs from its own step 0, so
/// lr(t) = schedules[i].LearningRateAt(t - milestones[i-1]) where i counts the milestones ≤ t. Typical: a
/// <see cref="LinearWarmup"/> for the first epochs, then a <see cref="CosineSchedule"/>.
/// PyTorch: <c>torch.optim.lr_scheduler.SequentialLR</c>.
/// </summary>
/// <remarks>
/// The parts are used only for their rates; step this schedule, never the parts. Their constructors set the
/// optimizer's rate too, but this constructor sets it last.
/// </remarks>
public sealed class SequentialSchedule : LearningRateSchedule
{
    readonly LearningRateSchedule[] _schedules;
    readonly int[] _milestones;

    /// <summary>Binds the schedule and sets the optimizer's rate to the first schedule's step 0.</summary>
    /// <param name="optimizer">The optimizer whose rate to set; every part must be bound to it.</param>
    /// <param name="schedules">The parts, in order; one more than the milestones.</param>
    /// <param name="milestones">Steps at which the next part takes over, increasing, ≥ 1.</param>
    /// <exception cref="ArgumentException">Counts that disagree, a part bound to another optimizer, or milestones that
    /// are not increasing from 1.</exception>
    public SequentialSchedule(Optimizer optimizer, IReadOnlyList<LearningRateSchedule> schedules, IReadOnlyList<int> milestones) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        ArgumentNullException.ThrowIfNull(milestones);
        const string owner = nameof(SequentialSchedule);
        if (schedules.Count != milestones.Count + 1)
            throw new ArgumentException($"{owner}: needs one more schedule than milestones, got {schedules.Count} schedules and {milestones.Count} milestones", nameof(milestones));
        for (int i = 0; i < schedules.Count; i++)
            if (schedules[i]?.Optimizer != optimizer)
                throw new ArgumentException($"{owner}: schedule {i} ({schedules[i]?.GetType().Name ?? "null"}) is not bound to this optimizer", nameof(schedules));
        for (int i = 0; i < milestones.Count; i++)
            if (milestones[i] < (i == 0 ? 1 : milestones[i - 1] + 1))
                throw new ArgumentException($"{owner}: milestones must increase from 1, got [{string.Join(", ", milestones)}]", nameof(milestones));
        _schedules = schedules.ToArray();
        _milestones = milestones.ToArray();
        Start();
    }

    /// <summary>The parts, in order.</summary>
    public IReadOnlyList<LearningRateSchedule> Schedules => _schedules;

    /// <summary>Steps at which the next part takes over. PyTorch: <c>milestones</c>.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <inheritdoc/>
    protected override double ClosedForm(int step)
    {
        int part = 0;
        while (part < _milestones.Length && _milestones[part] <= step) part++;
        return _schedules[part].LearningRateAt(part == 0 ? step : step - _milestones[part - 1]);
    }
}
