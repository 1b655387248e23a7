using System.Globalization;
using System.Text;
using MiniNet.Layers;

namespace MiniNet.Examples;

/// <summary>
/// Gradient norms of a layer or a stage, each the mean over the last steps of its per-step L2 norm. A stage's norm at
/// a step is that of all its layers' gradients together, √(Σ layer norm²).
/// </summary>
/// <param name="Name">The layer's dotted name, or the stage's.</param>
/// <param name="Kind">The layer's module type ("Conv2D", "BatchNorm2D", "Linear"), or "stage".</param>
/// <param name="Stage">The model child it belongs to.</param>
/// <param name="Depth">The (first) layer's index on the main path; -1 in an auxiliary head.</param>
/// <param name="Main">With-aux run: the part from the main head's loss.</param>
/// <param name="Aux1">With-aux run: the part from w·aux1's loss.</param>
/// <param name="Aux2">With-aux run: the part from w·aux2's loss.</param>
/// <param name="Total">With-aux run: the gradient the optimizer used (the sum of the parts).</param>
/// <param name="TotalWithoutAux">Without-aux run: the gradient the optimizer used (the main loss's alone).</param>
sealed record Figures(string Name, string Kind, string Stage, int Depth, double Main, double Aux1, double Aux2, double Total, double TotalWithoutAux)
{
    /// <summary>The auxiliary heads' share of the parts' norms: (aux1 + aux2) / (main + aux1 + aux2).</summary>
    public double AuxShare => (Aux1 + Aux2) / (Main + Aux1 + Aux2);
}

/// <summary>Averages the two runs' records per layer and per stage, and writes them (CSV) and the summary.</summary>
static class FlowReport
{
    /// <summary>One row per layer, in <see cref="Layer.Of"/>'s order (auxiliary heads' layers included).</summary>
    public static IReadOnlyList<Figures> PerLayer(RunResult with, RunResult without, int window) =>
        with.Layers.Select((layer, i) => Average(layer.Name, layer.Kind, layer.Stage, layer.Depth, [i], with, without, window)).ToList();

    /// <summary>One row per stage of the main path that has parameters (conv1, inception3a, …, fc), in depth order.</summary>
    public static IReadOnlyList<Figures> PerStage(RunResult with, RunResult without, int window) =>
        with.Layers.Select((layer, i) => (layer, i)).Where(x => x.layer.OnMainPath).GroupBy(x => x.layer.Stage)
            .Select(stage => Average(stage.Key, "stage", stage.Key, stage.First().layer.Depth, stage.Select(x => x.i).ToArray(), with, without, window))
            .ToList();

    static Figures Average(string name, string kind, string stage, int depth, int[] members, RunResult with, RunResult without, int window)
    {
        double Mean(RunResult run, Func<StepRecord, double[]> norms) =>
            run.Steps.TakeLast(window).Average(r => Math.Sqrt(members.Sum(i => norms(r)[i] * norms(r)[i])));
        return new Figures(name, kind, stage, depth, Mean(with, r => r.TermNorms[0]), Mean(with, r => r.TermNorms[1]),
            Mean(with, r => r.TermNorms[2]), Mean(with, r => r.TotalNorms), Mean(without, r => r.TotalNorms));
    }

    /// <summary>The stem is MiniGoogLeNet's child "conv1".</summary>
    public static string StageLabel(string stage) => stage == "conv1" ? "stem" : stage;

    /// <summary>The main head's training loss over the last <paramref name="window"/> steps of a run.</summary>
    public static double FinalTrainLoss(RunResult run, int window) => run.Steps.TakeLast(window).Average(r => r.MainLoss);

    /// <summary>Writes one row per layer (the figures of <see cref="PerLayer"/>) as CSV, atomically.</summary>
    public static void SaveLayersCsv(string path, IReadOnlyList<Figures> layers, IReadOnlyList<Layer> layerList, int window)
    {
        var csv = new StringBuilder("index,layer,kind,stage,depth,parameters,steps_averaged,main,aux1,aux2,total,total_without_aux,aux_share\n");
        for (int i = 0; i < layers.Count; i++)
        {
            var f = layers[i];
            int count = layerList[i].Parameters.Sum(p => p.Count);
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{i},{f.Name},{f.Kind},{f.Stage},{(f.Depth >= 0 ? f.Depth.ToString(CultureInfo.InvariantCulture) : "")},{count},{window},{f.Main:G6},{f.Aux1:G6},{f.Aux2:G6},{f.Total:G6},{f.TotalWithoutAux:G6},{f.AuxShare:G4}"));
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    /// <summary>Writes the main head's training loss of both runs per step as CSV, atomically.</summary>
    public static void SaveStepsCsv(string path, RunResult with, RunResult without)
    {
        var csv = new StringBuilder("step,main_loss_with_aux,main_loss_without_aux\n");
        for (int s = 0; s < with.Steps.Count; s++)
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{s + 1},{with.Steps[s].MainLoss:G6},{without.Steps[s].MainLoss:G6}"));
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    /// <summary>The printed summary: per stage, the parts' norms and the auxiliary share; then both runs' results.</summary>
    public static string Summary(IReadOnlyList<Figures> stages, RunResult with, RunResult without, int window)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"gradient L2 norm per stage, mean over the last {window} of {with.Steps.Count} steps ({with.Label}: parts from main, {with.AuxWeight}·aux1, {with.AuxWeight}·aux2, and their sum)"));
        text.AppendLine($"{"stage",-12} {"main",9} {"aux1",9} {"aux2",9} {"total",9} {"aux share",9} | {"total " + without.Label,-20}");
        foreach (var f in stages)
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{StageLabel(f.Stage),-12} {f.Main,9:0.0000} {f.Aux1,9:0.0000} {f.Aux2,9:0.0000} {f.Total,9:0.0000} {f.AuxShare,9:P1} | {f.TotalWithoutAux,9:0.0000}"));
        text.AppendLine("aux share = (aux1 + aux2) / (main + aux1 + aux2) of the parts' norms");
        foreach (var run in new[] { with, without })
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Label} (aux weight {run.AuxWeight}): test accuracy {run.TestAccuracy:0.0000}, main-head train loss {FinalTrainLoss(run, window):0.0000} (mean of the last {window} steps), {run.Seconds:0} s"));
        return text.ToString();
    }
}
