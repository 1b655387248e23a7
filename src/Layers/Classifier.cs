namespace MiniNet.Layers;

/// <summary>
/// What <see cref="Classifier.Classify"/> computes in one forward. PyTorch: torchvision's
/// <c>GoogLeNetOutputs(logits, aux_logits2, aux_logits1)</c> and <c>InceptionOutputs(logits, aux_logits)</c>.
/// </summary>
/// <param name="Logits">The main head's logits, [N, classes].</param>
/// <param name="AuxLogits">The auxiliary heads' logits, each [N, classes], in forward order; empty in evaluation
/// mode and for a classifier without auxiliary heads.</param>
public sealed record ClassifierOutput(Tensor Logits, IReadOnlyList<Tensor> AuxLogits);

/// <summary>
/// A classification network as a main path of stages, each run on the previous one's output, plus auxiliary
/// heads that each read the output of one stage, in training mode only. A subclass only registers its stages with
/// <see cref="AddStage"/> (in forward order) and its heads with <see cref="AddAuxiliaryHead"/>; forward, shapes,
/// multiply-adds and the <see cref="Summary"/> trace follow from them. <see cref="Module.Call"/> returns the main
/// logits; <see cref="Classify"/> returns the auxiliary logits too.
/// PyTorch: torchvision's <c>GoogLeNet</c>/<c>Inception3</c> pattern (<c>aux_logits</c>, outputs only when <c>training</c>).
/// </summary>
public abstract class Classifier : Module, IReceptiveField
{
    readonly List<Module> _stages = [];
    readonly List<(Module After, AuxiliaryHead Head)> _auxiliaryHeads = [];

    /// <summary>The auxiliary heads, in forward order of the stages they read.</summary>
    public IReadOnlyList<AuxiliaryHead> AuxiliaryHeads =>
        [.. _stages.SelectMany(stage => _auxiliaryHeads.Where(a => ReferenceEquals(a.After, stage)).Select(a => a.Head))];

    /// <summary>Registers <paramref name="stage"/> as child <paramref name="name"/> and appends it to the main path.</summary>
    protected TModule AddStage<TModule>(string name, TModule stage) where TModule : Module
    {
        _stages.Add(RegisterModule(name, stage));
        return stage;
    }

    /// <summary>
    /// Registers <paramref name="head"/> as child <paramref name="name"/>, reading the output of
    /// <paramref name="after"/> (registration may come later than the stage, as torchvision's GoogLeNet registers
    /// aux1 and aux2 after inception5b).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="after"/> is not a stage of this classifier.</exception>
    protected AuxiliaryHead AddAuxiliaryHead(string name, AuxiliaryHead head, Module after)
    {
        if (!_stages.Contains(after))
            throw new ArgumentException($"{TypeName}: auxiliary head \"{name}\" must read a stage added before it, got a {after.TypeName} that is not one");
        _auxiliaryHeads.Add((after, RegisterModule(name, head)));
        return head;
    }

    /// <summary>
    /// Runs the main path on <paramref name="input"/> and, in training mode, each auxiliary head on its stage's
    /// output. Every child runs through <see cref="Module.Call"/> (its hooks run); this module's own forward hooks
    /// run only through <see cref="Module.Call"/>.
    /// </summary>
    public ClassifierOutput Classify(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var auxLogits = new List<Tensor>();
        var logits = Walk(input, (stage, x) => stage.Call(x), IsTraining ? (head, x) => auxLogits.Add(head.Call(x)) : null);
        return new(logits, auxLogits);
    }

    /// <summary>The main path only: the logits, [N, classes].</summary>
    protected sealed override Tensor Forward(Tensor input) => Walk(input, (stage, x) => stage.Call(x), null);

    /// <summary>The main path's output shape, [N, classes].</summary>
    /// <exception cref="ArgumentException">The first stage that cannot take its input; the message names the classifier, the stage and its input shape.</exception>
    public override int[] OutputShape(int[] inputShape) =>
        Walk(inputShape, (stage, shape) => ChildShapes.Explain(this, stage, shape, () => stage.OutputShape(shape)), null);

    /// <summary>
    /// The main path's multiply-adds: the cost of inference. The auxiliary heads, run in training mode only, are
    /// not counted (each reports its own <see cref="Module.Macs"/>).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="OutputShape"/>.</exception>
    public override long Macs(int[] inputShape)
    {
        _ = OutputShape(inputShape);
        long total = 0;
        Walk(inputShape, (stage, shape) =>
        {
            total += stage.Macs(shape);
            return stage.OutputShape(shape);
        }, null);
        return total;
    }

    /// <summary>The main path, and each auxiliary head on its stage's output.</summary>
    FeatureMap IReceptiveField.Trace(FeatureMap input, Func<Module, FeatureMap, FeatureMap> child) =>
        Walk(input, child, (head, map) => child(head, map));

    // The one description of the data flow: stages in order, each followed by the heads that read it (when tap is given).
    T Walk<T>(T input, Func<Module, T, T> stage, Action<AuxiliaryHead, T>? tap)
    {
        var x = input;
        foreach (var s in _stages)
        {
            x = stage(s, x);
            if (tap is null) continue;
            foreach (var (after, head) in _auxiliaryHeads)
                if (ReferenceEquals(after, s)) tap(head, x);
        }
        return x;
    }
}
