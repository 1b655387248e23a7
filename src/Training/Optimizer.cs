using System.Globalization;

namespace MiniNet.Training;

/// <summary>
/// Base of every optimizer: the parameters it updates, the learning rate, and each parameter's state (momentum
/// buffers, step counts), which it exports and imports for checkpoints. PyTorch: <c>torch.optim.Optimizer</c>, with
/// one parameter group.
/// </summary>
/// <remarks>
/// <para>Updates: <see cref="Step"/> runs each update under <see cref="Tensor.NoGrad"/> with the tensors' in-place API
/// (<c>AddInPlace</c>, <c>MulInPlace</c>): optimizers never record on the tape and hold no gradient code. Each
/// parameter's temporaries live in a <see cref="TensorScope"/> that ends with its update.</para>
/// <para>Skipped parameters: a parameter whose <see cref="Tensor.Grad"/> is null (frozen, not reached by backward, or
/// cleared by <see cref="ZeroGrad"/>) is not updated and its state does not advance, as in PyTorch.</para>
/// <para>Parameters: the optimizer holds the tensors themselves. <c>Module.To</c> replaces a module's tensors by
/// converted copies, so build the optimizer after converting the model, as in PyTorch. Every optimizer takes tensors
/// and a module's parameters alike (<see cref="ITensorSource"/>): <c>new Sgd(model.Parameters(), lr: 0.1)</c> or
/// <c>new Sgd([w, b], lr: 0.1)</c>.</para>
/// <para>Lifetime: the optimizer owns its state tensors (out of every scope) and disposes them in
/// <see cref="Dispose"/>; the parameters and their gradients belong to the caller.</para>
/// </remarks>
public abstract class Optimizer : IDisposable
{
    /// <summary>The state dict key of the learning rate. PyTorch: <c>param_groups[0]["lr"]</c>.</summary>
    public const string LearningRateKey = "lr";

    readonly Tensor[] _parameters;
    readonly ParameterState[] _state;
    double _learningRate;
    bool _disposed;

    /// <summary>Checks and keeps the parameters and the learning rate.</summary>
    /// <param name="name">Labels error messages, e.g. "sgd".</param>
    /// <param name="parameters">Distinct floating-point leaf tensors, or a module's parameters (their current tensors
    /// are taken), updated in place.</param>
    /// <param name="lr">The learning rate, ≥ 0.</param>
    /// <exception cref="ArgumentException">An empty list, a tensor made by a recorded op (not a leaf), an int64 tensor,
    /// or a tensor listed twice (each step would update it twice).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite learning rate.</exception>
    protected Optimizer(string name, IEnumerable<ITensorSource> parameters, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Name = name;
        var sources = parameters.ToArray();
        if (sources.Length == 0) throw new ArgumentException($"{name}: got an empty parameter list", nameof(parameters));
        _parameters = new Tensor[sources.Length];
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < sources.Length; i++)
        {
            var p = _parameters[i] = sources[i]?.Tensor ?? throw new ArgumentNullException(nameof(parameters), $"{name}: parameter {i} is null");
            string what = $"{name}: parameter {i} {Shapes.Format(p.Shape)} made by '{p.Creator}'";
            if (p.IsDisposed) throw new ObjectDisposedException(nameof(Tensor), $"{what} was disposed");
            if (!p.IsLeaf) throw new ArgumentException($"{what} is not a leaf; optimizers update leaves (pass CloneDetached() of it)", nameof(parameters));
            if (!p.DType.IsFloatingPoint()) throw new ArgumentException($"{what} is {p.DType.TorchName()}; optimizers update float32 or float64 tensors", nameof(parameters));
            if (!seen.Add(p)) throw new ArgumentException($"{what} is listed twice; each step would update it twice", nameof(parameters));
        }
        _state = Array.ConvertAll(_parameters, _ => new ParameterState());
        LearningRate = lr;
        InitialLearningRate = lr;
    }

    /// <summary>Labels error messages, e.g. "sgd" or "adamw".</summary>
    protected string Name { get; }

    /// <summary>The tensors this optimizer updates, in the order given; index i names <c>param.i.*</c> in the state dict.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>
    /// The learning rate of the next <see cref="Step"/>; schedules set it. PyTorch: <c>param_groups[0]["lr"]</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative or non-finite value.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = Require.NonNegative(Name, "lr", value);
    }

    /// <summary>
    /// The learning rate given to the constructor: the base rate that schedules scale, however many of them have
    /// changed <see cref="LearningRate"/> since. PyTorch: <c>param_groups[0]["initial_lr"]</c>.
    /// </summary>
    public double InitialLearningRate { get; }

    /// <summary>
    /// The names a parameter's state holds after its first step, which depend on the hyperparameters (SGD without
    /// momentum holds none). <see cref="LoadStateDict"/> requires exactly these for every parameter it loads state for.
    /// </summary>
    protected abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>
    /// Updates one parameter in place from its gradient. Runs under <see cref="Tensor.NoGrad"/> inside a
    /// <see cref="TensorScope"/>: temporaries need no disposing; tensors kept across steps go into
    /// <paramref name="state"/>, which takes them out of the scope.
    /// </summary>
    /// <param name="parameter">The parameter, updated in place.</param>
    /// <param name="grad">Its gradient: same shape and dtype; read it, do not change it.</param>
    /// <param name="state">Its state, empty on its first step.</param>
    protected abstract void Update(Tensor parameter, Tensor grad, ParameterState state);

    /// <summary>
    /// Updates every parameter that has a gradient, once. PyTorch: <c>optimizer.step()</c>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The optimizer, or one of its parameters, was disposed.</exception>
    /// <exception cref="InvalidOperationException">A parameter that a live tape entry still needs (run backward first).</exception>
    public void Step()
    {
        ThrowIfDisposed();
        using var noGrad = Tensor.NoGrad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].Grad is not { } grad) continue;
            using var scope = Tensor.Scope();
            Update(_parameters[i], grad, _state[i]);
        }
    }

    /// <summary>
    /// Disposes every parameter's gradient and sets it to null, so the next backward starts afresh.
    /// PyTorch: <c>optimizer.zero_grad()</c> (its default, <c>set_to_none=True</c>).
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    /// <summary>
    /// A snapshot of the optimizer's state for a checkpoint: <c>lr</c> (float64 scalar) and, for each parameter i that
    /// has taken a step, <c>param.i.NAME</c> for each name of its state, such as <c>param.3.momentum_buffer</c> or
    /// <c>param.3.step</c> (int64 scalar). The tensors are new copies, owned by the caller (and by the current scope,
    /// if any); later steps do not change them. Hyperparameters other than the learning rate are not included: they
    /// come from the constructor. PyTorch: <c>optimizer.state_dict()</c>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The optimizer was disposed.</exception>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        ThrowIfDisposed();
        var dict = new OrderedDictionary<string, Tensor> { [LearningRateKey] = Tensor.Scalar(LearningRate, DType.Float64) };
        for (int i = 0; i < _state.Length; i++)
            foreach (var (name, tensor) in _state[i].Entries)
                dict.Add(Key(i, name), tensor.CloneDetached());
        return dict;
    }

    /// <summary>
    /// Replaces the learning rate and all parameter state by copies of <paramref name="stateDict"/>'s, as written by
    /// <see cref="StateDict"/> of an optimizer of the same type and hyperparameters over parameters of the same shapes.
    /// A parameter with no <c>param.i.*</c> keys gets empty state (as before its first step). Everything is checked
    /// before anything changes, so a refused load leaves the optimizer as it was. State tensors are converted to their
    /// parameter's dtype, as PyTorch does. PyTorch: <c>optimizer.load_state_dict(state_dict)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">One message listing every problem: a missing <c>lr</c>, keys that name no
    /// parameter or no state of this optimizer, parameters with part of their state missing, shape mismatches.</exception>
    /// <exception cref="ObjectDisposedException">The optimizer was disposed.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ThrowIfDisposed();
        var errors = new List<string>();
        double lr = double.NaN;
        if (!stateDict.TryGetValue(LearningRateKey, out var lrTensor)) errors.Add($"missing key \"{LearningRateKey}\"");
        else if (lrTensor.Count != 1) errors.Add($"\"{LearningRateKey}\" must hold one value, got shape {Shapes.Format(lrTensor.Shape)}");
        else if (!((lr = lrTensor.Item()) >= 0 && double.IsFinite(lr))) errors.Add($"\"{LearningRateKey}\" must be finite and >= 0, got {lr}");

        var names = StateNames;
        var loaded = new Dictionary<string, Tensor>[_parameters.Length];
        foreach (var (key, tensor) in stateDict)
        {
            if (key == LearningRateKey) continue;
            if (!TryParseKey(key, names, out int index, out string name))
            {
                errors.Add($"unexpected key \"{key}\" (this optimizer has {_parameters.Length} parameters, each with state [{string.Join(", ", names)}])");
                continue;
            }
            (loaded[index] ??= new Dictionary<string, Tensor>())[name] = tensor;
            if (tensor.IsDisposed) { errors.Add($"\"{key}\" was disposed"); continue; }
            int[] expected = name == ParameterState.StepName ? [] : _parameters[index].Shape;
            if (!Shapes.Equal(tensor.Shape, expected))
                errors.Add($"size mismatch for \"{key}\": shape {Shapes.Format(tensor.Shape)} in the state dict, {Shapes.Format(expected)} in this optimizer");
        }
        for (int i = 0; i < loaded.Length; i++)
        {
            if (loaded[i] is not { } present) continue;
            var missing = names.Where(n => !present.ContainsKey(n)).ToList();
            if (missing.Count > 0) errors.Add($"parameter {i} has part of its state: missing {string.Join(", ", missing.Select(n => $"\"{Key(i, n)}\""))}");
        }
        if (errors.Count > 0)
            throw new ArgumentException($"{Name}: load_state_dict: error(s) in loading the state dict:\n\t" + string.Join("\n\t", errors), nameof(stateDict));

        LearningRate = lr;
        for (int i = 0; i < _parameters.Length; i++)
        {
            _state[i].Clear();
            if (loaded[i] is null) continue;
            var p = _parameters[i];
            foreach (var name in names)
            {
                var copy = name == ParameterState.StepName ? Tensor.Zeros([], DType.Int64) : Tensor.Zeros(p.Shape, p.DType);
                _state[i].Add(name, copy.CopyFrom(loaded[i][name]));
            }
        }
    }

    static string Key(int index, string name) => $"param.{index}.{name}";

    bool TryParseKey(string key, IReadOnlyList<string> names, out int index, out string name)
    {
        index = -1;
        name = "";
        var parts = key.Split('.', 3);
        if (parts.Length != 3 || parts[0] != "param") return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out index) || index >= _parameters.Length) return false;
        name = parts[2];
        return names.Contains(name);
    }

    void ThrowIfDisposed()
    {
        if (_disposed) throw new ObjectDisposedException(GetType().Name, $"{Name}: the optimizer was disposed with its state");
    }

    /// <summary>Disposes the state tensors (not the parameters, which belong to the caller). Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var state in _state) state.Clear();
    }
}
