using MiniNet.Kernels;

namespace MiniNet;

// Note: op tracing. A trace is a flat list of the ops one forward ran, each with its input tensors, its output tensor
// and the settings an exporter needs (an ONNX exporter maps each entry to nodes; see MiniNet.Models.Export). The ops an
// exporter understands report themselves with one line just before their Tape.Record: `OpTrace.Current?.Add(...)`,
// which costs one thread-static read when no trace is active (the arguments are not even evaluated). Every other op is
// still seen, through the same one-line hook in Tape.Record, and listed with Reported = false, so an exporter can
// refuse it by name instead of mistaking its output for a constant. Recording lives in the forward only: never in a
// backward closure. Ops that return their input (dropout in eval, p = 0) make no entry: the tensor flows through.

/// <summary>The settings of one traced op; one record per op family (see "Note: op tracing" in OpTrace.cs).</summary>
public abstract record OpAttributes;

/// <summary>conv2d as run: stride, padding on four sides ("same" resolved; zero padding only, other padding modes
/// appear as a separate pad2d entry before it), dilation and groups, all in <paramref name="Geometry"/>.</summary>
/// <param name="Geometry">The validated geometry the kernel ran with.</param>
/// <param name="HasBias">Whether a bias was passed (then it is the third input).</param>
public sealed record Conv2dAttributes(Conv2dGeometry Geometry, bool HasBias) : OpAttributes;

/// <summary>max_pool2d or avg_pool2d: kernel, stride, padding, dilation and ceil mode in <paramref name="Geometry"/>.</summary>
/// <param name="Geometry">The validated geometry (dilation 1 for average pooling).</param>
/// <param name="CountIncludePad">Average pooling: padding counted in the divisor; false for max pooling.</param>
public sealed record Pool2dAttributes(Pool2dGeometry Geometry, bool CountIncludePad) : OpAttributes;

/// <summary>adaptive_avg_pool2d (global average pooling is the output size 1×1).</summary>
/// <param name="Geometry">Input and output sizes.</param>
public sealed record AdaptiveAvgPool2dAttributes(AdaptivePool2dGeometry Geometry) : OpAttributes;

/// <summary>batch_norm; its inputs are [input, running_mean, running_var, weight, bias], null where not given.</summary>
/// <param name="Eps">Added to the variance before the square root.</param>
/// <param name="Momentum">Weight of the batch statistics in the running update (training only).</param>
/// <param name="Training">True when batch statistics were used (not exportable as inference).</param>
public sealed record BatchNormAttributes(double Eps, double Momentum, bool Training) : OpAttributes;

/// <summary>cat along <paramref name="Dim"/> (normalized, non-negative).</summary>
/// <param name="Dim">The joined dim.</param>
public sealed record CatAttributes(int Dim) : OpAttributes;

/// <summary>reshape (and flatten, which is a reshape) to <paramref name="Shape"/>, -1 resolved.</summary>
/// <param name="Shape">The output shape.</param>
public sealed record ReshapeAttributes(int[] Shape) : OpAttributes;

/// <summary>pad (constant) or pad2d (reflect, replicate, circular).</summary>
/// <param name="Pad">(before, after) pairs from the LAST dim, as <c>F.pad</c>: [left, right, top, bottom] for pad2d.</param>
/// <param name="Value">The constant of constant padding.</param>
/// <param name="Mode">Zeros for constant padding (whatever <paramref name="Value"/>), else the mode.</param>
public sealed record PadAttributes(int[] Pad, double Value, PaddingMode Mode) : OpAttributes;

/// <summary>One traced op (see "Note: op tracing" in OpTrace.cs).</summary>
/// <param name="Op">The op's name, as on the tape: "conv2d", "relu", ...</param>
/// <param name="Inputs">Its inputs in the op's order; null stands for an optional input not given (a conv2d bias,
/// batch_norm's weight, bias or statistics).</param>
/// <param name="Output">Its output.</param>
/// <param name="Attributes">Its settings; null for ops without any (relu, add, matmul, linear) and for unreported ops.</param>
/// <param name="Reported">True when the op described itself for export; false when it was only seen by the tape.</param>
public sealed record TracedOp(string Op, IReadOnlyList<Tensor?> Inputs, Tensor Output, OpAttributes? Attributes, bool Reported);

/// <summary>
/// Records, on this thread, every op run while it is active, in execution order: a way to turn one forward into a
/// graph (ONNX export). Start with <c>using var trace = OpTrace.Start();</c>; traces nest (the inner one records).
/// Tensors are held by reference, not kept alive: read what you need before their scope ends.
/// </summary>
public sealed class OpTrace : IDisposable
{
    [ThreadStatic] static OpTrace? _current;

    readonly OpTrace? _outer;
    readonly List<TracedOp> _ops = [];
    readonly HashSet<Tensor> _outputs = new(ReferenceEqualityComparer.Instance);
    bool _disposed;

    OpTrace(OpTrace? outer) => _outer = outer;

    /// <summary>This thread's active trace, or null (the common case: ops then record nothing).</summary>
    public static OpTrace? Current => _current;

    /// <summary>Starts recording on this thread until the returned trace is disposed.</summary>
    public static OpTrace Start() => _current = new OpTrace(_current);

    /// <summary>The ops recorded so far, oldest first.</summary>
    public IReadOnlyList<TracedOp> Ops => _ops;

    /// <summary>Reports one op; called by the op itself, before its <see cref="Tape.Record"/>.</summary>
    internal void Add(string op, Tensor?[] inputs, Tensor output, OpAttributes? attributes = null)
    {
        if (_outputs.Add(output)) _ops.Add(new TracedOp(op, inputs, output, attributes, Reported: true));
    }

    /// <summary>Called by <see cref="Tape.Record"/> for every op: lists those that did not report themselves.</summary>
    internal void Observe(string op, Tensor output, Tensor[] inputs)
    {
        if (_outputs.Add(output)) _ops.Add(new TracedOp(op, inputs, output, null, Reported: false));
    }

    /// <summary>Stops recording (the enclosing trace, if any, becomes current again). Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (ReferenceEquals(_current, this)) _current = _outer;
    }
}
