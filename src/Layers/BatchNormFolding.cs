namespace MiniNet.Layers;

/// <summary>
/// Inference-time folding of batch normalization into the convolution before it. In evaluation mode batch norm is an
/// affine map per channel, y = (z - μ)·s + β with s = γ/√(σ² + eps), and z = conv(x, w) + b is linear in w and b, so
/// the pair is one convolution with w' = w·s (per output channel) and b' = (b - μ)·s + β: one pass over memory fewer
/// per block, and no statistics to read. Valid only with the running statistics, so only in evaluation mode.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>
    /// A new convolution (with a bias) computing <paramref name="batchNorm"/>(<paramref name="conv"/>(x)) in evaluation
    /// mode, from the two layers' current values; the caller owns it. PyTorch: <c>torch.nn.utils.fusion.fuse_conv_bn_eval</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The batch norm's channels differ from the conv's output channels, or it keeps no
    /// running statistics (then evaluation normalizes by each batch, which no fixed weights can do).</exception>
    public static Conv2D FuseConvBatchNorm(Conv2D conv, BatchNorm2D batchNorm)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(batchNorm);
        if (batchNorm.Channels != conv.OutChannels)
            throw new ArgumentException($"FuseConvBatchNorm: BatchNorm2D has {batchNorm.Channels} channels, the conv {conv.OutChannels} output channels");
        if (batchNorm.RunningMean is null || batchNorm.RunningVar is null)
            throw new ArgumentException("FuseConvBatchNorm: the BatchNorm2D keeps no running statistics, so it cannot be folded into fixed weights");

        var dtype = conv.Weight.Value.DType;
        // Its own generator: the initial values are overwritten below, and the default stream must not move.
        var fused = new Conv2D(conv.InChannels, conv.OutChannels, conv.Kernel, conv.Stride, conv.Padding, conv.Dilation, conv.Groups,
            bias: true, conv.PaddingMode, new Generator(0));
        fused.To(dtype);
        using var noGrad = Tensor.NoGrad();
        using var scope = Tensor.Scope();
        var variance = batchNorm.RunningVar.Value + batchNorm.Eps;
        var scale = (batchNorm.Weight?.Value ?? Tensor.Ones([conv.OutChannels], dtype)) / variance.Sqrt();
        var shift = batchNorm.Bias?.Value ?? Tensor.Zeros([conv.OutChannels], dtype);
        var convBias = conv.Bias?.Value ?? Tensor.Zeros([conv.OutChannels], dtype);
        fused.Weight.Value.CopyFrom(conv.Weight.Value * scale.Reshape([conv.OutChannels, 1, 1, 1]));
        fused.Bias!.Value.CopyFrom((convBias - batchNorm.RunningMean.Value) * scale + shift);
        fused.Eval();
        return fused;
    }

    /// <summary>
    /// Folds the batch norm of every <see cref="BasicConv"/> in <paramref name="model"/> into its convolution, for
    /// inference, until the returned handle is disposed: each block then runs one conv (with bias) and a ReLU. The
    /// model's parameters and state dict are untouched; the folded weights are a copy taken now, so dispose the handle
    /// before changing weights or training again (a folded block refuses training mode).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is in training mode, or is already folded.</exception>
    public static IDisposable FoldBatchNorm(this Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.IsTraining)
            throw new InvalidOperationException($"FoldBatchNorm: {model.TypeName} is in training mode; call Eval() first (folding uses the running statistics)");
        var blocks = model.NamedModules().Select(m => m.Module).OfType<BasicConv>().ToList();
        if (blocks.Any(b => b.Folded is not null))
            throw new InvalidOperationException($"FoldBatchNorm: {model.TypeName} is already folded; dispose the first handle");
        foreach (var block in blocks) block.Folded = FuseConvBatchNorm(block.Conv, block.BatchNorm);
        return new Unfold(blocks);
    }

    sealed class Unfold(List<BasicConv> blocks) : IDisposable
    {
        public void Dispose()
        {
            foreach (var block in blocks)
            {
                block.Folded?.Dispose();
                block.Folded = null;
            }
            blocks.Clear();
        }
    }
}
