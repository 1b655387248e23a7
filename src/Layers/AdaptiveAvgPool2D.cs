using MiniNet.Kernels;

namespace MiniNet.Layers;

/// <summary>
/// Average pooling to a fixed output size (OH, OW) whatever the input size (<see cref="Tensor.AdaptiveAvgPool2d"/>;
/// windows from <see cref="AdaptivePool2dGeometry"/>). Output [N, C, OH, OW].
/// PyTorch: <c>nn.AdaptiveAvgPool2d(output_size)</c>.
/// </summary>
public sealed class AdaptiveAvgPool2D : Module
{
    /// <summary>Creates the layer for output size <paramref name="outputSize"/> (OH, OW).</summary>
    public AdaptiveAvgPool2D(Pair outputSize) => OutputSize = outputSize;

    /// <summary>Output size (OH, OW).</summary>
    public Pair OutputSize { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => input.AdaptiveAvgPool2d(OutputSize);

    /// <summary>[N, C, OH, OW].</summary>
    /// <exception cref="ArgumentException">Not rank 4, an empty H or W, or an output size below 1.</exception>
    public override int[] OutputShape(int[] inputShape)
    {
        var g = AdaptivePool2dGeometry.Create("AdaptiveAvgPool2D", inputShape, OutputSize);
        return [g.N, g.C, g.OutH, g.OutW];
    }

    /// <summary>0 (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape) => NoMacs(inputShape);

    /// <inheritdoc/>
    protected override string ExtraRepr => $"output_size={OutputSize}";
}
