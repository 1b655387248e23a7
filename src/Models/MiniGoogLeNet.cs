using MiniNet.Layers;

namespace MiniNet.Models;

/// <summary>
/// GoogLeNet (Szegedy et al. 2014) for 1x28x28 images, every channel width divided by 4, with a 3x3 stem in place
/// of the 7x7/stride-2 stem and its second conv and pooling (28x28 is already small):
/// conv1 (BasicConv 3x3 pad 1, 1 -> 48, 28x28); maxpool1 (14x14); inception3a -> 64, inception3b -> 120;
/// maxpool3 (7x7); inception4a -> 128, 4b -> 128, 4c -> 128, 4d -> 132, 4e -> 208; maxpool4 (4x4);
/// inception5a -> 208, 5b -> 256; avgpool (global); dropout (0.4); fc (256 -> classes). Every max pooling is 3x3
/// stride 2 pad 1, floor mode. With auxiliary logits, aux1 reads inception4a's output and aux2 inception4d's
/// (<see cref="AuxiliaryHead"/>, training mode only); as in torchvision they are registered after inception5b.
/// 647,958 parameters for 10 classes (371,714 on the main path, 138,058 in aux1, 138,186 in aux2); about 18.2 M
/// multiply-adds per image on the main path.
/// PyTorch: <c>torchvision.models.GoogLeNet</c> (same child names: conv1, maxpool1, inception3a, ..., aux1, aux2, avgpool, dropout, fc).
/// </summary>
public sealed class MiniGoogLeNet : Classifier
{
    /// <summary>Creates the network; every layer draws its initial weights from <paramref name="generator"/>.</summary>
    /// <param name="generator">Random stream of the initial values and dropout masks; <see cref="Generator.Default"/> when null.</param>
    /// <param name="classes">Output logits.</param>
    /// <param name="auxLogits">Whether to build the auxiliary heads. PyTorch: <c>aux_logits</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="classes"/> below 1.</exception>
    public MiniGoogLeNet(Generator? generator = null, int classes = 10, bool auxLogits = true)
    {
        AddStage("conv1", new BasicConv(1, 48, 3, padding: 1, generator: generator));
        AddStage("maxpool1", new MaxPool2D(3, stride: 2, padding: 1));
        AddStage("inception3a", new InceptionV1(48, 16, 24, 32, 4, 8, 8, generator));
        AddStage("inception3b", new InceptionV1(64, 32, 32, 48, 8, 24, 16, generator));
        AddStage("maxpool3", new MaxPool2D(3, stride: 2, padding: 1));
        var inception4a = AddStage("inception4a", new InceptionV1(120, 48, 24, 52, 4, 12, 16, generator));
        AddStage("inception4b", new InceptionV1(128, 40, 28, 56, 6, 16, 16, generator));
        AddStage("inception4c", new InceptionV1(128, 32, 32, 64, 6, 16, 16, generator));
        var inception4d = AddStage("inception4d", new InceptionV1(128, 28, 36, 72, 8, 16, 16, generator));
        AddStage("inception4e", new InceptionV1(132, 64, 40, 80, 8, 32, 32, generator));
        AddStage("maxpool4", new MaxPool2D(3, stride: 2, padding: 1));
        AddStage("inception5a", new InceptionV1(208, 64, 40, 80, 8, 32, 32, generator));
        AddStage("inception5b", new InceptionV1(208, 96, 48, 96, 12, 32, 32, generator));
        if (auxLogits)
        {
            AddAuxiliaryHead("aux1", new AuxiliaryHead(inception4a.OutChannels, classes, generator), after: inception4a);
            AddAuxiliaryHead("aux2", new AuxiliaryHead(inception4d.OutChannels, classes, generator), after: inception4d);
        }
        AddStage("avgpool", new GlobalAvgPool());
        AddStage("dropout", new Dropout(0.4, generator));
        AddStage("fc", new Linear(256, classes, generator: generator));
    }
}
