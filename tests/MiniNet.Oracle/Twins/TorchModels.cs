using TorchSharp;

namespace MiniNet;

// TorchSharp twins of MiniNet's three models (src/Models), stage by stage with MiniNet's child names and order, so
// that TwinComparison.CopyState copies every parameter and buffer by name. Constructors take MiniNet's options.

/// <summary>
/// The twin of MiniNet's <c>MiniGoogLeNet</c> for 1x28x28 images: conv1 (3x3, 1 → 48), maxpool1, inception3a,
/// inception3b, maxpool3, inception4a..4e, maxpool4, inception5a, inception5b, avgpool, dropout (0.4), fc; aux1 on
/// inception4a's output and aux2 on inception4d's (training mode only, registered after inception5b as in
/// torchvision). Every max pool 3x3 stride 2 pad 1 (28 → 14 → 7 → 4). 647,958 parameters for 10 classes: 371,714 on
/// the main path, 138,058 in aux1, 138,186 in aux2.
/// </summary>
public sealed class TorchMiniGoogLeNet : TorchClassifier
{
    /// <summary>Creates the network, with PyTorch's default initialization.</summary>
    public TorchMiniGoogLeNet(long classes = 10, bool auxLogits = true) : base("MiniGoogLeNet")
    {
        AddStage("conv1", new TorchBasicConv(1, 48, 3, padding: 1));
        AddStage("maxpool1", MaxPool());
        AddStage("inception3a", new TorchInceptionV1(48, 16, 24, 32, 4, 8, 8));
        AddStage("inception3b", new TorchInceptionV1(64, 32, 32, 48, 8, 24, 16));
        AddStage("maxpool3", MaxPool());
        var inception4a = AddStage("inception4a", new TorchInceptionV1(120, 48, 24, 52, 4, 12, 16));
        AddStage("inception4b", new TorchInceptionV1(128, 40, 28, 56, 6, 16, 16));
        AddStage("inception4c", new TorchInceptionV1(128, 32, 32, 64, 6, 16, 16));
        var inception4d = AddStage("inception4d", new TorchInceptionV1(128, 28, 36, 72, 8, 16, 16));
        AddStage("inception4e", new TorchInceptionV1(132, 64, 40, 80, 8, 32, 32));
        AddStage("maxpool4", MaxPool());
        AddStage("inception5a", new TorchInceptionV1(208, 64, 40, 80, 8, 32, 32));
        AddStage("inception5b", new TorchInceptionV1(208, 96, 48, 96, 12, 32, 32));
        if (auxLogits)
        {
            AddAuxiliaryHead("aux1", new TorchAuxiliaryHead(128, classes), after: inception4a);
            AddAuxiliaryHead("aux2", new TorchAuxiliaryHead(132, classes), after: inception4d);
        }
        AddStage("avgpool", new TorchGlobalAvgPool());
        AddStage("dropout", torch.nn.Dropout(0.4));
        AddStage("fc", torch.nn.Linear(256, classes));
    }

    static TorchSharp.Modules.MaxPool2d MaxPool() => torch.nn.MaxPool2d(3, stride: 2, padding: 1);
}

/// <summary>
/// The twin of MiniNet's <c>MiniInceptionV3</c>: conv1 (3x3, 1 → 32), maxpool1 (3/2/1), conv2 (3x3, 32 → 48), mixed1
/// (InceptionA → 80), mixed2 (InceptionA → 96), reduction (GridReduction → 208, 7x7), mixed3 (InceptionC → 192),
/// aux on mixed3's output (training mode only, registered right after it), mixed4 (InceptionC → 192), avgpool,
/// dropout (0.5), fc. 477,892 parameters for 10 classes: 337,786 on the main path, 140,106 in aux.
/// </summary>
public sealed class TorchMiniInceptionV3 : TorchClassifier
{
    /// <summary>Creates the network, with PyTorch's default initialization.</summary>
    public TorchMiniInceptionV3(long classes = 10, bool auxLogits = true) : base("MiniInceptionV3")
    {
        AddStage("conv1", new TorchBasicConv(1, 32, 3, padding: 1));
        AddStage("maxpool1", torch.nn.MaxPool2d(3, stride: 2, padding: 1));
        AddStage("conv2", new TorchBasicConv(32, 48, 3, padding: 1));
        AddStage("mixed1", new TorchInceptionA(48, 16, 16, 24, 16, 24, 16));
        AddStage("mixed2", new TorchInceptionA(80, 24, 24, 32, 16, 24, 16));
        AddStage("reduction", new TorchGridReduction(96, 64, 32, 48));
        var mixed3 = AddStage("mixed3", new TorchInceptionC(208, 32, 48));
        if (auxLogits) AddAuxiliaryHead("aux", new TorchAuxiliaryHead(192, classes), after: mixed3);
        AddStage("mixed4", new TorchInceptionC(192, 40, 48));
        AddStage("avgpool", new TorchGlobalAvgPool());
        AddStage("dropout", torch.nn.Dropout(0.5));
        AddStage("fc", torch.nn.Linear(192, classes));
    }
}

/// <summary>
/// The twin of MiniNet's <c>MiniMobileNet</c>: conv1 (3x3, 1 → 32), block1..block5 depthwise separable
/// (32 → 64, 64 → 128 stride 2, 128 → 128, 128 → 256 stride 2, 256 → 256; BN and ReLU after both convs), avgpool,
/// dropout (0.2), fc. 136,202 parameters for 10 classes. With <c>separable: false</c>, each block is one dense 3x3
/// BasicConv (the plain twin, 1,128,938 parameters). No auxiliary heads.
/// </summary>
public sealed class TorchMiniMobileNet : TorchClassifier
{
    static readonly (long In, long Out, long Stride)[] Blocks = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1)];

    /// <summary>Creates the network, with PyTorch's default initialization.</summary>
    public TorchMiniMobileNet(long classes = 10, bool separable = true) : base("MiniMobileNet")
    {
        AddStage("conv1", new TorchBasicConv(1, 32, 3, padding: 1));
        for (int i = 0; i < Blocks.Length; i++)
        {
            var (inChannels, outChannels, stride) = Blocks[i];
            AddStage<torch.nn.Module<torch.Tensor, torch.Tensor>>($"block{i + 1}", separable
                ? new TorchSeparableConv(inChannels, outChannels, 3, stride, padding: 1)
                : new TorchBasicConv(inChannels, outChannels, 3, stride, padding: 1));
        }
        AddStage("avgpool", new TorchGlobalAvgPool());
        AddStage("dropout", torch.nn.Dropout(0.2));
        AddStage("fc", torch.nn.Linear(256, classes));
    }
}
