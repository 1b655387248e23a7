namespace MiniNet.Training.Tests;

/// <summary>What the optimizers share: argument checks, skipped parameters, ZeroGrad, lifetime, and the tape rule.</summary>
public class OptimizerTests
{
    static Tensor Leaf(params int[] shape)
    {
        var p = Tensor.Zeros(shape, DType.Float64);
        p.RequiresGrad = true;
        return p;
    }

    [Fact]
    public void Parameter_list_is_checked()
    {
        using var scope = Tensor.Scope();
        var p = Leaf(2);
        Assert.Contains("sgd: got an empty parameter list", Assert.Throws<ArgumentException>(() => new Sgd([], 0.1)).Message);
        Assert.Contains("sgd: parameter 1 [2] made by 'zeros' is listed twice", Assert.Throws<ArgumentException>(() => new Sgd([p, p], 0.1)).Message);
        Assert.Contains("adam: parameter 0 [2] made by 'mul' is not a leaf", Assert.Throws<ArgumentException>(() => new Adam([p * 2.0])).Message);
        Assert.Contains("adam: parameter 0 [3] made by 'zeros' is torch.int64; optimizers update float32 or float64 tensors", Assert.Throws<ArgumentException>(() => new Adam([Tensor.Zeros([3], DType.Int64)])).Message);
    }

    [Fact]
    public void Hyperparameters_are_checked()
    {
        using var scope = Tensor.Scope();
        Tensor[] p = [Leaf(2)];
        Assert.Contains("sgd: lr must be finite and >= 0, got -0.1", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(p, -0.1)).Message);
        Assert.Contains("Nesterov momentum requires momentum > 0 and dampening 0, got momentum 0, dampening 0",
            Assert.Throws<ArgumentException>(() => new Sgd(p, 0.1, nesterov: true)).Message);
        Assert.Contains("got momentum 0.9, dampening 0.1", Assert.Throws<ArgumentException>(() => new Sgd(p, 0.1, momentum: 0.9, dampening: 0.1, nesterov: true)).Message);
        Assert.Contains("adam: beta1 must be in [0, 1), got 1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p, beta1: 1)).Message);
        Assert.Contains("adamw: eps must be finite and >= 0, got NaN", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(p, eps: double.NaN)).Message);
        Assert.Contains("rmsprop: alpha must be in [0, 1], got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(p, alpha: 1.5)).Message);
        Assert.Contains("tf_rmsprop: momentum must be finite and >= 0, got -1", Assert.Throws<ArgumentOutOfRangeException>(() => new TensorFlowRmsProp(p, 0.1, momentum: -1)).Message);
        using var sgd = new Sgd(p, 0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = double.PositiveInfinity);
        Assert.Equal(0.1, sgd.LearningRate);
    }

    [Fact]
    public void Parameters_without_a_gradient_are_left_alone()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        var frozen = parameters[2].ToArray<double>();
        using var adam = new Adam(parameters, lr: 0.1);
        Problem.Backward(parameters, step: 1); // parameter 2 gets no gradient
        adam.Step();
        Assert.Null(parameters[2].Grad);
        Assert.Equal(frozen, parameters[2].ToArray<double>());
        Assert.DoesNotContain("param.2.step", adam.StateDict().Keys);
    }

    [Fact]
    public void ZeroGrad_sets_gradients_to_null()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var sgd = new Sgd(parameters, 0.1);
        Problem.Backward(parameters, 0);
        Assert.All(parameters, p => Assert.NotNull(p.Grad));
        sgd.ZeroGrad();
        Assert.All(parameters, p => Assert.Null(p.Grad));
    }

    [Fact]
    public void Step_leaves_no_tensors_in_the_callers_scope()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var rmsProp = new RmsProp(parameters, momentum: 0.9, centered: true);
        Problem.Backward(parameters, 0);
        int before = scope.OwnedCount;
        rmsProp.Step();
        rmsProp.Step();
        Assert.Equal(before, scope.OwnedCount);
    }

    [Fact]
    public void State_survives_the_scope_it_was_made_in_and_dies_with_the_optimizer()
    {
        using var outer = Tensor.Scope();
        var parameters = Problem.Parameters();
        using var sgd = new Sgd(parameters, 0.1, momentum: 0.9);
        using (Tensor.Scope())
        {
            Problem.Backward(parameters, 0);
            sgd.Step();
        }
        var saved = sgd.StateDict(); // reads the buffers: they were not disposed with the inner scope
        Assert.Equal(3, saved.Count - 1);
        sgd.Dispose();
        Assert.Contains("sgd: the optimizer was disposed", Assert.Throws<ObjectDisposedException>(() => sgd.Step()).Message);
        Assert.All(parameters, p => Assert.False(p.IsDisposed)); // the parameters belong to the caller
    }

    [Fact]
    public void Step_while_the_tape_still_needs_a_parameter_is_refused()
    {
        using var scope = Tensor.Scope();
        var p = Leaf(2);
        using var sgd = new Sgd([p], 0.1);
        (p * p).Sum().Backward();
        var pending = (p * 3.0).Sum(); // recorded, not yet backpropagated: its backward reads p
        var e = Assert.Throws<InvalidOperationException>(() => sgd.Step());
        Assert.Contains("still needed by", e.Message);
        pending.Backward();
        sgd.Step();
    }

    [Fact]
    public void Schedules_check_their_arguments_and_stop_at_the_end_of_a_cycle()
    {
        using var scope = Tensor.Scope();
        using var sgd = new Sgd([Leaf(1)], 0.1);
        Assert.Contains("StepSchedule: stepSize must be >= 1, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(sgd, 0, 0.5)).Message);
        Assert.Contains("LinearWarmup: startFactor must be in (0, 1], got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(sgd, 5, 0)).Message);
        Assert.Contains("needs one more schedule than milestones", Assert.Throws<ArgumentException>(() => new SequentialSchedule(sgd, [new ExponentialSchedule(sgd, 0.9)], [3])).Message);
        using var otherSgd = new Sgd([Leaf(1)], 0.1);
        Assert.Contains("schedule 1 (CosineSchedule) is not bound to this optimizer",
            Assert.Throws<ArgumentException>(() => new SequentialSchedule(sgd, [new LinearWarmup(sgd, 2, 0.5), new CosineSchedule(otherSgd, 5)], [2])).Message);

        var oneCycle = new OneCycleSchedule(sgd, maxLr: 1, totalSteps: 3);
        for (int step = 0; step < 3; step++) oneCycle.Step(); // step totalSteps itself is allowed, as in PyTorch
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => oneCycle.Step());
        Assert.Contains("step 4 is past the end of the cycle, totalSteps = 3", e.Message);
        Assert.Equal(3, oneCycle.StepCount);
    }

    [Fact]
    public void Schedules_scale_the_initial_rate_whatever_set_the_rate_since()
    {
        // The warm-up's constructor lowers the optimizer's rate; the cosine built after it still starts from 0.1.
        using var scope = Tensor.Scope();
        using var sgd = new Sgd([Leaf(1)], 0.1);
        var warmup = new LinearWarmup(sgd, 5, 0.1);
        Assert.Equal(0.1 * 0.1, sgd.LearningRate, 15);
        var cosine = new CosineSchedule(sgd, 10);
        Assert.Equal(0.1, cosine.BaseLearningRate);
        Assert.Equal(0.1, sgd.LearningRate);
        Assert.Equal(0.1 * 0.1, warmup.LearningRateAt(0), 15);
    }
}
