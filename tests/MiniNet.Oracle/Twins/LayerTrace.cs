using TorchSharp;

namespace MiniNet;

/// <summary>One module's output in a <see cref="LayerTrace"/>: its dotted name, shape, and values widened to double.</summary>
public sealed record LayerOutput(string Name, long[] Shape, double[] Values);

/// <summary>
/// What every hooked module returned during one forward, in the order the modules finished (a parent after its
/// children: forward hooks run when a module returns), keyed by dotted name. The values are copied when the hook runs,
/// so the trace outlives the forward's tensors (TorchSharp's <c>Sequential</c> disposes its intermediates).
/// <see cref="TwinComparison.FirstDivergence"/> walks two traces.
/// </summary>
/// <remarks>
/// A TorchSharp model is hooked by <see cref="Of"/>. A MiniNet model is hooked by its owner, since this library sees
/// only MiniNet's tensors, not its modules:
/// <code>
/// var trace = new LayerTrace();
/// foreach (var (name, module) in mini.NamedModules())
///     if (name.Length > 0) trace.Hold(module.RegisterForwardHook((_, _, output) => trace.Record(name, output)));
/// </code>
/// Copying every output costs a few times a forward's memory: a diagnostic, not a training companion.
/// </remarks>
public sealed class LayerTrace : IDisposable
{
    readonly List<LayerOutput> _outputs = [];
    readonly List<Action> _unhook = [];

    /// <summary>The outputs recorded since construction or <see cref="Clear"/>, in recording order.</summary>
    public IReadOnlyList<LayerOutput> Outputs => _outputs;

    /// <summary>Records a copy of a MiniNet module's <paramref name="output"/> under <paramref name="name"/>.</summary>
    public void Record(string name, Tensor output) =>
        _outputs.Add(new(name, Array.ConvertAll(output.Shape, d => (long)d), TorchInterop.ToDoubles(output)));

    /// <summary>Records a copy of a TorchSharp module's <paramref name="output"/> under <paramref name="name"/>.</summary>
    public void Record(string name, torch.Tensor output) => _outputs.Add(new(name, output.shape, TorchInterop.ToDoubles(output)));

    /// <summary>Forgets the recorded outputs; the hooks stay.</summary>
    public void Clear() => _outputs.Clear();

    /// <summary>Keeps a hook registration (MiniNet's <c>RegisterForwardHook</c> handle) to remove it on <see cref="Dispose"/>.</summary>
    public void Hold(IDisposable registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        _unhook.Add(registration.Dispose);
    }

    /// <summary>
    /// A trace hooked to every descendant of <paramref name="twin"/> that maps one tensor to one tensor (TorchSharp's
    /// <c>Module&lt;Tensor, Tensor&gt;</c>, the only modules it can hook), under its dotted name. The root itself is not
    /// hooked (TorchSharp's <c>named_modules</c> leaves it out), nor are functional ops such as <c>relu</c>.
    /// </summary>
    public static LayerTrace Of(torch.nn.Module twin)
    {
        var trace = new LayerTrace();
        foreach (var (name, module) in twin.named_modules())
        {
            if (module is not torch.nn.Module<torch.Tensor, torch.Tensor> hookable) continue;
            var remover = hookable.register_forward_hook((_, _, output) =>
            {
                trace.Record(name, output);
                return null!; // null: keep the module's output
            });
            trace._unhook.Add(remover.remove);
        }
        return trace;
    }

    /// <summary>Removes every hook this trace holds; the recorded outputs stay readable.</summary>
    public void Dispose()
    {
        foreach (var unhook in _unhook) unhook();
        _unhook.Clear();
    }
}
