namespace MiniNet;

/// <summary>
/// Disposes every tensor created on this thread while it is the innermost scope, except those passed to
/// <see cref="Keep"/>. It also drops tape entries recorded inside it that no backward consumed, since their
/// tensors die with it. A training step and an evaluation batch each run in one scope, so they feed the pool,
/// not the GC. Create with <see cref="Tensor.Scope"/>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] static TensorScope? _current;

    readonly TensorScope? _parent;
    readonly List<Tensor> _owned = new();
    readonly long _tapeMark;
    bool _disposed;

    internal TensorScope()
    {
        _parent = _current;
        _current = this;
        _tapeMark = Tape.Current.NextSequence;
    }

    internal static TensorScope? Current => _current;

    /// <summary>Number of live tensors this scope will dispose.</summary>
    public int OwnedCount => _owned.Count;

    internal void Adopt(Tensor tensor)
    {
        tensor.OwnerScope = this;
        _owned.Add(tensor);
    }

    internal void Forget(Tensor tensor)
    {
        // Tensors usually die in reverse order of birth, so search from the end.
        int i = _owned.LastIndexOf(tensor);
        if (i >= 0) _owned.RemoveAt(i);
    }

    /// <summary>
    /// Moves <paramref name="tensor"/> out of this scope into the enclosing one (or to the caller, when there is
    /// none), so it survives this scope's end. Returns it, for chaining.
    /// </summary>
    public Tensor Keep(Tensor tensor)
    {
        if (tensor.OwnerScope != this) return tensor;
        Forget(tensor);
        tensor.OwnerScope = null;
        _parent?.Adopt(tensor);
        return tensor;
    }

    /// <summary>Disposes the tensors it owns and restores the enclosing scope.</summary>
    /// <exception cref="InvalidOperationException">When scopes are disposed out of order.</exception>
    public void Dispose()
    {
        if (_disposed) return;
        if (_current != this) throw new InvalidOperationException("tensor scope: scopes must be disposed innermost first (use 'using')");
        _disposed = true;
        _current = _parent;
        Tape.Current.TruncateTo(_tapeMark);
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            var t = _owned[i];
            t.OwnerScope = null;
            t.Dispose();
        }
        _owned.Clear();
    }
}

public sealed partial class Tensor
{
    /// <summary>
    /// Opens a scope that disposes every tensor created inside it on this thread, except those kept with
    /// <see cref="TensorScope.Keep"/>. Use with <c>using</c>.
    /// </summary>
    public static TensorScope Scope() => new();

    /// <summary>Removes this tensor from any scope: its holder (a module, an optimizer) now owns it.</summary>
    public Tensor Unscoped()
    {
        OwnerScope?.Forget(this);
        OwnerScope = null;
        return this;
    }
}
