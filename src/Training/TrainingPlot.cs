using System.Globalization;
using System.Text;
using MiniNet.Layers;
using ScottPlot;

namespace MiniNet.Training;

/// <summary>Writes a training history as loss and accuracy curves (PNG, ScottPlot) and as a CSV table.</summary>
public static class TrainingPlot
{
    /// <summary>
    /// Draws two panels, loss (train and test) and accuracy (train and test), by epoch, into a PNG at
    /// <paramref name="path"/>, atomically (<see cref="AtomicFile.Write"/>).
    /// </summary>
    public static void Save(string path, IReadOnlyList<EpochRecord> history, string title, int width = 1000, int height = 420)
    {
        ArgumentNullException.ThrowIfNull(history);
        double[] epochs = history.Select(r => (double)r.Epoch).ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Panel(multiplot.GetPlot(0), $"{title}: loss", "loss", epochs, history.Select(r => r.TrainLoss), history.Select(r => r.TestLoss));
        Panel(multiplot.GetPlot(1), $"{title}: accuracy", "accuracy", epochs, history.Select(r => r.TrainAccuracy), history.Select(r => r.TestAccuracy));
        using var image = multiplot.Render(width, height);
        AtomicFile.WriteAllBytes(path, image.GetImageBytes(ImageFormat.Png));
    }

    static void Panel(Plot plot, string title, string yLabel, double[] epochs, IEnumerable<double> train, IEnumerable<double> test)
    {
        plot.Add.Scatter(epochs, train.ToArray()).LegendText = "train";
        plot.Add.Scatter(epochs, test.ToArray()).LegendText = "test";
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend();
    }

    /// <summary>Writes the history as CSV (one row per epoch, invariant culture) to <paramref name="path"/>, atomically.</summary>
    public static void SaveCsv(string path, IReadOnlyList<EpochRecord> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var csv = new StringBuilder("epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,train_seconds,images_per_s,epoch_seconds\n");
        foreach (var r in history)
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Epoch},{r.TrainLoss:R},{r.TrainAccuracy:R},{r.TestLoss:R},{r.TestAccuracy:R},{r.LearningRate:R},{r.TrainSeconds:0.000},{r.ImagesPerSecond:0.0},{r.ElapsedSeconds:0.000}"));
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    /// <summary>
    /// Draws <paramref name="confusion"/> as a heatmap (rows: actual class, top to bottom; columns: predicted), each
    /// cell labelled with its count, into a PNG at <paramref name="path"/> atomically.
    /// </summary>
    public static void SaveConfusionMatrix(string path, ConfusionMatrix confusion, string title, int size = 760)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        int k = confusion.Classes;
        var counts = new double[k, k];
        for (int a = 0; a < k; a++)
            for (int p = 0; p < k; p++) counts[a, p] = confusion[a, p];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(counts);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(0, k - 1, 0, k - 1); // the centers of the corner cells: cell (a, p) sits at x = p, y = k-1-a
        plot.Add.ColorBar(heatmap);
        for (int a = 0; a < k; a++)
            for (int p = 0; p < k; p++)
            {
                var label = plot.Add.Text(confusion[a, p].ToString(CultureInfo.InvariantCulture), p, k - 1 - a);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontColor = counts[a, p] > 0.6 * counts.Cast<double>().Max() ? Colors.Black : Colors.White;
            }
        double[] positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, confusion.ClassNames.ToArray());
        plot.Axes.Left.SetTicks(positions, confusion.ClassNames.Reverse().ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Title($"{title}: confusion matrix");
        plot.XLabel("predicted");
        plot.YLabel("actual");
        SavePng(plot, path, size + 120, size);
    }

    /// <summary>
    /// Draws one row of images per entry of <paramref name="rows"/>, labelled with the row's caption, each image a
    /// grey heatmap, into a PNG at <paramref name="path"/> atomically.
    /// </summary>
    public static void SaveImageGrid(string path, IReadOnlyList<(string Caption, IReadOnlyList<ConfusedExample> Images)> rows, string title, int cell = 96)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int columns = Math.Max(1, rows.Max(r => r.Images.Count));
        var plot = new Plot();
        for (int r = 0; r < rows.Count; r++)
        {
            double top = -r * 1.25;
            var caption = plot.Add.Text(rows[r].Caption, -0.1, top - 0.5);
            caption.LabelAlignment = Alignment.MiddleRight;
            for (int c = 0; c < rows[r].Images.Count; c++)
            {
                var image = rows[r].Images[c];
                var pixels = new double[image.Height, image.Width];
                for (int y = 0; y < image.Height; y++)
                    for (int x = 0; x < image.Width; x++) pixels[y, x] = image.Pixels[y * image.Width + x];
                var heatmap = plot.Add.Heatmap(pixels);
                heatmap.Colormap = new ScottPlot.Colormaps.GrayscaleReversed();
                heatmap.Extent = new CoordinateRect(c * 1.1 + 0.5 / image.Width, c * 1.1 + 1 - 0.5 / image.Width, top - 1 + 0.5 / image.Height, top - 0.5 / image.Height); // corner cells' centers
            }
        }
        plot.Axes.SetLimits(-3.5, columns * 1.1, -rows.Count * 1.25, 0.25);
        plot.HideGrid();
        plot.Axes.Frameless();
        plot.Title(title);
        SavePng(plot, path, 300 + columns * cell, 60 + rows.Count * (int)(cell * 1.25));
    }

    static void SavePng(Plot plot, string path, int width, int height)
    {
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }
}
