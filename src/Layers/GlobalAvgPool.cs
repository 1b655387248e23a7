using MiniNet.Kernels;

namespace MiniNet.Layers;

/// <summary>
/// The mean of each channel over H and W, flattened: [N, C, H, W] becomes [N, C] (<see cref="Tensor.GlobalAvgPool2d"/>
/// then <see cref="Tensor.Flatten"/>). It is Keras's <c>GlobalAveragePooling2D</c>; PyTorch has no such layer, and
/// torchvision writes <c>nn.AdaptiveAvgPool2d(1)</c> followed by <c>torch.flatten(x, 1)</c>, which this equals.
/// </summary>
public sealed class GlobalAvgPool : Module
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => input.GlobalAvgPool2d().Flatten(1);

    /// <summary>[N, C].</summary>
    /// <exception cref="ArgumentException">Not rank 4, or an empty H or W.</exception>
    public override int[] OutputShape(int[] inputShape)
    {
        var g = AdaptivePool2dGeometry.Create("GlobalAvgPool", inputShape, 1);
        return [g.N, g.C];
    }

    /// <summary>0 (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape) => NoMacs(inputShape);
}
