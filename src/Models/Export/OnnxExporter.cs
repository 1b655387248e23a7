using Google.Protobuf;
using MiniNet.Layers;
using Onnx;

namespace MiniNet.Models.Export;

// Note: how a model becomes ONNX. Nothing is written per model: one evaluation-mode forward runs under an OpTrace
// (MiniNet.Autograd's op recorder), and each traced op reachable from the logits becomes ONNX nodes
// (OnnxGraphBuilder). Parameters and buffers are recognised by tensor identity and become initializers under their
// state-dict names; every other tensor an op reads that no traced op made (a scalar constant) becomes an initializer
// const_k. BatchNorm stays a BatchNormalization node (not folded into the conv before it), so the exported weights are
// exactly the state dict's. Dropout in evaluation mode returns its input and leaves no trace. Ops ONNX cannot express
// exactly (uneven adaptive pooling, non-constant padding modes, batch statistics, ops with no mapping) throw
// NotSupportedException naming the op, its layer and its shapes, before any byte is written.

/// <summary>
/// Writes a trained <see cref="Classifier"/> as an ONNX model for inference: the main path in evaluation mode (no
/// auxiliary heads), traced from one forward and mapped op by op (see "Note: how a model becomes ONNX" in
/// OnnxExporter.cs). The graph input is "input", float32 [batch, C, H, W] with a dynamic batch dimension; the output
/// is "logits", [batch, classes]. ONNX op types used: Conv, BatchNormalization, Relu, MaxPool, AveragePool,
/// GlobalAveragePool, Concat, Gemm, MatMul, Flatten, Reshape, Add, Pad (constant) and Identity.
/// PyTorch: <c>torch.onnx.export(model.eval(), x, path, opset_version=17, input_names=["input"],
/// output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})</c>.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The opset written when none is named: 17.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The oldest opset that can be written: 13.</summary>
    public const int MinOpset = 13;

    /// <summary>The newest opset that can be written: 22.</summary>
    public const int MaxOpset = 22;

    /// <summary>
    /// Traces <paramref name="model"/> in evaluation mode on a zero input of <paramref name="inputShape"/> and writes
    /// the ONNX model to <paramref name="path"/>, replacing it atomically (<see cref="AtomicFile.Write"/>), so a
    /// failed export leaves any earlier file whole. The model's training/evaluation mode is restored afterwards.
    /// </summary>
    /// <param name="model">A float32 classifier; its parameters and buffers become the initializers.</param>
    /// <param name="inputShape">[N, C, H, W] of the trace; N is exported as the dynamic dimension "batch".</param>
    /// <param name="path">The .onnx file to write (replaced if it exists); its folder must exist.</param>
    /// <param name="opset">The ONNX opset, <see cref="MinOpset"/> to <see cref="MaxOpset"/>.</param>
    /// <exception cref="ArgumentException">An input shape that is not [N,C,H,W] with sizes of at least 1, or one the
    /// model cannot take (the message of the layer that refused it).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An opset outside <see cref="MinOpset"/>..<see cref="MaxOpset"/>.</exception>
    /// <exception cref="NotSupportedException">A model that is not float32, or an op ONNX cannot express exactly;
    /// the message names the op, its layer and its shapes.</exception>
    public static void Export(Classifier model, int[] inputShape, string path, int opset = DefaultOpset)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var proto = Build(model, inputShape, opset);
        AtomicFile.Write(path, proto.WriteTo);
    }

    /// <summary>
    /// As <see cref="Export(Classifier, int[], string, int)"/>, writing the ONNX bytes to <paramref name="stream"/>
    /// (left open) after the whole model has been traced and mapped.
    /// </summary>
    /// <param name="model">A float32 classifier.</param>
    /// <param name="inputShape">[N, C, H, W] of the trace; N is exported as the dynamic dimension "batch".</param>
    /// <param name="stream">Where to write the model.</param>
    /// <param name="opset">The ONNX opset, <see cref="MinOpset"/> to <see cref="MaxOpset"/>.</param>
    /// <exception cref="ArgumentException">As the path overload.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As the path overload.</exception>
    /// <exception cref="NotSupportedException">As the path overload.</exception>
    public static void Export(Classifier model, int[] inputShape, Stream stream, int opset = DefaultOpset)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Build(model, inputShape, opset).WriteTo(stream);
    }

    /// <summary>Traces and maps the model: the whole export but the writing.</summary>
    internal static ModelProto Build(Classifier model, int[] inputShape, int opset)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (opset < MinOpset || opset > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), $"onnx export: opset must be {MinOpset} to {MaxOpset}, got {opset}");
        if (inputShape.Length != 4 || inputShape.Any(size => size < 1))
            throw new ArgumentException($"onnx export: input shape must be [N,C,H,W] with every size at least 1, got {Shapes.Format(inputShape)}", nameof(inputShape));
        var state = model.NamedParameters().Select(p => (p.Name, (ModuleTensor)p.Parameter))
            .Concat(model.NamedBuffers().Select(b => (b.Name, (ModuleTensor)b.Buffer))).ToList();
        if (state.FirstOrDefault(s => s.Item2.DType.IsFloatingPoint() && s.Item2.DType != DType.Float32) is { Name: not null } other)
            throw new NotSupportedException($"onnx export: {model.TypeName} must be float32 (its input is), but '{other.Name}' is " +
                $"{other.Item2.DType.TorchName()} {Shapes.Format(other.Item2.Shape)}; convert it with model.To(DType.Float32)");

        var modes = model.NamedModules().Select(m => (m.Module, m.Module.IsTraining)).ToList();
        var layers = new Dictionary<Tensor, (string Name, string Type)>(ReferenceEqualityComparer.Instance);
        var hooks = model.NamedModules().Select(m => m.Module.RegisterForwardHook((_, _, output) => layers.TryAdd(output, (m.Name, m.Module.TypeName)))).ToList();
        try
        {
            model.Eval();
            using var noGrad = Tensor.NoGrad();
            using var scope = Tensor.Scope(); // the trace's tensors die here; the graph is built (data copied) before
            var input = Tensor.Zeros(inputShape);
            Tensor logits;
            IReadOnlyList<TracedOp> ops;
            using (var trace = OpTrace.Start())
            {
                logits = model.Call(input);
                ops = trace.Ops;
            }
            var stateNames = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
            foreach (var (name, tensor) in state) stateNames.TryAdd(tensor.Value, name);
            var graph = OnnxGraphBuilder.Build(model.TypeName, input, logits, ops, stateNames, layers);
            return new ModelProto
            {
                IrVersion = IrVersion(opset),
                ProducerName = "MiniNet",
                ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
                DocString = $"{model.TypeName} in evaluation mode, traced on input {Shapes.Format(inputShape)}",
                OpsetImport = { new OperatorSetIdProto { Domain = "", Version = opset } },
                Graph = graph,
            };
        }
        finally
        {
            foreach (var hook in hooks) hook.Dispose();
            foreach (var (module, training) in modes) module.Train(training); // parents first: each child ends in its own mode
        }
    }

    // The newest IR version each opset came with (onnx/helper.py's VERSION_TABLE): what readers check the file against.
    static long IrVersion(int opset) => opset switch { <= 14 => 7, <= 18 => 8, <= 20 => 9, _ => 10 };
}
