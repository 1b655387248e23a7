using MiniNet.Models.Export;

namespace MiniNet.Models.Tests;

/// <summary>
/// The ONNX files OnnxExporter writes for the three models pass the reference checker of the onnx package
/// (Debian's python3-onnx): <c>onnx.checker.check_model(model, full_check=True)</c>, which also runs shape inference
/// over the graph, so a wrong attribute, a dangling input or an inconsistent shape fails here. One python process
/// (tools/pytorch/check_onnx.py) checks all three files, in the fixture.
/// </summary>
public class OnnxCheckerTests(OnnxCheckerTests.Checked files) : IClassFixture<OnnxCheckerTests.Checked>
{
    public static TheoryData<string> ModelNames() => new(PyTorchRoundTrip.Models.Keys);

    [Theory, MemberData(nameof(ModelNames))]
    public void Exported_model_passes_the_onnx_checkers_full_check(string name)
    {
        string path = Path.Combine(files.Folder, $"{name}.onnx");
        var line = files.Lines.SingleOrDefault(l => l.EndsWith(path, StringComparison.Ordinal) || l.Contains(path + ":", StringComparison.Ordinal));
        Assert.True(line is not null, $"check_onnx.py said nothing about {path}; its output:\n{files.Output}");
        Assert.True(line == $"ok {path}", line);
    }

    /// <summary>Each model exported (batch-1 trace, dynamic batch) into a temporary folder, then checked by check_onnx.py.</summary>
    public sealed class Checked : IDisposable
    {
        public Checked()
        {
            Folder = Directory.CreateTempSubdirectory("mininet-onnx-").FullName;
            ulong seed = 40;
            foreach (var (name, create) in PyTorchRoundTrip.Models)
            {
                using var model = create(new Generator(seed++));
                BatchNormStir.Stir(model, seed++);
                OnnxExporter.Export(model, [1, 1, 28, 28], Path.Combine(Folder, $"{name}.onnx"));
            }
            Output = Python.Run("check_onnx.py", [.. PyTorchRoundTrip.Models.Keys.Select(n => Path.Combine(Folder, $"{n}.onnx"))]).Output;
            Lines = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        public string Folder { get; }

        public string Output { get; }

        public string[] Lines { get; }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }
}
