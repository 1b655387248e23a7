namespace MiniNet.Training;

/// <summary>
/// Counts of (actual class, predicted class) over a data set: row = the label, column = the prediction, so the
/// diagonal holds the right answers. PyTorch (torchmetrics): <c>ConfusionMatrix(task="multiclass")</c>; scikit-learn:
/// <c>confusion_matrix(y_true, y_pred)</c>, the same orientation.
/// </summary>
public sealed class ConfusionMatrix
{
    readonly long[,] _counts;

    /// <summary>An empty matrix over <paramref name="classNames"/>.</summary>
    /// <exception cref="ArgumentException">No class names.</exception>
    public ConfusionMatrix(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0) throw new ArgumentException("confusion matrix: needs at least one class", nameof(classNames));
        ClassNames = classNames;
        _counts = new long[classNames.Count, classNames.Count];
    }

    /// <summary>The class names, by index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes K.</summary>
    public int Classes => ClassNames.Count;

    /// <summary>Images of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[actual, predicted];

    /// <summary>Every image counted (predictions of NaN rows are not: see <see cref="Metrics.Predictions"/>).</summary>
    public long Total { get; private set; }

    /// <summary>Counts one image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class outside [0, K).</exception>
    public void Add(int actual, int predicted)
    {
        if ((uint)actual >= (uint)Classes || (uint)predicted >= (uint)Classes)
            throw new ArgumentOutOfRangeException(nameof(actual), $"confusion matrix: classes must be in [0, {Classes}), got actual {actual}, predicted {predicted}");
        _counts[actual, predicted]++;
        Total++;
    }

    /// <summary>Images of class <paramref name="actual"/>.</summary>
    public long Support(int actual) => Enumerable.Range(0, Classes).Sum(p => _counts[actual, p]);

    /// <summary>
    /// Share of class <paramref name="actual"/>'s images predicted right (its recall); NaN for a class with no image.
    /// </summary>
    public double ClassAccuracy(int actual)
    {
        long support = Support(actual);
        return support == 0 ? double.NaN : (double)_counts[actual, actual] / support;
    }

    /// <summary>
    /// The <paramref name="count"/> largest off-diagonal cells, largest first (ties: by actual, then predicted class),
    /// empty cells left out: the mistakes the model makes most.
    /// </summary>
    public IReadOnlyList<(int Actual, int Predicted, long Count)> MostConfused(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var cells = new List<(int Actual, int Predicted, long Count)>();
        for (int a = 0; a < Classes; a++)
            for (int p = 0; p < Classes; p++)
                if (a != p && _counts[a, p] > 0) cells.Add((a, p, _counts[a, p]));
        return cells.OrderByDescending(c => c.Count).ThenBy(c => c.Actual).ThenBy(c => c.Predicted).Take(count).ToList();
    }
}
