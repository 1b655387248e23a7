using System.Diagnostics;
using System.Globalization;
using MiniNet.Layers;
using MiniNet.Models;
using MiniNet.Training;

namespace MiniNet.Examples;

/// <summary>What one training step recorded.</summary>
/// <param name="MainLoss">The main head's training loss on the batch (label-smoothed cross-entropy).</param>
/// <param name="TermNorms">Per loss term (main, then w·aux1, w·aux2 when added), each layer's gradient norm.</param>
/// <param name="TotalNorms">Each layer's norm of the gradient the optimizer stepped on (the terms' sum).</param>
sealed record StepRecord(double MainLoss, double[][] TermNorms, double[] TotalNorms);

/// <summary>One training run: its layers, what every step recorded, and the test accuracy at the end.</summary>
sealed record RunResult(string Label, double AuxWeight, IReadOnlyList<Layer> Layers, IReadOnlyList<StepRecord> Steps, double TestAccuracy, double Seconds);

/// <summary>
/// Trains MiniGoogLeNet for a number of steps with TrainMiniGoogLeNet's recipe (SGD with Nesterov momentum 0.9 and
/// weight decay 1e-4, one-cycle to lr 0.1 over the run, label smoothing 0.1 on every head, batch 64), running one
/// backward per loss term (<see cref="SplitBackward"/>) to record where each head's gradient goes.
/// </summary>
static class FlowRun
{
    public const int BatchSize = 64;
    public const double PeakLearningRate = 0.1, LabelSmoothing = 0.1;

    /// <summary>
    /// Trains a fresh model from <paramref name="seed"/> for <paramref name="steps"/> batches of the embedded subset
    /// (the same initial weights, batch order and dropout masks for every run of one seed), then measures its test
    /// accuracy.
    /// </summary>
    public static RunResult Train(string label, double auxWeight, int steps, ulong seed, ImageDataset trainSet, ImageDataset testSet)
    {
        using var model = new MiniGoogLeNet(new Generator(seed));
        var parameters = model.Parameters().ToList();
        var layers = Layer.Of(model);
        using var optimizer = new Sgd(parameters, PeakLearningRate, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        var schedule = new OneCycleSchedule(optimizer, PeakLearningRate, steps);
        var train = new DataLoader(trainSet, BatchSize, shuffle: true, new Generator(seed + 1), dropLast: true);

        var records = new List<StepRecord>();
        var clock = Stopwatch.StartNew();
        while (records.Count < steps)
        {
            using var batches = train.Epoch().GetEnumerator();
            while (records.Count < steps)
            {
                using var scope = Tensor.Scope(); // disposes the batch and the optimizer's temporaries
                if (!batches.MoveNext()) break;
                var (images, targets) = batches.Current;
                model.ZeroGrad();
                using (Tensor.Scope())
                {
                    // This scope's end also drops the tape entries that the last backward did not reach (the main loss's
                    // backward retained them): the optimizer may not change a weight that a live entry still holds.
                    var terms = SplitBackward.LossTerms(model.Classify(images), targets, auxWeight, LabelSmoothing);
                    double mainLoss = terms[0].Item();
                    var termNorms = SplitBackward.Run(terms, parameters, layers);
                    records.Add(new StepRecord(mainLoss, termNorms, layers.Select(l => l.GradNorm()).ToArray()));
                }
                optimizer.Step();
                schedule.Step();
                if (records.Count % 25 == 0 || records.Count == steps)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {label}: step {records.Count}/{steps} main loss {records.TakeLast(25).Average(r => r.MainLoss):0.000} (last 25) {clock.Elapsed.TotalSeconds / records.Count:0.00} s/step"));
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new RunResult(label, auxWeight, layers, records, TestAccuracy(model, testSet), seconds);
    }

    /// <summary>The main head's accuracy on <paramref name="testSet"/>, in evaluation mode (no auxiliary heads, no dropout).</summary>
    static double TestAccuracy(Classifier model, ImageDataset testSet)
    {
        model.Eval();
        long correct = 0;
        using (Tensor.NoGrad())
        using (var batches = new DataLoader(testSet, 256, shuffle: false).Epoch().GetEnumerator())
        {
            while (true)
            {
                using var scope = Tensor.Scope();
                if (!batches.MoveNext()) break;
                var (images, targets) = batches.Current;
                correct += Metrics.CountCorrect(model.Classify(images).Logits, targets);
            }
        }
        model.Train();
        return (double)correct / testSet.Count;
    }
}
