namespace MiniNet.Layers;

/// <summary>
/// Inception-v3's block of figure 6 with n = 7 (Szegedy et al. 2015): each n x n conv factorized into a 1x7 and a
/// 7x1, which see the same 7x7 window for 2·7 instead of 49 weights per channel pair. Every 1x7 pads (0, 3) and
/// every 7x1 pads (3, 0), so H and W are kept. Four branches, concatenated on channels, every conv a
/// <see cref="BasicConv"/>: branch1 1x1 to out; branch2 1x1 to c7, 1x7 to c7, 7x1 to out; branch3 1x1 to c7, 7x1
/// to c7, 1x7 to c7, 7x1 to c7, 1x7 to out; branch4 3x3 average pooling stride 1 pad 1 (padding counted), 1x1 to
/// out. Output [N, 4·out, H, W]. Branches 2 to 4 are Sequentials with children "0", "1", ...
/// PyTorch: <c>torchvision.models.inception.InceptionC</c> (other child names).
/// </summary>
public sealed class InceptionC : InceptionBlock
{
    /// <summary>Creates the block; the convolutions draw their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="c7">Channels inside the factorized 7x7 branches.</param>
    /// <param name="outChannels">Output channels of each of the four branches.</param>
    /// <param name="generator">Random stream of the initial values; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentException">A channel count below 1.</exception>
    public InceptionC(int inChannels, int c7, int outChannels, Generator? generator = null) : base(generator)
    {
        AddBranch("branch1", Conv(inChannels, outChannels, 1));
        AddBranch("branch2", new Sequential(Conv(inChannels, c7, 1), Row(c7, c7), Column(c7, outChannels)));
        AddBranch("branch3", new Sequential(Conv(inChannels, c7, 1), Column(c7, c7), Row(c7, c7), Column(c7, c7), Row(c7, outChannels)));
        AddBranch("branch4", new Sequential(new AvgPool2D(3, stride: 1, padding: 1, countIncludePad: true), Conv(inChannels, outChannels, 1)));
        OutChannels = 4 * outChannels;
    }

    BasicConv Row(int inChannels, int outChannels) => Conv(inChannels, outChannels, (1, 7), padding: (0, 3));

    BasicConv Column(int inChannels, int outChannels) => Conv(inChannels, outChannels, (7, 1), padding: (3, 0));
}
