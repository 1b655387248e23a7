using System.Numerics;
using MiniNet.Kernels;

namespace MiniNet;

// batch_norm over dim 1 with one fused kernel each way (Kernels/BatchNorm.cs). Legend: input [N,C] or [N,C,d1,...],
// seen as [N, C, S] with S = d1·d2·... (1 for [N,C]); count = N·S values per channel; weight γ, bias β and the
// running statistics are [C].
public sealed partial class Tensor
{
    /// <summary>
    /// Batch normalization over the channel dim 1: y = (x - μ)/√(σ² + eps)·γ + β per channel. With
    /// <paramref name="training"/>, μ and the biased σ² are the batch's (over N and every dim after C), and each running
    /// statistic given is updated in place: running = (1 - momentum)·running + momentum·batch, where runningVar takes the
    /// unbiased σ²·count/(count - 1); an empty input updates nothing. Without <paramref name="training"/>, μ and σ² are
    /// the running statistics, which must both be given. A null <paramref name="weight"/> means γ = 1, a null
    /// <paramref name="bias"/> β = 0. The running statistics are buffers: never recorded, never given a gradient.
    /// A NaN in a channel's input makes that channel's output NaN (in training).
    /// PyTorch: <c>F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An input of rank below 2; a statistic, weight or bias that is not [C] or not
    /// of the input's dtype; no running statistics when not training; one value per channel when training.</exception>
    /// <exception cref="NotSupportedException">An int64 input.</exception>
    /// <exception cref="InvalidOperationException">Running statistics that the tape still needs (the in-place update is refused).</exception>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training,
        double momentum = 0.1, double eps = 1e-5) =>
        BatchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps, relu: false);

    /// <summary>
    /// <see cref="BatchNorm(Tensor, Tensor?, Tensor?, Tensor?, Tensor?, bool, double, double)"/> then
    /// <see cref="Relu"/>, as one op with one pass over memory each way: the same values and gradients as the two ops
    /// (see "Note: fused ReLU" in Kernels/BatchNorm.cs). Inside an <see cref="OpTrace"/> it runs as the two ops, so an
    /// exporter sees batch_norm and relu. PyTorch: <c>F.relu(F.batch_norm(...))</c>.
    /// </summary>
    /// <exception cref="ArgumentException">As batch_norm.</exception>
    /// <exception cref="NotSupportedException">An int64 input.</exception>
    /// <exception cref="InvalidOperationException">As batch_norm.</exception>
    public static Tensor BatchNormRelu(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training,
        double momentum = 0.1, double eps = 1e-5) =>
        OpTrace.Current is null
            ? BatchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps, relu: true)
            : BatchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps).Relu();

    static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training,
        double momentum, double eps, bool relu)
    {
        string op = relu ? "batch_norm_relu" : "batch_norm";
        var (n, c, s) = BatchNormLayout(input, runningMean, runningVar, weight, bias, training);
        var mean = Empty([c], input.DType, "batch_norm");
        var invstd = Empty([c], input.DType, "batch_norm");
        using var variance = Empty([c], input.DType, "batch_norm");
        if (!training)
        {
            runningMean!.CopyElementsTo(mean);
            runningVar!.CopyElementsTo(variance);
        }
        var y = Empty((int[])input._shape.Clone(), input.DType, op);
        if (input.DType == DType.Float32) BatchNormForward<float>(input, y, weight, bias, mean, variance, invstd, runningMean, runningVar, training, momentum, eps, relu, n, c, s);
        else BatchNormForward<double>(input, y, weight, bias, mean, variance, invstd, runningMean, runningVar, training, momentum, eps, relu, n, c, s);

        if (!relu) OpTrace.Current?.Add("batch_norm", [input, runningMean, runningVar, weight, bias], y, new BatchNormAttributes(eps, momentum, training));
        var result = Tape.Record(op, y, new[] { input, weight, bias }.OfType<Tensor>().ToArray(), gradOut =>
        {
            // y = γ·x̂ + β, x̂ = (x - μ)·invstd  =>  dL/dβ = Σ gradOut, dL/dγ = Σ gradOut·x̂ (per channel); dL/dx = γ·invstd·gradOut with
            // running stats, and γ·invstd·(gradOut - Σ gradOut/count - x̂·Σ gradOut·x̂/count) with batch stats (μ, σ² depend on x); reuses the saved μ, invstd.
            // With the fused ReLU, gradOut counts only where the saved output y > 0 (relu's gradient, 0 at the kink).
            var gradX = input.RequiresGrad ? Empty((int[])input._shape.Clone(), input.DType, op + "_backward") : null;
            var gradW = Empty([c], input.DType, op + "_backward");
            var gradB = Empty([c], input.DType, op + "_backward");
            var reluOutput = relu ? y : null;
            if (input.DType == DType.Float32) BatchNormBackward<float>(input, gradOut, reluOutput, weight, mean, invstd, training, gradX, gradW, gradB, n, c, s);
            else BatchNormBackward<double>(input, gradOut, reluOutput, weight, mean, invstd, training, gradX, gradW, gradB, n, c, s);
            if (gradX is not null) input.AccumulateGrad(gradX);
            weight?.AccumulateGrad(gradW);
            bias?.AccumulateGrad(gradB);
        });
        if (result.IsLeaf) { mean.Dispose(); invstd.Dispose(); } // not recorded: nothing will read the saved statistics
        return result;
    }

    static (int N, int C, int S) BatchNormLayout(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training)
    {
        input.ThrowIfDisposed();
        if (!input.DType.IsFloatingPoint()) throw Elementwise.FloatOnly("batch_norm", input);
        if (input.Rank < 2)
            throw new ArgumentException($"batch_norm: input must be [N,C] or [N,C,d1,...] (channels along dim 1), got {Shapes.Format(input._shape)}");
        var (n, c, s) = input.AxisView(1);
        foreach (var (t, name) in new[] { (runningMean, "running_mean"), (runningVar, "running_var"), (weight, "weight"), (bias, "bias") })
        {
            if (t is null) continue;
            t.ThrowIfDisposed();
            if (!Shapes.Equal(t._shape, [c]) || t.DType != input.DType)
                throw new ArgumentException(
                    $"batch_norm: {name} must be [C] = [{c}] of {input.DType.TorchName()} for input {Shapes.Format(input._shape)} (channels along dim 1), got {Shapes.Format(t._shape)} of {t.DType.TorchName()}");
        }
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException($"batch_norm: running_mean and running_var are both needed when training is false (input {Shapes.Format(input._shape)})");
        if (training && n * s == 1)
            throw new ArgumentException($"batch_norm: expected more than 1 value per channel when training, got input {Shapes.Format(input._shape)}");
        if (training && input.Count > 0)
        {
            runningMean?.EnsureInPlaceAllowed("batch_norm");
            runningVar?.EnsureInPlaceAllowed("batch_norm");
        }
        return (n, c, s);
    }

    static void BatchNormForward<T>(Tensor input, Tensor y, Tensor? weight, Tensor? bias, Tensor mean, Tensor variance, Tensor invstd,
        Tensor? runningMean, Tensor? runningVar, bool training, double momentum, double eps, bool relu, int n, int c, int s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Kernels.BatchNorm.Forward(input.Array<T>(), y.Array<T>(), n, c, s, weight?.Array<T>(), bias?.Array<T>(),
            mean.Array<T>(), variance.Array<T>(), invstd.Array<T>(), batchStats: training, eps, relu);
        if (!training || input.Count == 0) return;
        // The running statistics are buffers: written through the kernel, never recorded (PyTorch updates them under no_grad).
        int count = n * s;
        if (runningMean is not null) Kernels.BatchNorm.UpdateRunning(runningMean.Span<T>(), mean.Span<T>(), momentum, 1);
        if (runningVar is not null) Kernels.BatchNorm.UpdateRunning(runningVar.Span<T>(), variance.Span<T>(), momentum, count / (count - 1.0));
    }

    static void BatchNormBackward<T>(Tensor input, Tensor gradOut, Tensor? reluOutput, Tensor? weight, Tensor mean, Tensor invstd, bool training,
        Tensor? gradX, Tensor gradW, Tensor gradB, int n, int c, int s) where T : unmanaged, IFloatingPointIeee754<T> =>
        Kernels.BatchNorm.Backward(input.Array<T>(), gradOut.Array<T>(), n, c, s, weight?.Array<T>(), mean.Array<T>(), invstd.Array<T>(),
            batchStats: training, gradX?.Array<T>(), gradW.Array<T>(), gradB.Array<T>(), reluOutput?.Array<T>());
}
