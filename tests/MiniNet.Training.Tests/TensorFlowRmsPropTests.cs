using TorchSharp;

namespace MiniNet.Training.Tests;

/// <summary>
/// TensorFlowRmsProp has no PyTorch counterpart: it is checked against its formulas stepped by hand, and shown to
/// differ from PyTorch's RMSprop given the same hyperparameters and gradients.
/// </summary>
public class TensorFlowRmsPropTests
{
    // Gradients fixed in advance: loss_t = sum(g_t · w) has dloss/dw = g_t exactly, whatever w is.
    static readonly double[][] Gradients = [[2.0, -0.5, 0.01], [1.5, 0.25, -0.02], [-1.0, 0.5, 0.03], [0.5, -2.0, 0.0]];

    static Tensor Weights()
    {
        var w = Tensor.FromArray([1.0, -2.0, 0.5]);
        w.RequiresGrad = true;
        return w;
    }

    static void SetGradient(Tensor w, double[] g)
    {
        w.ZeroGrad();
        (Tensor.FromArray(g) * w).Sum().Backward();
    }

    [Fact]
    public void First_step_by_hand()
    {
        // g = 2, w = 1, lr 0.1, decay 0.9, momentum 0.9, eps 1:
        //   ms  = 0.9·1 + 0.1·2² = 1.3                   (ms starts at 1)
        //   mom = 0.9·0 + 0.1·2 / sqrt(1.3 + 1) = 0.2 / sqrt(2.3)
        //   w   = 1 - 0.2 / sqrt(2.3) = 0.86812435...
        using var scope = Tensor.Scope();
        var w = Weights();
        using var optimizer = new TensorFlowRmsProp([w], lr: 0.1);
        SetGradient(w, Gradients[0]);
        optimizer.Step();
        Assert.Equal(1 - 0.2 / Math.Sqrt(2.3), w.ToArray<double>()[0], 15);
    }

    [Theory]
    [InlineData(0.1, 0.9, 0.9, 1.0)]
    [InlineData(0.045, 0.9, 0.9, 1.0)]
    [InlineData(0.01, 0.95, 0.5, 1e-3)]
    [InlineData(0.01, 0.9, 0.0, 0.1)]
    public void Matches_the_formulas_stepped_by_hand(double lr, double decay, double momentum, double epsilon)
    {
        using var scope = Tensor.Scope();
        using var torchScope = torch.NewDisposeScope();
        var w = Weights();
        using var optimizer = new TensorFlowRmsProp([w], lr, decay, momentum, epsilon);
        double[] expected = w.ToArray<double>(), ms = [1, 1, 1], mom = [0, 0, 0];
        foreach (var g in Gradients)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                ms[i] = decay * ms[i] + (1 - decay) * g[i] * g[i];
                mom[i] = momentum * mom[i] + lr * g[i] / Math.Sqrt(ms[i] + epsilon);
                expected[i] -= mom[i];
            }
            SetGradient(w, g);
            optimizer.Step();
            Oracle.Compare(w, torch.tensor(expected), "weights");
        }
    }

    [Fact]
    public void Differs_from_pytorch_rmsprop_with_the_same_hyperparameters()
    {
        // First step, g = 2, lr 0.1, decay (alpha) 0.9, eps 1, momentum 0.9:
        //   PyTorch:    square_avg from 0, eps outside the root:  w = 1 - 0.1·2 / (sqrt(0.1·4) + 1)
        //   TensorFlow: ms from 1, eps inside the root:            w = 1 - 0.1·2 / sqrt(0.9 + 0.1·4 + 1)
        using var scope = Tensor.Scope();
        using var torchScope = torch.NewDisposeScope();
        var w = Weights();
        var torchW = Problem.ToTorch([w]);
        using var optimizer = new TensorFlowRmsProp([w], lr: 0.1, decay: 0.9, momentum: 0.9, epsilon: 1.0);
        using var pytorch = torch.optim.RMSProp(torchW, lr: 0.1, alpha: 0.9, eps: 1.0, momentum: 0.9);

        SetGradient(w, Gradients[0]);
        Problem.CopyGradients([w], torchW);
        optimizer.Step();
        pytorch.step();

        double[] tf = w.ToArray<double>(), pt = torchW[0].data<double>().ToArray();
        Assert.Equal(1 - 0.2 / Math.Sqrt(2.3), tf[0], 15);
        Assert.Equal(1 - 0.2 / (Math.Sqrt(0.4) + 1), pt[0], 15); // eps outside the root: sqrt(0.1·4) + 1
        Assert.Throws<OracleMismatchException>(() => Oracle.Compare(w, torchW[0], "weights"));
    }

    [Fact]
    public void Learning_rate_change_reaches_the_step_through_the_momentum_buffer()
    {
        // lr sits inside the buffer: after lr drops to 0 the parameter keeps moving by momentum·mom.
        using var scope = Tensor.Scope();
        var w = Weights();
        using var optimizer = new TensorFlowRmsProp([w], lr: 0.1);
        SetGradient(w, Gradients[0]);
        optimizer.Step();
        double[] before = w.ToArray<double>();
        double firstMove = 0.2 / Math.Sqrt(2.3);
        optimizer.LearningRate = 0;
        optimizer.Step();
        Assert.Equal(before[0] - 0.9 * firstMove, w.ToArray<double>()[0], 15);
    }
}
