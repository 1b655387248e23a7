namespace MiniNet.Layers;

/// <summary>
/// Base of the Inception blocks: parallel branches run on the same [N, C, H, W] input and their outputs are
/// concatenated on channels, [N, C_1 + C_2 + ..., OH, OW]. A subclass only registers its branches with
/// <see cref="AddBranch"/>, in concatenation order, and builds their convolutions with <see cref="Conv"/>.
/// PyTorch: torchvision's <c>Inception</c> blocks, whose <c>forward</c> is <c>torch.cat(self._forward(x), 1)</c>.
/// </summary>
public abstract class InceptionBlock : Module, IReceptiveField
{
    readonly List<(string Name, Module Branch)> _branches = [];
    readonly Generator? _generator;

    /// <summary>Starts a block whose convolutions draw their initial weights from <paramref name="generator"/>
    /// (<see cref="Generator.Default"/> when null).</summary>
    protected InceptionBlock(Generator? generator) => _generator = generator;

    /// <summary>Output channels: the sum of the branches' (set by the subclass's constructor).</summary>
    public int OutChannels { get; protected init; }

    /// <summary>The branches, in concatenation order.</summary>
    public IReadOnlyList<Module> Branches => [.. _branches.Select(b => b.Branch)];

    /// <summary>Registers <paramref name="branch"/> as child <paramref name="name"/> and appends it to the concatenation.</summary>
    protected TModule AddBranch<TModule>(string name, TModule branch) where TModule : Module
    {
        _branches.Add((name, RegisterModule(name, branch)));
        return branch;
    }

    /// <summary>A <see cref="BasicConv"/> (conv, BN, ReLU) drawing from this block's generator.</summary>
    protected BasicConv Conv(int inChannels, int outChannels, Pair kernel, Pair? stride = null, Padding2d? padding = null) =>
        new(inChannels, outChannels, kernel, stride, padding, generator: _generator);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input) => Tensor.Cat([.. _branches.Select(b => b.Branch.Call(input))], 1);

    /// <summary>[N, Σ branch channels, OH, OW].</summary>
    /// <exception cref="ArgumentException">A branch that cannot take the input, or branches whose outputs differ
    /// outside the channels; the message names the block, the branch(es) and the shapes.</exception>
    public override int[] OutputShape(int[] inputShape) =>
        Concat(inputShape, [.. _branches.Select(b => ChildShapes.Explain(this, b.Branch, inputShape, () => b.Branch.OutputShape(inputShape)))]);

    /// <summary>The sum of the branches'.</summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape)
    {
        _ = OutputShape(inputShape);
        return _branches.Sum(b => b.Branch.Macs(inputShape));
    }

    /// <summary>Each branch on the input; the output's receptive field is the largest of the branches' (<see cref="ReceptiveField.Max"/>).</summary>
    FeatureMap IReceptiveField.Trace(FeatureMap input, Func<Module, FeatureMap, FeatureMap> child)
    {
        var outputs = _branches.Select(b => child(b.Branch, input)).ToList();
        return new(Concat(input.Shape, [.. outputs.Select(o => o.Shape)]), ReceptiveField.Max(outputs.Select(o => o.Field)));
    }

    int[] Concat(int[] inputShape, int[][] branchShapes)
    {
        var first = branchShapes[0];
        for (int i = 0; i < branchShapes.Length; i++)
            if (!Aligned(branchShapes[i], first))
                throw new ArgumentException(
                    $"{TypeName}: branch outputs must be [N,C,H,W] and agree outside the channels, but on input {Shapes.Format(inputShape)} " +
                    $"{_branches[0].Name} gives {Shapes.Format(first)} and {_branches[i].Name} gives {Shapes.Format(branchShapes[i])}");
        return [first[0], branchShapes.Sum(s => s[1]), first[2], first[3]];
    }

    static bool Aligned(int[] a, int[] b) => a.Length == 4 && b.Length == 4 && a[0] == b[0] && a[2] == b[2] && a[3] == b[3];
}
