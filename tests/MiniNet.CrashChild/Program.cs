using System.Globalization;
using MiniNet;
using MiniNet.Layers;
using MiniNet.Training;

// Usage: MiniNet.CrashChild <output folder> <epochs>
// Trains CrashNet for <epochs> epochs, writing the trainer's checkpoint, curves and history into the folder after every
// epoch. When the folder already holds a checkpoint (a run killed earlier), it is loaded first and training resumes
// from it. Prints "ready <completed epochs>" once resumed, "epoch <n>" after each epoch's files are written, "done" at
// the end. Everything random comes from fixed seeds,
// so every run, however often killed and resumed, must end with the same bits.
if (args.Length != 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int epochs))
{
    Console.Error.WriteLine("usage: MiniNet.CrashChild <output folder> <epochs>");
    return 2;
}
string folder = args[0];
Directory.CreateDirectory(folder);

var modelStream = new Generator(11);
var dataStream = new Generator(12);
using var model = new CrashNet(modelStream);
using var optimizer = new Sgd(model.Parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-4);
var train = new DataLoader(CrashNet.Images(64, seed: 1), 16, shuffle: true, dataStream, augment: true);
var test = new DataLoader(CrashNet.Images(32, seed: 2), 32, shuffle: false);
var trainer = new Trainer(model, optimizer, train, test, new TrainerOptions
{
    Epochs = epochs, Schedule = (optimizer, batches, planned) => new CosineSchedule(optimizer, batches * planned),
    OutputDirectory = folder, Interactive = false, Log = TextWriter.Null,
});

string checkpoint = Path.Combine(folder, Trainer.CheckpointFileName);
if (File.Exists(checkpoint)) trainer.LoadCheckpoint(checkpoint);
Console.WriteLine($"ready {trainer.CompletedEpochs}");
for (int epoch = trainer.CompletedEpochs + 1; epoch <= epochs; epoch++)
{
    trainer.Fit(throughEpoch: epoch); // the same steps as one Fit(), with a line after each epoch for the parent
    Console.WriteLine($"epoch {epoch}");
}
Console.WriteLine("done");
return 0;

/// <summary>
/// conv 1->8 stride 2 (16x16 -> 8x8) -> flatten (512) -> fc 512->1024 -> relu -> dropout -> fc 1024->10. The wide
/// layer makes the checkpoint (weights and momentum) about 4 MB, so that its write lasts long enough to be killed in.
/// </summary>
sealed class CrashNet : Classifier
{
    public CrashNet(Generator generator)
    {
        AddStage("conv", new BasicConv(1, 8, 3, stride: 2, padding: 1, generator: generator));
        AddStage("flatten", new Flatten());
        AddStage("fc1", new Linear(8 * 8 * 8, 1024, generator: generator));
        AddStage("relu", new ReLU());
        AddStage("dropout", new Dropout(0.2, generator));
        AddStage("fc2", new Linear(1024, 10, generator: generator));
    }

    /// <summary>16x16 images of noise with a bright 4x4 block whose place is the label (0..9), from a fixed seed.</summary>
    public static ImageDataset Images(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 16 * 16];
        var labels = new long[count];
        random.NextBytes(pixels);
        for (int i = 0; i < count; i++)
        {
            int label = i % 10;
            labels[i] = label;
            int top = label / 5 * 8 + 2, left = label % 5 * 3;
            for (int y = top; y < top + 4; y++)
                for (int x = left; x < left + 4; x++) pixels[i * 256 + y * 16 + x] = 255;
        }
        return new ImageDataset(pixels, labels, 16, 16, [.. Enumerable.Range(0, 10).Select(c => $"block {c}")]);
    }
}
