namespace MiniNet.Layers;

/// <summary>
/// What a non-strict <see cref="Module.LoadStateDict"/> left out. PyTorch: <c>_IncompatibleKeys</c>.
/// </summary>
/// <param name="MissingKeys">Keys of the module that the state dict lacks (their tensors kept their values), in module order.</param>
/// <param name="UnexpectedKeys">Keys of the state dict that the module lacks (ignored), in the dict's order.</param>
public sealed record IncompatibleKeys(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

// State dict: the flat, ordered name -> tensor view of a module's parameters and buffers, for checkpoints and for
// copying weights between MiniNet and PyTorch (the names are PyTorch's).
public abstract partial class Module
{
    /// <summary>
    /// Every parameter and buffer by dotted name: for each module (parents first), its parameters then its buffers,
    /// in registration order, as PyTorch orders <c>state_dict()</c>. The values are the module's own tensors, not
    /// copies: do not dispose them; clone one to keep a snapshot. PyTorch: <c>state_dict()</c>.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>();
        foreach (var (path, module) in NamedModules())
        {
            foreach (var (name, parameter) in module._parameters) state.Add(Qualify(path, name), parameter.Value);
            foreach (var (name, buffer) in module._buffers) state.Add(Qualify(path, name), buffer.Value);
        }
        return state;
    }

    /// <summary>
    /// Copies the values of <paramref name="stateDict"/> into this module's parameters and buffers, by name (under
    /// no-grad; the module's tensors and <see cref="Parameter"/> objects stay the same). Everything is checked before
    /// anything is copied, so a refused load changes nothing. Shapes must always match. With
    /// <paramref name="strict"/>, the key sets must be equal and the dtypes too; without, missing and unexpected keys
    /// are skipped and returned, and values are converted to the module's dtypes. PyTorch: <c>load_state_dict</c>.
    /// </summary>
    /// <exception cref="ArgumentException">One message listing every problem: missing keys and unexpected keys (when
    /// strict), shape mismatches, dtype mismatches (when strict).</exception>
    /// <exception cref="InvalidOperationException">A target tensor that a live tape entry still needs.</exception>
    public IncompatibleKeys LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateDict();
        var missing = own.Keys.Where(name => !stateDict.ContainsKey(name)).ToList();
        var unexpected = stateDict.Keys.Where(name => !own.ContainsKey(name)).ToList();
        var mismatches = new List<string>();
        foreach (var (name, target) in own)
        {
            if (!stateDict.TryGetValue(name, out var source)) continue;
            if (!Shapes.Equal(source.Shape, target.Shape))
                mismatches.Add($"size mismatch for {name}: copying a tensor of shape {Shapes.Format(source.Shape)} from the state dict, the shape in this module is {Shapes.Format(target.Shape)}");
            else if (strict && source.DType != target.DType)
                mismatches.Add($"dtype mismatch for {name}: copying {source.DType.TorchName()} from the state dict, the dtype in this module is {target.DType.TorchName()} (convert the module with To, or load with strict: false)");
        }

        var errors = new List<string>();
        if (strict && missing.Count > 0) errors.Add("Missing key(s) in state_dict: " + string.Join(", ", missing.Select(k => $"\"{k}\"")) + ".");
        if (strict && unexpected.Count > 0) errors.Add("Unexpected key(s) in state_dict: " + string.Join(", ", unexpected.Select(k => $"\"{k}\"")) + ".");
        errors.AddRange(mismatches);
        if (errors.Count > 0)
            throw new ArgumentException($"load_state_dict: error(s) in loading state_dict for {TypeName}:\n\t" + string.Join("\n\t", errors));

        using (Tensor.NoGrad())
            foreach (var (name, target) in own)
                if (stateDict.TryGetValue(name, out var source))
                    target.CopyFrom(source);
        return new IncompatibleKeys(missing, unexpected);
    }
}
