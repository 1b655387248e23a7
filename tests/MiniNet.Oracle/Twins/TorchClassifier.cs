using TorchSharp;

namespace MiniNet;

/// <summary>
/// A model's logits: <paramref name="Logits"/> [N, classes] of the main head, and <paramref name="AuxLogits"/> those
/// of the auxiliary heads in forward order (empty in evaluation mode). The twin of MiniNet's <c>ClassifierOutput</c>.
/// </summary>
public sealed record TorchClassifierOutput(torch.Tensor Logits, torch.Tensor[] AuxLogits);

/// <summary>
/// The twin of MiniNet's <c>Classifier</c>: a main path of stages, each run on the previous one's output, plus
/// auxiliary heads that each read one stage's output, in training mode only (torchvision's <c>aux_logits</c>
/// pattern). Subclasses register stages with <see cref="AddStage"/> and heads with <see cref="AddAuxiliaryHead"/>,
/// under MiniNet's names and in its order, so that state dicts copy by name and parameters list in the same order.
/// </summary>
/// <remarks>
/// The forward allocates nothing of its own beyond TorchSharp's tensors and the output record (the stage and head
/// lists are walked by index), so the step benchmark can time it as the PyTorch baseline.
/// </remarks>
public abstract class TorchClassifier : torch.nn.Module<torch.Tensor, TorchClassifierOutput>
{
    static readonly torch.Tensor[] NoAuxLogits = [];

    readonly List<torch.nn.Module<torch.Tensor, torch.Tensor>> _stages = [];
    readonly List<(int AfterStage, TorchAuxiliaryHead Head)> _auxiliaryHeads = [];

    /// <summary>Starts a classifier named <paramref name="name"/> (TorchSharp's module name).</summary>
    protected TorchClassifier(string name) : base(name) { }

    /// <summary>Registers <paramref name="stage"/> as child <paramref name="name"/> and appends it to the main path.</summary>
    protected TModule AddStage<TModule>(string name, TModule stage) where TModule : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
        register_module(name, stage);
        _stages.Add(stage);
        return stage;
    }

    /// <summary>Registers <paramref name="head"/> as child <paramref name="name"/>, reading the output of stage <paramref name="after"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="after"/> is not a stage of this classifier.</exception>
    protected void AddAuxiliaryHead(string name, TorchAuxiliaryHead head, torch.nn.Module<torch.Tensor, torch.Tensor> after)
    {
        int stage = _stages.IndexOf(after);
        if (stage < 0) throw new ArgumentException($"{GetName()}: auxiliary head \"{name}\" must read a stage added before it");
        register_module(name, head);
        _auxiliaryHeads.Add((stage, head));
    }

    /// <summary>The main logits [N, classes] and, in training mode, each auxiliary head's, in the order of the stages they read.</summary>
    public override TorchClassifierOutput forward(torch.Tensor input)
    {
        bool auxiliary = training && _auxiliaryHeads.Count > 0;
        var auxLogits = auxiliary ? new torch.Tensor[_auxiliaryHeads.Count] : NoAuxLogits;
        int next = 0;
        var x = input;
        for (int s = 0; s < _stages.Count; s++)
        {
            x = _stages[s].call(x);
            if (!auxiliary) continue;
            for (int h = 0; h < _auxiliaryHeads.Count; h++)
                if (_auxiliaryHeads[h].AfterStage == s) auxLogits[next++] = _auxiliaryHeads[h].Head.call(x);
        }
        return new TorchClassifierOutput(x, auxLogits);
    }
}
