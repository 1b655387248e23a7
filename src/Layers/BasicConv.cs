namespace MiniNet.Layers;

/// <summary>
/// Convolution without bias, batch normalization (eps 0.001), ReLU: GoogLeNet's building block, with children
/// named "conv" and "bn" as in torchvision's <c>BasicConv2d</c> (the ReLU is an op in the forward, not a child, as
/// there), so state dicts carry the same names. PyTorch: <c>torchvision.models.googlenet.BasicConv2d</c>.
/// </summary>
public sealed class BasicConv : Module
{
    /// <summary>Creates the block; the arguments are <see cref="Conv2D"/>'s.</summary>
    /// <exception cref="ArgumentException">As <see cref="Conv2D"/>'s constructor.</exception>
    public BasicConv(int inChannels, int outChannels, Pair kernel, Pair? stride = null, Padding2d? padding = null, Pair? dilation = null,
        int groups = 1, Generator? generator = null)
    {
        Conv = RegisterModule("conv", new Conv2D(inChannels, outChannels, kernel, stride, padding, dilation, groups, bias: false, generator: generator));
        BatchNorm = RegisterModule("bn", new BatchNorm2D(outChannels, eps: 1e-3));
    }

    /// <summary>The convolution ("conv"), without bias: the batch norm's β takes its place.</summary>
    public Conv2D Conv { get; }

    /// <summary>The batch normalization ("bn").</summary>
    public BatchNorm2D BatchNorm { get; }

    /// <summary>While folded for inference (<see cref="BatchNormFolding.FoldBatchNorm"/>): conv and bn as one conv; not a child.</summary>
    internal Conv2D? Folded { get; set; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input)
    {
        if (Folded is not null)
        {
            if (IsTraining) throw new InvalidOperationException("BasicConv: its batch norm is folded for inference (BatchNormFolding.FoldBatchNorm); dispose that handle before training");
            return Folded.Call(input).Relu();
        }
        var features = Conv.Call(input);
        // batch_norm and relu as one op (one pass over memory each way); a hook on "bn" must see bn's own output, so then the two ops run.
        return BatchNorm.HasForwardHooks ? BatchNorm.Call(features).Relu() : BatchNorm.ForwardRelu(features);
    }

    /// <summary>The convolution's output shape.</summary>
    public override int[] OutputShape(int[] inputShape) => BatchNorm.OutputShape(Conv.OutputShape(inputShape));

    /// <summary>The convolution's multiply-adds.</summary>
    public override long Macs(int[] inputShape) => Conv.Macs(inputShape) + BatchNorm.Macs(Conv.OutputShape(inputShape));
}
