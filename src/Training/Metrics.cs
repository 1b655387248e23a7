using System.Numerics;

namespace MiniNet.Training;

/// <summary>Classification metrics read straight from tensors (no tape, no gradient).</summary>
public static class Metrics
{
    /// <summary>
    /// How many rows of <paramref name="logits"/> [N, K] have their largest value at the class in
    /// <paramref name="targets"/> [N] (int64). Ties go to the first maximum, as <c>torch.argmax</c>; a row with a NaN
    /// counts as wrong. PyTorch: <c>(logits.argmax(1) == targets).sum()</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit [N, K] and [N], or non-int64 targets.</exception>
    public static long CountCorrect(Tensor logits, Tensor targets)
    {
        Check("CountCorrect", logits, targets);
        var predicted = Predictions(logits);
        var labels = targets.Data<long>();
        long correct = 0;
        for (int n = 0; n < predicted.Length; n++)
            if (predicted[n] == labels[n]) correct++;
        return correct;
    }

    /// <summary>
    /// The predicted class of each row of <paramref name="logits"/> [N, K]: the first maximum, as <c>torch.argmax(1)</c>,
    /// or -1 for a row holding a NaN (no prediction).
    /// </summary>
    /// <exception cref="ArgumentException">Logits that are not [N, K] floating point.</exception>
    public static int[] Predictions(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Shape.Length != 2 || !logits.DType.IsFloatingPoint())
            throw new ArgumentException($"Predictions: needs float logits [N,K], got {logits.DType.TorchName()} {Shapes.Format(logits.Shape)}");
        return logits.DType == DType.Float32 ? Argmax(logits.Data<float>(), logits.Shape[1]) : Argmax(logits.Data<double>(), logits.Shape[1]);
    }

    /// <summary>
    /// How many rows of <paramref name="logits"/> [N, K] rank the class in <paramref name="targets"/> among their
    /// <paramref name="k"/> largest: fewer than k logits of the row are strictly larger than the target's (ties count
    /// in the target's favour); a row with a NaN counts as wrong. PyTorch: <c>(logits.topk(k).indices == targets[:, None]).any(1).sum()</c>,
    /// which breaks ties arbitrarily.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit [N, K] and [N], non-int64 targets, or k outside [1, K].</exception>
    public static long CountTopK(Tensor logits, Tensor targets, int k)
    {
        Check("CountTopK", logits, targets);
        int classes = logits.Shape[1];
        if (k < 1 || k > classes) throw new ArgumentException($"CountTopK: k must be in [1, {classes}] for logits {Shapes.Format(logits.Shape)}, got {k}", nameof(k));
        return logits.DType == DType.Float32 ? TopK(logits.Data<float>(), targets.Data<long>(), classes, k) : TopK(logits.Data<double>(), targets.Data<long>(), classes, k);
    }

    static void Check(string op, Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Shape.Length != 2 || !logits.DType.IsFloatingPoint() || targets.DType != DType.Int64 || !Shapes.Equal(targets.Shape, [logits.Shape[0]]))
            throw new ArgumentException($"{op}: needs logits [N,K] and int64 targets [N], got {logits.DType.TorchName()} {Shapes.Format(logits.Shape)} and {targets.DType.TorchName()} {Shapes.Format(targets.Shape)}");
    }

    static int[] Argmax<T>(ReadOnlySpan<T> logits, int classes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var predicted = new int[classes == 0 ? 0 : logits.Length / classes];
        for (int n = 0; n < predicted.Length; n++)
        {
            var row = logits.Slice(n * classes, classes);
            int best = 0;
            bool nan = T.IsNaN(row[0]);
            for (int k = 1; k < classes; k++)
            {
                nan |= T.IsNaN(row[k]);
                if (row[k] > row[best]) best = k;
            }
            predicted[n] = nan ? -1 : best;
        }
        return predicted;
    }

    static long TopK<T>(ReadOnlySpan<T> logits, ReadOnlySpan<long> targets, int classes, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long hits = 0;
        for (int n = 0; n < targets.Length; n++)
        {
            var row = logits.Slice(n * classes, classes);
            T target = row[(int)targets[n]];
            int larger = 0;
            bool nan = false;
            foreach (var value in row)
            {
                nan |= T.IsNaN(value);
                if (value > target) larger++;
            }
            if (!nan && larger < k) hits++;
        }
        return hits;
    }
}
