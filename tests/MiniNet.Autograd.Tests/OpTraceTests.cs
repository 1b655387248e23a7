namespace MiniNet.Autograd.Tests;

/// <summary>
/// OpTrace: ops report inputs, output and settings as run ("same" resolved, reflect padding as its own pad2d entry),
/// ops without a report are still listed (Reported false), identity ops leave no entry, and nothing is recorded
/// outside a trace or after it ends.
/// </summary>
public class OpTraceTests
{
    [Fact]
    public void Conv_pool_and_batch_norm_report_their_settings_as_run()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([1, 2, 6, 6], generator: new Generator(1));
        var w = Tensor.Normal([4, 1, 4, 4], generator: new Generator(2));
        var (mean, variance) = (Tensor.Zeros([4]), Tensor.Ones([4]));
        Tensor conv, pooled, normalized;
        IReadOnlyList<TracedOp> ops;
        using (var trace = OpTrace.Start())
        {
            conv = Tensor.Conv2d(x, w, padding: Padding2d.Same, groups: 2);
            normalized = Tensor.BatchNorm(conv, mean, variance, null, null, training: false, eps: 1e-3);
            pooled = normalized.MaxPool2d(3, stride: 2, padding: 1, ceilMode: true);
            ops = trace.Ops;
        }

        Assert.Equal(["conv2d", "batch_norm", "max_pool2d"], ops.Select(o => o.Op));
        Assert.All(ops, o => Assert.True(o.Reported));
        var convAttributes = Assert.IsType<Conv2dAttributes>(ops[0].Attributes);
        Assert.Equal((1, 2, 1, 2, 2, false), (convAttributes.Geometry.PadTop, convAttributes.Geometry.PadBottom, convAttributes.Geometry.PadLeft,
            convAttributes.Geometry.PadRight, convAttributes.Geometry.Groups, convAttributes.HasBias));
        Assert.Equal(new Tensor?[] { x, w, null }, ops[0].Inputs);
        Assert.Same(conv, ops[0].Output);
        Assert.Equal(new BatchNormAttributes(1e-3, 0.1, false), ops[1].Attributes);
        Assert.Equal(new Tensor?[] { conv, mean, variance, null, null }, ops[1].Inputs);
        var pool = Assert.IsType<Pool2dAttributes>(ops[2].Attributes);
        Assert.True(pool.Geometry.CeilMode);
        Assert.Same(pooled, ops[2].Output);
    }

    [Fact]
    public void Reflect_padding_is_its_own_entry_and_unreported_ops_are_listed_but_identities_are_not()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([1, 1, 4, 4], generator: new Generator(3));
        var w = Tensor.Normal([1, 1, 3, 3], generator: new Generator(4));
        IReadOnlyList<TracedOp> ops;
        using (var trace = OpTrace.Start())
        {
            var y = Tensor.Conv2d(x, w, padding: 1, paddingMode: PaddingMode.Reflect).Dropout(0.5, training: false).Sigmoid();
            ops = trace.Ops;
        }

        Assert.Equal(["pad2d", "conv2d", "sigmoid"], ops.Select(o => o.Op));
        var pad = Assert.IsType<PadAttributes>(ops[0].Attributes);
        Assert.Equal(PaddingMode.Reflect, pad.Mode);
        Assert.Equal([1, 1, 1, 1], pad.Pad);
        Assert.Equal(0, ((Conv2dAttributes)ops[1].Attributes!).Geometry.PadTop);
        Assert.Same(ops[0].Output, ops[1].Inputs[0]);
        Assert.False(ops[2].Reported);
        Assert.Null(ops[2].Attributes);
    }

    [Fact]
    public void Nothing_is_recorded_outside_a_trace_and_traces_nest()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Normal([2, 3], generator: new Generator(5));
        Assert.Null(OpTrace.Current);
        var outer = OpTrace.Start();
        _ = x.Relu();
        using (var inner = OpTrace.Start())
        {
            _ = x + x;
            Assert.Same(inner, OpTrace.Current);
            Assert.Equal(["add"], inner.Ops.Select(o => o.Op));
        }
        Assert.Same(outer, OpTrace.Current);
        outer.Dispose();
        _ = x.Reshape(3, 2);
        Assert.Null(OpTrace.Current);
        Assert.Equal(["relu"], outer.Ops.Select(o => o.Op));
    }
}
