using System.Diagnostics.CodeAnalysis;

namespace MiniNet.Training;

/// <summary>
/// The state of one parameter in its optimizer, by name (<c>step</c>, <c>exp_avg</c>, <c>momentum_buffer</c>...):
/// empty until the parameter's first step, owned by the optimizer and kept out of every <see cref="TensorScope"/>.
/// PyTorch: <c>optimizer.state[param]</c>.
/// </summary>
/// <remarks>
/// The step count, <see cref="StepName"/>, is an int64 scalar; every other entry has its parameter's shape and dtype.
/// <see cref="Optimizer.LoadStateDict"/> checks loaded state by this rule.
/// </remarks>
public sealed class ParameterState
{
    /// <summary>The name of the step count. PyTorch: <c>state["step"]</c>.</summary>
    public const string StepName = "step";

    readonly OrderedDictionary<string, Tensor> _tensors = new();

    internal ParameterState() { }

    /// <summary>True before the parameter's first step (and after a load that had no state for it).</summary>
    public bool IsEmpty => _tensors.Count == 0;

    /// <summary>The entries in the order they were added; the optimizer's own tensors, not copies.</summary>
    internal IEnumerable<KeyValuePair<string, Tensor>> Entries => _tensors;

    /// <summary>The entry called <paramref name="name"/>, if the parameter has one yet.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out Tensor? tensor) => _tensors.TryGetValue(name, out tensor);

    /// <summary>Stores <paramref name="tensor"/> as <paramref name="name"/> and takes ownership of it (out of its scope); returns it.</summary>
    /// <exception cref="ArgumentException">The parameter already has an entry of that name.</exception>
    public Tensor Add(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _tensors.Add(name, tensor.Unscoped());
        return tensor;
    }

    /// <summary>
    /// The entry called <paramref name="name"/>; on first use, a new one with the shape and dtype of
    /// <paramref name="like"/> holding <paramref name="initialValue"/> everywhere (0 for PyTorch's buffers).
    /// </summary>
    public Tensor GetOrFill(string name, Tensor like, double initialValue)
    {
        if (!_tensors.TryGetValue(name, out var tensor)) tensor = Add(name, Tensor.Full(like.Shape, initialValue, like.DType));
        return tensor;
    }

    /// <summary>Adds one to the step count (created at 0 on first use) and returns the new count: 1 on the first step.</summary>
    public long IncrementStep()
    {
        if (!_tensors.TryGetValue(StepName, out var step)) step = Add(StepName, Tensor.Zeros([], DType.Int64));
        return ++step.MutableData<long>()[0];
    }

    /// <summary>Disposes every entry and forgets it.</summary>
    internal void Clear()
    {
        foreach (var tensor in _tensors.Values) tensor.Dispose();
        _tensors.Clear();
    }
}
