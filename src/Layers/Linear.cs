namespace MiniNet.Layers;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b over the last dim: weight [out, in], optional bias [out], both uniform on
/// [-1/√in, 1/√in) (<see cref="Init.FanInUniform"/>), as PyTorch's. Input [..., in], output [..., out].
/// PyTorch: <c>nn.Linear(in_features, out_features, bias)</c>.
/// </summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer and draws its initial weights from <paramref name="generator"/>.</summary>
    /// <exception cref="ArgumentException">A feature count below 1.</exception>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        if (inFeatures < 1 || outFeatures < 1)
            throw new ArgumentException($"Linear: in_features and out_features must be at least 1, got {inFeatures} and {outFeatures}");
        (InFeatures, OutFeatures) = (inFeatures, outFeatures);
        Weight = RegisterParameter("weight", Init.FanInUniform([outFeatures, inFeatures], inFeatures, generator));
        Bias = bias ? RegisterParameter("bias", Init.FanInUniform([outFeatures], inFeatures, generator)) : null;
    }

    /// <summary>Input features (the last dim of the input).</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight [out, in]; state-dict name "weight".</summary>
    public Parameter Weight { get; }

    /// <summary>Bias [out], or null when created without; state-dict name "bias".</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => Tensor.Linear(input, Weight, Bias);

    /// <summary>[..., out].</summary>
    /// <exception cref="ArgumentException">A rank-0 input or a last dim other than in.</exception>
    public override int[] OutputShape(int[] inputShape)
    {
        CheckInput(inputShape);
        return [.. inputShape[..^1], OutFeatures];
    }

    /// <summary>rows·in·out, rows being the product of the leading dims.</summary>
    public override long Macs(int[] inputShape)
    {
        CheckInput(inputShape);
        return inputShape[..^1].Aggregate(1L, (rows, d) => rows * d) * InFeatures * OutFeatures;
    }

    void CheckInput(int[] inputShape)
    {
        if (inputShape.Length == 0 || inputShape[^1] != InFeatures)
            throw new ArgumentException($"Linear: input must be [..., in] with in = {InFeatures}, got {Shapes.Format(inputShape)}");
    }

    /// <inheritdoc/>
    protected override string ExtraRepr => $"in_features={InFeatures}, out_features={OutFeatures}" + (Bias is null ? ", bias=False" : "");
}
