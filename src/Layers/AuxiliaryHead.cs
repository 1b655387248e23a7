using MiniNet.Kernels;

namespace MiniNet.Layers;

/// <summary>
/// GoogLeNet's auxiliary classifier with every width divided by 4: adaptive average pooling to 4x4, a 1x1
/// <see cref="BasicConv"/> to 32 channels, flatten (512 features), Linear 512 -> 256, ReLU, Dropout(0.7),
/// Linear 256 -> classes. A <see cref="Classifier"/> runs it on an intermediate feature map in training mode only,
/// to push gradient into the lower layers; at inference it is skipped. Input [N, C, H, W], output [N, classes].
/// Children "conv", "fc1", "dropout", "fc2" (the pooling, flatten and ReLU are ops in the forward).
/// PyTorch: <c>torchvision.models.googlenet.InceptionAux</c> (widths 128 -> 32, 2048 -> 512, 1024 -> 256).
/// </summary>
public sealed class AuxiliaryHead : Module, IReceptiveField
{
    static readonly Pair PoolSize = 4;
    const int ConvChannels = 32, HiddenFeatures = 256;

    /// <summary>Creates the head; the convolution and linear layers draw their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Channels C of the feature map it reads.</param>
    /// <param name="classes">Output logits.</param>
    /// <param name="generator">Random stream of the initial values and of the dropout masks; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentException">A channel or class count below 1.</exception>
    public AuxiliaryHead(int inChannels, int classes, Generator? generator = null)
    {
        Conv = RegisterModule("conv", new BasicConv(inChannels, ConvChannels, 1, generator: generator));
        Fc1 = RegisterModule("fc1", new Linear(ConvChannels * PoolSize.H * PoolSize.W, HiddenFeatures, generator: generator));
        Dropout = RegisterModule("dropout", new Dropout(0.7, generator));
        Fc2 = RegisterModule("fc2", new Linear(HiddenFeatures, classes, generator: generator));
    }

    /// <summary>The 1x1 conv to 32 channels ("conv").</summary>
    public BasicConv Conv { get; }

    /// <summary>Linear 512 -> 256 ("fc1").</summary>
    public Linear Fc1 { get; }

    /// <summary>Dropout with p = 0.7 ("dropout").</summary>
    public Dropout Dropout { get; }

    /// <summary>Linear 256 -> classes ("fc2").</summary>
    public Linear Fc2 { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input)
    {
        var features = Conv.Call(input.AdaptiveAvgPool2d(PoolSize)).Flatten(1);
        return Fc2.Call(Dropout.Call(Fc1.Call(features).Relu()));
    }

    /// <summary>[N, classes].</summary>
    /// <exception cref="ArgumentException">Not [N, C, H, W] with this head's C, or an empty H or W.</exception>
    public override int[] OutputShape(int[] inputShape) => Fc2.OutputShape(Fc1.OutputShape(Flattened(Conv.OutputShape(Pooled(inputShape)))));

    /// <summary>The 1x1 conv's and both linear layers'.</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape)
    {
        var pooled = Pooled(inputShape);
        var flat = Flattened(Conv.OutputShape(pooled));
        return Conv.Macs(pooled) + Fc1.Macs(flat) + Fc2.Macs(Fc1.OutputShape(flat));
    }

    /// <summary>The pooling's largest window, the 1x1 conv, then the whole 4x4 map (flatten before fc1).</summary>
    FeatureMap IReceptiveField.Trace(FeatureMap input, Func<Module, FeatureMap, FeatureMap> child)
    {
        var pooled = new FeatureMap(Pooled(input.Shape), input.Field.AdaptiveWindow((input.Shape[2], input.Shape[3]), PoolSize));
        var features = child(Conv, pooled);
        var flat = new FeatureMap(Flattened(features.Shape), features.Field.WholeMap(PoolSize));
        return child(Fc2, child(Dropout, child(Fc1, flat)));
    }

    static int[] Pooled(int[] inputShape)
    {
        var g = AdaptivePool2dGeometry.Create(nameof(AuxiliaryHead), inputShape, PoolSize);
        return [g.N, g.C, g.OutH, g.OutW];
    }

    static int[] Flattened(int[] shape) => [shape[0], shape[1] * shape[2] * shape[3]];
}
