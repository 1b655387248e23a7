using System.Numerics;
using MiniNet.Kernels;

namespace MiniNet;

// cross_entropy fused: log_softmax over the class dim, then the (label-smoothed) negative log-likelihood.
// Legend: N batch, K classes (dim 1), d1.. extra dims; logits seen as [outer = N, K, inner = d1·d2·...].
public sealed partial class Tensor
{
    /// <summary>
    /// Softmax cross-entropy between <paramref name="logits"/> [N,K] or [N,K,d1,...] (classes along dim 1; or
    /// unbatched [K]) and int64 class indices <paramref name="targets"/> [N] or [N,d1,...] (unbatched: rank 0).
    /// Per element: loss = -Σ_k q_k · log p_k with log p = log_softmax(logits, 1) (stable) and
    /// q = (1 - eps)·onehot(target) + eps/K, eps = <paramref name="labelSmoothing"/>. Mean divides by the number
    /// of target elements (NaN when there are none, as PyTorch). NaN logits give NaN losses.
    /// No <c>ignore_index</c>, class weights or class-probability targets.
    /// PyTorch: <c>F.cross_entropy(logits, target, reduction=..., label_smoothing=eps)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Targets whose shape is not the logits' shape without dim 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target outside [0, K), or eps outside [0, 1].</exception>
    /// <exception cref="NotSupportedException">Non-int64 targets, or int64 logits.</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        var (outer, k, inner) = CrossEntropyLayout(logits, targets, labelSmoothing);
        var t = targets.Span<long>();
        for (int j = 0; j < t.Length; j++)
            if ((ulong)t[j] >= (ulong)k)
                throw new ArgumentOutOfRangeException(nameof(targets),
                    $"cross_entropy: target {t[j]} (flat position {j} of targets {Shapes.Format(targets._shape)}) is not a class index in [0, {k}) for logits {Shapes.Format(logits._shape)}; ignore_index is not supported");

        var loss = Empty(reduction == Reduction.None ? (int[])targets._shape.Clone() : [], logits.DType, "cross_entropy");
        if (logits.DType == DType.Float32) CrossEntropyForward<float>(logits, targets, loss, reduction, outer, k, inner, labelSmoothing);
        else CrossEntropyForward<double>(logits, targets, loss, reduction, outer, k, inner, labelSmoothing);
        double scale = reduction == Reduction.Mean ? 1.0 / targets.Count : 1.0;
        return Tape.Record("cross_entropy", loss, [logits, targets], gradOut =>
        {
            // loss_j = -Σ_k q_k · log softmax(x_j)_k  =>  dL/dx_jk = (softmax(x_j)_k - q_k) · gradOut_j  (· 1/count for mean)
            // the softmax is recomputed from the logits inside the kernel; targets get no gradient
            var gradX = Empty((int[])logits._shape.Clone(), logits.DType, "cross_entropy_backward");
            if (logits.DType == DType.Float32) CrossEntropyBackward<float>(logits, targets, gradOut, gradX, outer, k, inner, labelSmoothing, scale);
            else CrossEntropyBackward<double>(logits, targets, gradOut, gradX, outer, k, inner, labelSmoothing, scale);
            logits.AccumulateGrad(gradX);
        });
    }

    static (int Outer, int K, int Inner) CrossEntropyLayout(Tensor logits, Tensor targets, double labelSmoothing)
    {
        logits.ThrowIfDisposed();
        targets.ThrowIfDisposed();
        if (!logits.DType.IsFloatingPoint()) throw Elementwise.FloatOnly("cross_entropy", logits);
        if (targets.DType != DType.Int64)
            throw new NotSupportedException(
                $"cross_entropy: targets must be int64 class indices, got {targets.DType.TorchName()} {Shapes.Format(targets._shape)} (class-probability targets are not supported)");
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"cross_entropy: label smoothing must be in [0, 1], got {labelSmoothing}");
        if (logits.Rank == 0)
            throw new ArgumentException("cross_entropy: logits must be [K], [N,K] or [N,K,d1,...] (classes along dim 1), got a rank-0 tensor");
        int[] expected = logits.Rank == 1 ? [] : logits._shape.Where((_, d) => d != 1).ToArray();
        if (!Shapes.Equal(targets._shape, expected))
            throw new ArgumentException(
                $"cross_entropy: logits {Shapes.Format(logits._shape)} (classes along dim 1) need targets of shape {Shapes.Format(expected)}, got {Shapes.Format(targets._shape)}");
        return logits.Rank == 1 ? (1, logits._shape[0], 1) : logits.AxisView(1);
    }

    static void CrossEntropyForward<T>(Tensor logits, Tensor targets, Tensor loss, Reduction reduction, int outer, int k, int inner, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var logp = Empty((int[])logits._shape.Clone(), logits.DType, "cross_entropy");
        Kernels.Softmax.Forward(logits.Array<T>(), logp.Array<T>(), outer, k, inner, log: true);
        if (reduction == Reduction.None)
        {
            Kernels.CrossEntropy.Loss(logp.Span<T>(), targets.Span<long>(), loss.Span<T>(), outer, k, inner, eps);
            return;
        }
        using var each = Empty((int[])targets._shape.Clone(), logits.DType, "cross_entropy");
        Kernels.CrossEntropy.Loss(logp.Span<T>(), targets.Span<long>(), each.Span<T>(), outer, k, inner, eps);
        T total = Reduce.SumAll(each.Array<T>(), each.Count);
        loss.Span<T>()[0] = reduction == Reduction.Mean ? total / T.CreateTruncating(each.Count) : total;
    }

    static void CrossEntropyBackward<T>(Tensor logits, Tensor targets, Tensor gradOut, Tensor gradX, int outer, int k, int inner, double eps, double scale)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Kernels.CrossEntropy.Backward(logits.Array<T>(), targets.Array<long>(), gradOut.Array<T>(), gradOut.Count, gradX.Array<T>(),
            outer, k, inner, eps, T.CreateTruncating(scale));
}
