namespace MiniNet.Layers;

/// <summary>
/// Depthwise separable convolution: a depthwise k x k conv (groups = in channels, each channel filtered alone)
/// then a pointwise 1x1 conv that mixes channels, neither with a bias. From C to O channels it costs C·k² + C·O
/// weights instead of a dense conv's C·O·k² (64 to 128 with 3x3: 576 + 8,192 = 8,768 against 73,728), and the
/// multiply-adds shrink alike. Optionally batch norm and ReLU follow the depthwise conv, the pointwise one, or both
/// (MobileNet's figure 3: both); a stage with them is a <see cref="BasicConv"/>, without them a plain
/// <see cref="Conv2D"/>. Children "depthwise" and "pointwise".
/// PyTorch: no module of its own; <c>nn.Conv2d(C, C, k, groups=C, bias=False)</c> then <c>nn.Conv2d(C, O, 1, bias=False)</c>
/// (Keras: <c>SeparableConv2D</c>).
/// </summary>
public sealed class SeparableConv2D : Module
{
    /// <summary>Creates the layer; the convolutions draw their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Input channels C.</param>
    /// <param name="outChannels">Output channels O.</param>
    /// <param name="kernel">Kernel of the depthwise conv (kH, kW).</param>
    /// <param name="stride">Stride of the depthwise conv; default 1.</param>
    /// <param name="padding">Padding of the depthwise conv; default none.</param>
    /// <param name="batchNormReluBetween">Batch norm and ReLU after the depthwise conv (it becomes a <see cref="BasicConv"/>).</param>
    /// <param name="batchNormReluAfter">Batch norm and ReLU after the pointwise conv (it becomes a <see cref="BasicConv"/>).</param>
    /// <param name="generator">Random stream of the initial values; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentException">As <see cref="Conv2D"/>'s constructor.</exception>
    public SeparableConv2D(int inChannels, int outChannels, Pair kernel, Pair? stride = null, Padding2d? padding = null,
        bool batchNormReluBetween = false, bool batchNormReluAfter = false, Generator? generator = null)
    {
        Depthwise = RegisterModule<Module>("depthwise", batchNormReluBetween
            ? new BasicConv(inChannels, inChannels, kernel, stride, padding, groups: inChannels, generator: generator)
            : new Conv2D(inChannels, inChannels, kernel, stride, padding, groups: inChannels, bias: false, generator: generator));
        Pointwise = RegisterModule<Module>("pointwise", batchNormReluAfter
            ? new BasicConv(inChannels, outChannels, 1, generator: generator)
            : new Conv2D(inChannels, outChannels, 1, bias: false, generator: generator));
    }

    /// <summary>The depthwise conv ("depthwise"): a <see cref="Conv2D"/>, or a <see cref="BasicConv"/> with batch norm and ReLU.</summary>
    public Module Depthwise { get; }

    /// <summary>The pointwise 1x1 conv ("pointwise"): a <see cref="Conv2D"/>, or a <see cref="BasicConv"/> with batch norm and ReLU.</summary>
    public Module Pointwise { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => Pointwise.Call(Depthwise.Call(input));

    /// <summary>[N, O, OH, OW], OH and OW those of the depthwise conv.</summary>
    /// <exception cref="ArgumentException">An input the convolutions cannot take.</exception>
    public override int[] OutputShape(int[] inputShape) => Pointwise.OutputShape(Depthwise.OutputShape(inputShape));

    /// <summary>The sum of both convolutions': N·OH·OW·C·(kH·kW + O).</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape) => Depthwise.Macs(inputShape) + Pointwise.Macs(Depthwise.OutputShape(inputShape));
}
