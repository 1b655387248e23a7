namespace MiniNet.Training.Tests;

/// <summary>
/// Checkpoints: an optimizer (and its schedule) stepped 10 times, saved and loaded into fresh ones, then both stepped
/// 10 more times, end bit for bit equal; the saved keys follow PyTorch's names; bad state dicts are refused whole.
/// </summary>
public class StateDictTests
{
    public static TheoryData<string> Kinds => ["sgd", "sgd_nesterov", "rmsprop", "rmsprop_centered_momentum", "tf_rmsprop", "adam", "adamw"];

    static Optimizer Create(string kind, IEnumerable<Tensor> parameters) => kind switch
    {
        "sgd" => new Sgd(parameters, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3),
        "sgd_nesterov" => new Sgd(parameters, lr: 0.1, momentum: 0.9, nesterov: true),
        "rmsprop" => new RmsProp(parameters),
        "rmsprop_centered_momentum" => new RmsProp(parameters, momentum: 0.9, centered: true, weightDecay: 1e-3),
        "tf_rmsprop" => new TensorFlowRmsProp(parameters, lr: 0.045),
        "adam" => new Adam(parameters, weightDecay: 1e-3),
        "adamw" => new AdamW(parameters),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Resumed_training_is_bit_identical(string kind)
    {
        using var scope = Tensor.Scope();
        var a = Problem.Parameters();
        using var optimizerA = Create(kind, a);
        var scheduleA = new StepSchedule(optimizerA, stepSize: 3, gamma: 0.5);
        for (int step = 0; step < 10; step++)
        {
            Problem.Backward(a, step);
            optimizerA.Step();
            scheduleA.Step();
        }
        var savedOptimizer = optimizerA.StateDict();
        var savedSchedule = scheduleA.StateDict();

        var b = Problem.Clone(a);
        using var optimizerB = Create(kind, b);
        var scheduleB = new StepSchedule(optimizerB, stepSize: 3, gamma: 0.5);
        optimizerB.LoadStateDict(savedOptimizer);
        scheduleB.LoadStateDict(savedSchedule);
        Assert.Equal(optimizerA.LearningRate, optimizerB.LearningRate);

        for (int step = 10; step < 20; step++)
        {
            Problem.Backward(a, step);
            Problem.Backward(b, step);
            optimizerA.Step();
            optimizerB.Step();
            scheduleA.Step();
            scheduleB.Step();
        }
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i].ToArray<double>(), b[i].ToArray<double>());
        Assert.Equal(scheduleA.StepCount, scheduleB.StepCount);
    }

    [Fact]
    public void Keys_and_step_counts_follow_pytorch()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var adam = new Adam(parameters);
        for (int step = 0; step < 5; step++)
        {
            Problem.Backward(parameters, step);
            adam.Step();
        }
        var state = adam.StateDict();
        Assert.Equal(["lr",
            "param.0.step", "param.0.exp_avg", "param.0.exp_avg_sq",
            "param.1.step", "param.1.exp_avg", "param.1.exp_avg_sq",
            "param.2.step", "param.2.exp_avg", "param.2.exp_avg_sq"], state.Keys);
        Assert.Equal(5, state["param.0.step"].Item());
        Assert.Equal(3, state["param.2.step"].Item()); // no gradient on steps 1 and 3: skipped
        Assert.Equal(DType.Int64, state["param.0.step"].DType);
        Assert.Empty(state["param.0.step"].Shape);
        Assert.Equal(parameters[1].Shape, state["param.1.exp_avg"].Shape);
    }

    [Fact]
    public void State_dict_is_a_snapshot()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var sgd = new Sgd(parameters, lr: 0.1, momentum: 0.9);
        Problem.Backward(parameters, 0);
        sgd.Step();
        var saved = sgd.StateDict();
        double[] buffer = saved["param.0.momentum_buffer"].ToArray<double>();
        sgd.Step();
        Assert.Equal(buffer, saved["param.0.momentum_buffer"].ToArray<double>());
    }

    [Fact]
    public void Parameters_that_never_stepped_have_no_state()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var sgd = new Sgd(parameters, lr: 0.1, momentum: 0.9);
        Problem.Backward(parameters, 1); // parameter 2 gets no gradient
        sgd.Step();
        Assert.Equal(["lr", "param.0.momentum_buffer", "param.1.momentum_buffer"], sgd.StateDict().Keys);
        Assert.Equal(["lr"], new Sgd(parameters, lr: 0.1).StateDict().Keys); // no momentum, no state
    }

    [Fact]
    public void Loading_empty_state_restarts_the_optimizer()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var adam = new Adam(parameters, lr: 0.01);
        Problem.Backward(parameters, 0);
        adam.Step();
        adam.LoadStateDict(new Dictionary<string, Tensor> { ["lr"] = Tensor.Scalar(0.5, DType.Float64) });
        Assert.Equal(["lr"], adam.StateDict().Keys);
        Assert.Equal(0.5, adam.LearningRate);
    }

    [Fact]
    public void Bad_state_dict_lists_every_problem_and_loads_nothing()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var source = new Adam(parameters);
        Problem.Backward(parameters, 0);
        source.Step();
        var state = new Dictionary<string, Tensor>(source.StateDict());
        state.Remove("lr");
        state.Remove("param.1.exp_avg_sq");
        state["param.0.exp_avg"] = Tensor.Zeros([2, 2], DType.Float64);
        state["param.3.exp_avg"] = Tensor.Zeros([2], DType.Float64);
        state["param.0.momentum_buffer"] = Tensor.Zeros([3, 4], DType.Float64);
        state["optimizer"] = Tensor.Zeros([1]);

        using var target = new Adam(Problem.Clone(parameters), lr: 0.02);
        var e = Assert.Throws<ArgumentException>(() => target.LoadStateDict(state));

        Assert.Contains("missing key \"lr\"", e.Message);
        Assert.Contains("parameter 1 has part of its state: missing \"param.1.exp_avg_sq\"", e.Message);
        Assert.Contains("size mismatch for \"param.0.exp_avg\": shape [2,2] in the state dict, [3,4] in this optimizer", e.Message);
        Assert.Contains("unexpected key \"param.3.exp_avg\" (this optimizer has 3 parameters", e.Message);
        Assert.Contains("unexpected key \"param.0.momentum_buffer\"", e.Message);
        Assert.Contains("unexpected key \"optimizer\"", e.Message);
        Assert.Equal(["lr"], target.StateDict().Keys);
        Assert.Equal(0.02, target.LearningRate);
    }

    [Fact]
    public void State_is_converted_to_the_parameter_dtype()
    {
        using var scope = Tensor.Scope();
        var p = Tensor.Zeros([2]);
        p.RequiresGrad = true;
        using var sgd = new Sgd([p], lr: 0.1, momentum: 0.9);
        sgd.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["lr"] = Tensor.Scalar(0.1, DType.Float64),
            ["param.0.momentum_buffer"] = Tensor.FromArray([1.5, -2.0]),
        });
        var buffer = sgd.StateDict()["param.0.momentum_buffer"];
        Assert.Equal(DType.Float32, buffer.DType);
        Assert.Equal([1.5f, -2.0f], buffer.ToArray<float>());
    }

    [Fact]
    public void Schedule_state_dict_round_trip_and_errors()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var sgd = new Sgd(parameters, lr: 0.1);
        var schedule = new OneCycleSchedule(sgd, maxLr: 1, totalSteps: 10);
        for (int step = 0; step < 4; step++) schedule.Step();
        var saved = schedule.StateDict();
        Assert.Equal(4, saved["last_epoch"].Item());
        Assert.Equal(DType.Int64, saved["last_epoch"].DType);

        using var other = new Sgd(Problem.Clone(parameters), lr: 0.1);
        var resumed = new OneCycleSchedule(other, maxLr: 1, totalSteps: 10);
        resumed.LoadStateDict(saved);
        Assert.Equal(4, resumed.StepCount);
        Assert.Equal(sgd.LearningRate, other.LearningRate);

        var missing = Assert.Throws<ArgumentException>(() => resumed.LoadStateDict(new Dictionary<string, Tensor>()));
        Assert.Contains("missing key \"last_epoch\"", missing.Message);
        var past = Assert.Throws<ArgumentException>(() => resumed.LoadStateDict(new Dictionary<string, Tensor> { ["last_epoch"] = Tensor.Scalar(11, DType.Int64) }));
        Assert.Contains("step 11 is past the end of the cycle, totalSteps = 10", past.Message);
        var fraction = Assert.Throws<ArgumentException>(() => resumed.LoadStateDict(new Dictionary<string, Tensor> { ["last_epoch"] = Tensor.Scalar(2.5, DType.Float64) }));
        Assert.Contains("must be an integer >= 0, got 2.5", fraction.Message);
        Assert.Equal(4, resumed.StepCount);
    }
}
