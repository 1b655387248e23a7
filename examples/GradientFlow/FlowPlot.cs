using System.Globalization;
using MiniNet.Layers;
using ScottPlot;

namespace MiniNet.Examples;

/// <summary>
/// The example's picture (ScottPlot): on top, the mean gradient norm of every convolution and linear layer of the
/// main path by depth, log scale, per loss term and in total for both runs; below left, the same for the batch
/// norms (their γ and β get far smaller gradients than the weights, so they have their own panel); below right,
/// both runs' main-head training loss per step, smoothed, with their test accuracies.
/// </summary>
static class FlowPlot
{
    const int LossSmoothing = 20;

    /// <summary>Draws the three panels into a PNG at <paramref name="path"/> (atomically, <see cref="AtomicFile.Write"/>).</summary>
    public static void Save(string path, IReadOnlyList<Figures> layers, IReadOnlyList<Figures> stages, RunResult with, RunResult without, int window)
    {
        var mainPath = layers.Where(f => f.Depth >= 0).ToList();
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        var grid = new ScottPlot.MultiplotLayouts.CustomGrid();
        grid.Set(multiplot.GetPlot(0), new GridCell(0, 0, 2, 3, colSpan: 3));
        grid.Set(multiplot.GetPlot(1), new GridCell(1, 0, 2, 3, colSpan: 2));
        grid.Set(multiplot.GetPlot(2), new GridCell(1, 2, 2, 3));
        multiplot.Layout = grid;
        GradientPanel(multiplot.GetPlot(0), [.. mainPath.Where(f => f.Kind != "BatchNorm2D")], stages, with, without,
            $"convolution and linear layers: gradient L2 norm (mean of the last {window} steps)", legend: true);
        GradientPanel(multiplot.GetPlot(1), [.. mainPath.Where(f => f.Kind == "BatchNorm2D")], stages, with, without,
            $"batch norms (γ and β): gradient L2 norm (mean of the last {window} steps), lines as above", legend: false);
        LossPanel(multiplot.GetPlot(2), with, without);
        using var image = multiplot.Render(1600, 1150);
        AtomicFile.WriteAllBytes(path, image.GetImageBytes(ImageFormat.Png));
    }

    static void GradientPanel(Plot plot, IReadOnlyList<Figures> layers, IReadOnlyList<Figures> stages, RunResult with, RunResult without, string title, bool legend)
    {
        string w = with.AuxWeight.ToString(CultureInfo.InvariantCulture);
        double[] plotted =
        [
            .. Line(plot, layers, f => f.TotalWithoutAux, $"total, {without.Label}", LinePattern.Solid, 2),
            .. Line(plot, layers, f => f.Total, $"total, {with.Label}", LinePattern.Solid, 2),
            .. Line(plot, layers, f => f.Main, $"main-loss part ({with.Label})", LinePattern.Dashed, 1.5f),
            .. Line(plot, layers, f => f.Aux1, $"{w}·aux1 part", LinePattern.Dotted, 1.5f),
            .. Line(plot, layers, f => f.Aux2, $"{w}·aux2 part", LinePattern.Dotted, 1.5f),
        ];
        // A head's part reaches down from the stage it reads: its deepest layer with a gradient marks the tap.
        var aux1Tap = layers.Where(f => f.Aux1 > 0).MaxBy(f => f.Depth)!;
        var aux2Tap = layers.Where(f => f.Aux2 > 0).MaxBy(f => f.Depth)!;
        foreach (var tap in new[] { aux1Tap, aux2Tap })
        {
            var line = plot.Add.VerticalLine(tap.Depth + 0.5);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Gray;
            if (tap == aux1Tap) line.LegendText = $"aux1 reads {aux1Tap.Stage}, aux2 {aux2Tap.Stage}";
        }

        // Log scale: the lines are log10 of the norms; ticks at 1, 2 and 5 times the powers of ten in range.
        double low = plotted.Min(), high = plotted.Max();
        double[] ticks = [.. Enumerable.Range((int)Math.Floor(low), (int)Math.Ceiling(high) - (int)Math.Floor(low) + 1)
            .SelectMany(power => new[] { 1.0, 2, 5 }.Select(m => power + Math.Log10(m)))
            .Where(t => t >= low - 0.1 && t <= high + 0.1)];
        plot.Axes.Left.SetTicks(ticks, [.. ticks.Select(t => Math.Pow(10, t).ToString("G2", CultureInfo.InvariantCulture))]);
        // The x axis is the depth index of every main-path layer (batch norms included), the same in both panels.
        plot.Axes.Bottom.SetTicks([.. stages.Select(s => (double)s.Depth)], [.. stages.Select(s => FlowReport.StageLabel(s.Stage))]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 100;
        plot.Axes.SetLimitsX(-1, stages.Max(s => s.Depth) + 1);
        plot.Title(title);
        plot.XLabel("layer by depth (ticks: where each stage starts)");
        plot.YLabel("gradient norm (log scale)");
        if (legend) plot.ShowLegend(Edge.Right);
        else plot.HideLegend();
    }

    /// <summary>
    /// One line of log10(value) by depth, returning the values drawn; layers where the value is 0 (above a head's
    /// tap) are left out.
    /// </summary>
    static double[] Line(Plot plot, IReadOnlyList<Figures> layers, Func<Figures, double> value, string label, LinePattern pattern, float width)
    {
        var shown = layers.Where(f => value(f) > 0).ToList();
        double[] logs = [.. shown.Select(f => Math.Log10(value(f)))];
        var line = plot.Add.Scatter(shown.Select(f => (double)f.Depth).ToArray(), logs);
        line.LegendText = label;
        line.LinePattern = pattern;
        line.LineWidth = width;
        line.MarkerSize = 3;
        return logs;
    }

    static void LossPanel(Plot plot, RunResult with, RunResult without)
    {
        foreach (var run in new[] { without, with }) // the order of the gradient panels' totals, hence their colours
        {
            var losses = run.Steps.Select(r => r.MainLoss).ToArray();
            double[] steps = Enumerable.Range(1, losses.Length).Select(s => (double)s).ToArray();
            double[] smoothed = losses.Select((_, s) => losses[Math.Max(0, s - LossSmoothing + 1)..(s + 1)].Average()).ToArray();
            var line = plot.Add.Scatter(steps, smoothed);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{run.Label}: test accuracy {run.TestAccuracy:0.000}");
            line.MarkerSize = 0;
            line.LineWidth = 2;
        }
        plot.Title($"main-head training loss (mean of the last {LossSmoothing} steps)");
        plot.XLabel("step");
        plot.YLabel("loss (label smoothing 0.1)");
        plot.ShowLegend(Alignment.UpperRight);
    }
}
