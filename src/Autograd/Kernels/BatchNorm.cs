using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace MiniNet.Kernels;

// Legend: the input seen as [n, c, s]: n batch, c channels, s = d1·d2·... the dims after C (1 for [N,C]).
// Channel ch holds count = n·s values: n rows of s elements, row i at offset (i·c + ch)·s. Per-channel sums are
// accumulated in double for both float types (row sums and elementwise terms in T, added up in double). A null
// weight means γ = 1, a null bias β = 0. Channels are split over the worker pool in fixed ranges and each channel is done by one thread
// in one fixed order, so results do not depend on timing.
//
// Note: batch-norm layouts. With s > 1 a channel is n contiguous rows of s: the channel path works along them with
// per-channel scalars. With s = 1 ([N,C]) a channel's values lie c apart, and rows of one element would cost a call
// each; the column path instead works along each sample's contiguous run of channels [c0, c1), with per-channel
// vectors. Both compute the same sums in the same double accumulation, and are tested against one reference.
//
// Note: fused ReLU. batch_norm followed by relu (every BasicConv) can run as one op: the forward clamps y at 0 in the
// same pass that writes it, and the backward masks gradOut by y > 0 on the fly (row by row, in a small scratch) before
// both of its passes, instead of a relu_backward pass that writes a masked copy of the whole gradient. With relu off the
// kernels are exactly the plain batch norm.

/// <summary>Batch normalization, forward and backward, fused per channel.</summary>
public static class BatchNorm
{
    /// <summary>
    /// y = (x - mean)·invstd·γ + β per channel, computed as x·α + (β - mean·α) with α = invstd·γ (PyTorch's form).
    /// With <paramref name="batchStats"/>, mean and the biased variance Σ(x - mean)²/count are computed from x
    /// (two passes: mean first, then squared deviations) and written to <paramref name="mean"/> and
    /// <paramref name="variance"/>; without, both are read from them (running statistics). Either way
    /// invstd = 1/√(variance + eps) is written to <paramref name="invstd"/>. An empty channel gets mean 0, variance 0.
    /// With <paramref name="relu"/>, y = max(y, 0) in the same pass (NaN stays NaN; see Note: fused ReLU).
    /// </summary>
    public static void Forward<T>(T[] x, T[] y, int n, int c, int s, T[]? weight, T[]? bias, T[] mean, T[] variance, T[] invstd,
        bool batchStats, double eps, bool relu = false) where T : unmanaged, IFloatingPointIeee754<T> =>
        ForChannels(c, n * s, (c0, c1) =>
        {
            // See Note: batch-norm layouts.
            if (s == 1) ForwardColumns<T>(x, y, n, c, c0, c1, weight, bias, mean, variance, invstd, batchStats, eps, relu);
            else for (int ch = c0; ch < c1; ch++) ForwardChannel<T>(x, y, n, c, s, ch, weight, bias, mean, variance, invstd, batchStats, eps, relu);
        });

    static void ForwardChannel<T>(ReadOnlySpan<T> x, Span<T> y, int n, int c, int s, int ch, T[]? weight, T[]? bias,
        T[] mean, T[] variance, T[] invstd, bool batchStats, double eps, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double count = n * s, sigma2 = double.CreateTruncating(variance[ch]);
        if (batchStats)
        {
            var scratch = ArrayPool<T>.Shared.Rent(s);
            double sum = 0, squares = 0;
            for (int i = 0; i < n; i++) sum += double.CreateTruncating(TensorPrimitives.Sum(x.Slice((i * c + ch) * s, s)));
            mean[ch] = T.CreateTruncating(count == 0 ? 0 : sum / count);
            for (int i = 0; i < n; i++)
            {
                TensorPrimitives.Subtract(x.Slice((i * c + ch) * s, s), mean[ch], scratch.AsSpan(0, s));
                squares += double.CreateTruncating(TensorPrimitives.SumOfSquares<T>(scratch.AsSpan(0, s)));
            }
            ArrayPool<T>.Shared.Return(scratch);
            sigma2 = count == 0 ? 0 : squares / count;
            variance[ch] = T.CreateTruncating(sigma2);
        }
        var (scale, shift) = Normalizer(ch, sigma2, eps, weight, bias, mean, invstd);
        var affine = new AffineOp(scale, shift, relu);
        for (int i = 0; i < n; i++) Simd.Map(affine, x.Slice((i * c + ch) * s, s), y.Slice((i * c + ch) * s, s));
    }

    static void ForwardColumns<T>(ReadOnlySpan<T> x, Span<T> y, int n, int c, int c0, int c1, T[]? weight, T[]? bias,
        T[] mean, T[] variance, T[] invstd, bool batchStats, double eps, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = c1 - c0;
        T[] buffer = ArrayPool<T>.Shared.Rent(3 * w);
        double[] sums = ArrayPool<double>.Shared.Rent(2 * w);
        Span<T> scratch = buffer.AsSpan(0, w), scale = buffer.AsSpan(w, w), shift = buffer.AsSpan(2 * w, w), mu = mean.AsSpan(c0, w);
        Span<double> acc = sums.AsSpan(0, w), wide = sums.AsSpan(w, w);
        if (batchStats)
        {
            acc.Clear();
            for (int i = 0; i < n; i++) AddWidened<T>(x.Slice(i * c + c0, w), acc, wide);
            for (int j = 0; j < w; j++) mu[j] = T.CreateTruncating(n == 0 ? 0 : acc[j] / n);
            acc.Clear();
            for (int i = 0; i < n; i++)
            {
                TensorPrimitives.Subtract(x.Slice(i * c + c0, w), mu, scratch);
                TensorPrimitives.Multiply(scratch, scratch, scratch);
                AddWidened<T>(scratch, acc, wide);
            }
            for (int j = 0; j < w; j++) variance[c0 + j] = T.CreateTruncating(n == 0 ? 0 : acc[j] / n);
        }
        for (int j = 0; j < w; j++)
        {
            double sigma2 = batchStats ? (n == 0 ? 0 : acc[j] / n) : double.CreateTruncating(variance[c0 + j]);
            var (a, b) = Normalizer(c0 + j, sigma2, eps, weight, bias, mean, invstd);
            (scale[j], shift[j]) = (T.CreateTruncating(a), T.CreateTruncating(b));
        }
        for (int i = 0; i < n; i++)
        {
            var row = y.Slice(i * c + c0, w);
            TensorPrimitives.MultiplyAdd(x.Slice(i * c + c0, w), scale, shift, row);
            if (relu) TensorPrimitives.Max(row, T.Zero, row);
        }
        ArrayPool<T>.Shared.Return(buffer);
        ArrayPool<double>.Shared.Return(sums);
    }

    /// <summary>Reference for <see cref="Forward{T}"/>: the definition per element, in double.</summary>
    public static void ForwardReference<T>(ReadOnlySpan<T> x, Span<T> y, int n, int c, int s, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> mean, Span<T> variance, Span<T> invstd, bool batchStats, double eps, bool relu = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = n * s;
        for (int ch = 0; ch < c; ch++)
        {
            double mu = double.CreateTruncating(mean[ch]), sigma2 = double.CreateTruncating(variance[ch]);
            if (batchStats)
            {
                double sum = 0, squares = 0;
                for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) sum += double.CreateTruncating(x[(i * c + ch) * s + j]);
                mu = count == 0 ? 0 : sum / count;
                for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) squares += Square(double.CreateTruncating(x[(i * c + ch) * s + j]) - mu);
                sigma2 = count == 0 ? 0 : squares / count;
                (mean[ch], variance[ch]) = (T.CreateTruncating(mu), T.CreateTruncating(sigma2));
            }
            double istd = 1 / Math.Sqrt(sigma2 + eps);
            invstd[ch] = T.CreateTruncating(istd);
            double gamma = weight.IsEmpty ? 1 : double.CreateTruncating(weight[ch]), beta = bias.IsEmpty ? 0 : double.CreateTruncating(bias[ch]);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < s; j++)
                {
                    int at = (i * c + ch) * s + j;
                    double value = (double.CreateTruncating(x[at]) - mu) * istd * gamma + beta;
                    y[at] = T.CreateTruncating(relu && value <= 0 ? 0 : value);
                }
        }
    }

    /// <summary>
    /// Per channel, with x̂ = (x - mean)·invstd: gradBias = Σ gradOut, gradWeight = Σ gradOut·x̂, and, when
    /// <paramref name="gradX"/> is not null, gradX = γ·invstd·(gradOut - Σ gradOut/count - x̂·Σ gradOut·x̂/count) for
    /// batch statistics (mean and invstd depend on x) or gradX = γ·invstd·gradOut for running ones. Given
    /// <paramref name="reluOutput"/> (the fused forward's y), gradOut counts only where y &gt; 0 (see Note: fused ReLU).
    /// </summary>
    public static void Backward<T>(T[] x, T[] gradOut, int n, int c, int s, T[]? weight, T[] mean, T[] invstd, bool batchStats,
        T[]? gradX, T[] gradWeight, T[] gradBias, T[]? reluOutput = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        ForChannels(c, n * s, (c0, c1) =>
        {
            // See Note: batch-norm layouts.
            if (s == 1) BackwardColumns<T>(x, gradOut, reluOutput, n, c, c0, c1, weight, mean, invstd, batchStats, gradX, gradWeight, gradBias);
            else for (int ch = c0; ch < c1; ch++) BackwardChannel<T>(x, gradOut, reluOutput, n, c, s, ch, weight, mean, invstd, batchStats, gradX, gradWeight, gradBias);
        });

    // The gradient row at [start, start + length): gradOut's own, or masked by y > 0 into scratch (see Note: fused ReLU).
    static ReadOnlySpan<T> GradRow<T>(ReadOnlySpan<T> gradOut, T[]? reluOutput, int start, int length, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = gradOut.Slice(start, length);
        if (reluOutput is null) return g;
        Simd.Map(new ReluMaskOp(), reluOutput.AsSpan(start, length), g, scratch[..length]);
        return scratch[..length];
    }

    static void BackwardChannel<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gradOut, T[]? reluOutput, int n, int c, int s, int ch, T[]? weight,
        T[] mean, T[] invstd, bool batchStats, Span<T> gradX, T[] gradWeight, T[] gradBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var buffer = ArrayPool<T>.Shared.Rent(2 * s);
        Span<T> scratch = buffer.AsSpan(0, s), masked = buffer.AsSpan(s, s);
        double sum = 0, dot = 0; // Σ g and Σ g·(x - mean)
        for (int i = 0; i < n; i++)
        {
            var g = GradRow(gradOut, reluOutput, (i * c + ch) * s, s, masked);
            sum += double.CreateTruncating(TensorPrimitives.Sum(g));
            TensorPrimitives.Subtract(x.Slice((i * c + ch) * s, s), mean[ch], scratch);
            dot += double.CreateTruncating(TensorPrimitives.Dot<T>(g, scratch));
        }
        var (scale, proj, gradMean) = GradientTerms(ch, sum, dot, n * s, weight, invstd, gradWeight, gradBias);
        var op = new BatchNormGradOp(double.CreateTruncating(mean[ch]), proj, gradMean, scale);
        for (int i = 0; i < (gradX.IsEmpty ? 0 : n); i++)
        {
            var g = GradRow(gradOut, reluOutput, (i * c + ch) * s, s, masked);
            if (batchStats) Simd.Map(op, x.Slice((i * c + ch) * s, s), g, gradX.Slice((i * c + ch) * s, s));
            else TensorPrimitives.Multiply(g, T.CreateTruncating(scale), gradX.Slice((i * c + ch) * s, s));
        }
        ArrayPool<T>.Shared.Return(buffer);
    }

    static void BackwardColumns<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gradOut, T[]? reluOutput, int n, int c, int c0, int c1, T[]? weight,
        T[] mean, T[] invstd, bool batchStats, Span<T> gradX, T[] gradWeight, T[] gradBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = c1 - c0;
        T[] buffer = ArrayPool<T>.Shared.Rent(5 * w);
        Span<T> masked = buffer.AsSpan(4 * w, w);
        double[] sums = ArrayPool<double>.Shared.Rent(3 * w);
        Span<T> scratch = buffer.AsSpan(0, w), scale = buffer.AsSpan(w, w), proj = buffer.AsSpan(2 * w, w), gradMean = buffer.AsSpan(3 * w, w);
        Span<double> sum = sums.AsSpan(0, w), dot = sums.AsSpan(w, w), wide = sums.AsSpan(2 * w, w); // Σ g and Σ g·(x - mean)
        ReadOnlySpan<T> mu = mean.AsSpan(c0, w);
        sum.Clear();
        dot.Clear();
        for (int i = 0; i < n; i++)
        {
            var g = GradRow(gradOut, reluOutput, i * c + c0, w, masked);
            AddWidened(g, sum, wide);
            TensorPrimitives.Subtract(x.Slice(i * c + c0, w), mu, scratch);
            TensorPrimitives.Multiply(scratch, g, scratch);
            AddWidened<T>(scratch, dot, wide);
        }
        for (int j = 0; j < w; j++)
        {
            var (a, p, m) = GradientTerms(c0 + j, sum[j], dot[j], n, weight, invstd, gradWeight, gradBias);
            (scale[j], proj[j], gradMean[j]) = (T.CreateTruncating(a), T.CreateTruncating(p), T.CreateTruncating(m));
        }
        for (int i = 0; i < (gradX.IsEmpty ? 0 : n); i++)
        {
            var g = GradRow(gradOut, reluOutput, i * c + c0, w, masked);
            var gx = gradX.Slice(i * c + c0, w);
            if (!batchStats) { TensorPrimitives.Multiply(g, scale, gx); continue; }
            // gradX = (g - gradMean - (x - mean)·proj)·scale, as BatchNormGradOp
            TensorPrimitives.Subtract(x.Slice(i * c + c0, w), mu, scratch);
            TensorPrimitives.Multiply(scratch, proj, scratch);
            TensorPrimitives.Subtract(g, scratch, scratch);
            TensorPrimitives.Subtract(scratch, gradMean, scratch);
            TensorPrimitives.Multiply(scratch, scale, gx);
        }
        ArrayPool<T>.Shared.Return(buffer);
        ArrayPool<double>.Shared.Return(sums);
    }

    /// <summary>Reference for <see cref="Backward{T}"/>: the formulas per element, in double. An empty gradX is skipped; an empty
    /// reluOutput means no fused ReLU.</summary>
    public static void BackwardReference<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gradOut, int n, int c, int s, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> mean, ReadOnlySpan<T> invstd, bool batchStats, Span<T> gradX, Span<T> gradWeight, Span<T> gradBias,
        ReadOnlySpan<T> reluOutput = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double count = n * s;
        for (int ch = 0; ch < c; ch++)
        {
            double mu = double.CreateTruncating(mean[ch]), istd = double.CreateTruncating(invstd[ch]);
            double gamma = weight.IsEmpty ? 1 : double.CreateTruncating(weight[ch]);
            double sum = 0, dot = 0; // Σ g and Σ g·x̂
            for (int i = 0; i < n; i++)
                for (int j = 0; j < s; j++)
                {
                    int at = (i * c + ch) * s + j;
                    double g = MaskedGrad(gradOut, reluOutput, at);
                    sum += g;
                    dot += g * (double.CreateTruncating(x[at]) - mu) * istd;
                }
            (gradBias[ch], gradWeight[ch]) = (T.CreateTruncating(sum), T.CreateTruncating(dot));
            if (gradX.IsEmpty) continue;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < s; j++)
                {
                    int at = (i * c + ch) * s + j;
                    double g = MaskedGrad(gradOut, reluOutput, at), xhat = (double.CreateTruncating(x[at]) - mu) * istd;
                    gradX[at] = T.CreateTruncating(gamma * istd * (batchStats ? g - sum / count - xhat * dot / count : g));
                }
        }
    }

    // gradOut[at] in double, or 0 where the fused ReLU's output is not > 0 (an empty reluOutput: no ReLU).
    static double MaskedGrad<T>(ReadOnlySpan<T> gradOut, ReadOnlySpan<T> reluOutput, int at) where T : unmanaged, IFloatingPointIeee754<T> =>
        reluOutput.IsEmpty || reluOutput[at] > T.Zero ? double.CreateTruncating(gradOut[at]) : 0;

    /// <summary>
    /// running = (1 - momentum)·running + momentum·batch·correction, per channel, in double; correction is 1 for the
    /// mean and count/(count - 1) for the variance (the unbiased estimate). A plain loop over c values: its own reference.
    /// </summary>
    public static void UpdateRunning<T>(Span<T> running, ReadOnlySpan<T> batch, double momentum, double correction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int ch = 0; ch < running.Length; ch++)
            running[ch] = T.CreateTruncating((1 - momentum) * double.CreateTruncating(running[ch]) + momentum * double.CreateTruncating(batch[ch]) * correction);
    }

    // Writes invstd[ch] = 1/√(σ² + eps); returns α = invstd·γ and β - mean·α, so that y = x·α + (β - mean·α).
    static (double Scale, double Shift) Normalizer<T>(int ch, double sigma2, double eps, T[]? weight, T[]? bias, T[] mean, T[] invstd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double istd = 1 / Math.Sqrt(sigma2 + eps);
        invstd[ch] = T.CreateTruncating(istd);
        double scale = istd * (weight is null ? 1 : double.CreateTruncating(weight[ch]));
        return (scale, (bias is null ? 0 : double.CreateTruncating(bias[ch])) - double.CreateTruncating(mean[ch]) * scale);
    }

    // From sum = Σ g and dot = Σ g·(x - mean): writes gradBias[ch] and gradWeight[ch] = dot·invstd; returns the terms of
    // gradX = (g - gradMean - (x - mean)·proj)·scale: scale = γ·invstd, proj = dot·invstd²/count, gradMean = sum/count.
    static (double Scale, double Proj, double GradMean) GradientTerms<T>(int ch, double sum, double dot, double count, T[]? weight, T[] invstd,
        T[] gradWeight, T[] gradBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double istd = double.CreateTruncating(invstd[ch]);
        gradBias[ch] = T.CreateTruncating(sum);
        gradWeight[ch] = T.CreateTruncating(dot * istd);
        return (istd * (weight is null ? 1 : double.CreateTruncating(weight[ch])), dot * istd * istd / count, sum / count);
    }

    // acc += row, widened to double (wide is scratch of the same length).
    static void AddWidened<T>(ReadOnlySpan<T> row, Span<double> acc, Span<double> wide) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.ConvertTruncating<T, double>(row, wide);
        TensorPrimitives.Add(acc, wide, acc);
    }

    static double Square(double d) => d * d;

    // Channels in fixed ranges over the pool once a range holds enough values (see Elementwise.ParallelChunk).
    static void ForChannels(int c, int count, Action<int, int> body)
    {
        if (c > 0) WorkerPool.Shared.For(c, Math.Max(1, Elementwise.ParallelChunk / Math.Max(1, count)), body);
    }

    /// <summary>y = x·scale + shift, fused; with relu, y = 0 where y &lt;= 0 (NaN stays NaN).</summary>
    readonly struct AffineOp(double scale, double shift, bool relu) : IVectorUnary
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var y = T.FusedMultiplyAdd(x, T.CreateTruncating(scale), T.CreateTruncating(shift));
            return relu && y <= T.Zero ? T.Zero : y;
        }
        public Vector256<T> Apply<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var y = Simd.MultiplyAdd(x, Vector256.Create(T.CreateTruncating(scale)), Vector256.Create(T.CreateTruncating(shift)));
            return relu ? Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, Vector256<T>.Zero), Vector256<T>.Zero, y) : y;
        }
    }

    /// <summary>g where y &gt; 0, else 0: ReLU's gradient mask read from its output (NaN in y masks, as relu_backward's x &gt; 0).</summary>
    readonly struct ReluMaskOp : IVectorBinary
    {
        public T Apply<T>(T y, T g) where T : unmanaged, IFloatingPointIeee754<T> => y > T.Zero ? g : T.Zero;
        public Vector256<T> Apply<T>(Vector256<T> y, Vector256<T> g) where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<T>.Zero), g, Vector256<T>.Zero);
    }

    /// <summary>gradX = (g - gradMean - (x - mean)·proj)·scale: the input gradient with batch statistics, in one pass.</summary>
    readonly struct BatchNormGradOp(double mean, double proj, double gradMean, double scale) : IVectorBinary
    {
        public T Apply<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T> =>
            (g - T.CreateTruncating(gradMean) - (x - T.CreateTruncating(mean)) * T.CreateTruncating(proj)) * T.CreateTruncating(scale);
        public Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> g) where T : unmanaged, IFloatingPointIeee754<T> =>
            (g - Vector256.Create(T.CreateTruncating(gradMean)) - (x - Vector256.Create(T.CreateTruncating(mean))) * Vector256.Create(T.CreateTruncating(proj)))
            * Vector256.Create(T.CreateTruncating(scale));
    }
}
