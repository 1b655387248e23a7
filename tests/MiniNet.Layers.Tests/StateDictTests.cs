using TorchSharp;

namespace MiniNet.Layers.Tests;

/// <summary>
/// StateDict and LoadStateDict: PyTorch's keys and order, round trips (MiniNet to MiniNet and PyTorch to MiniNet),
/// and errors that list every missing key, unexpected key and mismatch at once, loading nothing.
/// </summary>
public class StateDictTests
{
    [Fact]
    public void Keys_follow_pytorch_order_module_by_module()
    {
        using var block = new BasicConv(3, 4, 3);
        Assert.Equal(["conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"], block.StateDict().Keys);
        Assert.Same(block.Conv.Weight.Value, block.StateDict()["conv.weight"]);
    }

    [Fact]
    public void Round_trip_copies_every_value_and_keeps_the_targets_own_tensors()
    {
        using var source = LayerOracleTests.SmallNet();
        using var target = new Sequential(
            new BasicConv(3, 4, 3, padding: 1, generator: new Generator(21)),
            new BasicConv(4, 6, 3, stride: 2, generator: new Generator(22)),
            new MaxPool2D(2), new Flatten(), new Linear(24, 5, generator: new Generator(23)));
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad(); // no tape entries: they would hold the weights and refuse the in-place copy
        var x = Tensor.Normal([2, 3, 9, 9], generator: new Generator(8));
        source.Call(x); // moves the running statistics and the counters away from their initial values
        var targetTensors = target.StateDict().Values.ToList();

        var result = target.LoadStateDict(source.StateDict());

        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(targetTensors, target.StateDict().Values);
        foreach (var (name, tensor) in source.StateDict())
            Oracle.Compare(target.StateDict()[name], tensor.ToTorch(), name, OracleTolerance.Exact);
        source.Eval();
        target.Eval();
        Oracle.Compare(target.Call(x), source.Call(x).ToTorch(), "output", OracleTolerance.Exact);
        ((BasicConv)source[0]).Conv.Weight.Value.FillInPlace(0); // the target holds a copy, not a shared tensor
        Assert.NotEqual(0, ((BasicConv)target[0]).Conv.Weight.Value.ToArray<float>()[0]);
    }

    [Fact]
    public void Loads_a_pytorch_state_dict()
    {
        using var net = LayerOracleTests.SmallNet().Eval();
        using var reference = LayerOracleTests.SmallTorchNet();
        reference.eval();
        using var torchScope = torch.NewDisposeScope();
        using var scope = Tensor.Scope();
        using (torch.no_grad())
            foreach (var (name, buffer) in reference.named_buffers().Where(b => b.buffer.is_floating_point()))
                buffer.uniform_(0.5, 1.5); // non-trivial running statistics
        net.LoadStateDict(reference.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.ToMiniNet()));
        var x = Tensor.Normal([2, 3, 9, 9], generator: new Generator(9));
        Oracle.Compare(net.Call(x), reference.call(x.ToTorch()), "output");
    }

    [Fact]
    public void Errors_list_every_missing_and_unexpected_key_and_mismatch_and_load_nothing()
    {
        using var net = new Sequential(new Conv2D(3, 4, 3), new BatchNorm2D(4));
        using var scope = Tensor.Scope();
        var state = new Dictionary<string, Tensor>
        {
            ["0.weight"] = Tensor.Zeros([4, 3, 5, 5]),
            ["1.weight"] = Tensor.Zeros([4]),
            ["1.bias"] = Tensor.Zeros([4], DType.Float64),
            ["1.running_mean"] = Tensor.Zeros([4]),
            ["1.running_var"] = Tensor.Zeros([4]),
            ["1.num_batches_tracked"] = Tensor.Zeros([], DType.Int64),
            ["2.weight"] = Tensor.Zeros([1]),
        };
        var before = net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.CloneDetached());

        var e = Assert.Throws<ArgumentException>(() => net.LoadStateDict(state));

        Assert.Contains("for Sequential", e.Message);
        Assert.Contains("Missing key(s) in state_dict: \"0.bias\".", e.Message);
        Assert.Contains("Unexpected key(s) in state_dict: \"2.weight\".", e.Message);
        Assert.Contains("size mismatch for 0.weight: copying a tensor of shape [4,3,5,5] from the state dict, the shape in this module is [4,3,3,3]", e.Message);
        Assert.Contains("dtype mismatch for 1.bias: copying torch.float64 from the state dict, the dtype in this module is torch.float32", e.Message);
        foreach (var (name, tensor) in net.StateDict())
            Oracle.Compare(tensor, before[name].ToTorch(), name, OracleTolerance.Exact);
    }

    [Fact]
    public void Non_strict_load_skips_and_reports_keys_converts_dtypes_but_still_refuses_shapes()
    {
        using var net = new Sequential(new Conv2D(3, 4, 3), new BatchNorm2D(4));
        using var scope = Tensor.Scope();
        var state = new Dictionary<string, Tensor>
        {
            ["0.weight"] = Tensor.Full([4, 3, 3, 3], 0.5, DType.Float64),
            ["1.running_var"] = Tensor.Full([4], 2.0),
            ["extra"] = Tensor.Zeros([1]),
        };

        var result = net.LoadStateDict(state, strict: false);

        Assert.Equal(["0.bias", "1.weight", "1.bias", "1.running_mean", "1.num_batches_tracked"], result.MissingKeys);
        Assert.Equal(["extra"], result.UnexpectedKeys);
        Assert.All(net.StateDict()["0.weight"].ToArray<float>(), v => Assert.Equal(0.5f, v));
        Assert.All(net.StateDict()["1.running_var"].ToArray<float>(), v => Assert.Equal(2f, v));
        state["1.running_var"] = Tensor.Zeros([5]);
        Assert.Contains("size mismatch for 1.running_var", Assert.Throws<ArgumentException>(() => net.LoadStateDict(state, strict: false)).Message);
    }
}
