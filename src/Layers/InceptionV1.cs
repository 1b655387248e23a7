namespace MiniNet.Layers;

/// <summary>
/// GoogLeNet's Inception module (Szegedy et al. 2014, figure 2b): four branches on the same input, concatenated on
/// channels: branch1 a 1x1 conv to c1; branch2 a 1x1 reduction to r3, then 3x3 pad 1 to c3; branch3 a 1x1
/// reduction to r5, then 5x5 pad 2 to c5; branch4 3x3 max pooling stride 1 pad 1, then a 1x1 projection to
/// poolProj. Every conv is a <see cref="BasicConv"/>. Output [N, c1 + c3 + c5 + poolProj, H, W].
/// PyTorch: <c>torchvision.models.googlenet.Inception</c>, with the same child names (branch2 and branch3 are
/// Sequentials "0", "1"; branch4 is "0" the pool, "1" the projection), except that branch3 has the paper's 5x5
/// where torchvision has a 3x3 (a known slip kept for its pretrained weights).
/// </summary>
public sealed class InceptionV1 : InceptionBlock
{
    /// <summary>Creates the module; the convolutions draw their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="c1">Output channels of the 1x1 branch.</param>
    /// <param name="r3">Channels of the 1x1 reduction before the 3x3.</param>
    /// <param name="c3">Output channels of the 3x3 branch.</param>
    /// <param name="r5">Channels of the 1x1 reduction before the 5x5.</param>
    /// <param name="c5">Output channels of the 5x5 branch.</param>
    /// <param name="poolProj">Output channels of the 1x1 projection after the max pooling.</param>
    /// <param name="generator">Random stream of the initial values; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentException">A channel count below 1.</exception>
    public InceptionV1(int inChannels, int c1, int r3, int c3, int r5, int c5, int poolProj, Generator? generator = null) : base(generator)
    {
        AddBranch("branch1", Conv(inChannels, c1, 1));
        AddBranch("branch2", new Sequential(Conv(inChannels, r3, 1), Conv(r3, c3, 3, padding: 1)));
        AddBranch("branch3", new Sequential(Conv(inChannels, r5, 1), Conv(r5, c5, 5, padding: 2)));
        AddBranch("branch4", new Sequential(new MaxPool2D(3, stride: 1, padding: 1), Conv(inChannels, poolProj, 1)));
        OutChannels = c1 + c3 + c5 + poolProj;
    }
}
