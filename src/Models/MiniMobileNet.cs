using MiniNet.Layers;

namespace MiniNet.Models;

/// <summary>
/// A small MobileNet (Howard et al. 2017) for 1x28x28 images: conv1 (BasicConv 3x3 pad 1, 1 -> 32), then five
/// depthwise separable blocks block1..block5 (<see cref="SeparableConv2D"/>: depthwise 3x3 pad 1 + BN + ReLU,
/// pointwise 1x1 + BN + ReLU, no biases; the stride is the depthwise conv's): 32 -> 64, 64 -> 128 stride 2
/// (14x14), 128 -> 128, 128 -> 256 stride 2 (7x7), 256 -> 256; avgpool (global); dropout (0.2); fc (256 ->
/// classes). 136,202 parameters for 10 classes. Its plain twin (<c>separable: false</c>) has the same widths with
/// each block one dense 3x3 <see cref="BasicConv"/>, to compare parameters and multiply-adds. Every BN has eps 1e-3
/// (<see cref="BasicConv"/>'s). No auxiliary heads.
/// PyTorch: no torchvision model (its MobileNets are v2 and v3); the blocks are MobileNet v1's figure 3.
/// </summary>
public sealed class MiniMobileNet : Classifier
{
    static readonly (int In, int Out, int Stride)[] Blocks = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1)];

    /// <summary>Creates the network; every layer draws its initial weights from <paramref name="generator"/>.</summary>
    /// <param name="generator">Random stream of the initial values and dropout masks; <see cref="Generator.Default"/> when null.</param>
    /// <param name="classes">Output logits.</param>
    /// <param name="separable">True for depthwise separable blocks (MobileNet), false for the plain twin's dense 3x3 convs.</param>
    /// <exception cref="ArgumentException"><paramref name="classes"/> below 1.</exception>
    public MiniMobileNet(Generator? generator = null, int classes = 10, bool separable = true)
    {
        AddStage("conv1", new BasicConv(1, 32, 3, padding: 1, generator: generator));
        for (int i = 0; i < Blocks.Length; i++)
        {
            var (inChannels, outChannels, stride) = Blocks[i];
            AddStage<Module>($"block{i + 1}", separable
                ? new SeparableConv2D(inChannels, outChannels, 3, stride, padding: 1, batchNormReluBetween: true, batchNormReluAfter: true, generator: generator)
                : new BasicConv(inChannels, outChannels, 3, stride, padding: 1, generator: generator));
        }
        AddStage("avgpool", new GlobalAvgPool());
        AddStage("dropout", new Dropout(0.2, generator));
        AddStage("fc", new Linear(256, classes, generator: generator));
    }
}
