using System.Runtime.CompilerServices;

namespace MiniNet;

/// <summary>
/// A dense, contiguous, row-major tensor of float32, float64 or int64 elements, with reverse-mode autograd.
/// PyTorch: <c>torch.Tensor</c>.
/// </summary>
/// <remarks>
/// <para>Lifetime: storage comes from a buffer pool and goes back when the tensor is disposed, directly or by
/// the <see cref="TensorScope"/> it was created in. Reading a disposed tensor throws, naming the op that made it.</para>
/// <para>Layout: always contiguous. <see cref="Reshape"/> shares storage (free); every other layout change
/// (transpose, permute, slice, concat) copies, so that every kernel can assume a plain row-major span.</para>
/// <para>Ops are spread over <c>Ops/*.cs</c>, one file per op, each holding its forward and backward.</para>
/// </remarks>
public sealed partial class Tensor : IDisposable, ITensorSource
{
    /// <summary>This tensor itself.</summary>
    Tensor ITensorSource.Tensor => this;

    internal readonly int[] _shape;
    internal Storage _storage;
    bool _requiresGrad;
    bool _disposed;

    /// <summary>The tape entry that produced this tensor; null for leaves.</summary>
    internal TapeEntry? GradFn;

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal TensorScope? OwnerScope;

    internal Tensor(int[] shape, Storage storage, string creator)
    {
        _shape = shape;
        _storage = storage;
        Creator = creator;
        TensorScope.Current?.Adopt(this);
    }

    internal Tensor(int[] shape, DType dtype, bool zeroed, string creator)
        : this(shape, Storage.Allocate(dtype, Shapes.Count(creator, shape), zeroed), creator) { }

    /// <summary>The name of the op (or factory) that made this tensor, e.g. "matmul" or "zeros".</summary>
    public string Creator { get; }

    /// <summary>A copy of the sizes of every dimension. PyTorch: <c>shape</c>.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>Number of dimensions. PyTorch: <c>dim()</c>.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements. PyTorch: <c>numel()</c>.</summary>
    public int Count => _storage.Length;

    /// <summary>Element type.</summary>
    public DType DType => _storage.DType;

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => _shape[Shapes.NormalizeDim("size", dim, Rank)];

    /// <summary>True once disposed; any read then throws <see cref="ObjectDisposedException"/>.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>True when no recorded op produced this tensor (user data, parameters, detached values).</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>
    /// Whether gradients flow to this tensor. Settable on leaves only (as in PyTorch); outputs of recorded ops
    /// require grad when any input does.
    /// </summary>
    /// <exception cref="InvalidOperationException">Setting it on a non-leaf, or on an int64 tensor.</exception>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!IsLeaf) throw new InvalidOperationException($"requires_grad: only leaves can change it; this tensor was made by '{Creator}'");
            if (value && !DType.IsFloatingPoint()) throw new InvalidOperationException($"requires_grad: {DType.TorchName()} tensors cannot require gradients");
            _requiresGrad = value;
        }
    }

    internal void MarkRequiresGrad() => _requiresGrad = true;

    /// <summary>
    /// Accumulated gradient of a leaf after <see cref="Backward(Tensor?, bool)"/>; null until then. Owned by this
    /// tensor: disposed with it, never by a scope.
    /// </summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>Disposes the gradient (PyTorch's <c>grad = None</c>, the default of <c>zero_grad</c>).</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    /// <summary>Returns the storage to the pool (when no reshape shares it) and the gradient with it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        OwnerScope?.Forget(this);
        OwnerScope = null;
        _storage.Release();
        Grad?.Dispose();
        Grad = null;
    }

    /// <summary>Typed view of the elements; throws if disposed or of another dtype.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<T> Span<T>() where T : unmanaged
    {
        if (_disposed) ThrowDisposed();
        if (_storage is not Storage<T> typed) throw WrongType<T>();
        return typed.Span;
    }

    /// <summary>Read-only view of the elements in row-major order.</summary>
    /// <exception cref="ObjectDisposedException">The tensor was disposed.</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="DType"/>.</exception>
    public ReadOnlySpan<T> Data<T>() where T : unmanaged => Span<T>();

    /// <summary>Copies the elements out, in row-major order.</summary>
    public T[] ToArray<T>() where T : unmanaged => Span<T>().ToArray();

    /// <summary>The single element of a one-element tensor, converted to double. PyTorch: <c>item()</c>.</summary>
    public double Item()
    {
        if (Count != 1) throw new InvalidOperationException($"item: needs exactly one element, got shape {Shapes.Format(_shape)}");
        return DType switch
        {
            DType.Float32 => Span<float>()[0],
            DType.Float64 => Span<double>()[0],
            _ => Span<long>()[0],
        };
    }

    internal void ThrowIfDisposed()
    {
        if (_disposed) ThrowDisposed();
    }

    void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(Tensor), $"tensor {Shapes.Format(_shape)} made by '{Creator}' was disposed and cannot be read");

    InvalidOperationException WrongType<T>() =>
        new($"tensor {Shapes.Format(_shape)} made by '{Creator}' holds {DType.TorchName()}, not {typeof(T).Name}");

    /// <summary>A new tensor sharing this storage, cut from the tape and not requiring grad. PyTorch: <c>detach()</c>.</summary>
    public Tensor Detach()
    {
        ThrowIfDisposed();
        _storage.AddRef();
        return new Tensor((int[])_shape.Clone(), _storage, "detach");
    }

    /// <summary>A contiguous copy that does not share storage and does not require grad. PyTorch: <c>clone().detach()</c>.</summary>
    public Tensor CloneDetached()
    {
        var copy = new Tensor((int[])_shape.Clone(), DType, zeroed: false, "clone");
        CopyElementsTo(copy);
        return copy;
    }

    internal void CopyElementsTo(Tensor destination)
    {
        switch (DType)
        {
            case DType.Float32: Span<float>().CopyTo(destination.Span<float>()); break;
            case DType.Float64: Span<double>().CopyTo(destination.Span<double>()); break;
            default: Span<long>().CopyTo(destination.Span<long>()); break;
        }
    }

    /// <summary>
    /// Converts to another dtype (a copy; the same tensor when the dtype already matches, as PyTorch does).
    /// Differentiable between float types.
    /// </summary>
    public Tensor To(DType dtype)
    {
        ThrowIfDisposed();
        if (dtype == DType) return this;
        var result = new Tensor((int[])_shape.Clone(), _storage.CloneAs(dtype), "to");
        if (!dtype.IsFloatingPoint() || !DType.IsFloatingPoint()) return result;
        var self = this;
        return Tape.Record("to", result, [this], gradOut =>
        {
            // y = cast(x)  =>  dL/dx = cast back(gradOut)
            self.AccumulateGrad(gradOut.To(self.DType));
        });
    }
}

public sealed partial class Tensor
{
    /// <summary>The pooled array behind the elements (only the first <see cref="Count"/> are ours), for kernels that hand work to other threads.</summary>
    internal T[] Array<T>() where T : unmanaged
    {
        Span<T>(); // checks disposal and dtype
        return ((Storage<T>)_storage).Array;
    }
}
