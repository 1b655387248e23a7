using System.Globalization;

namespace MiniNet.Layers;

/// <summary>
/// Inverted dropout in training mode (each element zeroed with probability p, the rest scaled by 1/(1 - p)), the
/// identity in evaluation mode: <see cref="Tensor.Dropout"/> with <see cref="Module.IsTraining"/>. Any shape.
/// PyTorch: <c>nn.Dropout(p)</c>.
/// </summary>
public sealed class Dropout : Module
{
    readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">Probability of zeroing an element, in [0, 1].</param>
    /// <param name="generator">Random stream of the masks; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> outside [0, 1], or NaN.</exception>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability has to be between 0 and 1, got {p}");
        (P, _generator) = (p, generator);
    }

    /// <summary>Probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The random stream the masks are drawn from (<see cref="Generator.Default"/> when none was given);
    /// a trainer saves its state in checkpoints.</summary>
    public Generator Generator => _generator ?? Generator.Default;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => input.Dropout(P, IsTraining, _generator);

    /// <summary>The input shape.</summary>
    public override int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <summary>0 (see "Note: what Macs counts" on <see cref="Module"/>).</summary>
    public override long Macs(int[] inputShape) => NoMacs(inputShape);

    /// <inheritdoc/>
    protected override string ExtraRepr => string.Create(CultureInfo.InvariantCulture, $"p={P}");
}
