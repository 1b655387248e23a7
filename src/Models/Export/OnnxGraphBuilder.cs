using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace MiniNet.Models.Export;

// The graph side of the export: value names, initializers, nodes and the graph's input and output. Which nodes each
// traced op becomes is in OnnxOpMapping.cs. Names: "input" and "logits" for the graph's ends, state-dict names for
// parameters and buffers, const_k for other constants, and LAYER/OpType_output for the rest, where LAYER is the
// dotted name of the module whose output it is (else of its parameters' module, else of the layer that uses it).
sealed partial class OnnxGraphBuilder
{
    const string BatchDim = "batch";

    readonly GraphProto _graph = new();
    readonly Dictionary<Tensor, string> _names = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<Tensor, string> _stateNames;
    readonly IReadOnlyDictionary<Tensor, (string Name, string Type)> _layers;
    readonly Dictionary<Tensor, TracedOp> _producers = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<Tensor, TracedOp> _firstConsumers = new(ReferenceEqualityComparer.Instance);
    readonly HashSet<Tensor> _batchDependent = new(ReferenceEqualityComparer.Instance);
    readonly HashSet<string> _nodeNames = [];
    int _constants;

    OnnxGraphBuilder(Dictionary<Tensor, string> stateNames, IReadOnlyDictionary<Tensor, (string Name, string Type)> layers) =>
        (_stateNames, _layers) = (stateNames, layers);

    /// <summary>The graph computing <paramref name="output"/> from <paramref name="input"/> by the traced ops that lead to it.</summary>
    public static GraphProto Build(string name, Tensor input, Tensor output, IReadOnlyList<TracedOp> ops,
        Dictionary<Tensor, string> stateNames, IReadOnlyDictionary<Tensor, (string Name, string Type)> layers)
    {
        var builder = new OnnxGraphBuilder(stateNames, layers);
        builder._graph.Name = name;
        builder.Run(input, output, ops);
        return builder._graph;
    }

    void Run(Tensor input, Tensor output, IReadOnlyList<TracedOp> ops)
    {
        foreach (var op in ops)
        {
            _producers[op.Output] = op;
            foreach (var t in op.Inputs)
                if (t is not null) _firstConsumers.TryAdd(t, op);
        }
        _batchDependent.Add(input);
        foreach (var op in ops)
            if (op.Inputs.Any(t => t is not null && _batchDependent.Contains(t))) _batchDependent.Add(op.Output);

        _names[input] = "input";
        _graph.Input.Add(ValueInfo("input", input.Shape, batch: true));
        bool produced = _producers.ContainsKey(output) && !ReferenceEquals(output, input);
        if (produced) _names[output] = "logits";
        foreach (var op in Reachable(output, ops)) Map(op);
        if (!produced) // the output is the input or a state tensor: ONNX needs a node to name it "logits"
            _graph.Node.Add(new NodeProto { Name = "Identity", OpType = "Identity", Input = { Name(output) }, Output = { "logits" } });
        _graph.Output.Add(ValueInfo("logits", output.Shape, batch: _batchDependent.Contains(output)));
    }

    // The ops the output depends on, in trace (execution) order: anything else the forward ran is left out.
    List<TracedOp> Reachable(Tensor output, IReadOnlyList<TracedOp> ops)
    {
        var needed = new HashSet<TracedOp>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Tensor>([output]);
        while (pending.Count > 0)
            if (_producers.TryGetValue(pending.Pop(), out var op) && needed.Add(op))
                foreach (var t in op.Inputs)
                    if (t is not null) pending.Push(t);
        return [.. ops.Where(needed.Contains)];
    }

    /// <summary>The value name of <paramref name="tensor"/>, adding an initializer for a state tensor or a constant.</summary>
    string Name(Tensor tensor)
    {
        if (_names.TryGetValue(tensor, out var name)) return name;
        name = _stateNames.TryGetValue(tensor, out var stateName) ? stateName : $"const_{_constants++}";
        _graph.Initializer.Add(Initializer(name, tensor));
        return _names[tensor] = name;
    }

    /// <summary>Adds a float32 or int64 constant that no MiniNet tensor holds (pads, shapes, a default BN scale).</summary>
    string Constant(string name, int[] shape, float[]? floats = null, long[]? longs = null)
    {
        var proto = new TensorProto { Name = name, Dims = { shape.Select(d => (long)d) } };
        if (floats is not null) (proto.DataType, proto.RawData) = ((int)TensorProto.Types.DataType.Float, Bytes<float>(floats));
        else (proto.DataType, proto.RawData) = ((int)TensorProto.Types.DataType.Int64, Bytes<long>(longs!));
        _graph.Initializer.Add(proto);
        return name;
    }

    static TensorProto Initializer(string name, Tensor tensor)
    {
        var proto = new TensorProto { Name = name, Dims = { tensor.Shape.Select(d => (long)d) } };
        (proto.DataType, proto.RawData) = tensor.DType switch
        {
            DType.Float32 => ((int)TensorProto.Types.DataType.Float, Bytes(tensor.Data<float>())),
            DType.Int64 => ((int)TensorProto.Types.DataType.Int64, Bytes(tensor.Data<long>())),
            _ => throw new NotSupportedException($"onnx export: constant '{name}' {Shapes.Format(tensor.Shape)} is {tensor.DType.TorchName()}; only float32 and int64 are written"),
        };
        return proto;
    }

    // ONNX raw_data is little-endian, as every platform .NET runs MiniNet on.
    static ByteString Bytes<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        BitConverter.IsLittleEndian ? ByteString.CopyFrom(MemoryMarshal.AsBytes(values))
            : throw new PlatformNotSupportedException("onnx export: needs a little-endian machine");

    static ValueInfoProto ValueInfo(string name, int[] shape, bool batch)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto() };
        for (int d = 0; d < shape.Length; d++)
            tensorType.Shape.Dim.Add(d == 0 && batch
                ? new TensorShapeProto.Types.Dimension { DimParam = BatchDim }
                : new TensorShapeProto.Types.Dimension { DimValue = shape[d] });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    /// <summary>Adds one node for <paramref name="op"/>; its output becomes the op's output value.</summary>
    void Node(TracedOp op, string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string name = UniqueNodeName($"{Layer(op).Name}/{opType}");
        if (!_names.TryGetValue(op.Output, out var output)) output = _names[op.Output] = name + "_output";
        _graph.Node.Add(new NodeProto { Name = name, OpType = opType, Input = { inputs }, Output = { output }, Attribute = { attributes } });
    }

    string UniqueNodeName(string name)
    {
        string unique = name;
        for (int k = 2; !_nodeNames.Add(unique); k++) unique = $"{name}_{k}";
        return unique;
    }

    /// <summary>The layer an op belongs to: the module whose output it made, else its parameters' module, else its first user's.</summary>
    (string Name, string Type) Layer(TracedOp op)
    {
        for (var current = op; current is not null; current = _firstConsumers.GetValueOrDefault(current.Output))
        {
            if (_layers.TryGetValue(current.Output, out var layer) && layer.Name.Length > 0) return layer;
            foreach (var t in current.Inputs)
                if (t is not null && _stateNames.TryGetValue(t, out var state) && state.LastIndexOf('.') is > 0 and var dot)
                    return (state[..dot], "");
        }
        return (op.Op, "");
    }

    /// <summary>The export error for <paramref name="op"/>: op, layer, input and output shapes, then why.</summary>
    NotSupportedException Unsupported(TracedOp op, string why)
    {
        var (layer, type) = Layer(op);
        string where = type.Length > 0 ? $"layer '{layer}' ({type})" : $"'{layer}'";
        string inputs = string.Join(", ", op.Inputs.Where(t => t is not null).Select(t => Shapes.Format(t!.Shape)));
        return new NotSupportedException($"onnx export: {op.Op} in {where}, input {inputs} -> output {Shapes.Format(op.Output.Shape)}: {why}");
    }

    static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    static AttributeProto Ints(string name, params long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    static AttributeProto Float(string name, double value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
}
