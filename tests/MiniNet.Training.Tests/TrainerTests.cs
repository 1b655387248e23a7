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

    static ImageDataset Slice(ImageDataset data, int count)
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

        public Run(ulong seed, int epochs, string? output, int width = 16)
        {
            var modelStream = new Generator(seed);
            var dataStream = new Generator(seed + 100);
            Model = new TinyNet(modelStream, width);
            Optimizer = new Sgd(Model.Parameters().Select(p => (Tensor)p), lr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
            var train = new DataLoader(TrainSet, 32, shuffle: true, dataStream, augment: true);
            var test = new DataLoader(TestSet, 64, shuffle: false);
            var schedule = new OneCycleSchedule(Optimizer, 0.05, train.BatchCount * epochs);
            Trainer = new Trainer(Model, Optimizer, schedule, train, test,
                new Dictionary<string, Generator> { ["model"] = modelStream, ["data"] = dataStream },
                new TrainerOptions { Epochs = epochs, LabelSmoothing = 0.1, AuxLabelSmoothing = 0.1, OutputDirectory = output, Interactive = false, Log = TextWriter.Null });
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
        foreach (var file in new[] { Trainer.CheckpointFileName, Trainer.CurvesFileName, Trainer.HistoryFileName })
            Assert.True(new FileInfo(Path.Combine(_folder, file)).Length > 0, file);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_folder, Trainer.HistoryFileName)).Length);
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
        Assert.Equal(first.Trainer.History[0], second.Trainer.History[0] with { TrainSeconds = first.Trainer.History[0].TrainSeconds, ImagesPerSecond = first.Trainer.History[0].ImagesPerSecond });

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
}
