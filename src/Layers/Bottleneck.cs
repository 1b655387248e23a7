namespace MiniNet.Layers;

/// <summary>
/// A 1x1 "reduce" convolution in front of an expensive k x k one, each a <see cref="BasicConv"/>: 256 -1x1-> 64
/// -3x3-> 64 costs 256·64 + 64·64·9 = 53,248 weights where a direct 3x3 from 256 channels costs 147,456. The trick
/// of GoogLeNet's Inception branches and of ResNet's bottleneck blocks (there followed by a 1x1 expansion).
/// Children "reduce" and "conv". PyTorch: no module of its own; <c>nn.Sequential(BasicConv2d(in, mid, 1),
/// BasicConv2d(mid, out, k))</c>.
/// </summary>
public sealed class Bottleneck : Module
{
    /// <summary>Creates the block; the convolutions draw their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="reducedChannels">Channels after the 1x1 reduction, the input of the k x k conv.</param>
    /// <param name="outChannels">Output channels of the k x k conv.</param>
    /// <param name="kernel">Kernel of the expensive conv (kH, kW).</param>
    /// <param name="stride">Stride of the expensive conv; default 1.</param>
    /// <param name="padding">Padding of the expensive conv; default none.</param>
    /// <param name="generator">Random stream of the initial values; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentException">As <see cref="Conv2D"/>'s constructor.</exception>
    public Bottleneck(int inChannels, int reducedChannels, int outChannels, Pair kernel, Pair? stride = null, Padding2d? padding = null,
        Generator? generator = null)
    {
        Reduce = RegisterModule("reduce", new BasicConv(inChannels, reducedChannels, 1, generator: generator));
        Conv = RegisterModule("conv", new BasicConv(reducedChannels, outChannels, kernel, stride, padding, generator: generator));
    }

    /// <summary>The 1x1 reduction ("reduce").</summary>
    public BasicConv Reduce { get; }

    /// <summary>The k x k convolution ("conv").</summary>
    public BasicConv Conv { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => Conv.Call(Reduce.Call(input));

    /// <summary>The k x k convolution's output shape, [N, out, OH, OW].</summary>
    /// <exception cref="ArgumentException">An input the convolutions cannot take.</exception>
    public override int[] OutputShape(int[] inputShape) => Conv.OutputShape(Reduce.OutputShape(inputShape));

    /// <summary>The sum of both convolutions'.</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape) => Reduce.Macs(inputShape) + Conv.Macs(Reduce.OutputShape(inputShape));
}
