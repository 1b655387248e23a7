namespace MiniNet.Models.Tests;

/// <summary>
/// MiniNet and real PyTorch (Debian's python3-torch, through tools/pytorch) share weights both ways, for each model:
/// weights saved by MiniNet load strictly into the PyTorch module of tools/pytorch/mininet_models.py and give
/// MiniNet's evaluation-mode logits, and weights saved from PyTorch load strictly into MiniNet and give PyTorch's.
/// Besides the logits, every stage's output is compared (global average pooling would all but hide a kernel transposed
/// in H and W); the auxiliary heads, which evaluation mode skips, are compared on their own, on a random 7x7 map. Every
/// batch norm has random γ and β and running statistics moved by training-mode forwards, so a transposed kernel, a
/// swapped γ/β or a misread running statistic shows in the outputs; a misnamed or misshapen tensor fails the strict
/// loads. Float32 throughout, with the oracle's rule max|theirs - ours| &lt;= 1e-6 + 1e-4·max|ours|.
/// </summary>
/// <remarks>One python process (tools/pytorch/roundtrip.py) does PyTorch's half for all three models, in the
/// fixture; each test then reads its model's files.</remarks>
public class PyTorchInteropTests(PyTorchRoundTrip roundTrip) : IClassFixture<PyTorchRoundTrip>
{
    public static TheoryData<string> ModelNames() => new(PyTorchRoundTrip.Models.Keys);

    [Theory, MemberData(nameof(ModelNames))]
    public void PyTorch_loads_the_weights_MiniNet_saved_and_gives_MiniNets_eval_logits(string name)
    {
        using var scope = Tensor.Scope();
        var theirs = roundTrip.Read($"{name}.torch-outputs.safetensors");
        var ours = roundTrip.MiniNetOutputs[name];
        Assert.Equal(ours.Keys.Order(), theirs.Keys.Order());
        foreach (var (key, expected) in ours)
            AssertClose(expected, theirs[key].ToArray<float>(), $"{name} {key}, PyTorch against MiniNet");
    }

    [Theory, MemberData(nameof(ModelNames))]
    public void MiniNet_loads_the_weights_PyTorch_saved_and_gives_PyTorchs_eval_logits(string name)
    {
        using var scope = Tensor.Scope();
        var io = roundTrip.Read($"{name}.torch-io.safetensors");
        string weights = Path.Combine(roundTrip.Folder, $"{name}.torch.safetensors");
        using var model = PyTorchRoundTrip.Models[name](new Generator(55));
        var loaded = model.LoadSafeTensors(weights); // strict: every name and shape must match
        Assert.Empty(loaded.MissingKeys);
        Assert.Empty(loaded.UnexpectedKeys);
        Assert.Equal(model.StateDict().Keys, SafeTensors.Load(weights).Tensors.Keys); // PyTorch's state_dict order is MiniNet's

        model.Eval();
        var inputs = io.Where(e => PyTorchRoundTrip.IsInput(e.Key)).ToDictionary();
        var ours = PyTorchRoundTrip.Outputs(model, inputs);
        Assert.Equal(io.Keys.Where(k => !PyTorchRoundTrip.IsInput(k)).Order(), ours.Keys.Order());
        foreach (var (key, actual) in ours)
            AssertClose(io[key].ToArray<float>(), actual, $"{name} {key}, MiniNet against PyTorch");
    }

    // The oracle's float32 rule: max|theirs - ours| <= 1e-6 + 1e-4·max|ours|.
    static void AssertClose(float[] reference, float[] actual, string what)
    {
        Assert.Equal(reference.Length, actual.Length);
        double worst = reference.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max(), scale = reference.Max(v => Math.Abs((double)v));
        Assert.True(worst <= 1e-6 + 1e-4 * scale, $"{what}: max|difference| = {worst:g4} > 1e-6 + 1e-4 * {scale:g4}");
    }
}

/// <summary>
/// The shared half of <see cref="PyTorchInteropTests"/>: in a temporary folder, each model seeded, its batch norms
/// stirred, its weights saved (MODEL.mininet.safetensors) with one batch of images and a feature map per auxiliary
/// head (MODEL.inputs.safetensors) and its evaluation-mode outputs kept; then tools/pytorch/roundtrip.py, once, for
/// PyTorch's half (see that script). Fails every test of the class, with what to install, when python3, torch or
/// numpy is missing.
/// </summary>
public sealed class PyTorchRoundTrip : IDisposable
{
    public static readonly Dictionary<string, Func<Generator, Classifier>> Models = new()
    {
        ["MiniGoogLeNet"] = g => new MiniGoogLeNet(g),
        ["MiniInceptionV3"] = g => new MiniInceptionV3(g),
        ["MiniMobileNet"] = g => new MiniMobileNet(g),
    };

    const int FeatureSide = 7; // every auxiliary head of the three models reads a 7x7 map

    public PyTorchRoundTrip()
    {
        Folder = Directory.CreateTempSubdirectory("mininet-pytorch-").FullName;
        ulong seed = 20;
        foreach (var (name, create) in Models)
        {
            var generator = new Generator(seed++);
            using var model = create(generator);
            BatchNormStir.Stir(model, seed++);
            model.SaveSafeTensors(Path.Combine(Folder, $"{name}.mininet.safetensors"));
            model.Eval();
            using var scope = Tensor.Scope();
            using var noGrad = Tensor.NoGrad();
            var inputs = new Dictionary<string, Tensor> { ["input"] = Tensor.Normal([4, 1, 28, 28], generator: generator) };
            foreach (var (head, module) in model.NamedChildren().Where(c => c.Module is AuxiliaryHead))
                inputs[$"{head}.input"] = Tensor.Normal([2, ((AuxiliaryHead)module).Conv.Conv.InChannels, FeatureSide, FeatureSide], generator: generator);
            SafeTensors.Save(Path.Combine(Folder, $"{name}.inputs.safetensors"), inputs);
            MiniNetOutputs[name] = Outputs(model, inputs);
        }
        PythonOutput = Python.Run("roundtrip.py", [Folder, .. Models.Keys]).Output;
    }

    /// <summary>The temporary folder of every file.</summary>
    public string Folder { get; }

    /// <summary>MiniNet's evaluation-mode outputs per model: "logits", and "HEAD.logits" per auxiliary head.</summary>
    public Dictionary<string, Dictionary<string, float[]>> MiniNetOutputs { get; } = [];

    /// <summary>What roundtrip.py printed (tracebacks of failed steps).</summary>
    public string PythonOutput { get; }

    /// <summary>"input" (images) and "HEAD.input" (a feature map for auxiliary head HEAD) name inputs; the rest outputs.</summary>
    public static bool IsInput(string key) => key == "input" || key.EndsWith(".input", StringComparison.Ordinal);

    /// <summary>
    /// The evaluation-mode outputs of <paramref name="model"/>, named as roundtrip.py names them: for "input",
    /// "logits" and "STAGE.output" for every child the forward runs (the feature maps: the global average pooling
    /// before the logits would wash out a spatially transposed kernel); for "HEAD.input", "HEAD.logits".
    /// </summary>
    public static Dictionary<string, float[]> Outputs(Classifier model, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var results = new Dictionary<string, float[]>();
        foreach (var (key, input) in inputs)
        {
            if (key != "input")
            {
                string head = key[..^".input".Length];
                results[$"{head}.logits"] = ((AuxiliaryHead)model.NamedChildren().Single(c => c.Name == head).Module).Call(input).ToArray<float>();
                continue;
            }
            var hooks = model.NamedChildren().Select(c => c.Module.RegisterForwardHook((_, _, output) => results[$"{c.Name}.output"] = output.ToArray<float>())).ToList();
            try
            {
                results["logits"] = model.Call(input).ToArray<float>();
            }
            finally
            {
                foreach (var hook in hooks) hook.Dispose();
            }
        }
        return results;
    }

    /// <summary>The tensors of a file roundtrip.py wrote, in the current scope; fails with the step's traceback if it failed.</summary>
    public IReadOnlyDictionary<string, Tensor> Read(string file)
    {
        string path = Path.Combine(Folder, file);
        if (File.Exists(path + ".error")) Assert.Fail($"PyTorch's step for {file} failed:\n{File.ReadAllText(path + ".error")}");
        Assert.True(File.Exists(path), $"roundtrip.py wrote no {file}; its output:\n{PythonOutput}");
        return SafeTensors.Load(path).Tensors;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
