using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MiniNet.Layers;

namespace MiniNet.Training;

/// <summary>
/// Trains a <see cref="Classifier"/>: epochs of training (forward with the auxiliary heads,
/// <see cref="ClassifierLoss"/>, backward, optional clipping, optimizer step, schedule step) followed by evaluation
/// in evaluation mode, with a progress display, a checkpoint after every epoch, and loss/accuracy curves.
/// The trainer holds no gradient code: the tape computes every gradient.
/// </summary>
/// <remarks>
/// <para>Note: bit-exact resume. A checkpoint holds the model's state dict, the optimizer's state, the schedule's step
/// count, the state of every named random stream (the data loader's shuffling and augmentation, the model's dropout)
/// and the epoch count, all taken at an epoch boundary. Every kernel reduces in a fixed order (fixed partitions of the
/// worker pool), so loading a checkpoint and training on gives the same weights, bit for bit, as never stopping.</para>
/// <para>The streams must be the ones the loader and the model draw from: pass the generator given to the
/// <see cref="DataLoader"/> and the one given to the model's constructor (its dropout layers).</para>
/// </remarks>
public sealed class Trainer
{
    /// <summary>Name of the checkpoint file inside <see cref="TrainerOptions.OutputDirectory"/>.</summary>
    public const string CheckpointFileName = "checkpoint.safetensors";

    /// <summary>Name of the curves image inside <see cref="TrainerOptions.OutputDirectory"/>.</summary>
    public const string CurvesFileName = "curves.png";

    /// <summary>Name of the per-epoch table inside <see cref="TrainerOptions.OutputDirectory"/>.</summary>
    public const string HistoryFileName = "history.csv";

    readonly Classifier _model;
    readonly Optimizer _optimizer;
    readonly LearningRateSchedule? _schedule;
    readonly DataLoader _train;
    readonly DataLoader _test;
    readonly IReadOnlyDictionary<string, Generator> _randomStreams;
    readonly List<EpochRecord> _history = [];

    /// <summary>Creates a trainer; nothing runs until <see cref="Fit"/>.</summary>
    /// <param name="model">The classifier, in its final dtype (build the optimizer after <see cref="Module.To"/>).</param>
    /// <param name="optimizer">Updates the model's parameters.</param>
    /// <param name="schedule">Sets the optimizer's rate per batch or per epoch (<see cref="TrainerOptions.ScheduleUnit"/>); null keeps it fixed.</param>
    /// <param name="train">Training batches (shuffled and augmented as the loader was built).</param>
    /// <param name="test">Evaluation batches.</param>
    /// <param name="randomStreams">Every generator whose state a bit-exact resume needs, by name (see the remarks).</param>
    /// <param name="options">Loss, schedule unit, clipping, output.</param>
    /// <exception cref="ArgumentException">Options out of range, or a schedule bound to another optimizer.</exception>
    public Trainer(Classifier model, Optimizer optimizer, LearningRateSchedule? schedule, DataLoader train, DataLoader test,
        IReadOnlyDictionary<string, Generator> randomStreams, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(randomStreams);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Epochs < 1) throw new ArgumentException($"Trainer: epochs must be >= 1, got {options.Epochs}", nameof(options));
        if (options.ClipGradientNorm is <= 0 or double.NaN) throw new ArgumentException($"Trainer: the clipping norm must be > 0, got {options.ClipGradientNorm}", nameof(options));
        if (schedule is not null && schedule.Optimizer != optimizer) throw new ArgumentException("Trainer: the schedule must drive the trainer's optimizer", nameof(schedule));
        (_model, _optimizer, _schedule, _train, _test, _randomStreams, Options) = (model, optimizer, schedule, train, test, randomStreams, options);
    }

    /// <summary>How this trainer trains.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Epochs completed so far (including those restored by <see cref="LoadCheckpoint"/>).</summary>
    public int CompletedEpochs => _history.Count;

    /// <summary>One record per completed epoch.</summary>
    public IReadOnlyList<EpochRecord> History => _history;

    /// <summary>
    /// Trains from <see cref="CompletedEpochs"/> up to <see cref="TrainerOptions.Epochs"/> (or only through epoch
    /// <paramref name="throughEpoch"/>, to stop early and resume later): each epoch trains, evaluates, and, with an
    /// output folder, writes the checkpoint, the curves and the history table.
    /// </summary>
    /// <param name="throughEpoch">Last epoch to train in this call (default: <see cref="TrainerOptions.Epochs"/>).</param>
    /// <returns>The whole history, restored epochs included.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="throughEpoch"/> above <see cref="TrainerOptions.Epochs"/>.</exception>
    public IReadOnlyList<EpochRecord> Fit(int? throughEpoch = null)
    {
        int last = throughEpoch ?? Options.Epochs;
        if (last > Options.Epochs) throw new ArgumentOutOfRangeException(nameof(throughEpoch), $"Trainer: cannot train through epoch {last} of a {Options.Epochs}-epoch run");
        TrainingProgress.Run(Options.Interactive, Options.Log, progress =>
        {
            for (int epoch = CompletedEpochs + 1; epoch <= last; epoch++)
            {
                var record = RunEpoch(epoch, progress);
                _history.Add(record);
                progress.EpochDone(Describe(record));
                if (Options.OutputDirectory is { } folder) WriteOutputs(folder);
            }
        });
        return _history;
    }

    EpochRecord RunEpoch(int epoch, IProgressReporter progress)
    {
        _model.Train();
        progress.StartEpoch($"epoch {epoch}/{Options.Epochs}", _train.BatchCount);
        double lossSum = 0;
        long correct = 0, images = 0;
        var clock = Stopwatch.StartNew();
        using (var batches = _train.Epoch().GetEnumerator())
        {
            for (int batch = 1; ; batch++)
            {
                using var scope = Tensor.Scope(); // disposes the batch, the activations and the tape's leftovers
                if (!batches.MoveNext()) break;
                var (x, targets) = batches.Current;
                _optimizer.ZeroGrad();
                var output = _model.Classify(x);
                var loss = ClassifierLoss.Compute(output, targets, Options.AuxWeight, Options.LabelSmoothing, Options.AuxLabelSmoothing);
                loss.Backward();
                if (Options.ClipGradientNorm is { } maxNorm) GradientClipping.ClipByGlobalNorm(_optimizer.Parameters, maxNorm);
                _optimizer.Step();
                if (Options.ScheduleUnit == ScheduleUnit.Batch) _schedule?.Step();

                int n = targets.Shape[0];
                lossSum += loss.Item() * n;
                correct += Metrics.CountCorrect(output.Logits, targets);
                images += n;
                progress.BatchDone(batch, string.Create(CultureInfo.InvariantCulture,
                    $"loss {lossSum / images:0.0000} acc {(double)correct / images:0.0000} {images / clock.Elapsed.TotalSeconds:0} img/s"));
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        if (Options.ScheduleUnit == ScheduleUnit.Epoch) _schedule?.Step();
        var test = Evaluate(_test);
        return new EpochRecord(epoch, lossSum / images, (double)correct / images, test.Loss, test.Accuracy,
            _optimizer.LearningRate, seconds, images / seconds);
    }

    /// <summary>
    /// Main-head loss and accuracy of the model on <paramref name="data"/>, in evaluation mode under no-grad (the
    /// model's mode is restored afterwards).
    /// </summary>
    public Evaluation Evaluate(DataLoader data)
    {
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = _model.IsTraining;
        _model.Eval();
        double lossSum = 0;
        long correct = 0;
        int images = 0;
        using (Tensor.NoGrad())
        using (var batches = data.Epoch().GetEnumerator())
        {
            while (true)
            {
                using var scope = Tensor.Scope();
                if (!batches.MoveNext()) break;
                var (x, targets) = batches.Current;
                var logits = _model.Classify(x).Logits;
                int n = targets.Shape[0];
                lossSum += Tensor.CrossEntropy(logits, targets, Reduction.Mean, Options.LabelSmoothing).Item() * n;
                correct += Metrics.CountCorrect(logits, targets);
                images += n;
            }
        }
        _model.Train(wasTraining);
        return new Evaluation(images > 0 ? lossSum / images : double.NaN, images > 0 ? (double)correct / images : double.NaN, images);
    }

    static string Describe(EpochRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch}: train_loss={r.TrainLoss:0.0000} train_accuracy={r.TrainAccuracy:0.0000} test_loss={r.TestLoss:0.0000} test_accuracy={r.TestAccuracy:0.0000} lr={r.LearningRate:0.######} seconds={r.TrainSeconds:0.0} images_per_s={r.ImagesPerSecond:0}");

    void WriteOutputs(string folder)
    {
        Directory.CreateDirectory(folder);
        SaveCheckpoint(Path.Combine(folder, CheckpointFileName));
        TrainingPlot.Save(Path.Combine(folder, CurvesFileName), _history, _model.TypeName);
        TrainingPlot.SaveCsv(Path.Combine(folder, HistoryFileName), _history);
    }

    /// <summary>
    /// Writes the checkpoint of the current epoch boundary to <paramref name="path"/> (temporary file, then rename):
    /// model, optimizer, schedule, random streams, epoch count and history.
    /// </summary>
    public void SaveCheckpoint(string path)
    {
        using var scope = Tensor.Scope();
        var tensors = new OrderedDictionary<string, Tensor>();
        Checkpoint.AddSection(tensors, "model", _model.StateDict());
        Checkpoint.AddSection(tensors, "optimizer", _optimizer.StateDict());
        if (_schedule is not null) Checkpoint.AddSection(tensors, "schedule", _schedule.StateDict());
        foreach (var (name, generator) in _randomStreams) tensors.Add($"rng.{name}", Checkpoint.FromGeneratorState(generator.State));
        tensors.Add("trainer.epoch", Tensor.Scalar(CompletedEpochs, DType.Int64));
        var metadata = new Dictionary<string, string>
        {
            ["model"] = _model.TypeName,
            ["optimizer"] = _optimizer.GetType().Name,
            ["history"] = JsonSerializer.Serialize(_history),
        };
        Checkpoint.Save(path, tensors, metadata);
    }

    /// <summary>
    /// Restores everything <see cref="SaveCheckpoint"/> wrote, so that <see cref="Fit"/> continues as if never stopped.
    /// Everything is checked before anything changes where the parts allow it; a refused model load names the keys.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A truncated, corrupt or foreign file, or one that lacks a section this trainer needs.</exception>
    /// <exception cref="ArgumentException">A checkpoint of another model: the message lists missing, unexpected and mismatched keys.</exception>
    public void LoadCheckpoint(string path)
    {
        using var scope = Tensor.Scope();
        var file = Checkpoint.Load(path);
        var tensors = file.Tensors;
        if (!tensors.TryGetValue("trainer.epoch", out var epochTensor))
            throw new InvalidDataException($"checkpoint {path}: missing \"trainer.epoch\"");
        var streams = new Dictionary<string, GeneratorState>();
        foreach (var name in _randomStreams.Keys)
        {
            if (!tensors.TryGetValue($"rng.{name}", out var state))
                throw new InvalidDataException($"checkpoint {path}: missing the random stream \"rng.{name}\" (it has {string.Join(", ", Checkpoint.Section(tensors, "rng").Keys)})");
            streams[name] = Checkpoint.ToGeneratorState(state, name);
        }
        var history = file.Metadata.TryGetValue("history", out var json) ? JsonSerializer.Deserialize<List<EpochRecord>>(json) ?? [] : [];
        if (history.Count != (int)epochTensor.Item())
            throw new InvalidDataException($"checkpoint {path}: the history holds {history.Count} epochs, \"trainer.epoch\" says {epochTensor.Item()}");

        try { _model.LoadStateDict(Checkpoint.Section(tensors, "model")); }
        catch (ArgumentException e) { throw new ArgumentException($"checkpoint {path} (model {file.Metadata.GetValueOrDefault("model", "?")}) does not fit {_model.TypeName}: {e.Message}", nameof(path), e); }
        _optimizer.LoadStateDict(Checkpoint.Section(tensors, "optimizer"));
        _schedule?.LoadStateDict(Checkpoint.Section(tensors, "schedule"));
        foreach (var (name, state) in streams) _randomStreams[name].State = state;
        _history.Clear();
        _history.AddRange(history);
    }
}
