namespace MiniNet.Training;

/// <summary>
/// Sets an optimizer's learning rate step by step; a step is an epoch or a batch, as the caller decides by when it
/// calls <see cref="Step"/>. The rate is a closed-form function of the step count, <see cref="LearningRateAt"/>, so the
/// count is the whole state a checkpoint needs. PyTorch: <c>torch.optim.lr_scheduler.LRScheduler</c>.
/// </summary>
/// <remarks>
/// <para>Construction applies step 0's rate to the optimizer, as PyTorch's schedulers take their first step in their
/// constructor: a warm-up starts low from the first batch.</para>
/// <para>Note: closed-form schedules. PyTorch's schedulers mostly update the rate recursively from the optimizer's
/// current rate (lr·gamma each decay) and keep closed forms beside them; MiniNet computes the closed forms only. Both
/// give the same rates up to rounding (the tests hold them to 1e-9 relative against TorchSharp). They differ when
/// something else also changes the rate: PyTorch's recursion builds on that change (two chained schedulers
/// multiply), while here the rate is the schedule's alone at every step. Compose schedules with
/// <see cref="SequentialSchedule"/>.</para>
/// <para>The base rate is the optimizer's <see cref="Optimizer.InitialLearningRate"/>, so several schedules built on
/// one optimizer (the parts of a <see cref="SequentialSchedule"/>) all scale the same base.</para>
/// </remarks>
public abstract class LearningRateSchedule
{
    /// <summary>The state dict key of the step count. PyTorch: <c>last_epoch</c>.</summary>
    public const string StepCountKey = "last_epoch";

    /// <summary>Binds the schedule to <paramref name="optimizer"/>; a derived constructor must end with <see cref="Start"/>.</summary>
    protected LearningRateSchedule(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        BaseLearningRate = optimizer.InitialLearningRate;
    }

    /// <summary>The optimizer whose <see cref="Optimizer.LearningRate"/> this schedule sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The rate the schedule scales: the optimizer's initial rate. PyTorch: <c>base_lrs[0]</c>.</summary>
    public double BaseLearningRate { get; }

    /// <summary>Number of <see cref="Step"/> calls since construction (or the count loaded). PyTorch: <c>last_epoch</c>.</summary>
    public int StepCount { get; private set; }

    /// <summary>The rate of the current step, the one the optimizer now holds. PyTorch: <c>get_last_lr()[0]</c>.</summary>
    public double LearningRate => LearningRateAt(StepCount);

    /// <summary>The rate at step <paramref name="step"/> (0 is the rate set by the constructor).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative step, or one past the end of a schedule of fixed length.</exception>
    public double LearningRateAt(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"{GetType().Name}: step must be >= 0, got {step}");
        return ClosedForm(step);
    }

    /// <summary>The rate at <paramref name="step"/> ≥ 0, from the step alone (see the remarks on closed forms).</summary>
    protected abstract double ClosedForm(int step);

    /// <summary>
    /// Applies step 0's rate to the optimizer. Every derived constructor ends with it: it cannot run in this base
    /// constructor, which runs before the derived class has set the fields its <see cref="ClosedForm"/> reads.
    /// </summary>
    protected void Start() => Optimizer.LearningRate = LearningRateAt(0);

    /// <summary>Advances one step and sets the optimizer's rate to the new step's. PyTorch: <c>scheduler.step()</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Stepping past the end of a schedule of fixed length; the count stays.</exception>
    public void Step()
    {
        double next = LearningRateAt(StepCount + 1); // first, so that a refused step changes nothing
        StepCount++;
        Optimizer.LearningRate = next;
    }

    /// <summary>
    /// The schedule's state for a checkpoint: <c>last_epoch</c>, the step count as an int64 scalar (a new tensor,
    /// owned by the caller). The parameters of the schedule come from its constructor. PyTorch: <c>state_dict()</c>.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() =>
        new Dictionary<string, Tensor> { [StepCountKey] = Tensor.Scalar(StepCount, DType.Int64) };

    /// <summary>
    /// Restores the step count from <paramref name="stateDict"/> and sets the optimizer's rate to that step's.
    /// PyTorch: <c>load_state_dict(state_dict)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A missing or extra key, or a step count that is not one non-negative
    /// integer (or lies past the end of a schedule of fixed length).</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string owner = $"{GetType().Name}: load_state_dict";
        var unexpected = stateDict.Keys.Where(k => k != StepCountKey).ToList();
        if (unexpected.Count > 0) throw new ArgumentException($"{owner}: unexpected key(s) {string.Join(", ", unexpected.Select(k => $"\"{k}\""))}; a schedule saves only \"{StepCountKey}\"", nameof(stateDict));
        if (!stateDict.TryGetValue(StepCountKey, out var countTensor)) throw new ArgumentException($"{owner}: missing key \"{StepCountKey}\"", nameof(stateDict));
        if (countTensor.Count != 1) throw new ArgumentException($"{owner}: \"{StepCountKey}\" must hold one value, got shape {Shapes.Format(countTensor.Shape)}", nameof(stateDict));
        double count = countTensor.Item();
        if (!(count >= 0 && count <= int.MaxValue && count == Math.Floor(count)))
            throw new ArgumentException($"{owner}: \"{StepCountKey}\" must be an integer >= 0, got {count}", nameof(stateDict));
        double rate;
        try { rate = LearningRateAt((int)count); }
        catch (ArgumentOutOfRangeException e) { throw new ArgumentException($"{owner}: {e.Message}", nameof(stateDict), e); }
        StepCount = (int)count;
        Optimizer.LearningRate = rate;
    }
}
