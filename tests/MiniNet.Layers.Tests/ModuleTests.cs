using TorchSharp;

namespace MiniNet.Layers.Tests;

/// <summary>
/// The module machinery: parameter counts against PyTorch's, dotted names and their order, training/evaluation
/// mode, the float64 twin, forward hooks, gradients, lifetime and the registration rules.
/// </summary>
public class ModuleTests
{
    // 3x3 convolutions: 256·128·9 + 256 = 295,168; 256·256·9 + 256 = 590,080; with 4 groups 256·64·9 + 256 = 147,712.
    [Theory]
    [InlineData(128, 256, 1, 295_168)]
    [InlineData(256, 256, 1, 590_080)]
    [InlineData(256, 256, 4, 147_712)]
    public void Conv_parameter_counts_equal_torch(int inChannels, int outChannels, int groups, long expected)
    {
        using var conv = new Conv2D(inChannels, outChannels, 3, groups: groups);
        using var reference = torch.nn.Conv2d(inChannels, outChannels, 3, groups: groups);
        Assert.Equal(expected, reference.parameters().Sum(p => p.numel()));
        Assert.Equal(expected, conv.ParameterCount);
        Assert.Equal(expected, conv.TrainableParameterCount);
    }

    [Fact]
    public void Net_parameter_count_equals_torch_and_freezing_lowers_the_trainable_count()
    {
        using var net = LayerOracleTests.SmallNet();
        using var reference = LayerOracleTests.SmallTorchNet();
        Assert.Equal(reference.parameters().Sum(p => p.numel()), net.ParameterCount);
        ((BasicConv)net[0]).Conv.Weight.RequiresGrad = false;
        Assert.Equal(net.ParameterCount - 4 * 3 * 3 * 3, net.TrainableParameterCount);
    }

    static Sequential InceptionLike() => new Sequential()
        .Add("stem", new BasicConv(3, 8, 3, padding: 1))
        .Add("inception3a", new Sequential()
            .Add("branch1", new BasicConv(8, 4, 1))
            .Add("branch2", new BasicConv(8, 4, 3, padding: 1)))
        .Add("fc", new Linear(8, 2));

    [Fact]
    public void Names_are_dotted_paths_in_registration_order()
    {
        using var net = InceptionLike();
        string[] BasicConvParameters(string path) => [$"{path}.conv.weight", $"{path}.bn.weight", $"{path}.bn.bias"];
        string[] BasicConvBuffers(string path) => [$"{path}.bn.running_mean", $"{path}.bn.running_var", $"{path}.bn.num_batches_tracked"];
        Assert.Equal([.. BasicConvParameters("stem"), .. BasicConvParameters("inception3a.branch1"), .. BasicConvParameters("inception3a.branch2"), "fc.weight", "fc.bias"],
            net.NamedParameters().Select(p => p.Name));
        Assert.Equal([.. BasicConvBuffers("stem"), .. BasicConvBuffers("inception3a.branch1"), .. BasicConvBuffers("inception3a.branch2")],
            net.NamedBuffers().Select(b => b.Name));
        Assert.Equal(["", "stem", "stem.conv", "stem.bn", "inception3a", "inception3a.branch1", "inception3a.branch1.conv", "inception3a.branch1.bn",
            "inception3a.branch2", "inception3a.branch2.conv", "inception3a.branch2.bn", "fc"], net.NamedModules().Select(m => m.Name));
        Assert.Equal(["stem", "inception3a", "fc"], net.NamedChildren().Select(c => c.Name));
        Assert.Same(((BasicConv)((Sequential)net[1])[1]).Conv.Weight, net.NamedParameters().Single(p => p.Name == "inception3a.branch2.conv.weight").Parameter);
    }

    [Fact]
    public void Train_and_eval_reach_every_descendant()
    {
        using var net = InceptionLike();
        Assert.All(net.NamedModules(), m => Assert.True(m.Module.IsTraining));
        Assert.Same(net, net.Eval());
        Assert.All(net.NamedModules(), m => Assert.False(m.Module.IsTraining));
        net.Train();
        Assert.All(net.NamedModules(), m => Assert.True(m.Module.IsTraining));
    }

    [Fact]
    public void Dropout_drops_in_training_and_is_the_identity_in_eval()
    {
        using var dropout = new Dropout(0.5, new Generator(3));
        using var scope = Tensor.Scope();
        var x = Tensor.Uniform([100, 100], 1, 2, new Generator(1)); // never 0: a 0 in the output was dropped
        float[] xs = x.ToArray<float>(), ys = dropout.Call(x).ToArray<float>();
        int dropped = ys.Count(v => v == 0);
        Assert.InRange(dropped, 4_700, 5_300); // 10,000 draws at p = 0.5: σ = 50
        Assert.All(xs.Zip(ys).Where(pair => pair.Second != 0), pair => Assert.Equal(pair.First * 2, pair.Second));
        dropout.Eval();
        Assert.Same(x, dropout.Call(x));
    }

    [Fact]
    public void BatchNorm_moves_its_running_stats_and_counts_batches_only_in_training()
    {
        using var bn = new BatchNorm2D(3);
        using var scope = Tensor.Scope();
        var generator = new Generator(4);
        for (int i = 0; i < 3; i++) bn.Call(Tensor.Normal([4, 3, 2, 2], mean: 5, generator: generator));
        Assert.Equal(3L, bn.NumBatchesTracked!.Value.Item());
        float[] mean = bn.RunningMean!.Value.ToArray<float>(), variance = bn.RunningVar!.Value.ToArray<float>();
        Assert.All(mean, m => Assert.InRange(m, 1.0, 2.0)); // 1 - 0.9³ = 0.271 of the way to 5
        bn.Eval();
        bn.Call(Tensor.Normal([4, 3, 2, 2], generator: generator));
        Assert.Equal(3L, bn.NumBatchesTracked.Value.Item());
        Assert.Equal(mean, bn.RunningMean.Value.ToArray<float>());
        Assert.Equal(variance, bn.RunningVar!.Value.ToArray<float>());
    }

    [Fact]
    public void Float64_twin_gives_the_float32_output_and_keeps_its_parameter_objects()
    {
        using var net = LayerOracleTests.SmallNet();
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([2, 3, 9, 9], generator: new Generator(5));
        net.Call(x).Sum().Backward(); // moves the running statistics and leaves gradients behind
        net.Eval();
        var y32 = net.Call(x);
        var parameters = net.Parameters().ToList();

        Assert.Same(net, net.To(DType.Float64));
        Assert.Equal(parameters, net.Parameters());
        Assert.All(parameters, p => Assert.Equal((DType.Float64, true, (Tensor?)null), (p.DType, p.RequiresGrad, p.Grad)));
        foreach (var (name, buffer) in net.NamedBuffers())
            Assert.Equal(name.EndsWith("num_batches_tracked") ? DType.Int64 : DType.Float64, buffer.DType);
        Assert.Equal(1L, ((BasicConv)net[0]).BatchNorm.NumBatchesTracked!.Value.Item());

        var y64 = net.Call(x.To(DType.Float64));
        Assert.Equal(DType.Float64, y64.DType);
        Oracle.Compare(y64.To(DType.Float32), y32.ToTorch(), "float64 twin's output", OracleTolerance.Float32);
        net.Train().Call(x.To(DType.Float64)).Sum().Backward();
        Assert.All(parameters, p => Assert.Equal(DType.Float64, p.Grad!.DType));
        Assert.Throws<ArgumentException>(() => net.To(DType.Int64));
    }

    [Fact]
    public void Forward_hooks_see_every_layer_output_until_their_handles_are_disposed()
    {
        using var net = LayerOracleTests.SmallNet();
        var seen = new List<(string Name, int[] Input, int[] Output)>();
        var handles = net.NamedModules()
            .Select(m => m.Module.RegisterForwardHook((module, input, output) => seen.Add((m.Name, input.Shape, output.Shape))))
            .ToList();
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([2, 3, 9, 9], generator: new Generator(6));
        net.Call(x);

        // Hooks run after their module's forward, so children report before their parents.
        Assert.Equal(["0.conv", "0.bn", "0", "1.conv", "1.bn", "1", "2", "3", "4", ""], seen.Select(s => s.Name));
        var modules = net.NamedModules().ToDictionary(m => m.Name, m => m.Module);
        Assert.All(seen, s => Assert.Equal(modules[s.Name].OutputShape(s.Input), s.Output));
        Assert.Equal([2, 5], seen[^1].Output);

        foreach (var handle in handles) handle.Dispose();
        seen.Clear();
        net.Call(x);
        Assert.Empty(seen);
    }

    [Fact]
    public void A_hook_handle_removes_only_its_own_registration()
    {
        using var relu = new ReLU();
        using var scope = Tensor.Scope();
        var x = Tensor.Zeros([2]);
        int calls = 0;
        Action<Module, Tensor, Tensor> hook = (_, _, _) => calls++;
        var first = relu.RegisterForwardHook(hook);
        var second = relu.RegisterForwardHook(hook);
        relu.Call(x);
        Assert.Equal(2, calls);
        first.Dispose();
        first.Dispose();
        relu.Call(x);
        Assert.Equal(3, calls);
        second.Dispose();
        relu.Call(x);
        Assert.Equal(3, calls);
    }

    [Fact]
    public void ZeroGrad_drops_every_gradient()
    {
        using var net = LayerOracleTests.SmallNet();
        using (Tensor.Scope()) net.Call(Tensor.Normal([2, 3, 9, 9], generator: new Generator(7))).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
        net.ZeroGrad();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void A_module_built_in_a_scope_outlives_it_and_dispose_releases_its_state()
    {
        BasicConv block;
        using (Tensor.Scope()) block = new BasicConv(3, 4, 3);
        Assert.All(block.StateDict().Values, t => Assert.False(t.IsDisposed));
        block.Dispose();
        block.Dispose();
        Assert.All(block.StateDict().Values, t => Assert.True(t.IsDisposed));
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ObjectDisposedException>(() => block.Call(Tensor.Zeros([1, 3, 3, 3])));
        Assert.Contains("BasicConv", e.Message);
    }

    /// <summary>Opens the protected registration methods to the tests.</summary>
    sealed class Registrar : Module
    {
        public Parameter AddParameter(string name, Tensor value) => RegisterParameter(name, value);
        public ModuleBuffer AddBuffer(string name, Tensor value) => RegisterBuffer(name, value);
        public Module AddModule(string name, Module module) => RegisterModule(name, module);
        protected override Tensor Forward(Tensor input) => input;
        public override int[] OutputShape(int[] inputShape) => inputShape;
        public override long Macs(int[] inputShape) => 0;
    }

    [Fact]
    public void Registration_refuses_bad_and_taken_names_and_cycles()
    {
        using var registrar = new Registrar();
        using var scope = Tensor.Scope();
        registrar.AddParameter("w", Tensor.Zeros([2]));
        Assert.Contains("\"w\"", Assert.Throws<ArgumentException>(() => registrar.AddBuffer("w", Tensor.Zeros([2]))).Message);
        Assert.Contains("\"w\"", Assert.Throws<ArgumentException>(() => registrar.AddModule("w", new ReLU())).Message);
        Assert.Contains("no '.'", Assert.Throws<ArgumentException>(() => registrar.AddParameter("a.b", Tensor.Zeros([2]))).Message);
        Assert.Throws<ArgumentException>(() => registrar.AddParameter("", Tensor.Zeros([2])));
        var trained = Tensor.Zeros([2]);
        trained.RequiresGrad = true;
        Assert.Contains("leaf", Assert.Throws<ArgumentException>(() => registrar.AddParameter("p", trained + 1.0)).Message);
        Assert.Contains("requires grad", Assert.Throws<ArgumentException>(() => registrar.AddBuffer("b", trained)).Message);
        Assert.False(trained.IsDisposed); // refused tensors stay in their scope

        var outer = new Sequential(new ReLU());
        var inner = new Sequential();
        outer.Add("inner", inner);
        Assert.Contains("tree", Assert.Throws<ArgumentException>(() => inner.Add("outer", outer)).Message);
        Assert.Throws<ArgumentException>(() => outer.Add("0", new ReLU()));
    }

    [Fact]
    public void ToString_prints_the_tree_like_pytorch()
    {
        using var block = new BasicConv(3, 8, 3, stride: 2, padding: 1);
        Assert.Equal("""
            BasicConv(
              (conv): Conv2D(3, 8, kernel=3, stride=2, padding=(top 1, bottom 1, left 1, right 1), bias=False)
              (bn): BatchNorm2D(8, eps=0.001, momentum=0.1, affine=True, track_running_stats=True)
            )
            """, block.ToString());
    }
}
