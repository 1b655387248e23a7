using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MiniNet.Layers;
using MiniNet.Models.Export;
using MiniNet.Training;

namespace MiniNet.Examples;

/// <summary>
/// A model and the recipe that trains it: what the training examples differ in. Everything else (command line, data,
/// trainer, output folder, final line) is <see cref="TrainingJob"/>'s.
/// </summary>
/// <param name="Name">Model name, also the default output folder <c>runs/NAME</c>.</param>
/// <param name="Model">Builds the model from the generator of its initialization and dropout.</param>
/// <param name="SubsetEpochs">Default epochs on the embedded subset.</param>
/// <param name="FullEpochs">Default epochs with <c>--data</c> (the full set).</param>
/// <param name="LearningRate">Default peak (or initial) learning rate.</param>
/// <param name="Optimizer">Builds the optimizer over the parameters at a learning rate.</param>
/// <param name="Schedule">Builds the schedule from the optimizer, the batches per epoch and the epochs.</param>
/// <param name="ScheduleUnit">When the schedule steps.</param>
/// <param name="AuxWeight">Weight of each auxiliary loss.</param>
/// <param name="LabelSmoothing">ε of the main head.</param>
/// <param name="AuxLabelSmoothing">ε of the auxiliary heads.</param>
/// <param name="Description">One line on the recipe, for --help.</param>
sealed record Recipe(string Name, Func<Generator, Classifier> Model, int SubsetEpochs, int FullEpochs, double LearningRate,
    Func<IEnumerable<ITensorSource>, double, Optimizer> Optimizer, SchedulePlan Schedule,
    ScheduleUnit ScheduleUnit, double AuxWeight, double LabelSmoothing, double AuxLabelSmoothing, string Description);

/// <summary>
/// The command line shared by the training examples: trains a recipe's model on Fashion-MNIST (the embedded subset,
/// or the full set with <c>--data DIR</c>), writes the checkpoint, curves, history and the end-of-run evaluation report
/// (confusion matrix heatmap, most confused images, per-class table) to the output folder, and ends with one line
/// <c>final test_accuracy=… train_seconds=…</c>.
/// </summary>
static class TrainingJob
{
    public static int Run(string[] args, Recipe recipe)
    {
        var data = new Option<string?>("--data") { Description = $"folder of the four Fashion-MNIST IDX files (e.g. {FashionMnist.DefaultDirectory}); default: the embedded subset" };
        var epochs = new Option<int?>("--epochs") { Description = $"epochs (default {recipe.SubsetEpochs} on the subset, {recipe.FullEpochs} with --data)" };
        var batchSize = new Option<int>("--batch-size") { Description = "images per batch", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "peak (or initial) learning rate", DefaultValueFactory = _ => recipe.LearningRate };
        var augment = new Option<bool?>("--augment") { Description = "random crop (zero padding 2) and horizontal flip (default: off, as in the measured recipes)" };
        var seed = new Option<ulong>("--seed") { Description = "seed of initialization, dropout, shuffling and augmentation", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output") { Description = "folder for checkpoint.safetensors, model.onnx, curves.png, history.csv and the evaluation report (confusion_matrix.png, confused_examples.png, per_class.csv)", DefaultValueFactory = _ => Path.Combine("runs", recipe.Name) };
        var resume = new Option<bool>("--resume") { Description = "continue from the output folder's checkpoint" };
        var progress = new Option<bool?>("--progress") { Description = "live progress bar (default: only on a terminal)" };
        var timeBudget = new Option<double?>("--time-budget") { Description = "minutes of training and evaluation: after epoch 1, train only the epochs that fit (the schedule planned for them) and stop before one would pass the budget" };
        var patience = new Option<int?>("--patience") { Description = "stop when test accuracy has not improved for this many epochs (default: never)" };
        var root = new RootCommand($"Trains {recipe.Name} on Fashion-MNIST. {recipe.Description}") { data, epochs, batchSize, lr, augment, seed, output, resume, progress, timeBudget, patience };
        root.SetAction(parse => Train(recipe, parse.GetValue(data), parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(lr),
            parse.GetValue(augment), parse.GetValue(seed), parse.GetValue(output)!, parse.GetValue(resume), parse.GetValue(progress),
            parse.GetValue(timeBudget), parse.GetValue(patience)));
        return root.Parse(args).Invoke();
    }

    static int Train(Recipe recipe, string? dataDirectory, int? epochs, int batchSize, double lr, bool? augmentOption, ulong seed, string output, bool resume, bool? interactive,
        double? timeBudgetMinutes, int? patience)
    {
        var trainSet = FashionMnist.Load(dataDirectory, train: true);
        var testSet = FashionMnist.Load(dataDirectory, train: false);
        int epochCount = epochs ?? (dataDirectory is null ? recipe.SubsetEpochs : recipe.FullEpochs);
        bool augment = augmentOption ?? false;
        Console.WriteLine($"{recipe.Name}: {trainSet.Count} training and {testSet.Count} test images from {dataDirectory ?? "the embedded subset"}, " +
            $"{epochCount} epochs, batch {batchSize}, lr {lr.ToString(CultureInfo.InvariantCulture)}, augment {augment}, seed {seed}, {Kernels.WorkerPool.Shared.Threads} threads");

        var modelStream = new Generator(seed);
        var dataStream = new Generator(seed + 1);
        using var model = recipe.Model(modelStream);
        using var optimizer = recipe.Optimizer(model.Parameters(), lr);
        var train = new DataLoader(trainSet, batchSize, shuffle: true, dataStream, augment);
        var test = new DataLoader(testSet, 256, shuffle: false);
        var trainer = new Trainer(model, optimizer, train, test, new TrainerOptions
        {
            Epochs = epochCount, Schedule = recipe.Schedule, ScheduleUnit = recipe.ScheduleUnit, AuxWeight = recipe.AuxWeight,
            LabelSmoothing = recipe.LabelSmoothing, AuxLabelSmoothing = recipe.AuxLabelSmoothing, OutputDirectory = output, Interactive = interactive,
            TimeBudget = timeBudgetMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
            EarlyStopping = patience is { } epochsWithout ? new EarlyStopping(StoppingMetric.TestAccuracy, epochsWithout) : null,
        });
        string checkpoint = Path.Combine(output, Trainer.CheckpointFileName);
        if (resume)
        {
            trainer.LoadCheckpoint(checkpoint);
            Console.WriteLine($"resumed from {checkpoint} after epoch {trainer.CompletedEpochs}");
        }

        var clock = Stopwatch.StartNew();
        var history = trainer.Fit();
        double seconds = clock.Elapsed.TotalSeconds; // this run's wall clock: training plus the per-epoch evaluation
        string onnxPath = Path.Combine(output, "model.onnx"); // the trained model for inference (eval mode, no aux heads)
        OnnxExporter.Export(model, [1, 1, 28, 28], onnxPath);
        string[] written = [checkpoint, onnxPath, Trainer.CurvesFileName, Trainer.HistoryFileName,
            EvaluationReport.ConfusionMatrixFileName, EvaluationReport.ConfusedExamplesFileName, EvaluationReport.PerClassFileName];
        Console.WriteLine($"wrote {string.Join(", ", written.Select(f => Path.Combine(output, Path.GetFileName(f))).Where(File.Exists))}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"final test_accuracy={history[^1].TestAccuracy:0.0000} train_seconds={seconds:0}"));
        return 0;
    }
}
