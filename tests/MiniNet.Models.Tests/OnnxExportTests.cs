using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MiniNet.Models.Export;

namespace MiniNet.Models.Tests;

/// <summary>
/// OnnxExporter: each model, exported after its BatchNorms have non-trivial running statistics and affine parameters,
/// gives MiniNet's evaluation-mode logits in ONNX Runtime for a batch of 3 and of 1 (the batch dimension is dynamic),
/// with the oracle's float32 rule max|onnx - mini| &lt;= 1e-6 + 1e-4·max|mini|; the graph holds only the mapped op
/// types and state-dict names; layers ONNX cannot express exactly are refused by name before any file is written.
/// </summary>
public class OnnxExportTests
{
    static readonly string[] MappedOps =
        ["Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "Concat", "Gemm", "Flatten", "Reshape", "Add", "Identity"];

    static readonly Dictionary<string, Func<Classifier>> Models = new()
    {
        ["MiniGoogLeNet"] = () => new MiniGoogLeNet(new Generator(1)),
        ["MiniInceptionV3"] = () => new MiniInceptionV3(new Generator(2)),
        ["MiniMobileNet"] = () => new MiniMobileNet(new Generator(3)),
    };

    public static TheoryData<string> ModelNames() => new(Models.Keys);

    [Theory, MemberData(nameof(ModelNames))]
    public void Exported_model_gives_MiniNet_eval_logits_in_OnnxRuntime_for_batch_3_and_1(string name)
    {
        using var model = Models[name]();
        BatchNormStir.Stir(model);
        byte[] onnx = Export(model, [1, 1, 28, 28]);
        Assert.True(model.IsTraining); // the export traced in evaluation mode and put the model back

        using var scope = Tensor.Scope();
        var images = Tensor.Normal([3, 1, 28, 28], generator: new Generator(11));
        model.Eval();
        float[] expected;
        using (Tensor.NoGrad()) expected = model.Call(images).ToArray<float>();
        int classes = expected.Length / 3;

        AssertClose(expected, RunOnnx(onnx, images.ToArray<float>(), [3, 1, 28, 28]), $"{name}, batch 3");
        AssertClose(expected[..classes], RunOnnx(onnx, images.ToArray<float>()[..784], [1, 1, 28, 28]), $"{name}, batch 1");
    }

    [Theory, MemberData(nameof(ModelNames))]
    public void Graph_has_only_mapped_ops_named_ends_a_dynamic_batch_and_the_main_paths_state(string name)
    {
        using var model = Models[name]();
        model.Eval();
        var proto = Onnx.ModelProto.Parser.ParseFrom(Export(model, [2, 1, 28, 28]));
        Assert.False(model.IsTraining);

        Assert.All(proto.Graph.Node, node => Assert.Contains(node.OpType, MappedOps));
        Assert.Equal(17, proto.OpsetImport.Single().Version);
        var input = Assert.Single(proto.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal(["batch", "", "", ""], input.Type.TensorType.Shape.Dim.Select(d => d.DimParam));
        Assert.Equal([0L, 1, 28, 28], input.Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        var output = Assert.Single(proto.Graph.Output);
        Assert.Equal("logits", output.Name);
        Assert.Equal("batch", output.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(10, output.Type.TensorType.Shape.Dim[1].DimValue);

        var state = model.NamedParameters().Select(p => p.Name).Concat(model.NamedBuffers().Select(b => b.Name)).ToHashSet();
        var initializers = proto.Graph.Initializer.Select(i => i.Name).ToList();
        Assert.Contains("conv1.conv.weight", initializers);
        Assert.Contains("conv1.bn.running_var", initializers);
        Assert.Contains("fc.bias", initializers);
        Assert.All(initializers, i => Assert.Contains(i, state)); // no aux head, no num_batches_tracked: only what the main path reads
        Assert.DoesNotContain(initializers, i => i.StartsWith("aux") || i.EndsWith("num_batches_tracked"));
        Assert.Equal(initializers.Count, initializers.Distinct().Count());
    }

    [Theory]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(22)]
    public void Same_padding_dilation_groups_ceil_mode_pools_and_even_adaptive_pooling_export_exactly(int opset)
    {
        using var model = new Gadgets();
        BatchNormStir.Stir(model);
        byte[] onnx = Export(model, [1, 1, 28, 28], opset);
        var proto = Onnx.ModelProto.Parser.ParseFrom(onnx);
        Assert.Equal(["Conv", "BatchNormalization", "Relu", "Conv", "MaxPool", "AveragePool", "Conv", "AveragePool", "AveragePool", "Flatten", "Gemm"],
            proto.Graph.Node.Select(n => n.OpType));

        using var scope = Tensor.Scope();
        var images = Tensor.Normal([3, 1, 28, 28], generator: new Generator(12));
        model.Eval();
        float[] expected;
        using (Tensor.NoGrad()) expected = model.Call(images).ToArray<float>();
        AssertClose(expected, RunOnnx(onnx, images.ToArray<float>(), [3, 1, 28, 28]), $"gadgets, opset {opset}");
    }

    [Fact]
    public void Adaptive_pooling_with_uneven_windows_is_refused_by_layer_and_shapes_and_nothing_is_written()
    {
        using var model = new Tiny(new Conv2D(1, 2, 3, generator: new Generator(4)), new AdaptiveAvgPool2D(4), 2 * 4 * 4);
        string folder = Directory.CreateTempSubdirectory("onnx-export-").FullName;
        try
        {
            var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model, [1, 1, 9, 9], Path.Combine(folder, "model.onnx")));
            Assert.StartsWith("onnx export: adaptive_avg_pool2d in layer 'pool' (AdaptiveAvgPool2D), input [1,2,7,7] -> output [1,2,4,4]", e.Message);
            Assert.Contains("from 7x7 to 4x4", e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(folder));
            Assert.True(model.IsTraining);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void A_reflect_padded_conv_is_refused_naming_the_padding_and_its_layer()
    {
        using var model = new Tiny(new Conv2D(1, 2, 3, padding: 1, paddingMode: PaddingMode.Reflect, generator: new Generator(5)), new ReLU(), 2 * 9 * 9);
        var e = Assert.Throws<NotSupportedException>(() => Export(model, [1, 1, 9, 9]));
        Assert.StartsWith("onnx export: pad2d in layer 'conv' (Conv2D), input [1,1,9,9] -> output [1,1,11,11]: reflect padding", e.Message);
    }

    [Fact]
    public void Path_export_replaces_the_file_through_a_rename_with_the_stream_exports_bytes()
    {
        using var model = new MiniMobileNet(new Generator(6));
        model.Eval();
        string folder = Directory.CreateTempSubdirectory("onnx-export-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.onnx");
            File.WriteAllText(path, "an older file");
            OnnxExporter.Export(model, [1, 1, 28, 28], path);
            Assert.Equal(Export(model, [1, 1, 28, 28]), File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFileSystemEntries(folder));
            Assert.False(model.IsTraining);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void Bad_arguments_name_what_is_wrong()
    {
        using var model = new MiniMobileNet(new Generator(7));
        Assert.Contains("[N,C,H,W]", Assert.Throws<ArgumentException>(() => Export(model, [1, 28, 28])).Message);
        Assert.Contains("opset must be 13 to 22, got 9", Assert.Throws<ArgumentOutOfRangeException>(() => Export(model, [1, 1, 28, 28], opset: 9)).Message);
        Assert.Contains("conv2d", Assert.Throws<ArgumentException>(() => Export(model, [1, 3, 28, 28])).Message);
        Assert.True(model.IsTraining);
    }

    static byte[] Export(Classifier model, int[] inputShape, int opset = OnnxExporter.DefaultOpset)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, inputShape, stream, opset);
        return stream.ToArray();
    }

    static float[] RunOnnx(byte[] onnx, float[] images, int[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(images, shape))]);
        return [.. results.Single(r => r.Name == "logits").AsTensor<float>()];
    }

    // The oracle's float32 rule: max|onnx - mini| <= 1e-6 + 1e-4·max|mini|.
    static void AssertClose(float[] mini, float[] onnx, string what)
    {
        Assert.Equal(mini.Length, onnx.Length);
        double worst = mini.Zip(onnx, (a, b) => Math.Abs((double)a - b)).Max(), scale = mini.Max(v => Math.Abs((double)v));
        Assert.True(worst <= 1e-6 + 1e-4 * scale, $"{what}: max|onnx - mini| = {worst:g4} > 1e-6 + 1e-4 * {scale:g4}");
    }

    /// <summary>Every geometry the models do not use: "same" padding of an even kernel, dilation and groups, a BN
    /// without affine parameters, ceil-mode pooling with and without counted padding, an even adaptive pooling.</summary>
    sealed class Gadgets : Classifier
    {
        public Gadgets()
        {
            var generator = new Generator(8);
            AddStage("conv_same", new Conv2D(1, 4, 4, padding: Padding2d.Same, generator: generator));            // 28x28, pads 1 top/left, 2 bottom/right
            AddStage("bn", new BatchNorm2D(4, affine: false));
            AddStage("relu", new ReLU());
            AddStage("conv_dilated", new Conv2D(4, 4, 3, padding: 2, dilation: 2, groups: 2, generator: generator)); // 28x28
            AddStage("maxpool_ceil", new MaxPool2D(3, stride: 2, padding: 1, ceilMode: true));                      // 15x15 (floor: 14)
            AddStage("adaptive", new AdaptiveAvgPool2D(5));                                                          // 5x5, windows 3x3
            AddStage("conv_valid", new Conv2D(4, 4, 2, bias: false, generator: generator));                          // 4x4
            AddStage("avgpool_counted", new AvgPool2D(3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true)); // 3x3, last window overhangs
            AddStage("avgpool_uncounted", new AvgPool2D(2, stride: 2, ceilMode: true, countIncludePad: false));      // 2x2, last window overhangs
            AddStage("flatten", new Flatten());
            AddStage("fc", new Linear(16, 3, generator: generator));
        }
    }

    /// <summary>conv, then the layer under test, then flatten and a linear head.</summary>
    sealed class Tiny : Classifier
    {
        public Tiny(Module conv, Module pool, int features)
        {
            AddStage("conv", conv);
            AddStage("pool", pool);
            AddStage("flatten", new Flatten());
            AddStage("fc", new Linear(features, 3, generator: new Generator(10)));
        }
    }
}
