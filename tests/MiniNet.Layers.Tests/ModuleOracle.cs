using TorchSharp;

namespace MiniNet.Layers.Tests;

/// <summary>
/// Checks a MiniNet module against its TorchSharp twin with the same weights: the output, the gradient of the input
/// and of every parameter, and every buffer after the forward (BatchNorm's running statistics and counter). The
/// weights go from MiniNet to PyTorch through the state dict, whose keys must be PyTorch's.
/// </summary>
/// <remarks>
/// The twin always computes in float64, and its results are cast to the dtype under test: libtorch's float32 conv
/// input gradient is wrong for some shapes in TorchSharp-cpu 0.107 (see "Note: libtorch float32 conv backward" in
/// tests/MiniNet.Autograd.Tests/Conv2dTests.cs; here x [2,3,5,6], w [4,3,3,3], padding 1 is off by O(1) against
/// libtorch's own float64). The casts sit in the torch graph, so gradients still reach the float32 input leaf.
/// </remarks>
static class ModuleOracle
{
    /// <summary>
    /// Converts <paramref name="mini"/> to <paramref name="dtype"/> (the twin to float64), sets both to training or evaluation mode, copies
    /// <paramref name="mini"/>'s state into <paramref name="reference"/>, runs both on the same standard-normal input
    /// of <paramref name="inputShape"/> (drawn from <c>new Generator(seed)</c>), backpropagates
    /// <c>((out + 1)^2).mean()</c> (Oracle's "Note: oracle backward seed") and compares everything.
    /// </summary>
    public static void Check(Module mini, torch.nn.Module<torch.Tensor, torch.Tensor> reference, int[] inputShape, DType dtype,
        bool training, ulong seed = 0, OracleTolerance? tolerance = null)
    {
        mini.To(dtype).Train(training);
        reference.to(torch.float64).train(training);
        CopyState(mini, reference);
        mini.ZeroGrad();

        using var torchScope = torch.NewDisposeScope();
        using var scope = Tensor.Scope();
        var x = Tensor.Normal(inputShape, generator: new Generator(seed), dtype: dtype);
        x.RequiresGrad = true;
        var tx = x.ToTorch(requiresGrad: true);
        var y = mini.Call(x);
        var torchDType = tx.dtype;
        var ty = reference.call(tx.to_type(torch.float64)).to_type(torchDType);
        Oracle.Compare(y, ty, "output", tolerance);

        var y1 = y + 1.0;
        (y1 * y1).Mean().Backward();
        ((ty + 1.0) * (ty + 1.0)).mean().backward();
        Oracle.Compare(x.Grad!, tx.grad!, "grad of input", tolerance);

        var torchParameters = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in mini.NamedParameters())
            Oracle.Compare(parameter.Grad ?? throw new Xunit.Sdk.XunitException($"{name} got no gradient"), torchParameters[name].grad!.to_type(torchDType), $"grad of {name}", tolerance);
        var torchBuffers = reference.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, buffer) in mini.NamedBuffers())
            Oracle.Compare(buffer.Value, torchBuffers[name].is_floating_point() ? torchBuffers[name].to_type(torchDType) : torchBuffers[name], $"buffer {name}", tolerance);
    }

    /// <summary>
    /// Copies every tensor of <paramref name="mini"/>'s state dict into <paramref name="reference"/>'s (converting the
    /// dtype), after checking that both have the same keys and list parameters and buffers in the same order.
    /// TorchSharp's state_dict puts all parameters before all buffers, unlike PyTorch's (module by module), so the
    /// order is compared on the parameter and buffer lists and the state dicts as sets.
    /// </summary>
    public static void CopyState(Module mini, torch.nn.Module reference)
    {
        Assert.Equal(reference.named_parameters().Select(p => p.name), mini.NamedParameters().Select(p => p.Name));
        Assert.Equal(reference.named_buffers().Select(b => b.name), mini.NamedBuffers().Select(b => b.Name));
        var torchState = reference.state_dict();
        var miniState = mini.StateDict();
        Assert.Equal(torchState.Keys.Order(), miniState.Keys.Order());
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in miniState)
        {
            using var source = tensor.ToTorch();
            torchState[name].copy_(source);
        }
    }
}

/// <summary>
/// torchvision's GoogLeNet <c>BasicConv2d</c> written in TorchSharp: conv (no bias), bn (eps 0.001), relu in forward.
/// The children are registered by hand as "conv" and "bn", the names torchvision's attributes give them.
/// </summary>
sealed class TorchBasicConv2d : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    readonly torch.nn.Module<torch.Tensor, torch.Tensor> _conv, _bn;

    public TorchBasicConv2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0) : base("BasicConv2d")
    {
        _conv = torch.nn.Conv2d(inChannels, outChannels, kernel, stride, padding, bias: false);
        _bn = torch.nn.BatchNorm2d(outChannels, eps: 1e-3);
        register_module("conv", _conv);
        register_module("bn", _bn);
    }

    public override torch.Tensor forward(torch.Tensor input) => torch.nn.functional.relu(_bn.call(_conv.call(input)));
}
