using System.Diagnostics.CodeAnalysis;

namespace MiniNet.Layers;

/// <summary>
/// A tensor that a <see cref="Module"/> owns as part of its state: a <see cref="Parameter"/> or a
/// <see cref="ModuleBuffer"/>. The wrapper stays the same object for the module's whole life while
/// <see cref="Value"/> may be replaced (<see cref="Module.To"/> swaps in a converted tensor), so optimizers and
/// hooks hold the wrapper, never the tensor. Converts implicitly to <see cref="Tensor"/>, so layers write
/// <c>Tensor.Linear(x, Weight, Bias)</c>.
/// </summary>
/// <remarks>
/// Lifetime: the tensor is taken out of any <see cref="TensorScope"/> on construction (a module built inside a
/// training step's scope must not lose its weights when the step ends) and disposed with the wrapper, which the
/// owning module disposes.
/// </remarks>
public abstract class ModuleTensor : IDisposable, ITensorSource
{
    private protected ModuleTensor(string kind, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.IsDisposed) throw new ObjectDisposedException(nameof(Tensor), $"{kind}: tensor {Shapes.Format(value.Shape)} made by '{value.Creator}' was disposed");
        if (!value.IsLeaf)
            throw new ArgumentException($"{kind}: needs a leaf tensor, got {Shapes.Format(value.Shape)} made by '{value.Creator}'; pass CloneDetached() of it");
        Value = value.Unscoped();
    }

    /// <summary>The current tensor. Replaced, not mutated, by <see cref="Module.To"/>; copied into by <see cref="Module.LoadStateDict"/>.</summary>
    public Tensor Value { get; private set; }

    /// <summary><see cref="Value"/>, for APIs that take tensors and parameters alike (optimizers).</summary>
    Tensor ITensorSource.Tensor => Value;

    /// <summary>A copy of the shape of <see cref="Value"/>.</summary>
    public int[] Shape => Value.Shape;

    /// <summary>Element type of <see cref="Value"/>.</summary>
    public DType DType => Value.DType;

    /// <summary>Number of elements. PyTorch: <c>numel()</c>.</summary>
    public int Count => Value.Count;

    /// <summary>
    /// Replaces <see cref="Value"/> by a copy converted to <paramref name="dtype"/>, keeping
    /// <see cref="Tensor.RequiresGrad"/>; the old tensor and its gradient are disposed. Integer tensors (counters
    /// such as num_batches_tracked) keep their dtype, as in PyTorch's <c>module.to(dtype)</c>.
    /// </summary>
    internal void ConvertTo(DType dtype)
    {
        if (Value.DType == dtype || !Value.DType.IsFloatingPoint()) return;
        bool requiresGrad = Value.RequiresGrad;
        Tensor converted;
        using (Tensor.NoGrad()) converted = Value.To(dtype).Unscoped();
        converted.RequiresGrad = requiresGrad;
        Value.Dispose();
        Value = converted;
    }

    /// <summary>Disposes <see cref="Value"/> (and its gradient). Idempotent.</summary>
    public void Dispose() => Value.Dispose();

    /// <summary>The wrapped tensor, so that modules pass parameters and buffers straight to ops; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(state))]
    public static implicit operator Tensor?(ModuleTensor? state) => state?.Value;

    /// <summary><see cref="Value"/>'s text.</summary>
    public override string ToString() => Value.ToString();
}

/// <summary>
/// A trainable tensor of a module: a leaf that requires grad (unless frozen), owned and disposed by its module.
/// PyTorch: <c>nn.Parameter</c>.
/// </summary>
public sealed class Parameter : ModuleTensor
{
    /// <summary>Takes ownership of <paramref name="value"/>, which must be a floating-point leaf.</summary>
    /// <param name="value">The initial values; removed from its scope and disposed with this parameter.</param>
    /// <param name="requiresGrad">False makes a frozen parameter (still saved in the state dict).</param>
    /// <exception cref="ArgumentException">A tensor made by a recorded op (not a leaf).</exception>
    /// <exception cref="InvalidOperationException">An int64 tensor with <paramref name="requiresGrad"/>.</exception>
    public Parameter(Tensor value, bool requiresGrad = true) : base("parameter", value) => Value.RequiresGrad = requiresGrad;

    /// <summary>Whether gradients flow to it; false freezes it. PyTorch: <c>requires_grad_</c>.</summary>
    public bool RequiresGrad
    {
        get => Value.RequiresGrad;
        set => Value.RequiresGrad = value;
    }

    /// <summary>The gradient accumulated by backward; null before the first backward and after <see cref="Module.ZeroGrad"/>.</summary>
    public Tensor? Grad => Value.Grad;
}

/// <summary>
/// A named tensor of module state that is not trained (BatchNorm's running statistics and its batch counter):
/// saved in the state dict, converted by <see cref="Module.To"/>, never given a gradient. PyTorch: <c>nn.Buffer</c>
/// (<c>register_buffer</c>). Not called <c>Buffer</c>, which would clash with <see cref="System.Buffer"/> in every
/// file that imports both namespaces.
/// </summary>
public sealed class ModuleBuffer : ModuleTensor
{
    /// <summary>Takes ownership of <paramref name="value"/>, a leaf that does not require grad.</summary>
    /// <exception cref="ArgumentException">A tensor that requires grad or is not a leaf.</exception>
    public ModuleBuffer(Tensor value) : base("buffer", NotRequiringGrad(value)) { }

    // Checked before the base constructor takes the tensor out of its scope, so a refused tensor stays scoped.
    static Tensor NotRequiringGrad(Tensor value) => value is { RequiresGrad: true }
        ? throw new ArgumentException($"buffer: tensor {Shapes.Format(value.Shape)} requires grad; buffers are never trained (use a Parameter)")
        : value;
}
