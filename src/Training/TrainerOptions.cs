namespace MiniNet.Training;

/// <summary>When a <see cref="Trainer"/> steps its learning-rate schedule.</summary>
public enum ScheduleUnit
{
    /// <summary>After every optimizer step (one-cycle, warm-up). PyTorch: <c>scheduler.step()</c> inside the batch loop.</summary>
    Batch,
    /// <summary>After every epoch (step decay, Inception v3's ×0.94 every 2 epochs). PyTorch: <c>scheduler.step()</c> after the epoch.</summary>
    Epoch,
}

/// <summary>
/// Builds a run's learning-rate schedule for <paramref name="epochs"/> epochs of <paramref name="batchesPerEpoch"/>
/// batches. A plan rather than a schedule, so that a <see cref="TrainerOptions.TimeBudget"/> can re-plan it for the
/// epochs that fit.
/// </summary>
public delegate LearningRateSchedule SchedulePlan(Optimizer optimizer, int batchesPerEpoch, int epochs);

/// <summary>Which number <see cref="EarlyStopping"/> watches.</summary>
public enum StoppingMetric
{
    /// <summary>Test accuracy; higher is better.</summary>
    TestAccuracy,
    /// <summary>Mean main-head test loss; lower is better.</summary>
    TestLoss,
}

/// <summary>
/// Stop when <paramref name="Metric"/> has not improved on its best by more than <paramref name="MinDelta"/> for
/// <paramref name="Patience"/> epochs in a row. Read from the history alone, so a resumed run stops where an
/// uninterrupted one would. The weights are those of the last epoch, not of the best one. PyTorch Lightning:
/// <c>EarlyStopping(monitor, patience, min_delta)</c>.
/// </summary>
public sealed record EarlyStopping(StoppingMetric Metric = StoppingMetric.TestAccuracy, int Patience = 3, double MinDelta = 0);

/// <summary>
/// How a <see cref="Trainer"/> trains; every setting has a default, so <c>new TrainerOptions { Epochs = 5 }</c> is a
/// whole recipe: a fixed learning rate, no clipping, nothing written.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Total number of epochs <see cref="Trainer.Fit"/> trains to (a resumed run continues to this count).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Builds the learning-rate schedule (null: the optimizer's rate stays fixed), e.g.
    /// <c>(opt, batches, epochs) => new OneCycleSchedule(opt, 0.05, batches * epochs)</c>.</summary>
    public SchedulePlan? Schedule { get; init; }

    /// <summary>When the schedule steps.</summary>
    public ScheduleUnit ScheduleUnit { get; init; } = ScheduleUnit.Batch;

    /// <summary>Weight of each auxiliary head's loss (see <see cref="ClassifierLoss"/>); unused by modules without auxiliary heads.</summary>
    public double AuxWeight { get; init; } = 0.3;

    /// <summary>Label smoothing ε of the main head.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Label smoothing ε of the auxiliary heads.</summary>
    public double AuxLabelSmoothing { get; init; }

    /// <summary>Clip the gradients' global L2 norm to this before each step (null: no clipping).</summary>
    public double? ClipGradientNorm { get; init; }

    /// <summary>Stop when a test metric stops improving (null: train every epoch). Needs test data.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>
    /// Wall-clock budget of the run, training and evaluation together, resumed epochs included (null: none). After
    /// epoch 1 the trainer plans the epochs that fit at its measured time (at least 1, at most <see cref="Epochs"/>)
    /// and re-plans the <see cref="Schedule"/> for them; it also stops before an epoch that would end past the budget
    /// at the mean epoch time so far.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>The clock of epoch times, images per second and the <see cref="TimeBudget"/> (tests pass a fake one).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Random streams to save in checkpoints besides those the trainer finds itself (the training loader's and the
    /// model's dropout layers'), by name: any other generator that training draws from.
    /// </summary>
    public IReadOnlyDictionary<string, Generator>? RandomStreams { get; init; }

    /// <summary>Images per training batch when the trainer is given datasets rather than loaders.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Random crop and flip of training images when the trainer is given datasets (see <see cref="DataLoader"/>).</summary>
    public bool Augment { get; init; }

    /// <summary>Seed of the shuffling and augmentation stream when the trainer is given datasets.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Folder for <c>checkpoint.safetensors</c> (written after every epoch), <c>curves.png</c> and <c>history.csv</c>,
    /// and the end-of-run evaluation report's files; null writes nothing.
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>
    /// When the run ends (its last epoch, or a stop), evaluate the test data once more and print and save the
    /// <see cref="EvaluationReport"/>: confusion matrix, per-class and top-5 accuracy, most confused pairs.
    /// </summary>
    public bool EndOfRunReport { get; init; } = true;

    /// <summary>A live progress bar (true), plain lines (false), or a bar only when output is a terminal (null).</summary>
    public bool? Interactive { get; init; }

    /// <summary>Where plain progress lines go (the live bar always draws on the console).</summary>
    public TextWriter Log { get; init; } = Console.Out;
}
