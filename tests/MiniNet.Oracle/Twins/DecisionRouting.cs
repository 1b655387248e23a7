using TorchSharp;
using TorchSharp.Modules;

namespace MiniNet;

/// <summary>
/// Makes a twin take the forward's discrete decisions that MiniNet took (which element each max-pool window picks,
/// which ReLU inputs pass), so that a float32 model's gradients can be compared with a float64 twin's (see the remarks).
/// </summary>
/// <remarks>
/// <para>Note: float32 gradients at kinks. A max pool routes each window's gradient to its largest element, and a
/// ReLU passes gradient only where its input is positive: choices that jump when two elements swap order or an input
/// crosses zero. A float32 forward differs from a float64 one by about 1e-6 to 1e-5 of the values deep in a network,
/// so a window whose two largest elements lie closer than that, or a ReLU input that close to zero, may decide the
/// other way, and its gradient lands elsewhere or nowhere. Measured (4 images 1x28x28, input seed 7): in
/// MiniGoogLeNet, inception5b's pooling branch sees 1.3527831 and 1.3527813 side by side in channel 27 of image 3;
/// float32 picks the other one in four windows, and inception5a.branch1's weight gradient moves by 21% of its largest
/// magnitude, everything below by 2 to 5%. In MiniInceptionV3, one input of mixed1.branch3.0's ReLU is 3.7e-7 in
/// float64 and -2.7e-8 in float32, and that conv's weight gradient moves by 2%. Exact float64 arithmetic with the
/// weights perturbed by 1e-6 of themselves moves the gradients as much: it is the function, not the arithmetic. About
/// half of all input seeds hit a near-tie in MiniGoogLeNet or MiniInceptionV3. So a float32 gradient comparison with
/// a tolerance of 1e-3 is meaningful only when both sides take the same decisions.</para>
/// <para>Use: create with <see cref="Follow"/> on the twin, call <see cref="Record"/> from a forward hook on every
/// MiniNet module, and run MiniNet before the twin (as <see cref="TwinComparison.CompareForward"/> does). Then:
/// each twin <c>MaxPool2d</c> outputs its input at the positions where max pooling MiniNet's input of that name finds
/// the maxima; and each ReLU of a <see cref="TorchBasicConv"/> (after its "bn") and of a
/// <see cref="TorchAuxiliaryHead"/> (after "fc1") passes exactly where MiniNet's passed, read from MiniNet's module
/// of the same name (a BasicConv's output, positive where its ReLU passed; fc1's output, positive where the head's
/// ReLU passes). Where the twin disagrees, its pre-ReLU value y is moved across zero by a constant,
/// y + (±(|y| + 1e-30) - y).detach(), so the value changes by about |y| and the gradient follows MiniNet. Values
/// move only by the near-tie gaps. The float64 comparison, without routing, is what checks MiniNet's decisions.</para>
/// <para>Exact ties among zeros (ReLU outputs) may be broken differently in a max pool; the gradient of either choice
/// dies in the ReLU behind it, so it does not matter.</para>
/// </remarks>
public sealed class DecisionRouting : IDisposable
{
    readonly Dictionary<string, Queue<torch.Tensor>> _maxPoolInputs = [];  // MiniNet's max-pool inputs, float64
    readonly Dictionary<string, Queue<torch.Tensor>> _reluMasks = [];      // where MiniNet's ReLUs passed, bool
    readonly List<Action> _unhook = [];

    DecisionRouting() { }

    /// <summary>Decisions the twin took so far: max-pool output elements plus ReLU input elements it routed.</summary>
    public long Decisions { get; private set; }

    /// <summary>
    /// Of <see cref="Decisions"/>, those where the twin, left alone, would have decided otherwise. A handful are
    /// near-ties; a sizeable fraction means MiniNet decides wrongly (in this dtype), which routing would hide.
    /// </summary>
    public long Overridden { get; private set; }

    /// <summary>Hooks every max pool and every BasicConv and auxiliary-head ReLU of <paramref name="twin"/> (see the remarks).</summary>
    public static DecisionRouting Follow(torch.nn.Module twin)
    {
        var routing = new DecisionRouting();
        var modules = twin.named_modules().ToDictionary(m => m.name, m => m.module);
        foreach (var (name, module) in modules)
        {
            switch (module)
            {
                case MaxPool2d pool:
                    routing._maxPoolInputs[name] = new();
                    routing._unhook.Add(pool.register_forward_hook((_, input, output) => routing.RouteMaxPool(name, pool, input, output)).remove);
                    break;
                case TorchBasicConv:
                    routing.FollowRelu(name, (BatchNorm2d)modules[name + ".bn"]);
                    break;
                case TorchAuxiliaryHead:
                    routing.FollowRelu(name + ".fc1", (Linear)modules[name + ".fc1"]);
                    break;
            }
        }
        return routing;
    }

    void FollowRelu(string maskSource, torch.nn.Module<torch.Tensor, torch.Tensor> preRelu)
    {
        _reluMasks[maskSource] = new();
        _unhook.Add(preRelu.register_forward_hook((_, _, output) => RouteRelu(maskSource, output)).remove);
    }

    /// <summary>
    /// Keeps what the twin's module <paramref name="name"/> will need of MiniNet's module of that name: a float64 copy
    /// of a max pool's input, or where a ReLU passed. Ignores modules the twin does not route.
    /// </summary>
    public void Record(string name, Tensor miniInput, Tensor miniOutput)
    {
        if (_maxPoolInputs.TryGetValue(name, out var inputs))
        {
            var copy = miniInput.ToTorch();
            inputs.Enqueue(copy.dtype == torch.float64 ? copy : Widen(copy));
        }
        if (_reluMasks.TryGetValue(name, out var masks))
        {
            using var output = miniOutput.ToTorch();
            masks.Enqueue(output.gt(0));
        }
    }

    static torch.Tensor Widen(torch.Tensor copy)
    {
        using (copy) return copy.to_type(torch.float64);
    }

    torch.Tensor RouteMaxPool(string name, MaxPool2d pool, torch.Tensor input, torch.Tensor output)
    {
        using var miniInput = Next(_maxPoolInputs, name);
        var (_, indices) = pool.forward_with_indices(miniInput); // flat positions in each H x W plane of the input
        var routed = input.flatten(2).gather(2, indices.flatten(2)).view_as(output);
        Count(output.numel(), routed.detach().ne(output.detach()));
        return routed;
    }

    torch.Tensor RouteRelu(string maskSource, torch.Tensor preRelu)
    {
        using var pass = Next(_reluMasks, maskSource);
        var magnitude = preRelu.detach().abs() + 1e-30;
        var target = torch.where(pass, magnitude, -magnitude);
        var disagree = preRelu.detach().gt(0).logical_xor(pass);
        Count(preRelu.numel(), disagree);
        return preRelu + torch.where(disagree, target - preRelu.detach(), torch.zeros_like(preRelu));
    }

    void Count(long decisions, torch.Tensor overridden)
    {
        Decisions += decisions;
        using var count = overridden.sum();
        Overridden += count.item<long>();
    }

    static torch.Tensor Next(Dictionary<string, Queue<torch.Tensor>> recorded, string name) =>
        recorded[name].TryDequeue(out var tensor) ? tensor
            : throw new InvalidOperationException($"decision routing: the twin ran {name} more often than MiniNet's forward recorded it");

    /// <summary>Removes the hooks and drops what was recorded and not used.</summary>
    public void Dispose()
    {
        foreach (var unhook in _unhook) unhook();
        _unhook.Clear();
        foreach (var queue in _maxPoolInputs.Values.Concat(_reluMasks.Values))
            while (queue.TryDequeue(out var tensor)) tensor.Dispose();
    }
}
