using System.Text;

namespace MiniNet.Layers;

/// <summary>
/// Base of every layer and model: a forward function of one tensor, plus named state (parameters, buffers, child
/// modules) that it registers in its constructor. PyTorch: <c>nn.Module</c>.
/// </summary>
/// <remarks>
/// <para>Registration: a constructor registers each piece of state with <see cref="RegisterParameter"/>,
/// <see cref="RegisterBuffer"/> or <see cref="RegisterModule"/>, which return what they register, so the field is
/// written in the same line: <c>Weight = RegisterParameter("weight", ...)</c>. Names are unique within a module and
/// contain no '.'; walks list state in registration order, parents before children, with dotted names such as
/// <c>inception3a.branch2.conv.weight</c> (PyTorch's). A module shared by two parents is listed once.</para>
/// <para>Calling: <see cref="Call"/> runs <see cref="Forward"/> and then the forward hooks. <see cref="Forward"/> is
/// protected, so composite modules call their children through <see cref="Call"/> and every child's hooks run.</para>
/// <para>Lifetime: a module owns its parameters, buffers and children; <see cref="Dispose"/> releases them all.</para>
/// <para>Note: what Macs counts. <see cref="Macs"/> counts the multiply-adds of convolutions and linear maps only
/// (one per weight tap per output value, padding taps included), for the whole input shape, batch included. Bias
/// additions, normalization, pooling and activations count 0: they are a few percent of a CNN's arithmetic, and
/// published tables (GoogLeNet's "1.5 billion multiply-adds") count this way. Pass N = 1 for per-image figures.</para>
/// <para>Note: a module that is only its Forward. As in PyTorch, a custom module need only override
/// <see cref="Forward"/>. Its <see cref="OutputShape"/> then comes from a dry run: <see cref="Forward"/> on a zero
/// batch of one, in evaluation mode (no dropout draw, no running-statistics update; every module's mode is restored
/// after), under no-grad, at the parameters' dtype; the output's leading 1 becomes the input's N. Its
/// <see cref="Macs"/> sums its direct children's at the inputs they received in that run (a child called twice
/// counts twice); arithmetic done by ops called directly in its Forward (a <c>Tensor.Linear</c> on its own
/// parameters) counts 0. Forward hooks of its children see the dry run's calls. Override both to compute them from
/// shapes alone, as the built-in layers do.</para>
/// </remarks>
public abstract partial class Module : IDisposable
{
    readonly List<(string Name, Parameter Parameter)> _parameters = [];
    readonly List<(string Name, ModuleBuffer Buffer)> _buffers = [];
    readonly List<(string Name, Module Module)> _children = [];
    bool _disposed;

    /// <summary>True in training mode (the default), false in evaluation mode. PyTorch: <c>training</c>.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>The layer's type name, e.g. "Conv2D": the label of summaries and error messages.</summary>
    public string TypeName => GetType().Name;

    /// <summary>The layer's computation. Called only through <see cref="Call"/>, which runs the hooks.</summary>
    protected abstract Tensor Forward(Tensor input);

    /// <summary>
    /// The output shape for an input of <paramref name="inputShape"/>. Built-in layers compute it from shapes alone
    /// and composite ones chain their children's; a module that does not override it gets a dry run (see "Note: a
    /// module that is only its Forward").
    /// </summary>
    /// <exception cref="ArgumentException">An input shape this module cannot take; the message names the layer and the shape.</exception>
    public virtual int[] OutputShape(int[] inputShape) => DryRun(inputShape).OutputShape;

    /// <summary>
    /// Multiply-adds of one forward on an input of <paramref name="inputShape"/> (see "Note: what Macs counts" in the
    /// remarks of <see cref="Module"/>). Built-in layers compute it from shapes alone; a module that does not
    /// override it sums its children's, each at the input it received in a dry run (see "Note: a module that is only
    /// its Forward").
    /// </summary>
    /// <exception cref="ArgumentException">An input shape this module cannot take.</exception>
    public virtual long Macs(int[] inputShape) => DryRun(inputShape).ChildCalls.Sum(call => call.Child.Macs(call.InputShape));

    /// <summary>
    /// <see cref="Macs"/> of a layer without multiply-adds (normalization, pooling, activations, reshapes): checks
    /// <paramref name="inputShape"/> through <see cref="OutputShape"/>, so a bad shape fails here too, and returns 0.
    /// </summary>
    protected long NoMacs(int[] inputShape)
    {
        _ = OutputShape(inputShape);
        return 0;
    }

    /// <summary>
    /// Runs the module on <paramref name="input"/>, then each forward hook (in registration order) with this module,
    /// the input and the output. PyTorch: <c>module(input)</c>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The module was disposed.</exception>
    public Tensor Call(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        var output = Forward(input);
        if (_forwardHooks.Count == 0) return output;
        foreach (var handle in _forwardHooks.ToArray()) handle.Hook(this, input, output); // a copy: a hook may remove itself
        return output;
    }

    internal void ThrowIfDisposed()
    {
        if (_disposed) throw new ObjectDisposedException(TypeName, $"{TypeName}: the module was disposed and its parameters released");
    }

    /// <summary>
    /// Registers a trainable tensor under <paramref name="name"/> and returns it: the module now owns
    /// <paramref name="value"/> (see <see cref="Parameter"/>). PyTorch: <c>register_parameter</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An empty or dotted name, a name already taken, or a non-leaf tensor.</exception>
    protected Parameter RegisterParameter(string name, Tensor value, bool requiresGrad = true)
    {
        CheckNewName("parameter", name);
        var parameter = new Parameter(value, requiresGrad);
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>
    /// Registers a non-trained tensor under <paramref name="name"/> and returns it: saved in the state dict and
    /// converted by <see cref="To"/>. PyTorch: <c>register_buffer</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An empty or dotted name, a name already taken, or a tensor requiring grad.</exception>
    protected ModuleBuffer RegisterBuffer(string name, Tensor value)
    {
        CheckNewName("buffer", name);
        var buffer = new ModuleBuffer(value);
        _buffers.Add((name, buffer));
        return buffer;
    }

    /// <summary>Registers a child module under <paramref name="name"/> and returns it. PyTorch: <c>register_module</c>.</summary>
    /// <exception cref="ArgumentException">An empty or dotted name, a name already taken, or a child that contains this module.</exception>
    protected TModule RegisterModule<TModule>(string name, TModule module) where TModule : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckNewName("module", name);
        if (module.NamedModules().Any(m => ReferenceEquals(m.Module, this)))
            throw new ArgumentException($"{TypeName}: module \"{name}\" ({module.TypeName}) contains this module; modules form a tree");
        _children.Add((name, module));
        return module;
    }

    void CheckNewName(string kind, string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{TypeName}: a {kind} name must be non-empty and contain no '.', got \"{name}\"");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"{TypeName}: cannot register {kind} \"{name}\": a parameter, buffer or module of that name exists");
    }

    /// <summary>This module (named "") and every descendant, parents first, each once. PyTorch: <c>named_modules</c>.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules() => Walk("", this, new HashSet<Module>(ReferenceEqualityComparer.Instance));

    static IEnumerable<(string Name, Module Module)> Walk(string path, Module module, HashSet<Module> seen)
    {
        if (!seen.Add(module)) yield break;
        yield return (path, module);
        foreach (var (name, child) in module._children)
            foreach (var descendant in Walk(Qualify(path, name), child, seen))
                yield return descendant;
    }

    /// <summary>The direct children with their names, in registration order. PyTorch: <c>named_children</c>.</summary>
    public IReadOnlyList<(string Name, Module Module)> NamedChildren() => _children.AsReadOnly();

    /// <summary>The direct children, in registration order. PyTorch: <c>children</c>.</summary>
    public IEnumerable<Module> Children() => _children.Select(c => c.Module);

    /// <summary>Every parameter of this module and its descendants, with dotted names. PyTorch: <c>named_parameters</c>.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        NamedModules().SelectMany(m => m.Module._parameters.Select(p => (Qualify(m.Name, p.Name), p.Parameter)));

    /// <summary>Every parameter, in the order of <see cref="NamedParameters"/>. PyTorch: <c>parameters</c>.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Every buffer of this module and its descendants, with dotted names. PyTorch: <c>named_buffers</c>.</summary>
    public IEnumerable<(string Name, ModuleBuffer Buffer)> NamedBuffers() =>
        NamedModules().SelectMany(m => m.Module._buffers.Select(b => (Qualify(m.Name, b.Name), b.Buffer)));

    /// <summary>Every buffer, in the order of <see cref="NamedBuffers"/>. PyTorch: <c>buffers</c>.</summary>
    public IEnumerable<ModuleBuffer> Buffers() => NamedBuffers().Select(b => b.Buffer);

    static string Qualify(string path, string name) => path.Length == 0 ? name : path + "." + name;

    /// <summary>Number of parameter elements. PyTorch: <c>sum(p.numel() for p in parameters())</c>.</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Count);

    /// <summary>Number of elements of the parameters that require grad (not frozen).</summary>
    public long TrainableParameterCount => Parameters().Where(p => p.RequiresGrad).Sum(p => (long)p.Count);

    /// <summary>Sets training mode on this module and every descendant; returns this. PyTorch: <c>train(mode)</c>.</summary>
    public Module Train(bool on = true)
    {
        foreach (var (_, module) in NamedModules()) module.IsTraining = on;
        return this;
    }

    /// <summary>Evaluation mode for this module and every descendant: <c>Train(false)</c>. PyTorch: <c>eval()</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>
    /// Evaluation mode until the returned handle is disposed, which gives every module back its own mode (a model
    /// with a frozen, evaluating part keeps it so). PyTorch: <c>was_training = model.training; model.eval(); ...;
    /// model.train(was_training)</c>, per module.
    /// </summary>
    public IDisposable EvalMode()
    {
        var modes = NamedModules().Select(m => (m.Module, m.Module.IsTraining)).ToList();
        Eval();
        return new ModeRestorer(modes);
    }

    sealed class ModeRestorer(List<(Module Module, bool IsTraining)> modes) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (module, training) in modes) module.IsTraining = training;
        }
    }

    /// <summary>
    /// Converts every floating-point parameter and buffer to <paramref name="dtype"/> (integer buffers such as
    /// num_batches_tracked keep int64); returns this. The <see cref="Parameter"/> objects stay the same, their
    /// <see cref="ModuleTensor.Value"/> is replaced and any gradient dropped. PyTorch: <c>module.to(dtype)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A non-floating <paramref name="dtype"/>.</exception>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{TypeName}.To: parameters and buffers convert to a floating-point dtype, got {dtype.TorchName()}");
        foreach (var parameter in Parameters()) parameter.ConvertTo(dtype);
        foreach (var buffer in Buffers()) buffer.ConvertTo(dtype);
        return this;
    }

    /// <summary>Drops every parameter's gradient (PyTorch's default <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in Parameters()) parameter.Value.ZeroGrad();
    }

    /// <summary>Disposes the parameters and buffers of this module and every descendant. Idempotent.</summary>
    public void Dispose()
    {
        foreach (var (_, module) in NamedModules())
        {
            foreach (var (_, parameter) in module._parameters) parameter.Dispose();
            foreach (var (_, buffer) in module._buffers) buffer.Dispose();
            module._disposed = true;
        }
    }

    /// <summary>The layer's settings for <see cref="ToString"/>, e.g. "3, 64, kernel=7, stride=2". PyTorch: <c>extra_repr</c>.</summary>
    protected virtual string ExtraRepr => "";

    /// <summary>PyTorch-style nested text: <c>TypeName(settings)</c>, then one indented line per child.</summary>
    public override string ToString()
    {
        if (_children.Count == 0) return $"{TypeName}({ExtraRepr})";
        var text = new StringBuilder(TypeName).Append("(\n");
        if (ExtraRepr.Length > 0) text.Append("  ").Append(ExtraRepr).Append('\n');
        foreach (var (name, child) in _children)
            text.Append("  (").Append(name).Append("): ").Append(child.ToString().Replace("\n", "\n  ")).Append('\n');
        return text.Append(')').ToString();
    }
}
