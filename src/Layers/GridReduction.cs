namespace MiniNet.Layers;

/// <summary>
/// Inception-v3's grid-size reduction (Szegedy et al. 2015, figure 10): halves H and W while widening, with
/// stride-2 branches side by side instead of a pooling that would bottleneck the representation. Three branches,
/// concatenated on channels, every conv a <see cref="BasicConv"/>: branch1 3x3 stride 2 pad 1 to c1; branch2 1x1
/// to r, 3x3 pad 1 to c2, 3x3 stride 2 pad 1 to c2 (a Sequential "0", "1", "2"); branch3 3x3 max pooling stride 2
/// pad 1, which passes the input's channels. Output [N, c1 + c2 + in, ⌊(H - 1)/2⌋ + 1, ⌊(W - 1)/2⌋ + 1].
/// PyTorch: <c>torchvision.models.inception.InceptionB</c> (unpadded there, and with other child names).
/// </summary>
public sealed class GridReduction : InceptionBlock
{
    /// <summary>Creates the block; the convolutions draw their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Input channels, passed on by the pooling branch.</param>
    /// <param name="c1">Output channels of the single strided 3x3.</param>
    /// <param name="r">Channels of the 1x1 reduction of the double branch.</param>
    /// <param name="c2">Output channels of both 3x3s of the double branch.</param>
    /// <param name="generator">Random stream of the initial values; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentException">A channel count below 1.</exception>
    public GridReduction(int inChannels, int c1, int r, int c2, Generator? generator = null) : base(generator)
    {
        AddBranch("branch1", Conv(inChannels, c1, 3, stride: 2, padding: 1));
        AddBranch("branch2", new Sequential(Conv(inChannels, r, 1), Conv(r, c2, 3, padding: 1), Conv(c2, c2, 3, stride: 2, padding: 1)));
        AddBranch("branch3", new MaxPool2D(3, stride: 2, padding: 1));
        OutChannels = c1 + c2 + inChannels;
    }
}
