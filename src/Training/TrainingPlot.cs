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
        var csv = new StringBuilder("epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,train_seconds,images_per_s\n");
        foreach (var r in history)
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Epoch},{r.TrainLoss:R},{r.TrainAccuracy:R},{r.TestLoss:R},{r.TestAccuracy:R},{r.LearningRate:R},{r.TrainSeconds:0.000},{r.ImagesPerSecond:0.0}"));
        AtomicFile.WriteAllText(path, csv.ToString());
    }
}
