using System.CommandLine;
using MiniNet.Examples;
using MiniNet.Training;

// Gradient flow and auxiliary heads: where do MiniGoogLeNet's auxiliary heads send gradient?
//   dotnet run -c Release --project examples/GradientFlow                 (300 steps, twice: several minutes)
// Trains twice from the same seed on the embedded Fashion-MNIST subset, with the auxiliary losses (weight 0.3) and
// without them (their losses simply not added), recording every layer's gradient norm per step, split into the
// parts from the main loss, 0.3·aux1 and 0.3·aux2 (one backward per term, see SplitBackward.cs). Writes
// gradient-flow.png, layers.csv and steps.csv to the output folder and prints a summary per stage.
const double AuxWeight = 0.3;

var steps = new Option<int>("--steps") { Description = "training steps (batches of 64) of each run", DefaultValueFactory = _ => 300 };
var window = new Option<int>("--window") { Description = "average the gradient norms over the last N steps (0: all steps)", DefaultValueFactory = _ => 50 };
var seed = new Option<ulong>("--seed") { Description = "seed of initialization, dropout and shuffling, the same for both runs", DefaultValueFactory = _ => 1 };
var output = new Option<string>("--output") { Description = "folder for gradient-flow.png, layers.csv and steps.csv", DefaultValueFactory = _ => Path.Combine("runs", "GradientFlow") };
var root = new RootCommand("Trains MiniGoogLeNet with and without its auxiliary losses and plots each layer's gradient norm by source.")
    { steps, window, seed, output };
root.SetAction(parse => Run(parse.GetValue(steps), parse.GetValue(window), parse.GetValue(seed), parse.GetValue(output)!));
return root.Parse(args).Invoke();

static int Run(int steps, int window, ulong seed, string output)
{
    if (steps < 1 || window < 0)
    {
        Console.Error.WriteLine($"--steps must be >= 1 and --window >= 0, got {steps} and {window}");
        return 2;
    }
    window = window == 0 ? steps : Math.Min(window, steps);
    var trainSet = FashionMnist.Load(null, train: true);
    var testSet = FashionMnist.Load(null, train: false);
    Console.WriteLine($"GradientFlow: MiniGoogLeNet, {steps} steps of batch {FlowRun.BatchSize} per run on the embedded subset " +
        $"({trainSet.Count} training, {testSet.Count} test images), seed {seed}, {MiniNet.Kernels.WorkerPool.Shared.Threads} threads");
    SplitBackward.CheckAgainstSingleBackward(seed, trainSet, AuxWeight, FlowRun.LabelSmoothing);

    var with = FlowRun.Train("with aux", AuxWeight, steps, seed, trainSet, testSet);
    var without = FlowRun.Train("without aux", 0, steps, seed, trainSet, testSet);

    var layers = FlowReport.PerLayer(with, without, window);
    var stages = FlowReport.PerStage(with, without, window);
    Directory.CreateDirectory(output);
    string picture = Path.Combine(output, "gradient-flow.png"), layersCsv = Path.Combine(output, "layers.csv"), stepsCsv = Path.Combine(output, "steps.csv");
    FlowPlot.Save(picture, layers, stages, with, without, window);
    FlowReport.SaveLayersCsv(layersCsv, layers, with.Layers, window);
    FlowReport.SaveStepsCsv(stepsCsv, with, without);
    Console.Write(FlowReport.Summary(stages, with, without, window));
    Console.WriteLine($"wrote {picture}, {layersCsv} and {stepsCsv}");
    return 0;
}
