using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MiniNet.Layers;

namespace MiniNet.Training;

/// <summary>
/// Trains a model: epochs of training (forward, with the auxiliary heads of a <see cref="Classifier"/>,
/// <see cref="ClassifierLoss"/>, backward, optional clipping, optimizer step, schedule step) followed by evaluation
/// in evaluation mode, with a progress display, a checkpoint after every epoch, and loss/accuracy curves.
/// The trainer holds no gradient code: the tape computes every gradient. PyTorch: the loop users write by hand,
/// or Lightning's <c>Trainer(max_epochs).fit(model, train_loader, val_loader)</c>.
/// </summary>
/// <remarks>
/// <para>Note: bit-exact resume. A checkpoint holds the model's state dict, the optimizer's state, the schedule's step
/// count, the state of every random stream (the data loader's shuffling and augmentation, the model's dropout)
/// and the epoch count, all taken at an epoch boundary. Every kernel reduces in a fixed order (fixed partitions of the
/// worker pool), so loading a checkpoint and training on gives the same weights, bit for bit, as never stopping.
/// The epochs a time budget plans and early stopping are read from the history, which the checkpoint holds too.</para>
/// <para>The streams are found, not passed: the training loader's generator and each dropout layer's (see
/// <see cref="TrainerOptions.RandomStreams"/> for any other).</para>
/// </remarks>
public sealed class Trainer
{
    /// <summary>Name of the checkpoint file inside <see cref="TrainerOptions.OutputDirectory"/>.</summary>
    public const string CheckpointFileName = "checkpoint.safetensors";

    /// <summary>Name of the curves image inside <see cref="TrainerOptions.OutputDirectory"/>.</summary>
    public const string CurvesFileName = "curves.png";

    /// <summary>Name of the per-epoch table inside <see cref="TrainerOptions.OutputDirectory"/>.</summary>
    public const string HistoryFileName = "history.csv";

    /// <summary>Images per batch of the test loader the trainer builds when given a test dataset.</summary>
    const int EvaluationBatchSize = 256;

    /// <summary>The history in checkpoints: NaN (no test data) written as "NaN", as JSON has no such number.</summary>
    static readonly JsonSerializerOptions HistoryJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    readonly Module _model;
    readonly Optimizer _optimizer;
    readonly DataLoader _train;
    readonly DataLoader? _test;
    readonly IReadOnlyDictionary<string, Generator> _randomStreams;
    readonly List<EpochRecord> _history = [];
    LearningRateSchedule? _schedule;

    /// <summary>Creates a trainer; nothing runs until <see cref="Fit"/>.</summary>
    /// <param name="model">The model, in its final dtype (build the optimizer after <see cref="Module.To"/>): a
    /// <see cref="Classifier"/> (auxiliary heads trained too) or any module mapping images [N,1,H,W] to logits [N, classes].</param>
    /// <param name="optimizer">Updates the model's parameters.</param>
    /// <param name="train">Training batches (shuffled and augmented as the loader was built).</param>
    /// <param name="test">Evaluation batches after each epoch; null: no evaluation (test metrics NaN).</param>
    /// <param name="options">Epochs, schedule, loss, clipping, stopping, output; null: the defaults.</param>
    /// <exception cref="ArgumentException">Options out of range, a schedule bound to another optimizer, or early stopping without test data.</exception>
    public Trainer(Module model, Optimizer optimizer, DataLoader train, DataLoader? test = null, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new TrainerOptions();
        if (options.Epochs < 1) throw new ArgumentException($"Trainer: epochs must be >= 1, got {options.Epochs}", nameof(options));
        if (options.ClipGradientNorm is <= 0 or double.NaN) throw new ArgumentException($"Trainer: the clipping norm must be > 0, got {options.ClipGradientNorm}", nameof(options));
        if (options.TimeBudget is { } budget && budget <= TimeSpan.Zero) throw new ArgumentException($"Trainer: the time budget must be > 0, got {budget}", nameof(options));
        if (options.EarlyStopping is { } stopping && (stopping.Patience < 1 || !(stopping.MinDelta >= 0)))
            throw new ArgumentException($"Trainer: early stopping needs patience >= 1 and min delta >= 0, got {stopping}", nameof(options));
        if (options.EarlyStopping is not null && test is null) throw new ArgumentException("Trainer: early stopping watches a test metric; pass test data", nameof(test));
        ArgumentNullException.ThrowIfNull(options.Clock);
        (_model, _optimizer, _train, _test, Options) = (model, optimizer, train, test, options);
        _randomStreams = RandomStreams.Collect(model, train, options.RandomStreams);
        _schedule = PlanSchedule(options.Epochs);
    }

    /// <summary>
    /// Creates a trainer over datasets: the training loader shuffles (and, with <see cref="TrainerOptions.Augment"/>,
    /// augments) batches of <see cref="TrainerOptions.BatchSize"/> from <see cref="TrainerOptions.Seed"/>; both
    /// loaders normalize with the training set's pixel mean and standard deviation.
    /// </summary>
    /// <inheritdoc cref="Trainer(Module, Optimizer, DataLoader, DataLoader?, TrainerOptions?)"/>
    public Trainer(Module model, Optimizer optimizer, ImageDataset train, ImageDataset? test = null, TrainerOptions? options = null)
        : this(model, optimizer, TrainLoader(train, options ?? new TrainerOptions()), test is null ? null : TestLoader(test, train), options) { }

    static DataLoader TrainLoader(ImageDataset train, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        var (mean, std) = train.PixelStatistics();
        return new DataLoader(train, options.BatchSize, shuffle: true, new Generator(options.Seed), options.Augment, mean: mean, std: std);
    }

    static DataLoader TestLoader(ImageDataset test, ImageDataset train)
    {
        var (mean, std) = train.PixelStatistics();
        return new DataLoader(test, EvaluationBatchSize, shuffle: false, mean: mean, std: std);
    }

    LearningRateSchedule? PlanSchedule(int epochs)
    {
        if (Options.Schedule is not { } plan) return null;
        var schedule = plan(_optimizer, _train.BatchCount, epochs);
        if (schedule is null || schedule.Optimizer != _optimizer) throw new ArgumentException("Trainer: the schedule plan must return a schedule driving the trainer's optimizer", nameof(Options));
        return schedule;
    }

    /// <summary>How this trainer trains.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The schedule built from <see cref="TrainerOptions.Schedule"/> for <see cref="PlannedEpochs"/>; null without one.</summary>
    public LearningRateSchedule? Schedule => _schedule;

    /// <summary>Epochs completed so far (including those restored by <see cref="LoadCheckpoint"/>).</summary>
    public int CompletedEpochs => _history.Count;

    /// <summary>
    /// The epochs this run trains: <see cref="TrainerOptions.Epochs"/>, or after epoch 1 of a run with a
    /// <see cref="TrainerOptions.TimeBudget"/>, those that fit it.
    /// </summary>
    public int PlannedEpochs => RunPlan.Epochs(Options, _history);

    /// <summary>Why the last <see cref="Fit"/> stopped before its last epoch (time budget, early stopping); null if it did not.</summary>
    public string? StopReason { get; private set; }

    /// <summary>One record per completed epoch.</summary>
    public IReadOnlyList<EpochRecord> History => _history;

    /// <summary>
    /// Trains from <see cref="CompletedEpochs"/> up to <see cref="PlannedEpochs"/> (or only through epoch
    /// <paramref name="throughEpoch"/>, to stop and resume later), unless early stopping or the time budget ends it
    /// first (<see cref="StopReason"/>): each epoch trains, evaluates, and, with an output folder, writes the
    /// checkpoint, the curves and the history table.
    /// </summary>
    /// <param name="throughEpoch">Last epoch to train in this call (default: <see cref="TrainerOptions.Epochs"/>).</param>
    /// <returns>The whole history, restored epochs included.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="throughEpoch"/> above <see cref="TrainerOptions.Epochs"/>.</exception>
    public IReadOnlyList<EpochRecord> Fit(int? throughEpoch = null)
    {
        int last = throughEpoch ?? Options.Epochs;
        if (last > Options.Epochs) throw new ArgumentOutOfRangeException(nameof(throughEpoch), $"Trainer: cannot train through epoch {last} of a {Options.Epochs}-epoch run");
        StopReason = null;
        TrainingProgress.Run(Options.Interactive, Options.Log, progress =>
        {
            for (int epoch = CompletedEpochs + 1; epoch <= last; epoch++)
            {
                if ((StopReason = RunPlan.StopReason(Options, _history)) is not null) break;
                var record = RunEpoch(epoch, progress);
                _history.Add(record);
                if (epoch == 1) Replan();
                progress.EpochDone(Describe(record));
                if (Options.OutputDirectory is { } folder) WriteOutputs(folder);
            }
        });
        if (StopReason is not null) Options.Log.WriteLine($"stopped after epoch {CompletedEpochs}: {StopReason}");
        if (StopReason is not null || CompletedEpochs >= PlannedEpochs) Report();
        return _history;
    }

    /// <summary>After epoch 1 under a time budget: the schedule re-planned for the epochs that fit, at the same step count.</summary>
    void Replan()
    {
        if (_schedule is null || PlannedEpochs == Options.Epochs) return;
        using var scope = Tensor.Scope();
        var steps = _schedule.StateDict();
        _schedule = PlanSchedule(PlannedEpochs)!;
        _schedule.LoadStateDict(steps);
    }

    EpochRecord RunEpoch(int epoch, IProgressReporter progress)
    {
        _model.Train();
        progress.StartEpoch($"epoch {epoch}/{PlannedEpochs}", _train.BatchCount);
        double lossSum = 0;
        long correct = 0, images = 0;
        long start = Options.Clock.GetTimestamp();
        using (var batches = _train.Epoch().GetEnumerator())
        {
            for (int batch = 1; ; batch++)
            {
                using var scope = Tensor.Scope(); // disposes the batch, the activations and the tape's leftovers
                if (!batches.MoveNext()) break;
                var (x, targets) = batches.Current;
                _optimizer.ZeroGrad();
                var output = _model is Classifier classifier ? classifier.Classify(x) : new ClassifierOutput(_model.Call(x), []);
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
                    $"loss {lossSum / images:0.0000} acc {(double)correct / images:0.0000} {images / Options.Clock.GetElapsedTime(start).TotalSeconds:0} img/s"));
            }
        }
        double seconds = Options.Clock.GetElapsedTime(start).TotalSeconds;
        if (Options.ScheduleUnit == ScheduleUnit.Epoch) _schedule?.Step();
        var test = _test is null ? new Evaluation(double.NaN, double.NaN, 0) : Evaluate(_test);
        return new EpochRecord(epoch, lossSum / images, (double)correct / images, test.Loss, test.Accuracy,
            _optimizer.LearningRate, seconds, images / seconds, Options.Clock.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>
    /// Main-head loss, accuracy, top-5 accuracy and confusion matrix of the model on <paramref name="data"/>, in
    /// evaluation mode under no-grad (each module's mode is restored afterwards): <see cref="ModelEvaluation.Evaluate"/>
    /// with the run's label smoothing.
    /// </summary>
    public Evaluation Evaluate(DataLoader data) => _model.Evaluate(data, Options.LabelSmoothing);

    /// <summary>
    /// The end-of-run report: the test data evaluated once more, keeping misclassified examples, printed to
    /// <see cref="TrainerOptions.Log"/> (<see cref="EvaluationReport.Write"/>) and saved beside the curves.
    /// </summary>
    void Report()
    {
        if (_test is null || !Options.EndOfRunReport) return;
        FinalEvaluation = _model.Evaluate(_test, Options.LabelSmoothing, examplesPerPair: ReportExamplesPerPair);
        EvaluationReport.Write(FinalEvaluation, Options.Log);
        if (Options.OutputDirectory is { } folder) EvaluationReport.Save(FinalEvaluation, folder, _model.TypeName, examplesPerPair: ReportExamplesPerPair);
    }

    /// <summary>Misclassified images the end-of-run report keeps per confused pair.</summary>
    const int ReportExamplesPerPair = 8;

    /// <summary>The end-of-run evaluation (see <see cref="TrainerOptions.EndOfRunReport"/>); null until a <see cref="Fit"/> ends the run.</summary>
    public Evaluation? FinalEvaluation { get; private set; }

    string Describe(EpochRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch}: train_loss={r.TrainLoss:0.0000} train_accuracy={r.TrainAccuracy:0.0000} test_loss={r.TestLoss:0.0000} test_accuracy={r.TestAccuracy:0.0000} lr={r.LearningRate:0.######} seconds={r.TrainSeconds:0.0} images_per_s={r.ImagesPerSecond:0} epoch_seconds={r.ElapsedSeconds:0.0} elapsed={TimeSpan.FromSeconds(_history.Sum(h => h.ElapsedSeconds)):hh\\:mm\\:ss}");

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
            ["history"] = JsonSerializer.Serialize(_history, HistoryJson),
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
        var history = file.Metadata.TryGetValue("history", out var json) ? JsonSerializer.Deserialize<List<EpochRecord>>(json, HistoryJson) ?? [] : [];
        if (history.Count != (int)epochTensor.Item())
            throw new InvalidDataException($"checkpoint {path}: the history holds {history.Count} epochs, \"trainer.epoch\" says {epochTensor.Item()}");

        try { _model.LoadStateDict(Checkpoint.Section(tensors, "model")); }
        catch (ArgumentException e) { throw new ArgumentException($"checkpoint {path} (model {file.Metadata.GetValueOrDefault("model", "?")}) does not fit {_model.TypeName}: {e.Message}", nameof(path), e); }
        _schedule = PlanSchedule(RunPlan.Epochs(Options, history)); // the schedule the saved run had re-planned, if any
        _optimizer.LoadStateDict(Checkpoint.Section(tensors, "optimizer"));
        _schedule?.LoadStateDict(Checkpoint.Section(tensors, "schedule"));
        foreach (var (name, state) in streams) _randomStreams[name].State = state;
        _history.Clear();
        _history.AddRange(history);
    }
}
