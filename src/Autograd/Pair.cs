namespace MiniNet;

/// <summary>
/// A (height, width) pair for 2-D op arguments: kernel sizes, strides, dilations, pool paddings. Converts from one
/// int (both axes) or a tuple, as PyTorch's <c>_pair</c> does: <c>stride: 2</c> or <c>stride: (2, 1)</c>.
/// </summary>
public readonly record struct Pair(int H, int W)
{
    /// <summary>The same value on both axes.</summary>
    public static implicit operator Pair(int both) => new(both, both);

    /// <summary>(height, width).</summary>
    public static implicit operator Pair((int H, int W) pair) => new(pair.H, pair.W);

    /// <inheritdoc/>
    public override string ToString() => H == W ? H.ToString() : $"({H},{W})";
}

/// <summary>How conv2d pads its input: explicit amounts per side, or the modes "same" and "valid".</summary>
/// <remarks>
/// Converts from one int (every side), (h, w) (top = bottom = h, left = right = w) or (top, bottom, left, right).
/// "same" pads so that the output has the input's size at stride 1; with an even effective kernel the extra pad goes
/// to the bottom/right, as PyTorch does. PyTorch refuses "same" with stride &gt; 1, and so does MiniNet.
/// </remarks>
public readonly record struct Padding2d(int Top, int Bottom, int Left, int Right, bool IsSame = false)
{
    /// <summary>No padding. PyTorch: <c>padding="valid"</c>.</summary>
    public static Padding2d Valid => new(0, 0, 0, 0);

    /// <summary>Output size equals input size at stride 1. PyTorch: <c>padding="same"</c>.</summary>
    public static Padding2d Same => new(0, 0, 0, 0, IsSame: true);

    /// <summary>Every side by <paramref name="all"/>.</summary>
    public static implicit operator Padding2d(int all) => new(all, all, all, all);

    /// <summary>(h, w): h rows above and below, w columns left and right.</summary>
    public static implicit operator Padding2d((int H, int W) pad) => new(pad.H, pad.H, pad.W, pad.W);

    /// <summary>(top, bottom, left, right).</summary>
    public static implicit operator Padding2d((int Top, int Bottom, int Left, int Right) pad) => new(pad.Top, pad.Bottom, pad.Left, pad.Right);

    /// <summary>
    /// The explicit amounts for a kernel of <paramref name="kernel"/> with <paramref name="dilation"/> (for "same"),
    /// or these amounts as they are.
    /// </summary>
    /// <exception cref="ArgumentException">"same" with a stride other than 1, or a negative amount.</exception>
    public Padding2d Resolve(string op, Pair kernel, Pair dilation, Pair stride)
    {
        if (!IsSame)
        {
            if (Top < 0 || Bottom < 0 || Left < 0 || Right < 0) throw new ArgumentException($"{op}: padding must be non-negative, got {this}");
            return this;
        }
        if (stride.H != 1 || stride.W != 1)
            throw new ArgumentException($"{op}: padding=\"same\" is not supported for strided convolutions (stride {stride}), as in PyTorch");
        int totalH = dilation.H * (kernel.H - 1), totalW = dilation.W * (kernel.W - 1);
        return new Padding2d(totalH / 2, totalH - totalH / 2, totalW / 2, totalW - totalW / 2);
    }

    /// <inheritdoc/>
    public override string ToString() => IsSame ? "same" : $"(top {Top}, bottom {Bottom}, left {Left}, right {Right})";
}

/// <summary>How conv2d fills the padding. PyTorch: <c>padding_mode</c>.</summary>
public enum PaddingMode
{
    /// <summary>Zeros (the default).</summary>
    Zeros,
    /// <summary>Mirror without repeating the edge: [a b c] pads as b | a b c | b.</summary>
    Reflect,
    /// <summary>Repeat the edge: a | a b c | c.</summary>
    Replicate,
    /// <summary>Wrap around: c | a b c | a.</summary>
    Circular,
}
