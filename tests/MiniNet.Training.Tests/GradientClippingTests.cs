using TorchSharp;

namespace MiniNet.Training.Tests;

/// <summary>ClipByGlobalNorm against <c>torch.nn.utils.clip_grad_norm_</c>: the norm returned and the gradients left.</summary>
public class GradientClippingTests
{
    static void AssertMatchesTorch(int step, Func<double, double> maxNormOfTotal)
    {
        TorchInterop.EnsureInitialized();
        using var torchScope = torch.NewDisposeScope();
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        var torchParameters = Problem.ToTorch(parameters);
        Problem.Backward(parameters, step);
        Problem.CopyGradients(parameters, torchParameters);
        double total = Math.Sqrt(parameters.Where(p => p.Grad is not null).Sum(p => p.Grad!.ToArray<double>().Sum(g => g * g)));
        double maxNorm = maxNormOfTotal(total);

        double norm = GradientClipping.ClipByGlobalNorm(parameters, maxNorm);
        double torchNorm = torch.nn.utils.clip_grad_norm_(torchParameters, maxNorm);

        Assert.Equal(torchNorm, norm, 1e-12 * torchNorm);
        for (int i = 0; i < parameters.Length; i++)
        {
            Assert.Equal(torchParameters[i].grad is null, parameters[i].Grad is null);
            if (parameters[i].Grad is { } grad) Oracle.Compare(grad, torchParameters[i].grad!, $"grad of parameter {i}");
        }
    }

    [Fact]
    public void Scales_gradients_above_the_max_norm() => AssertMatchesTorch(step: 0, total => total / 3);

    [Fact]
    public void Skips_parameters_without_a_gradient() => AssertMatchesTorch(step: 1, total => total / 3);

    [Fact]
    public void Leaves_gradients_below_the_max_norm() => AssertMatchesTorch(step: 0, total => total * 2);

    [Fact]
    public void Scales_just_below_the_max_norm_as_pytorch_does() => AssertMatchesTorch(step: 0, total => total + 1e-7);

    [Fact]
    public void Clipped_norm_is_the_max_norm()
    {
        using var scope = Tensor.Scope();
        var parameters = Problem.Parameters();
        Problem.Backward(parameters, 0);
        double before = GradientClipping.ClipByGlobalNorm(parameters, 0.5);
        double after = GradientClipping.ClipByGlobalNorm(parameters, double.PositiveInfinity);
        Assert.True(before > 0.5);
        Assert.Equal(0.5 * before / (before + 1e-6), after, 1e-12);
    }

    [Fact]
    public void No_gradients_give_norm_zero()
    {
        using var scope = Tensor.Scope();
        Assert.Equal(0, GradientClipping.ClipByGlobalNorm(Problem.Parameters(), 1.0));
    }

    [Fact]
    public void Negative_max_norm_is_refused()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(Problem.Parameters(), -1));
        Assert.Contains("maxNorm must be >= 0, got -1", e.Message);
    }
}
