namespace MiniNet.Layers;

// Checkpoints in safetensors: the state dict, under PyTorch's names, in a file that PyTorch reads with
// safetensors.torch.load_file and loads with model.load_state_dict.
public abstract partial class Module
{
    /// <summary>
    /// Saves <see cref="StateDict"/> (parameters and buffers under their dotted PyTorch names, e.g.
    /// <c>conv1.conv.weight</c>, <c>conv1.bn.num_batches_tracked</c> as I64) to the safetensors file
    /// <paramref name="path"/>, replacing it atomically (<see cref="SafeTensors.Save"/>).
    /// PyTorch/safetensors: <c>safetensors.torch.save_file(model.state_dict(), path, metadata)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A null metadata key or value.</exception>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    public void SaveSafeTensors(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensors.Save(path, StateDict(), metadata);

    /// <summary>
    /// Loads the safetensors file <paramref name="path"/> into this module's parameters and buffers by name, as
    /// <see cref="LoadStateDict"/> does (all checked before anything is copied), then disposes the tensors read.
    /// PyTorch/safetensors: <c>model.load_state_dict(safetensors.torch.load_file(path), strict)</c>.
    /// </summary>
    /// <returns>The keys the file lacks and the keys this module lacks (both empty when <paramref name="strict"/>).</returns>
    /// <exception cref="InvalidDataException">A malformed file (<see cref="SafeTensors.Read"/>).</exception>
    /// <exception cref="ArgumentException">Missing or unexpected keys (when strict), shape mismatches, dtype mismatches (when strict).</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public IncompatibleKeys LoadSafeTensors(string path, bool strict = true)
    {
        var file = SafeTensors.Load(path);
        try
        {
            return LoadStateDict(file.Tensors, strict);
        }
        finally
        {
            foreach (var tensor in file.Tensors.Values) tensor.Dispose();
        }
    }
}
