using System.Numerics;
using System.Numerics.Tensors;

namespace MiniNet.Kernels;

// Legend: logits seen as [outer, K, inner] (outer = N, K classes, inner = d1·d2·...); targets and per-element
// losses are [outer, inner], flat index j = o·inner + i. eps = label smoothing; the target distribution is
// q_k = (1 - eps)·[k = t] + eps/K. Callers validate every target in [0, K) before calling.

/// <summary>The loss and logits-gradient steps of fused softmax cross-entropy with label smoothing.</summary>
public static class CrossEntropy
{
    /// <summary>
    /// loss[j] = -Σ_k q_k·logp[o,k,i] = -(1-eps)·logp[o,t,i] - (eps/K)·Σ_k logp[o,k,i], from log-probabilities
    /// (see <see cref="Softmax.Forward{T}"/>). With eps = 0 the Σ term is skipped, so a -Inf logit of another
    /// class does not turn the loss into NaN (0·-Inf), as in PyTorch.
    /// </summary>
    public static void Loss<T>(ReadOnlySpan<T> logp, ReadOnlySpan<long> targets, Span<T> loss, int outer, int k, int inner, double smoothing)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T hit = T.CreateTruncating(1 - smoothing), spread = T.CreateTruncating(smoothing / k);
        for (int o = 0; o < outer; o++)
        {
            var block = logp.Slice(o * k * inner, k * inner);
            var dst = loss.Slice(o * inner, inner);
            if (smoothing == 0) dst.Clear();
            else if (inner == 1) dst[0] = TensorPrimitives.Sum(block);
            else
            {
                block.Slice(0, inner).CopyTo(dst);
                for (int c = 1; c < k; c++) TensorPrimitives.Add(dst, block.Slice(c * inner, inner), dst);
            }
            for (int i = 0; i < inner; i++)
            {
                T picked = block[(int)targets[o * inner + i] * inner + i];
                dst[i] = smoothing == 0 ? -picked : -(hit * picked) - spread * dst[i];
            }
        }
    }

    /// <summary>Reference for <see cref="Loss{T}"/>: the definition -Σ_k q_k·logp_k, one element at a time.</summary>
    public static void LossReference<T>(ReadOnlySpan<T> logp, ReadOnlySpan<long> targets, Span<T> loss, int outer, int k, int inner, double smoothing)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                long t = targets[o * inner + i];
                T acc = T.Zero;
                for (int c = 0; c < k; c++)
                {
                    double q = (c == t ? 1 - smoothing : 0) + smoothing / k;
                    if (q != 0) acc -= T.CreateTruncating(q) * logp[(o * k + c) * inner + i];
                }
                loss[o * inner + i] = acc;
            }
    }

    /// <summary>
    /// gradX[o,k,i] = (softmax(logits)[o,k,i] - q_k) · gradLoss[j] · scale, split over the pool. The softmax is
    /// recomputed from the logits (nothing is saved between forward and backward). <paramref name="gradLoss"/>
    /// holds one value per element, or a single value shared by all (the mean and sum reductions).
    /// </summary>
    public static void Backward<T>(T[] logits, long[] targets, T[] gradLoss, int gradCount, T[] gradX, int outer, int k, int inner, double smoothing, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int block = k * inner;
        Softmax.ForBlocks(outer, block, (s, e) =>
        {
            var g = gradCount == 1 ? gradLoss.AsSpan(0, 1) : gradLoss.AsSpan(s * inner, (e - s) * inner);
            BackwardBlocks<T>(logits.AsSpan(s * block, (e - s) * block), targets.AsSpan(s * inner, (e - s) * inner), g,
                gradX.AsSpan(s * block, (e - s) * block), e - s, k, inner, smoothing, scale);
        });
    }

    /// <summary>The fast path of <see cref="Backward{T}"/> on spans, one thread; a one-element gradLoss is shared.</summary>
    public static void BackwardBlocks<T>(ReadOnlySpan<T> logits, ReadOnlySpan<long> targets, ReadOnlySpan<T> gradLoss, Span<T> gradX,
        int outer, int k, int inner, double smoothing, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Softmax.ForwardBlocks(logits, gradX, outer, k, inner, log: false);
        T hit = T.CreateTruncating(1 - smoothing), spread = T.CreateTruncating(smoothing / k);
        bool shared = gradLoss.Length == 1;
        for (int o = 0; o < outer; o++)
        {
            var dst = gradX.Slice(o * k * inner, k * inner);
            for (int i = 0; i < inner; i++) dst[(int)targets[o * inner + i] * inner + i] -= hit;
            if (spread != T.Zero) TensorPrimitives.Subtract(dst, spread, dst);
            if (shared) { TensorPrimitives.Multiply(dst, gradLoss[0] * scale, dst); continue; }
            var g = gradLoss.Slice(o * inner, inner);
            for (int c = 0; c < k; c++)
            {
                var row = dst.Slice(c * inner, inner);
                if (inner == 1) row[0] *= g[0] * scale;
                else
                {
                    TensorPrimitives.Multiply(row, g, row);
                    if (scale != T.One) TensorPrimitives.Multiply(row, scale, row);
                }
            }
        }
    }

    /// <summary>Reference for <see cref="BackwardBlocks{T}"/>: (p_k - q_k)·g per element, with p from the softmax reference.</summary>
    public static void BackwardReference<T>(ReadOnlySpan<T> logits, ReadOnlySpan<long> targets, ReadOnlySpan<T> gradLoss, Span<T> gradX,
        int outer, int k, int inner, double smoothing, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Softmax.ForwardReference(logits, gradX, outer, k, inner, log: false);
        for (int o = 0; o < outer; o++)
            for (int c = 0; c < k; c++)
                for (int i = 0; i < inner; i++)
                {
                    int j = o * inner + i;
                    T q = T.CreateTruncating((c == targets[j] ? 1 - smoothing : 0) + smoothing / k);
                    T g = gradLoss[gradLoss.Length == 1 ? 0 : j];
                    gradX[(o * k + c) * inner + i] = (gradX[(o * k + c) * inner + i] - q) * (g * scale);
                }
    }
}
