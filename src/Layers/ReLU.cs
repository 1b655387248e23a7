namespace MiniNet.Layers;

/// <summary>Elementwise max(x, 0), any shape (<see cref="Tensor.Relu"/>). PyTorch: <c>nn.ReLU()</c>.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => input.Relu();

    /// <summary>The input shape.</summary>
    public override int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <summary>0 (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    public override long Macs(int[] inputShape) => NoMacs(inputShape);
}
