using System.Globalization;
using MiniNet.Layers;
using Spectre.Console;

namespace MiniNet.Training;

/// <summary>
/// An <see cref="Evaluation"/> for people: a Spectre.Console table of the confusion matrix with each class's
/// accuracy, the top-k accuracy and the most confused pairs; and files: the matrix as a heatmap, the most confused
/// pairs' images in a grid, and a per-class table.
/// </summary>
public static class EvaluationReport
{
    /// <summary>The confusion matrix heatmap, beside <see cref="Trainer.CurvesFileName"/>.</summary>
    public const string ConfusionMatrixFileName = "confusion_matrix.png";

    /// <summary>The grid of misclassified images, one row per most confused pair.</summary>
    public const string ConfusedExamplesFileName = "confused_examples.png";

    /// <summary>Per class: images, right answers, accuracy, and the class it is most often mistaken for.</summary>
    public const string PerClassFileName = "per_class.csv";

    /// <summary>Writes the table, the top-k accuracy and the <paramref name="pairs"/> most confused pairs to <paramref name="writer"/>.</summary>
    /// <exception cref="ArgumentException">An evaluation without a confusion matrix.</exception>
    public static void Write(Evaluation evaluation, TextWriter writer, int pairs = 5)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var confusion = Confusion(evaluation);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        console.Profile.Width = 200;
        var table = new Table { Title = new TableTitle("confusion matrix (rows: actual, columns: predicted)") };
        table.AddColumn("actual");
        for (int p = 0; p < confusion.Classes; p++) table.AddColumn(new TableColumn(p.ToString(CultureInfo.InvariantCulture)).RightAligned());
        table.AddColumn(new TableColumn("accuracy").RightAligned());
        for (int a = 0; a < confusion.Classes; a++)
        {
            var cells = new List<string> { Markup.Escape($"{a} {confusion.ClassNames[a]}") };
            for (int p = 0; p < confusion.Classes; p++)
                cells.Add(p == a ? $"[bold]{confusion[a, p]}[/]" : confusion[a, p].ToString(CultureInfo.InvariantCulture));
            cells.Add(confusion.ClassAccuracy(a).ToString("0.0000", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accuracy {evaluation.Accuracy:0.0000}, top-{evaluation.TopK} accuracy {evaluation.TopKAccuracy:0.0000}, loss {evaluation.Loss:0.0000} on {evaluation.Images} images"));
        var confused = confusion.MostConfused(pairs);
        if (confused.Count > 0)
            writer.WriteLine("most confused: " + string.Join("; ", confused.Select(c =>
                $"{confusion.ClassNames[c.Actual]} as {confusion.ClassNames[c.Predicted]} {c.Count.ToString(CultureInfo.InvariantCulture)}")));
    }

    /// <summary>
    /// Writes <see cref="ConfusionMatrixFileName"/>, <see cref="ConfusedExamplesFileName"/> (when the evaluation kept
    /// examples of a confused pair) and <see cref="PerClassFileName"/> into <paramref name="folder"/>, each to a
    /// temporary file, then renamed; returns the paths written.
    /// </summary>
    /// <exception cref="ArgumentException">An evaluation without a confusion matrix.</exception>
    public static IReadOnlyList<string> Save(Evaluation evaluation, string folder, string title, int pairs = 5, int examplesPerPair = 8)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var confusion = Confusion(evaluation);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        string matrix = Path.Combine(folder, ConfusionMatrixFileName);
        TrainingPlot.SaveConfusionMatrix(matrix, confusion, title);
        written.Add(matrix);

        var rows = confusion.MostConfused(pairs)
            .Select(c => (c.Actual, c.Predicted, Images: evaluation.Examples.Where(e => e.Actual == c.Actual && e.Predicted == c.Predicted).Take(examplesPerPair).ToList()))
            .Where(r => r.Images.Count > 0)
            .Select(r => ($"{confusion.ClassNames[r.Actual]} as {confusion.ClassNames[r.Predicted]}", (IReadOnlyList<ConfusedExample>)r.Images))
            .ToList();
        if (rows.Count > 0)
        {
            string grid = Path.Combine(folder, ConfusedExamplesFileName);
            TrainingPlot.SaveImageGrid(grid, rows, $"{title}: most confused pairs (actual as predicted)");
            written.Add(grid);
        }

        var csv = new System.Text.StringBuilder("class,name,images,correct,accuracy,most_confused_with,count\n");
        for (int a = 0; a < confusion.Classes; a++)
        {
            var worst = Enumerable.Range(0, confusion.Classes).Where(p => p != a).OrderByDescending(p => confusion[a, p]).ThenBy(p => p).FirstOrDefault(-1);
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{a},\"{confusion.ClassNames[a].Replace("\"", "\"\"")}\",{confusion.Support(a)},{confusion[a, a]},{confusion.ClassAccuracy(a):R},{(worst < 0 ? "" : confusion.ClassNames[worst])},{(worst < 0 ? 0 : confusion[a, worst])}"));
        }
        string perClass = Path.Combine(folder, PerClassFileName);
        AtomicFile.WriteAllText(perClass, csv.ToString());
        written.Add(perClass);
        return written;
    }

    static ConfusionMatrix Confusion(Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        return evaluation.Confusion ?? throw new ArgumentException("evaluation report: the evaluation has no confusion matrix (make it with ModelEvaluation.Evaluate)", nameof(evaluation));
    }
}
