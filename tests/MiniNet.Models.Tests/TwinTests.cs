using MiniNet.Layers;
using MiniNet.Training;
using TorchSharp;

namespace MiniNet.Models.Tests;

/// <summary>
/// Each whole model against its TorchSharp twin (tests/MiniNet.Oracle/Twins) with the same weights, on one batch of
/// 4 images 1x28x28: main and auxiliary logits, the combined loss (<see cref="ClassifierLoss"/> against the same
/// formula in torch), every parameter gradient and every BN buffer (running statistics and counter), in training
/// and evaluation mode, in float64 (within 1e-7 of each tensor's largest magnitude) and float32 (within 1e-3).
/// </summary>
/// <remarks>
/// Dropout: each <c>Dropout</c> module, on both sides, is put in evaluation mode (the identity) while the rest of
/// the model trains: BN uses batch statistics and the auxiliary heads run, but no mask is drawn, since MiniNet and
/// libtorch draw from different random streams. Dropout itself is checked against the identity in evaluation mode
/// and by its own tests; here only the wiring around it matters.
/// The twin computes in float64 even against a float32 model (see "Note: libtorch float32 conv backward" in
/// tests/MiniNet.Autograd.Tests/Conv2dTests.cs); its results are cast to float32 for the comparison. Against a
/// float32 model the twin also takes MiniNet's max-pool and ReLU decisions (<see cref="DecisionRouting"/>): float32
/// rounding flips near-ties and near-zero ReLU inputs, which moves gradients by several percent (see "Note: float32
/// gradients at kinks").
/// The running statistics start random (not 0 and 1), so evaluation mode is not the identity and the training
/// update (1 - momentum)·running + momentum·batch is checked from a non-trivial start.
/// </remarks>
public class TwinTests
{
    const double MainSmoothing = 0.1, AuxSmoothing = 0.2;
    static readonly long[] Targets = [3, 7, 0, 9];

    sealed record Model(Func<Classifier> Mini, Func<TorchClassifier> Twin, double AuxWeight);

    static readonly Dictionary<string, Model> Models = new()
    {
        ["GoogLeNet"] = new(() => new MiniGoogLeNet(new Generator(1)), () => new TorchMiniGoogLeNet(), AuxWeight: 0.3),
        ["Inception v3"] = new(() => new MiniInceptionV3(new Generator(2)), () => new TorchMiniInceptionV3(), AuxWeight: 0.4),
        ["MobileNet"] = new(() => new MiniMobileNet(new Generator(3)), () => new TorchMiniMobileNet(), AuxWeight: 0),
    };

    public static TheoryData<string, DType, bool> Cases()
    {
        var data = new TheoryData<string, DType, bool>();
        foreach (var name in Models.Keys)
            foreach (var dtype in new[] { DType.Float64, DType.Float32 })
                foreach (var training in new[] { true, false })
                    data.Add(name, dtype, training);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Logits_loss_gradients_and_statistics_match_the_twin(string name, DType dtype, bool training)
    {
        var model = Models[name];
        using var mini = model.Mini();
        using var twin = model.Twin();
        Prepare(mini, twin, dtype, training);
        var tolerance = dtype == DType.Float64 ? new OracleTolerance(1e-7, 0) : new OracleTolerance(1e-3, 0);

        using var torchScope = torch.NewDisposeScope();
        using var scope = Tensor.Scope();
        // float32: the twin takes MiniNet's max-pool and ReLU decisions (see "Note: float32 gradients at kinks", DecisionRouting).
        using var routing = dtype == DType.Float32 ? DecisionRouting.Follow(twin) : null;
        using var trace = Trace(mini, routing);
        var x = Tensor.Normal([4, 1, 28, 28], generator: new Generator(7), dtype: dtype);
        ClassifierOutput? miniOutput = null;
        TorchClassifierOutput? twinOutput = null;
        TwinComparison.CompareForward(x, input => Flatten(miniOutput = mini.Classify(input)), trace,
            twin, input => Flatten(twinOutput = twin.call(input)), tolerance);
        Assert.Equal(training ? mini.AuxiliaryHeads.Count : 0, miniOutput!.AuxLogits.Count);
        if (routing is not null) // a few near-ties at most; many would mean MiniNet's float32 decisions are wrong
            Assert.True(routing.Overridden <= routing.Decisions / 10_000, $"{routing.Overridden} of {routing.Decisions} max-pool and ReLU decisions overridden");

        var targets = Tensor.FromArray(Targets, Targets.Length);
        var loss = ClassifierLoss.Compute(miniOutput, targets, model.AuxWeight, MainSmoothing, AuxSmoothing);
        var twinLoss = TorchLoss(twinOutput!, torch.tensor(Targets), model.AuxWeight);
        Oracle.Compare(loss, twinLoss.to_type(loss.DType == DType.Float64 ? torch.float64 : torch.float32), "loss", tolerance);

        loss.Backward();
        twinLoss.backward();
        var state = mini.StateDict();
        TwinComparison.CompareGradients(state, twin, tolerance);
        TwinComparison.CompareBuffers(state, twin, tolerance);
    }

    [Fact]
    public void The_divergence_report_names_the_first_layer_that_differs()
    {
        using var mini = new MiniGoogLeNet(new Generator(4));
        using var twin = new TorchMiniGoogLeNet();
        Prepare(mini, twin, DType.Float32, training: true);
        var weight = mini.StateDict()["inception4b.branch2.1.conv.weight"];
        using (Tensor.NoGrad()) weight.CopyFrom(weight + 0.25);

        using var torchScope = torch.NewDisposeScope();
        using var scope = Tensor.Scope();
        using var trace = Trace(mini);
        var x = Tensor.Normal([4, 1, 28, 28], generator: new Generator(8));
        var e = Assert.Throws<TwinDivergenceException>(() => TwinComparison.CompareForward(x, input => Flatten(mini.Classify(input)), trace,
            twin, input => Flatten(twin.call(input)), new OracleTolerance(1e-3, 0)));

        // Hooks run as modules return, so the conv (not its BasicConv, Sequential or Inception block) comes first.
        Assert.Equal("inception4b.branch2.1.conv", e.FirstDivergence?.Layer);
        Assert.Contains("first divergent module in MiniNet's execution order: inception4b.branch2.1.conv:", e.Message);
        Assert.Contains("output 0 [4,10]", e.Message);
    }

    [Fact]
    public void Copying_state_lists_every_key_one_side_lacks()
    {
        using var mini = new MiniGoogLeNet(auxLogits: false);
        using var twin = new TorchMiniGoogLeNet(auxLogits: true);
        var e = Assert.Throws<ArgumentException>(() => TwinComparison.CopyState(mini.StateDict(), twin));
        Assert.Contains("twin has aux1.fc1.weight, MiniNet does not", e.Message);
        Assert.Contains("twin has aux2.conv.bn.num_batches_tracked, MiniNet does not", e.Message);
        Assert.DoesNotContain("inception", e.Message);
    }

    public static TheoryData<string, long> TwinCounts() => new()
    {
        { "GoogLeNet", 647_958 },
        { "GoogLeNet without aux", 371_714 },
        { "Inception v3", 477_892 },
        { "Inception v3 without aux", 337_786 },
        { "MobileNet", 136_202 },
        { "MobileNet plain twin", 1_128_938 },
    };

    static readonly Dictionary<string, (Func<Classifier> Mini, Func<TorchClassifier> Twin)> Pairs = new()
    {
        ["GoogLeNet"] = (() => new MiniGoogLeNet(), () => new TorchMiniGoogLeNet()),
        ["GoogLeNet without aux"] = (() => new MiniGoogLeNet(auxLogits: false), () => new TorchMiniGoogLeNet(auxLogits: false)),
        ["Inception v3"] = (() => new MiniInceptionV3(), () => new TorchMiniInceptionV3()),
        ["Inception v3 without aux"] = (() => new MiniInceptionV3(auxLogits: false), () => new TorchMiniInceptionV3(auxLogits: false)),
        ["MobileNet"] = (() => new MiniMobileNet(), () => new TorchMiniMobileNet()),
        ["MobileNet plain twin"] = (() => new MiniMobileNet(separable: false), () => new TorchMiniMobileNet(separable: false)),
    };

    [Theory, MemberData(nameof(TwinCounts))]
    public void Twins_have_the_spec_parameter_counts_and_MiniNets_names_in_its_order(string name, long parameters)
    {
        using var mini = Pairs[name].Mini();
        using var twin = Pairs[name].Twin();
        Assert.Equal(parameters, TwinComparison.ParameterCount(twin));
        Assert.Equal(mini.NamedParameters().Select(p => p.Name), twin.named_parameters().Select(p => p.name));
        Assert.Equal(mini.NamedBuffers().Select(b => b.Name), twin.named_buffers().Select(b => b.name));
    }

    [Fact]
    public void Twin_auxiliary_heads_have_the_spec_parameter_counts()
    {
        using var aux1 = new MiniNet.TorchAuxiliaryHead(128, 10);
        using var aux2 = new MiniNet.TorchAuxiliaryHead(132, 10);
        using var aux = new MiniNet.TorchAuxiliaryHead(192, 10);
        Assert.Equal([138_058L, 138_186L, 140_106L], new[] { aux1, aux2, aux }.Select(TwinComparison.ParameterCount));
    }

    /// <summary>
    /// Converts <paramref name="mini"/> to <paramref name="dtype"/> and the twin to float64, sets both to training or
    /// evaluation mode with every Dropout in evaluation mode, draws random running statistics, and copies MiniNet's
    /// state into the twin.
    /// </summary>
    static void Prepare(Classifier mini, TorchClassifier twin, DType dtype, bool training)
    {
        mini.To(dtype).Train(training);
        foreach (var dropout in mini.NamedModules().Select(m => m.Module).OfType<Dropout>()) dropout.Eval();
        twin.to(torch.float64).train(training);
        TwinComparison.DisableDropout(twin);

        var generator = new Generator(99);
        using (Tensor.Scope())
        using (Tensor.NoGrad())
            foreach (var batchNorm in mini.NamedModules().Select(m => m.Module).OfType<BatchNorm2D>())
            {
                batchNorm.RunningMean!.Value.CopyFrom(Tensor.Normal([batchNorm.Channels], generator: generator, dtype: dtype));
                batchNorm.RunningVar!.Value.CopyFrom(Tensor.Uniform([batchNorm.Channels], 0.5, 1.5, generator, dtype));
            }
        TwinComparison.CopyState(mini.StateDict(), twin);
    }

    /// <summary>
    /// A trace of every module of <paramref name="mini"/> but the root (see the remarks of <see cref="LayerTrace"/>),
    /// which also hands every module's input and output to <paramref name="routing"/> when given.
    /// </summary>
    static LayerTrace Trace(Module mini, DecisionRouting? routing = null)
    {
        var trace = new LayerTrace();
        foreach (var (name, module) in mini.NamedModules())
        {
            if (name.Length == 0) continue;
            trace.Hold(module.RegisterForwardHook((_, input, output) =>
            {
                trace.Record(name, output);
                routing?.Record(name, input, output);
            }));
        }
        return trace;
    }

    static Tensor[] Flatten(ClassifierOutput output) => [output.Logits, .. output.AuxLogits];

    static torch.Tensor[] Flatten(TorchClassifierOutput output) => [output.Logits, .. output.AuxLogits];

    /// <summary>ClassifierLoss in torch: CE(logits, t; ε_main) + w·Σ CE(aux, t; ε_aux).</summary>
    static torch.Tensor TorchLoss(TorchClassifierOutput output, torch.Tensor targets, double auxWeight)
    {
        var loss = torch.nn.functional.cross_entropy(output.Logits, targets, label_smoothing: MainSmoothing);
        foreach (var auxLogits in output.AuxLogits)
            loss += auxWeight * torch.nn.functional.cross_entropy(auxLogits, targets, label_smoothing: AuxSmoothing);
        return loss;
    }
}
