using System.Globalization;
using TorchSharp;

namespace MiniNet;

/// <summary>The first module, in MiniNet's execution order, whose output differs from its twin's, and how.</summary>
public sealed record LayerDivergence(string Layer, string Detail);

/// <summary>
/// A MiniNet model and its TorchSharp twin disagree; <see cref="FirstDivergence"/> names the first module whose output
/// differs (null when no module output differs, e.g. only a functional op of the root diverged).
/// </summary>
public sealed class TwinDivergenceException(string message, LayerDivergence? firstDivergence) : Exception(message)
{
    /// <summary>The first divergent module in MiniNet's execution order, or null.</summary>
    public LayerDivergence? FirstDivergence { get; } = firstDivergence;
}

/// <summary>What <see cref="TwinComparison.CompareForward"/> ran: both sides' outputs, still attached to their graphs.</summary>
public sealed record TwinOutputs(Tensor[] Mini, torch.Tensor[] Twin);

/// <summary>
/// Compares a MiniNet model with its TorchSharp twin (same architecture, same dotted parameter and buffer names):
/// copy the weights across (<see cref="CopyState"/>), run both on one batch and compare the outputs, naming the first
/// module whose output diverges (<see cref="CompareForward"/>), then, after a backward on each side, compare every
/// parameter gradient (<see cref="CompareGradients"/>) and buffer (<see cref="CompareBuffers"/>).
/// </summary>
/// <remarks>
/// <para>This library references MiniNet.Autograd (tensors), not MiniNet.Layers (modules), so the MiniNet side comes
/// in as its state dict (<c>mini.StateDict()</c>: the module's own tensors, whose <c>Grad</c> backward fills) and a
/// <see cref="LayerTrace"/> that the caller hooks to its modules (see the remarks of <see cref="LayerTrace"/>).</para>
/// <para>Tolerances: <c>max|mini - twin| &lt;= atol + rtol · max|twin|</c> per tensor, as <see cref="Oracle.Compare"/>;
/// a twin in float64 against a float32 MiniNet model is cast to float32 first (see "Note: libtorch float32 conv
/// backward" in tests/MiniNet.Autograd.Tests/Conv2dTests.cs for why the twin should compute in float64). To compare
/// a float32 model's gradients, let the twin take MiniNet's max-pool and ReLU decisions (<see cref="DecisionRouting"/>,
/// "Note: float32 gradients at kinks").</para>
/// </remarks>
public static class TwinComparison
{
    /// <summary>
    /// Copies every tensor of <paramref name="miniState"/> into the parameter or buffer of the same name in
    /// <paramref name="twin"/> (converting the dtype), after checking that both have the same keys and shapes.
    /// </summary>
    /// <exception cref="ArgumentException">One message listing every missing key, unexpected key and shape mismatch.</exception>
    public static void CopyState(IReadOnlyDictionary<string, Tensor> miniState, torch.nn.Module twin)
    {
        TorchInterop.EnsureInitialized();
        var twinState = twin.state_dict();
        var errors = new List<string>();
        foreach (var name in twinState.Keys.Where(k => !miniState.ContainsKey(k)))
            errors.Add($"twin has {name}, MiniNet does not");
        foreach (var name in miniState.Keys.Where(k => !twinState.ContainsKey(k)))
            errors.Add($"MiniNet has {name}, the twin does not");
        foreach (var (name, tensor) in miniState)
            if (twinState.TryGetValue(name, out var target) && !tensor.Shape.Select(d => (long)d).SequenceEqual(target.shape))
                errors.Add($"{name}: shape [{string.Join(",", tensor.Shape)}] in MiniNet, [{string.Join(",", target.shape)}] in the twin");
        if (errors.Count > 0)
            throw new ArgumentException("twin: the state dicts do not match:\n\t" + string.Join("\n\t", errors));

        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in miniState)
        {
            using var source = tensor.ToTorch();
            twinState[name].copy_(source);
        }
    }

    /// <summary>
    /// Runs <paramref name="mini"/> on <paramref name="input"/> and <paramref name="twin"/> (through
    /// <paramref name="runTwin"/>) on a copy of it in the twin's dtype, tracing the twin's modules, and compares the
    /// outputs pairwise. <paramref name="miniTrace"/> must be hooked to the MiniNet modules; it is cleared first.
    /// </summary>
    /// <returns>Both sides' outputs, attached to their graphs, for a backward.</returns>
    /// <exception cref="TwinDivergenceException">Outputs differ in count, shape or values; the message gives each
    /// differing output and the first module whose output diverges (<see cref="FirstDivergence"/>).</exception>
    public static TwinOutputs CompareForward(Tensor input, Func<Tensor, Tensor[]> mini, LayerTrace miniTrace,
        torch.nn.Module twin, Func<torch.Tensor, torch.Tensor[]> runTwin, OracleTolerance tolerance)
    {
        miniTrace.Clear();
        using var twinTrace = LayerTrace.Of(twin);
        var miniOutputs = mini(input);
        using var torchInput = input.ToTorch();
        var twinOutputs = runTwin(torchInput.to_type(DTypeOf(twin)));

        var errors = new List<string>();
        if (miniOutputs.Length != twinOutputs.Length)
            errors.Add($"{miniOutputs.Length} outputs in MiniNet, {twinOutputs.Length} in the twin");
        for (int i = 0; i < Math.Min(miniOutputs.Length, twinOutputs.Length); i++)
            if (Mismatch(miniOutputs[i], twinOutputs[i], $"output {i}", tolerance) is { } error) errors.Add(error);
        if (errors.Count == 0) return new TwinOutputs(miniOutputs, twinOutputs);

        var first = FirstDivergence(miniTrace, twinTrace, tolerance);
        string where = first is not null ? $"first divergent module in MiniNet's execution order: {first.Layer}: {first.Detail}"
            : miniTrace.Outputs.Count == 0 ? "no module compared: the MiniNet trace recorded nothing (hook it to the modules, see LayerTrace)"
            : "no module's output diverges (look at the functional ops of the model's own forward)";
        throw new TwinDivergenceException("twin: " + string.Join("\n\t", errors) + "\n\t" + where, first);
    }

    /// <summary>
    /// The first output of <paramref name="mini"/>, in recording order, that differs from the output of the twin
    /// module of the same name (the k-th call of a name against the twin's k-th) in shape or beyond
    /// <paramref name="tolerance"/>; null when all agree. Names recorded on one side only are skipped.
    /// </summary>
    public static LayerDivergence? FirstDivergence(LayerTrace mini, LayerTrace twin, OracleTolerance tolerance)
    {
        var twinCalls = new Dictionary<(string, int), LayerOutput>();
        var seen = new Dictionary<string, int>();
        foreach (var output in twin.Outputs) twinCalls[(output.Name, Occurrence(seen, output.Name))] = output;
        seen.Clear();
        foreach (var output in mini.Outputs)
        {
            if (!twinCalls.TryGetValue((output.Name, Occurrence(seen, output.Name)), out var reference)) continue;
            if (!output.Shape.SequenceEqual(reference.Shape))
                return new(output.Name, $"shape [{string.Join(",", output.Shape)}] in MiniNet, [{string.Join(",", reference.Shape)}] in the twin");
            var (worst, at, allowed) = Worst(output.Values, reference.Values, tolerance);
            if (worst > allowed)
                return new(output.Name, string.Create(CultureInfo.InvariantCulture,
                    $"worst at flat index {at}: MiniNet {output.Values[at]:G9}, twin {reference.Values[at]:G9}; |diff| {worst:G3} > {allowed:G3}"));
        }
        return null;
    }

    /// <summary>
    /// Compares the gradient of every parameter of <paramref name="twin"/> with that of the MiniNet tensor of the same
    /// name in <paramref name="miniState"/> (after a backward on each side). A missing gradient counts as zeros, so a
    /// parameter that neither side reached passes and one that only one side reached must have a zero gradient there.
    /// </summary>
    /// <exception cref="OracleMismatchException">Listing every differing gradient.</exception>
    public static void CompareGradients(IReadOnlyDictionary<string, Tensor> miniState, torch.nn.Module twin, OracleTolerance tolerance)
    {
        var errors = new List<string>();
        foreach (var (name, parameter) in twin.named_parameters())
        {
            // A parameter the loss does not reach (an auxiliary head in evaluation mode) gets no gradient: same as zeros.
            var gradient = miniState[name].Grad;
            if (gradient is null && parameter.grad is null) continue;
            using var miniZeros = gradient is null ? Tensor.ZerosLike(miniState[name]) : null;
            using var twinZeros = parameter.grad is null ? torch.zeros_like(parameter) : null;
            if (Mismatch(gradient ?? miniZeros!, parameter.grad ?? twinZeros!, $"grad of {name}", tolerance) is { } error) errors.Add(error);
        }
        Throw(errors);
    }

    /// <summary>Compares every buffer of <paramref name="twin"/> (BatchNorm's running statistics and counter) with MiniNet's.</summary>
    /// <exception cref="OracleMismatchException">Listing every differing buffer.</exception>
    public static void CompareBuffers(IReadOnlyDictionary<string, Tensor> miniState, torch.nn.Module twin, OracleTolerance tolerance)
    {
        var errors = new List<string>();
        foreach (var (name, buffer) in twin.named_buffers())
            if (Mismatch(miniState[name], buffer, $"buffer {name}", tolerance) is { } error) errors.Add(error);
        Throw(errors);
    }

    /// <summary>Puts every <c>Dropout</c> of <paramref name="twin"/> in evaluation mode (the identity), leaving the rest as is.</summary>
    public static void DisableDropout(torch.nn.Module twin)
    {
        foreach (var (_, module) in twin.named_modules())
            if (module is TorchSharp.Modules.Dropout) module.eval();
    }

    /// <summary>Number of parameter elements of <paramref name="twin"/>.</summary>
    public static long ParameterCount(torch.nn.Module twin) => twin.parameters().Sum(p => p.numel());

    /// <summary>The dtype of <paramref name="twin"/>'s first parameter (float32 when it has none).</summary>
    public static torch.ScalarType DTypeOf(torch.nn.Module twin) => twin.parameters().FirstOrDefault()?.dtype ?? torch.float32;

    // Oracle.Compare's message when mini and twin differ (twin cast to mini's dtype first), else null.
    static string? Mismatch(Tensor mini, torch.Tensor twin, string what, OracleTolerance tolerance)
    {
        using var cast = twin.dtype.ToMiniNet() == mini.DType || !mini.DType.IsFloatingPoint() ? twin.alias() : twin.to_type(TorchDType(mini.DType));
        try
        {
            Oracle.Compare(mini, cast, what, tolerance);
            return null;
        }
        catch (OracleMismatchException e)
        {
            return e.Message;
        }
    }

    static torch.ScalarType TorchDType(DType dtype) => dtype == DType.Float64 ? torch.float64 : torch.float32;

    static (double Worst, int At, double Allowed) Worst(double[] mini, double[] twin, OracleTolerance tolerance)
    {
        double worst = 0, maxAbs = 0;
        int at = 0;
        for (int i = 0; i < mini.Length; i++)
        {
            if (double.IsFinite(twin[i])) maxAbs = Math.Max(maxAbs, Math.Abs(twin[i]));
            double diff = mini[i].Equals(twin[i]) ? 0 : Math.Abs(mini[i] - twin[i]); // Equals: NaN == NaN, inf == inf
            if (double.IsNaN(diff)) diff = double.PositiveInfinity;
            if (diff > worst) (worst, at) = (diff, i);
        }
        return (worst, at, tolerance.ATol + tolerance.RTol * maxAbs);
    }

    static int Occurrence(Dictionary<string, int> seen, string name)
    {
        int k = seen.GetValueOrDefault(name);
        seen[name] = k + 1;
        return k;
    }

    static void Throw(List<string> errors)
    {
        if (errors.Count == 0) return;
        const int shown = 10;
        string more = errors.Count > shown ? $"\n\t... and {errors.Count - shown} more" : "";
        throw new OracleMismatchException($"twin: {errors.Count} mismatch(es):\n\t" + string.Join("\n\t", errors.Take(shown)) + more);
    }
}
