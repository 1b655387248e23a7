namespace MiniNet.Layers;

/// <summary>
/// Inception-v3's block of figure 5 (Szegedy et al. 2015, "Rethinking the Inception Architecture"): GoogLeNet's
/// module with the 5x5 replaced by two 3x3s. Four branches, concatenated on channels, every conv a
/// <see cref="BasicConv"/>: branch1 1x1 to c1; branch2 1x1 to r3, 3x3 pad 1 to c3; branch3 1x1 to rd, 3x3 pad 1 to
/// cd, 3x3 pad 1 to cd; branch4 3x3 average pooling stride 1 pad 1 (padding counted), 1x1 to pp.
/// Output [N, c1 + c3 + cd + pp, H, W]. Branches 2 to 4 are Sequentials with children "0", "1", ...
/// PyTorch: <c>torchvision.models.inception.InceptionA</c> has the same branches but a 5x5 in the second (and
/// other child names).
/// </summary>
public sealed class InceptionA : InceptionBlock
{
    /// <summary>Creates the block; the convolutions draw their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="c1">Output channels of the 1x1 branch.</param>
    /// <param name="r3">Channels of the 1x1 reduction before the single 3x3.</param>
    /// <param name="c3">Output channels of the single 3x3.</param>
    /// <param name="rd">Channels of the 1x1 reduction before the double 3x3.</param>
    /// <param name="cd">Output channels of both 3x3s of the double branch.</param>
    /// <param name="pp">Output channels of the 1x1 projection after the average pooling.</param>
    /// <param name="generator">Random stream of the initial values; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentException">A channel count below 1.</exception>
    public InceptionA(int inChannels, int c1, int r3, int c3, int rd, int cd, int pp, Generator? generator = null) : base(generator)
    {
        AddBranch("branch1", Conv(inChannels, c1, 1));
        AddBranch("branch2", new Sequential(Conv(inChannels, r3, 1), Conv(r3, c3, 3, padding: 1)));
        AddBranch("branch3", new Sequential(Conv(inChannels, rd, 1), Conv(rd, cd, 3, padding: 1), Conv(cd, cd, 3, padding: 1)));
        AddBranch("branch4", new Sequential(new AvgPool2D(3, stride: 1, padding: 1, countIncludePad: true), Conv(inChannels, pp, 1)));
        OutChannels = c1 + c3 + cd + pp;
    }
}
