using System.Globalization;
using System.Text;
using ScottPlot;

namespace MiniNet.Training;

/// <summary>Writes a training history as loss and accuracy curves (PNG, ScottPlot) and as a CSV table.</summary>
public static class TrainingPlot
{
    /// <summary>
    /// Draws two panels, loss (train and test) and accuracy (train and test), by epoch, into a PNG at
    /// <paramref name="path"/> (written to a temporary file, then renamed).
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
        string temporary = TemporaryBeside(path, ".png");
        multiplot.SavePng(temporary, width, height);
        File.Move(temporary, path, overwrite: true);
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
        string temporary = TemporaryBeside(path, ".csv");
        File.WriteAllText(temporary, csv.ToString());
        File.Move(temporary, path, overwrite: true);
    }

    static string TemporaryBeside(string path, string extension) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileNameWithoutExtension(path)}.{Environment.ProcessId}.tmp{extension}");
}
