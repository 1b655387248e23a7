using System.Text;

namespace MiniNet;

/// <summary>One recorded op: its inputs, its output and the closure that sends the output's gradient back.</summary>
public sealed class TapeEntry
{
    internal TapeEntry(long sequence, string op, Tensor output, Tensor[] inputs, Action<Tensor> backward)
    {
        Sequence = sequence;
        Op = op;
        Output = output;
        Inputs = inputs;
        BackwardFn = backward;
        OutputShape = output._shape;
        InputShapes = Array.ConvertAll(inputs, t => t._shape);
    }

    internal long Sequence { get; }
    internal Action<Tensor>? BackwardFn;
    internal Tensor Output;
    internal Tensor[] Inputs;

    /// <summary>The op's name, e.g. "matmul".</summary>
    public string Op { get; }

    /// <summary>Shapes of the inputs, kept after release so the graph can still be printed.</summary>
    public IReadOnlyList<int[]> InputShapes { get; }

    /// <summary>Shape of the output.</summary>
    public int[] OutputShape { get; }

    /// <summary>True once a backward consumed it (without retaining) or its scope ended.</summary>
    public bool Released => BackwardFn is null;

    internal void Release()
    {
        if (Released) return;
        BackwardFn = null;
        foreach (var t in Inputs) t._storage.TapeUses--;
        Output._storage.TapeUses--;
        Inputs = [];
    }

    /// <summary>One line: <c>matmul([2,3], [3,4]) -> [2,4]</c>.</summary>
    public override string ToString() =>
        $"{Op}({string.Join(", ", InputShapes.Select(s => Shapes.Format(s)))}) -> {Shapes.Format(OutputShape)}";
}

/// <summary>
/// The per-thread record of differentiable ops, in execution order. While recording is on, every op whose
/// inputs require grad appends one entry; <see cref="Tensor.Backward(Tensor?, bool)"/> walks it in reverse.
/// Backward runs with recording off: MiniNet has no higher-order gradients.
/// </summary>
public sealed class Tape
{
    [ThreadStatic] static Tape? _current;
    [ThreadStatic] static int _noGradDepth;
    [ThreadStatic] static int _anomalyDepth;
    [ThreadStatic] static bool _inBackward;

    readonly List<TapeEntry> _entries = new();
    long _nextSequence;

    /// <summary>This thread's tape.</summary>
    public static Tape Current => _current ??= new Tape();

    /// <summary>False inside <see cref="Tensor.NoGrad"/> and during backward.</summary>
    public static bool IsRecording => _noGradDepth == 0;

    /// <summary>True inside <see cref="Tensor.DetectAnomaly"/>.</summary>
    public static bool AnomalyDetection => _anomalyDepth > 0;

    /// <summary>The entries not yet released, oldest first.</summary>
    public IReadOnlyList<TapeEntry> Entries => _entries;

    internal int EntryCount => _entries.Count;
    internal long NextSequence => _nextSequence;

    /// <summary>
    /// Records <paramref name="output"/> as made by <paramref name="op"/> from <paramref name="inputs"/>, when
    /// recording is on and some input requires grad; returns <paramref name="output"/> either way. The closure
    /// receives dL/d(output) and must add each input's share with <see cref="Tensor.AccumulateGrad"/>.
    /// </summary>
    public static Tensor Record(string op, Tensor output, Tensor[] inputs, Action<Tensor> backward)
    {
        // Ops inside a backward closure are not checked one by one: their result is checked as that entry's gradient.
        if (AnomalyDetection && !_inBackward) Anomaly.CheckForward(op, output, inputs);
        if (Profiler.IsOn) Profiler.Forward(op);
        OpTrace.Current?.Observe(op, output, inputs); // see "Note: op tracing" in OpTrace.cs
        if (!IsRecording) return output;
        bool any = false;
        foreach (var t in inputs) any |= t.RequiresGrad;
        if (!any) return output;
        var tape = Current;
        var entry = new TapeEntry(tape._nextSequence++, op, output, inputs, backward);
        foreach (var t in inputs) t._storage.TapeUses++;
        output._storage.TapeUses++;
        output.GradFn = entry;
        output.MarkRequiresGrad();
        tape._entries.Add(entry);
        return output;
    }

    internal void TruncateTo(long sequenceMark)
    {
        while (_entries.Count > 0 && _entries[^1].Sequence >= sequenceMark)
        {
            _entries[^1].Release();
            _entries.RemoveAt(_entries.Count - 1);
        }
    }

    /// <summary>Releases every entry (drops references; frees nothing the user holds).</summary>
    public void Clear() => TruncateTo(long.MinValue);

    internal void RunBackward(Tensor root, Tensor gradRoot, bool retainGraph)
    {
        var rootEntry = root.GradFn!;
        int start = _entries.IndexOf(rootEntry);
        if (start < 0 || rootEntry.Released)
            throw new InvalidOperationException(
                $"backward: the tape entry of '{rootEntry.Op}' {Shapes.Format(rootEntry.OutputShape)} was already released; " +
                "a second backward needs the first to pass retainGraph: true");

        using var noGrad = Tensor.NoGrad();
        using var profile = Profiler.Enter("backward (tape walk)");
        root.Grad = gradRoot;
        for (int i = start; i >= 0; i--)
        {
            var entry = _entries[i];
            if (entry.Released) continue;
            var gradOut = entry.Output.Grad;
            if (gradOut is null) continue;
            entry.Output.Grad = null;
            using (var scope = Tensor.Scope())
            using (Profiler.EnterBackward(entry.Op))
            {
                _inBackward = true;
                try { entry.BackwardFn!(gradOut); }
                finally { _inBackward = false; }
                if (AnomalyDetection) Anomaly.CheckBackward(entry);
            }
            gradOut.Dispose();
            if (!retainGraph) entry.Release();
        }
        _entries.RemoveAll(e => e.Released);
    }

    /// <summary>One line per live entry, oldest first: <c>#3 matmul([2,3], [3,4]) -> [2,4]</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < _entries.Count; i++) sb.Append('#').Append(i).Append(' ').Append(_entries[i]).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// Graphviz DOT of the live entries: ops as boxes, tensors as ellipses labelled with their shapes, leaves
    /// that require grad highlighted. Render with <c>dot -Tsvg</c>.
    /// </summary>
    public string ToDot()
    {
        var sb = new StringBuilder("digraph tape {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        var ids = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        string TensorNode(Tensor t)
        {
            if (ids.TryGetValue(t, out var id)) return id;
            id = "t" + ids.Count;
            ids[t] = id;
            string style = t.IsLeaf && t.RequiresGrad ? ", style=filled, fillcolor=lightblue" : "";
            sb.Append($"  {id} [shape=ellipse, label=\"{Shapes.Format(t._shape)}\"{style}];\n");
            return id;
        }
        for (int i = 0; i < _entries.Count; i++)
        {
            var e = _entries[i];
            sb.Append($"  op{i} [shape=box, label=\"{e.Op}\"];\n");
            foreach (var input in e.Inputs)
            {
                string from = TensorNode(input);
                sb.Append($"  {from} -> op{i};\n");
            }
            string to = TensorNode(e.Output);
            sb.Append($"  op{i} -> {to};\n");
        }
        return sb.Append("}\n").ToString();
    }

    internal static IDisposable EnterNoGrad()
    {
        _noGradDepth++;
        return new Exit(static () => _noGradDepth--);
    }

    internal static IDisposable EnterAnomaly()
    {
        _anomalyDepth++;
        return new Exit(static () => _anomalyDepth--);
    }

    sealed class Exit(Action onExit) : IDisposable
    {
        bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            onExit();
        }
    }
}

/// <summary>Thrown in anomaly mode by the first op whose forward or backward makes a NaN or infinity.</summary>
public sealed class AnomalyException(string message) : Exception(message);

static class Anomaly
{
    internal static void CheckForward(string op, Tensor output, Tensor[] inputs)
    {
        if (output.DType.IsFloatingPoint() && !AllFinite(output))
            throw new AnomalyException(
                $"anomaly: forward of '{op}' produced NaN or Inf; inputs {string.Join(", ", inputs.Select(t => Shapes.Format(t._shape)))}, output {Shapes.Format(output._shape)}");
    }

    internal static void CheckBackward(TapeEntry entry)
    {
        foreach (var input in entry.Inputs)
            if (input.Grad is { } g && !AllFinite(g))
                throw new AnomalyException(
                    $"anomaly: backward of '{entry.Op}' produced NaN or Inf in the gradient of its input {Shapes.Format(input._shape)}; entry {entry}");
    }

    static bool AllFinite(Tensor t) => t.DType switch
    {
        DType.Float32 => AllFinite(t.Span<float>()),
        DType.Float64 => AllFinite(t.Span<double>()),
        _ => true,
    };

    static bool AllFinite<T>(ReadOnlySpan<T> values) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        foreach (var v in values) if (!T.IsFinite(v)) return false;
        return true;
    }
}

public sealed partial class Tensor
{
    /// <summary>
    /// Stops recording on this thread until disposed. PyTorch: <c>torch.no_grad()</c>. Use with <c>using</c>.
    /// </summary>
    public static IDisposable NoGrad() => Tape.EnterNoGrad();

    /// <summary>
    /// Anomaly mode until disposed: the first op whose forward or backward makes a NaN/Inf throws
    /// <see cref="AnomalyException"/> naming the op and its shapes. PyTorch: <c>torch.autograd.detect_anomaly()</c>.
    /// </summary>
    public static IDisposable DetectAnomaly() => Tape.EnterAnomaly();

    /// <summary>
    /// Sends gradients from this tensor back through the tape, adding to <see cref="Grad"/> of every leaf that
    /// requires grad. <paramref name="gradOutput"/> defaults to 1 for a one-element tensor. The tape entries used
    /// are released unless <paramref name="retainGraph"/>; tensors the caller holds stay valid either way.
    /// </summary>
    /// <exception cref="InvalidOperationException">No gradient path, a non-scalar without gradOutput, or a second
    /// backward over a released tape.</exception>
    /// <exception cref="ArgumentException">A gradOutput whose shape or dtype differs from this tensor's.</exception>
    public void Backward(Tensor? gradOutput = null, bool retainGraph = false)
    {
        ThrowIfDisposed();
        if (!RequiresGrad) throw new InvalidOperationException($"backward: tensor {Shapes.Format(_shape)} made by '{Creator}' does not require grad");
        if (gradOutput is null && Count != 1)
            throw new InvalidOperationException($"backward: gradOutput is needed for a non-scalar output {Shapes.Format(_shape)}");
        if (gradOutput is not null && (!Shapes.Equal(gradOutput._shape, _shape) || gradOutput.DType != DType))
            throw new ArgumentException($"backward: gradOutput {Shapes.Format(gradOutput._shape)} {gradOutput.DType} does not match output {Shapes.Format(_shape)} {DType}");

        Tensor seed;
        using (NoGrad()) seed = gradOutput is null ? OnesLike(this) : gradOutput.CloneDetached();
        seed.Unscoped();
        if (IsLeaf)
        {
            using (NoGrad()) AccumulateGrad(seed);
            seed.Dispose();
            return;
        }
        Tape.Current.RunBackward(this, seed, retainGraph);
    }

    /// <summary>
    /// Adds <paramref name="grad"/> into this tensor's gradient, first summing away broadcast dimensions so it
    /// matches <see cref="Shape"/>: the one place where broadcasting is undone. Does nothing when this tensor does
    /// not require grad. For use inside backward closures (custom ops too); a temporary made in the closure may be
    /// taken over as the gradient instead of copied.
    /// </summary>
    public void AccumulateGrad(Tensor grad)
    {
        if (!RequiresGrad) return;
        using var profile = Profiler.Enter("accumulate_grad");
        if (grad.DType != DType)
            throw new InvalidOperationException($"accumulate_grad: gradient {grad.DType} for a {DType} tensor {Shapes.Format(_shape)} made by '{Creator}'");
        if (!Shapes.Equal(grad._shape, _shape)) grad = grad.SumToShape(_shape);
        if (Grad is null)
        {
            var scope = TensorScope.Current;
            bool ownTemporary = grad.OwnerScope is not null && grad.OwnerScope == scope && grad._storage.RefCount == 1 && grad.IsLeaf;
            Grad = ownTemporary ? grad.Unscoped() : grad.CloneDetached().Unscoped();
        }
        else
        {
            Kernels.Elementwise.AddInto(Grad, grad);
        }
    }
}
