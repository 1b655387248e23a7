using MiniNet.Layers;

namespace MiniNet.Models;

/// <summary>
/// A small Inception-v3 (Szegedy et al. 2015, "Rethinking the Inception Architecture") for 1x28x28 images:
/// conv1 (BasicConv 3x3 pad 1, 1 -> 32, 28x28); maxpool1 (3x3 stride 2 pad 1, 14x14); conv2 (BasicConv 3x3 pad 1,
/// 32 -> 48); mixed1 (<see cref="InceptionA"/> -> 80); mixed2 (InceptionA -> 96); reduction
/// (<see cref="GridReduction"/> -> 208, 7x7); mixed3 (<see cref="InceptionC"/> -> 192); mixed4 (InceptionC -> 192);
/// avgpool (global); dropout (0.5); fc (192 -> classes). With auxiliary logits, aux reads mixed3's output
/// (<see cref="AuxiliaryHead"/>, training mode only) and is registered right after it, as torchvision registers
/// AuxLogits. 477,892 parameters for 10 classes (337,786 on the main path, 140,106 in aux); about 26.5 M
/// multiply-adds per image on the main path.
/// PyTorch: <c>torchvision.models.Inception3</c>'s layout, scaled down (other child names).
/// </summary>
public sealed class MiniInceptionV3 : Classifier
{
    /// <summary>Creates the network; every layer draws its initial weights from <paramref name="generator"/>.</summary>
    /// <param name="generator">Random stream of the initial values and dropout masks; <see cref="Generator.Default"/> when null.</param>
    /// <param name="classes">Output logits.</param>
    /// <param name="auxLogits">Whether to build the auxiliary head aux. PyTorch: <c>aux_logits</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="classes"/> below 1.</exception>
    public MiniInceptionV3(Generator? generator = null, int classes = 10, bool auxLogits = true)
    {
        AddStage("conv1", new BasicConv(1, 32, 3, padding: 1, generator: generator));
        AddStage("maxpool1", new MaxPool2D(3, stride: 2, padding: 1));
        AddStage("conv2", new BasicConv(32, 48, 3, padding: 1, generator: generator));
        AddStage("mixed1", new InceptionA(48, 16, 16, 24, 16, 24, 16, generator));
        AddStage("mixed2", new InceptionA(80, 24, 24, 32, 16, 24, 16, generator));
        AddStage("reduction", new GridReduction(96, 64, 32, 48, generator));
        var mixed3 = AddStage("mixed3", new InceptionC(208, 32, 48, generator));
        if (auxLogits) AddAuxiliaryHead("aux", new AuxiliaryHead(mixed3.OutChannels, classes, generator), after: mixed3);
        AddStage("mixed4", new InceptionC(192, 40, 48, generator));
        AddStage("avgpool", new GlobalAvgPool());
        AddStage("dropout", new Dropout(0.5, generator));
        AddStage("fc", new Linear(192, classes, generator: generator));
    }
}
