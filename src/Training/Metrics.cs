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
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Shape.Length != 2 || targets.DType != DType.Int64 || !Shapes.Equal(targets.Shape, [logits.Shape[0]]))
            throw new ArgumentException($"CountCorrect: needs logits [N,K] and int64 targets [N], got {logits.DType.TorchName()} {Shapes.Format(logits.Shape)} and {targets.DType.TorchName()} {Shapes.Format(targets.Shape)}");
        return logits.DType == DType.Float32 ? Count(logits.Data<float>(), targets.Data<long>(), logits.Shape[1])
            : Count(logits.Data<double>(), targets.Data<long>(), logits.Shape[1]);
    }

    static long Count<T>(ReadOnlySpan<T> logits, ReadOnlySpan<long> targets, int classes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long correct = 0;
        for (int n = 0; n < targets.Length; n++)
        {
            var row = logits.Slice(n * classes, classes);
            int best = 0;
            bool nan = T.IsNaN(row[0]);
            for (int k = 1; k < classes; k++)
            {
                nan |= T.IsNaN(row[k]);
                if (row[k] > row[best]) best = k;
            }
            if (!nan && best == targets[n]) correct++;
        }
        return correct;
    }
}
