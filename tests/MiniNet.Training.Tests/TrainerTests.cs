using MiniNet.Layers;

namespace MiniNet.Training.Tests;

/// <summary>
/// The trainer on a tiny classifier with an auxiliary head and dropout, trained on 256 images of the embedded
/// Fashion-MNIST subset: the loss falls; the same seed gives the same weights bit for bit; a run stopped after an
/// epoch and resumed from its checkpoint ends with the same weights, bit for bit, as an uninterrupted one; the
/// outputs are written; truncated, corrupted and foreign checkpoints are refused with clear errors.
/// </summary>
public class TrainerTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("mininet-trainer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>conv 1->8 stride 2 (14x14) -> [aux head] -> conv 8->16 stride 2 (7x7) -> global pool -> dropout -> fc.</summary>
    sealed class TinyNet : Classifier
    {
        public TinyNet(Generator generator, int width = 16)
        {
            var first = AddStage("conv1", new BasicConv(1, 8, 3, stride: 2, padding: 1, generator: generator));
            AddStage("conv2", new BasicConv(8, width, 3, stride: 2, padding: 1, generator: generator));
            AddStage("avgpool", new GlobalAvgPool());
            AddStage("dropout", new Layers.Dropout(0.2, generator));
            AddStage("fc", new Linear(width, 10, generator: generator));
            AddAuxiliaryHead("aux1", new AuxiliaryHead(8, 10, generator), first);
        }
    }

    static readonly ImageDataset TrainSet = Slice(FashionMnist.Load(null, train: true), 256);
    static readonly ImageDataset TestSet = Slice(FashionMnist.Load(null, train: false), 128);

    internal static ImageDataset Slice(ImageDataset data, int count)
    {
        int pixels = data.Height * data.Width;
        // The subset is stored class by class in file order; take every k-th image so all classes appear.
        int step = data.Count / count;
        var images = new byte[count * pixels];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            Array.Copy(data.Pixels, (long)i * step * pixels, images, (long)i * pixels, pixels);
            labels[i] = data.Labels[i * step];
        }
        return new ImageDataset(images, labels, data.Height, data.Width, data.ClassNames);
    }

    /// <summary>One training setup; everything random comes from <paramref name="seed"/>.</summary>
    sealed class Run : IDisposable
    {
        public readonly TinyNet Model;
        public readonly Sgd Optimizer;
        public readonly Trainer Trainer;

        public Run(ulong seed, int epochs, string? output, int width = 16, Func<TrainerOptions, TrainerOptions>? tweak = null, double lr = 0.05)
        {
            var modelStream = new Generator(seed);
            var dataStream = new Generator(seed + 100);
            Model = new TinyNet(modelStream, width);
            Optimizer = new Sgd(Model.Parameters(), lr: lr, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
            var train = new DataLoader(TrainSet, 32, shuffle: true, dataStream, augment: true);
            var test = new DataLoader(TestSet, 64, shuffle: false);
            var options = new TrainerOptions
            {
                Epochs = epochs, Schedule = (optimizer, batches, planned) => new OneCycleSchedule(optimizer, lr, batches * planned),
                LabelSmoothing = 0.1, AuxLabelSmoothing = 0.1, OutputDirectory = output, Interactive = false, Log = TextWriter.Null,
            };
            Trainer = new Trainer(Model, Optimizer, train, test, tweak is null ? options : tweak(options));
        }

        public void Dispose()
        {
            Optimizer.Dispose();
            Model.Dispose();
        }
    }

    static void AssertSameWeights(Module expected, Module actual)
    {
        foreach (var (name, tensor) in expected.StateDict())
        {
            var other = actual.StateDict()[name];
            if (tensor.DType == DType.Int64) Assert.Equal(tensor.ToArray<long>(), other.ToArray<long>());
            else Assert.True(tensor.ToArray<float>().AsSpan().SequenceEqual(other.ToArray<float>()), $"{name} differs");
        }
    }

    [Fact]
    public void LossFallsAndOutputsAreWritten()
    {
        using var run = new Run(seed: 1, epochs: 3, _folder);
        var history = run.Trainer.Fit();
        Assert.Equal(3, history.Count);
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss, $"train loss {history[0].TrainLoss} -> {history[^1].TrainLoss}");
        Assert.True(history[^1].TestAccuracy > 0.2, // twice chance after 24 steps on 256 images
             $"test accuracy {history[^1].TestAccuracy}");
        Assert.All(history, r => Assert.True(r.ImagesPerSecond > 0));
        foreach (var file in new[] { Trainer.CheckpointFileName, Trainer.CurvesFileName, Trainer.HistoryFileName,
                     EvaluationReport.ConfusionMatrixFileName, EvaluationReport.ConfusedExamplesFileName, EvaluationReport.PerClassFileName })
            Assert.True(new FileInfo(Path.Combine(_folder, file)).Length > 0, file);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_folder, Trainer.HistoryFileName)).Length);
        var final = run.Trainer.FinalEvaluation!; // the end-of-run report's evaluation of the last weights
        Assert.Equal(history[^1].TestAccuracy, final.Accuracy);
        Assert.Equal(TestSet.Count, final.Confusion!.Total);
        Assert.True(final.TopKAccuracy >= final.Accuracy);
        Assert.Empty(Directory.GetFiles(_folder, "*" + AtomicFile.TemporarySuffix)); // temporary files were renamed away
        var png = File.ReadAllBytes(Path.Combine(_folder, Trainer.CurvesFileName));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void TheSameSeedGivesTheSameWeightsBitForBit()
    {
        using var first = new Run(seed: 7, epochs: 1, output: null);
        using var second = new Run(seed: 7, epochs: 1, output: null);
        first.Trainer.Fit();
        second.Trainer.Fit();
        AssertSameWeights(first.Model, second.Model);
        Assert.Equal(first.Trainer.History[0], second.Trainer.History[0] with { TrainSeconds = first.Trainer.History[0].TrainSeconds, ImagesPerSecond = first.Trainer.History[0].ImagesPerSecond, ElapsedSeconds = first.Trainer.History[0].ElapsedSeconds });

        using var other = new Run(seed: 8, epochs: 1, output: null);
        other.Trainer.Fit();
        Assert.NotEqual(first.Model.StateDict()["fc.weight"].ToArray<float>(), other.Model.StateDict()["fc.weight"].ToArray<float>());
    }

    [Fact]
    public void ResumingFromACheckpointMatchesAnUninterruptedRunBitForBit()
    {
        using var straight = new Run(seed: 3, epochs: 2, output: null);
        straight.Trainer.Fit();

        string stopped = Path.Combine(_folder, "stopped");
        using (var interrupted = new Run(seed: 3, epochs: 2, stopped))
            interrupted.Trainer.Fit(throughEpoch: 1); // the process "dies" after epoch 1's checkpoint
        // A fresh process builds everything anew (here from another seed) and loads the checkpoint.
        using var resumed = new Run(seed: 99, epochs: 2, stopped);
        resumed.Trainer.LoadCheckpoint(Path.Combine(stopped, Trainer.CheckpointFileName));
        Assert.Equal(1, resumed.Trainer.CompletedEpochs);
        resumed.Trainer.Fit();
        AssertSameWeights(straight.Model, resumed.Model);
        Assert.Equal(straight.Trainer.History[1].TestAccuracy, resumed.Trainer.History[1].TestAccuracy);
        Assert.Equal(straight.Trainer.History[1].TrainLoss, resumed.Trainer.History[1].TrainLoss);
    }

    string TrainedCheckpoint()
    {
        using var run = new Run(seed: 5, epochs: 1, _folder);
        run.Trainer.Fit();
        return Path.Combine(_folder, Trainer.CheckpointFileName);
    }

    [Fact]
    public void ATruncatedCheckpointIsRefused()
    {
        string path = TrainedCheckpoint();
        var bytes = File.ReadAllBytes(path);
        foreach (int length in new[] { 0, 5, 100, bytes.Length / 2, bytes.Length - 1 })
        {
            string cut = Path.Combine(_folder, $"cut{length}.safetensors");
            File.WriteAllBytes(cut, bytes[..length]);
            using var run = new Run(seed: 5, epochs: 1, output: null);
            var error = Assert.Throws<InvalidDataException>(() => run.Trainer.LoadCheckpoint(cut));
            Assert.Contains(cut, error.Message);
        }
    }

    [Fact]
    public void ACorruptedCheckpointIsRefusedAndChangesNothing()
    {
        string path = TrainedCheckpoint();
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0x40; // one flipped bit in the last tensor's data
        File.WriteAllBytes(path, bytes);
        using var run = new Run(seed: 6, epochs: 1, output: null);
        var before = run.Model.StateDict()["fc.weight"].ToArray<float>();
        var error = Assert.Throws<InvalidDataException>(() => run.Trainer.LoadCheckpoint(path));
        Assert.Contains("corrupt", error.Message);
        Assert.Equal(before, run.Model.StateDict()["fc.weight"].ToArray<float>());
        Assert.Equal(0, run.Trainer.CompletedEpochs);
    }

    [Fact]
    public void ACheckpointOfAnotherModelNamesTheMismatchingKeys()
    {
        string path = TrainedCheckpoint();
        using var wider = new Run(seed: 5, epochs: 1, output: null, width: 24);
        var error = Assert.Throws<ArgumentException>(() => wider.Trainer.LoadCheckpoint(path));
        Assert.Contains("conv2.conv.weight", error.Message);
        Assert.Contains("fc.weight", error.Message);
        Assert.Contains("[16,8,3,3]", error.Message.Replace(" ", ""));
    }

    [Fact]
    public void AMissingCheckpointSaysWhere()
    {
        using var run = new Run(seed: 5, epochs: 1, output: null);
        string path = Path.Combine(_folder, "none.safetensors");
        var error = Assert.Throws<FileNotFoundException>(() => run.Trainer.LoadCheckpoint(path));
        Assert.Contains(path, error.Message);
    }

    /// <summary>A clock that moves only when told: here by a forward hook, so an epoch "takes" a known time.</summary>
    sealed class FakeClock : TimeProvider
    {
        long _ticks;
        public void Advance(TimeSpan step) => _ticks += step.Ticks;
        public override long GetTimestamp() => _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    /// <summary>
    /// Each forward of the classifier's last layer moves the fake clock: 8 training and 2 test batches per epoch, so
    /// an epoch takes 10 forwards. The first <paramref name="fastCalls"/> forwards take 1 s, the later ones 2 s.
    /// </summary>
    static (Run Run, FakeClock Clock) Timed(TimeSpan budget, int fastCalls = int.MaxValue, string? output = null)
    {
        var clock = new FakeClock();
        var run = new Run(seed: 4, epochs: 10, output, tweak: o => o with { TimeBudget = budget, Clock = clock });
        int calls = 0;
        run.Model.NamedChildren().Single(c => c.Name == "fc").Module.RegisterForwardHook((_, _, _) => clock.Advance(TimeSpan.FromSeconds(++calls <= fastCalls ? 1 : 2)));
        return (run, clock);
    }

    [Fact]
    public void ATimeBudgetPlansTheEpochsThatFitAndTheScheduleForThem()
    {
        var (run, _) = Timed(TimeSpan.FromSeconds(35));
        using var disposeRun = run;
        var history = run.Trainer.Fit();
        Assert.Equal(3, history.Count); // epoch 1 took 10 s: 3 of the 10 epochs fit 35 s
        Assert.Equal(3, run.Trainer.PlannedEpochs);
        Assert.All(history, r => Assert.Equal(10, r.ElapsedSeconds));
        Assert.Contains("time budget: 3 of 10 epochs", run.Trainer.StopReason);
        // The one-cycle schedule was re-planned for 3 epochs (24 batches) and ran to its end.
        Assert.Equal(24, run.Trainer.Schedule!.StepCount);
        using var scope = Tensor.Scope();
        var dummy = Tensor.Zeros([1]);
        dummy.RequiresGrad = true;
        using var reference = new Sgd([dummy], 0.05);
        Assert.Equal(new OneCycleSchedule(reference, 0.05, 24).LearningRateAt(24), run.Optimizer.LearningRate);
    }

    [Fact]
    public void AResumedRunUnderATimeBudgetPlansAsAnUninterruptedOne()
    {
        var (straight, _) = Timed(TimeSpan.FromSeconds(35));
        using var disposeStraight = straight;
        straight.Trainer.Fit();

        string stopped = Path.Combine(_folder, "budget");
        var (interrupted, _) = Timed(TimeSpan.FromSeconds(35), output: stopped);
        using (interrupted) interrupted.Trainer.Fit(throughEpoch: 2);
        var (resumed, _) = Timed(TimeSpan.FromSeconds(35), output: stopped);
        using var disposeResumed = resumed;
        resumed.Trainer.LoadCheckpoint(Path.Combine(stopped, Trainer.CheckpointFileName));
        Assert.Equal(3, resumed.Trainer.PlannedEpochs); // from the saved history's epoch 1
        Assert.Equal(16, resumed.Trainer.Schedule!.StepCount); // on the re-planned 24-step schedule
        Assert.Equal(3, resumed.Trainer.Fit().Count);
        Assert.Contains("time budget", resumed.Trainer.StopReason);
        AssertSameWeights(straight.Model, resumed.Model);
    }

    [Fact]
    public void ATimeBudgetStopsBeforeAnEpochThatWouldPassIt()
    {
        // Epoch 1 takes 10 s (5 of 10 epochs would fit 50 s), later ones 20 s: after epoch 3 (50 s used, 16.7 s a
        // mean epoch) a fourth would pass the budget.
        var (run, _) = Timed(TimeSpan.FromSeconds(50), fastCalls: 10);
        using var disposeRun = run;
        var history = run.Trainer.Fit();
        Assert.Equal([10.0, 20.0, 20.0], history.Select(r => r.ElapsedSeconds));
        Assert.Contains("would pass 50.0 s", run.Trainer.StopReason);
    }

    [Fact]
    public void EarlyStoppingEndsTheRunAfterPatienceEpochsWithoutImprovement()
    {
        // No test accuracy can improve by more than 1, so epoch 1 stays the best and 2 more epochs end the run.
        using var run = new Run(seed: 2, epochs: 10, output: null, tweak: o => o with { EarlyStopping = new EarlyStopping(StoppingMetric.TestAccuracy, Patience: 2, MinDelta: 1) });
        Assert.Equal(3, run.Trainer.Fit().Count);
        Assert.Contains("early stopping", run.Trainer.StopReason);
        Assert.Contains("best at epoch 1", run.Trainer.StopReason);
    }

    static EpochRecord Epoch(int epoch, double testAccuracy, double testLoss = 1) => new(epoch, 1, 0.5, testLoss, testAccuracy, 0.1, 1, 1, 1);

    [Fact]
    public void EarlyStoppingCountsEpochsSinceTheBest()
    {
        var options = new TrainerOptions { EarlyStopping = new EarlyStopping(StoppingMetric.TestAccuracy, Patience: 2) };
        Assert.Null(RunPlan.StopReason(options, [Epoch(1, 0.5), Epoch(2, 0.6), Epoch(3, 0.55)]));
        Assert.Contains("best at epoch 2", RunPlan.StopReason(options, [Epoch(1, 0.5), Epoch(2, 0.6), Epoch(3, 0.55), Epoch(4, 0.6)]));
        Assert.Null(RunPlan.StopReason(options, [Epoch(1, 0.5), Epoch(2, 0.6), Epoch(3, 0.55), Epoch(4, 0.61)]));
        var byLoss = new TrainerOptions { EarlyStopping = new EarlyStopping(StoppingMetric.TestLoss, Patience: 1, MinDelta: 0.05) };
        Assert.Null(RunPlan.StopReason(byLoss, [Epoch(1, 0, testLoss: 1.0), Epoch(2, 0, testLoss: 0.9)]));
        Assert.Contains("best at epoch 1", RunPlan.StopReason(byLoss, [Epoch(1, 0, testLoss: 1.0), Epoch(2, 0, testLoss: 0.96)]));
    }

    [Fact]
    public void ATrainerOverDatasetsNeedsOnlyAModelAndAnOptimizer()
    {
        using var model = new TinyNet(new Generator(11));
        using var optimizer = new Sgd(model.Parameters(), lr: 0.05, momentum: 0.9);
        var trainer = new Trainer(model, optimizer, TrainSet, TestSet, new TrainerOptions { Epochs = 1, Seed = 3, Interactive = false, Log = TextWriter.Null });
        var record = Assert.Single(trainer.Fit());
        Assert.InRange(record.TestAccuracy, 0.0, 1.0);
        Assert.True(record.TrainLoss > 0);
        Assert.True(model.IsTraining);
    }
}
