namespace MiniNet.Layers;

/// <summary>
/// Merges dims startDim..endDim into one (<see cref="Tensor.Flatten"/>; shares storage). The defaults keep the batch
/// dim: [N, C, H, W] becomes [N, C·H·W]. PyTorch: <c>nn.Flatten(start_dim=1, end_dim=-1)</c>.
/// </summary>
public sealed class Flatten : Module
{
    /// <summary>Creates the layer; negative dims count from the end.</summary>
    public Flatten(int startDim = 1, int endDim = -1) => (StartDim, EndDim) = (startDim, endDim);

    /// <summary>First dim merged.</summary>
    public int StartDim { get; }

    /// <summary>Last dim merged.</summary>
    public int EndDim { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);

    /// <summary>The input shape with dims startDim..endDim replaced by their product.</summary>
    /// <exception cref="ArgumentException">A dim out of range, or startDim after endDim.</exception>
    public override int[] OutputShape(int[] inputShape)
    {
        int start = Shapes.NormalizeDim("Flatten", StartDim, inputShape.Length), end = Shapes.NormalizeDim("Flatten", EndDim, inputShape.Length);
        if (inputShape.Length == 0) return [1]; // a scalar flattens to one element, as Tensor.Flatten does
        if (start > end)
            throw new ArgumentException($"Flatten: start dim {StartDim} comes after end dim {EndDim} for input {Shapes.Format(inputShape)}");
        return [.. inputShape[..start], inputShape[start..(end + 1)].Aggregate(1, (product, d) => product * d), .. inputShape[(end + 1)..]];
    }

    /// <summary>0 (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    public override long Macs(int[] inputShape) => NoMacs(inputShape);

    /// <inheritdoc/>
    protected override string ExtraRepr => $"start_dim={StartDim}, end_dim={EndDim}";
}
