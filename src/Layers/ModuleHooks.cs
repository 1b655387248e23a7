namespace MiniNet.Layers;

// Forward hooks: callbacks that see a module's input and output after each Call (activation capture, logging).
public abstract partial class Module
{
    readonly List<ForwardHookHandle> _forwardHooks = [];

    /// <summary>Whether any forward hook is registered (then a block must run this module through <see cref="Call"/>).</summary>
    internal bool HasForwardHooks => _forwardHooks.Count > 0;

    /// <summary>
    /// Adds <paramref name="hook"/>(module, input, output), run after every <see cref="Call"/> of this module (not of
    /// its children: register on each one to see them all). Dispose the returned handle to remove it.
    /// PyTorch: <c>register_forward_hook</c> and its <c>RemovableHandle</c>.
    /// </summary>
    public IDisposable RegisterForwardHook(Action<Module, Tensor, Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var handle = new ForwardHookHandle(this, hook);
        _forwardHooks.Add(handle);
        return handle;
    }

    sealed class ForwardHookHandle(Module owner, Action<Module, Tensor, Tensor> hook) : IDisposable
    {
        internal Action<Module, Tensor, Tensor> Hook { get; } = hook;

        // Removes this registration only (by reference), even when the same delegate was registered twice.
        public void Dispose() => owner._forwardHooks.Remove(this);
    }
}
