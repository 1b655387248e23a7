namespace MiniNet.Training;

/// <summary>When a <see cref="Trainer"/> steps its learning-rate schedule.</summary>
public enum ScheduleUnit
{
    /// <summary>After every optimizer step (one-cycle, warm-up). PyTorch: <c>scheduler.step()</c> inside the batch loop.</summary>
    Batch,
    /// <summary>After every epoch (step decay, Inception v3's ×0.94 every 2 epochs). PyTorch: <c>scheduler.step()</c> after the epoch.</summary>
    Epoch,
}

/// <summary>How a <see cref="Trainer"/> trains: the loss, the schedule's unit, clipping, and where it writes.</summary>
public sealed record TrainerOptions
{
    /// <summary>Total number of epochs <see cref="Trainer.Fit"/> trains to (a resumed run continues to this count).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Weight of each auxiliary head's loss (see <see cref="ClassifierLoss"/>).</summary>
    public double AuxWeight { get; init; } = 0.3;

    /// <summary>Label smoothing ε of the main head.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Label smoothing ε of the auxiliary heads.</summary>
    public double AuxLabelSmoothing { get; init; }

    /// <summary>When the schedule steps.</summary>
    public ScheduleUnit ScheduleUnit { get; init; } = ScheduleUnit.Batch;

    /// <summary>Clip the gradients' global L2 norm to this before each step (null: no clipping).</summary>
    public double? ClipGradientNorm { get; init; }

    /// <summary>
    /// Folder for <c>checkpoint.safetensors</c> (written after every epoch), <c>curves.png</c> and <c>history.csv</c>;
    /// null writes nothing.
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>A live progress bar (true), plain lines (false), or a bar only when output is a terminal (null).</summary>
    public bool? Interactive { get; init; }

    /// <summary>Where plain progress lines go (the live bar always draws on the console).</summary>
    public TextWriter Log { get; init; } = Console.Out;
}
