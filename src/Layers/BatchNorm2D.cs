using System.Globalization;

namespace MiniNet.Layers;

/// <summary>
/// Batch normalization over the channels of NCHW input, with <see cref="Tensor.BatchNorm"/>: in training mode each
/// channel is normalized by the batch's mean and biased variance and the running statistics move toward them
/// (running = (1 - momentum)·running + momentum·batch, the variance unbiased), and num_batches_tracked counts the
/// training forwards; in evaluation mode the running statistics are used. Starts with weight γ = 1, bias β = 0,
/// running_mean 0, running_var 1, num_batches_tracked 0 (int64, rank 0).
/// PyTorch: <c>nn.BatchNorm2d(num_features, eps, momentum, affine, track_running_stats)</c>.
/// </summary>
public sealed class BatchNorm2D : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="channels">Channels C of the input.</param>
    /// <param name="eps">Added to the variance before the square root.</param>
    /// <param name="momentum">Weight of the batch statistics in the running-statistics update.</param>
    /// <param name="affine">Whether to learn γ and β (otherwise γ = 1, β = 0 fixed and not in the state dict).</param>
    /// <param name="trackRunningStats">Whether to keep running statistics; without them, evaluation mode also
    /// normalizes by the batch's statistics (as PyTorch).</param>
    /// <exception cref="ArgumentException">Channels below 1.</exception>
    public BatchNorm2D(int channels, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    {
        if (channels < 1) throw new ArgumentException($"BatchNorm2D: channels must be at least 1, got {channels}");
        (Channels, Eps, Momentum) = (channels, eps, momentum);
        Weight = affine ? RegisterParameter("weight", Tensor.Ones([channels])) : null;
        Bias = affine ? RegisterParameter("bias", Tensor.Zeros([channels])) : null;
        if (!trackRunningStats) return;
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([channels]));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones([channels]));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int64));
    }

    /// <summary>Channels C.</summary>
    public int Channels { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }

    /// <summary>Weight of the batch statistics in the running update.</summary>
    public double Momentum { get; }

    /// <summary>γ [C] ("weight"), or null when not affine.</summary>
    public Parameter? Weight { get; }

    /// <summary>β [C] ("bias"), or null when not affine.</summary>
    public Parameter? Bias { get; }

    /// <summary>Running mean [C] ("running_mean"), or null when not tracking running statistics.</summary>
    public ModuleBuffer? RunningMean { get; }

    /// <summary>Running unbiased variance [C] ("running_var"), or null when not tracking running statistics.</summary>
    public ModuleBuffer? RunningVar { get; }

    /// <summary>Training forwards so far, int64 rank 0 ("num_batches_tracked"), or null when not tracking running statistics.</summary>
    public ModuleBuffer? NumBatchesTracked { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => Normalize(input, relu: false);

    /// <summary>
    /// This layer's forward followed by a ReLU, as one op (<see cref="Tensor.BatchNormRelu"/>); forward hooks do not
    /// run (the layer's own output never exists). For blocks such as <see cref="BasicConv"/>.
    /// </summary>
    internal Tensor ForwardRelu(Tensor input)
    {
        ThrowIfDisposed();
        return Normalize(input, relu: true);
    }

    Tensor Normalize(Tensor input, bool relu)
    {
        CheckInput(input.Shape);
        bool batchStatistics = IsTraining || RunningMean is null;
        var output = relu
            ? Tensor.BatchNormRelu(input, RunningMean, RunningVar, Weight, Bias, batchStatistics, Momentum, Eps)
            : Tensor.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, batchStatistics, Momentum, Eps);
        if (IsTraining && NumBatchesTracked is not null) NumBatchesTracked.Value.MutableData<long>()[0]++;
        return output;
    }

    /// <summary>The input shape, [N, C, H, W].</summary>
    /// <exception cref="ArgumentException">Not rank 4 or another channel count.</exception>
    public override int[] OutputShape(int[] inputShape)
    {
        CheckInput(inputShape);
        return (int[])inputShape.Clone();
    }

    /// <summary>0 (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    public override long Macs(int[] inputShape) => NoMacs(inputShape);

    void CheckInput(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape[1] != Channels)
            throw new ArgumentException($"BatchNorm2D: input must be [N,C,H,W] (rank 4) with C = {Channels}, got {Shapes.Format(inputShape)}");
    }

    /// <inheritdoc/>
    protected override string ExtraRepr => string.Create(CultureInfo.InvariantCulture,
        $"{Channels}, eps={Eps}, momentum={Momentum}, affine={Weight is not null}, track_running_stats={RunningMean is not null}");
}
