using MiniNet.Kernels;

namespace MiniNet.Layers;

/// <summary>
/// What one position of a feature map sees of the network's input, per axis (H, W): <see cref="Size"/>, the side
/// of the input window that can change its value, and <see cref="Jump"/>, the input distance between neighbouring
/// positions (the product of the strides so far: the effective stride). Padding counts as input, so a deep net's
/// field may be wider than its image. Each layer maps its input's field to its output's ("receptive field
/// arithmetic", Araujo et al., Distill 2019): a window of k taps spaced by dilation d moved by stride s gives
/// Size' = Size + d·(k - 1)·Jump and Jump' = Jump·s.
/// </summary>
/// <param name="Size">Input pixels spanned, (H, W).</param>
/// <param name="Jump">Input pixels between neighbouring positions, (H, W).</param>
public readonly record struct ReceptiveField(Pair Size, Pair Jump)
{
    /// <summary>The input itself: each position sees one pixel, neighbours are one pixel apart.</summary>
    public static ReceptiveField Input { get; } = new(1, 1);

    /// <summary>
    /// After a sliding window of <paramref name="kernel"/> taps spaced by <paramref name="dilation"/>, moved by
    /// <paramref name="stride"/> (convolution, max or average pooling): Size + dilation·(kernel - 1)·Jump and
    /// Jump·stride, per axis.
    /// </summary>
    public ReceptiveField Window(Pair kernel, Pair stride, Pair dilation) => new(
        (Size.H + dilation.H * (kernel.H - 1) * Jump.H, Size.W + dilation.W * (kernel.W - 1) * Jump.W),
        (Jump.H * stride.H, Jump.W * stride.W));

    /// <summary>
    /// After adaptive average pooling of a <paramref name="mapSize"/> map to <paramref name="outputSize"/>, whose
    /// windows (<see cref="AdaptivePool2dGeometry"/>) may differ in size and step (7 to 4: windows of 2, 3, 3, 2
    /// rows starting 1, 2, 2 apart): the largest window and the largest step, so the figure is an upper bound.
    /// PyTorch: <c>nn.AdaptiveAvgPool2d</c>.
    /// </summary>
    public ReceptiveField AdaptiveWindow(Pair mapSize, Pair outputSize)
    {
        var (windowH, stepH) = LargestAdaptiveWindow(mapSize.H, outputSize.H);
        var (windowW, stepW) = LargestAdaptiveWindow(mapSize.W, outputSize.W);
        return Window((windowH, windowW), (stepH, stepW), 1);
    }

    /// <summary>
    /// After a layer that mixes every position of a <paramref name="mapSize"/> map into each output value (global
    /// pooling, or a flatten that a linear layer follows): one window as large as the map.
    /// </summary>
    public ReceptiveField WholeMap(Pair mapSize) => Window(mapSize, mapSize, 1);

    /// <summary>
    /// Of branches concatenated on channels: per axis the largest size (a channel of the output sees what its
    /// branch sees, and the table reports the widest) and the largest jump (equal in any block whose branch
    /// outputs line up).
    /// </summary>
    /// <exception cref="ArgumentException">No branches.</exception>
    public static ReceptiveField Max(IEnumerable<ReceptiveField> branches)
    {
        var all = branches.ToList();
        if (all.Count == 0) throw new ArgumentException("ReceptiveField.Max: needs at least one branch");
        return new((all.Max(f => f.Size.H), all.Max(f => f.Size.W)), (all.Max(f => f.Jump.H), all.Max(f => f.Jump.W)));
    }

    // Output i averages [Start(i), End(i)); with one output the step is the whole map, as for a global pool.
    static (int Window, int Step) LargestAdaptiveWindow(int size, int outSize)
    {
        int window = 0, step = outSize == 1 ? size : 1;
        for (int i = 0; i < outSize; i++)
        {
            window = Math.Max(window, AdaptivePool2dGeometry.End(i, size, outSize) - AdaptivePool2dGeometry.Start(i, size, outSize));
            if (i > 0) step = Math.Max(step, AdaptivePool2dGeometry.Start(i, size, outSize) - AdaptivePool2dGeometry.Start(i - 1, size, outSize));
        }
        return (window, step);
    }

    /// <summary>"7x7, jump 2" (or "7x3, jump (2,1)" when the axes differ).</summary>
    public override string ToString() => $"{Size.H}x{Size.W}, jump {Jump}";
}

/// <summary>A tensor as <see cref="Summary"/> follows it through a network: its shape and the receptive field of its positions.</summary>
/// <param name="Shape">The tensor's shape, e.g. [N, C, H, W].</param>
/// <param name="Field">What each position sees of the network's input.</param>
public sealed record FeatureMap(int[] Shape, ReceptiveField Field);

/// <summary>
/// Declares a module's data flow to <see cref="Summary"/>. A composite module whose forward is not its children
/// chained in registration order (parallel branches, side heads, ops between children such as pooling or flatten)
/// implements it; so does a leaf layer that <see cref="Summary"/> does not know. Without it, <see cref="Summary"/>
/// chains the children in registration order (right for <see cref="Sequential"/>, <see cref="BasicConv"/>).
/// </summary>
public interface IReceptiveField
{
    /// <summary>
    /// The output on <paramref name="input"/>. Each child's input goes through <paramref name="child"/>, in forward
    /// order, which returns that child's output (and lets <see cref="Summary"/> record its row); what happens
    /// between children is computed here with the methods of <see cref="ReceptiveField"/>.
    /// </summary>
    FeatureMap Trace(FeatureMap input, Func<Module, FeatureMap, FeatureMap> child);
}
