using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MiniNet.Layers;

namespace MiniNet.Training;

/// <summary>
/// A training checkpoint on disk: one safetensors file (see <see cref="SafeTensors"/>) whose tensors carry dotted
/// section prefixes (<c>model.</c>, <c>optimizer.</c>, <c>schedule.</c>, <c>rng.</c>, <c>trainer.</c>) and whose
/// metadata carries the format tag, free-form strings from the trainer, and a SHA-256 digest of every tensor
/// (name, dtype, shape and bytes). Writing goes to a temporary file renamed over the target, so a crash leaves the
/// previous checkpoint whole; reading verifies the format and the digest, so a truncated or corrupted file is refused
/// instead of loaded. PyTorch: the dict passed to <c>torch.save</c> by a training loop.
/// </summary>
public static class Checkpoint
{
    /// <summary>The value of the <c>format</c> metadata entry that marks a MiniNet checkpoint.</summary>
    public const string FormatTag = "mininet-checkpoint/1";

    const string FormatKey = "format";
    const string DigestKey = "sha256";

    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <exception cref="ArgumentException">Metadata that uses the reserved keys <c>format</c> or <c>sha256</c>.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.ContainsKey(FormatKey) || metadata.ContainsKey(DigestKey))
            throw new ArgumentException($"checkpoint: metadata keys \"{FormatKey}\" and \"{DigestKey}\" are reserved", nameof(metadata));
        var all = new Dictionary<string, string>(metadata) { [FormatKey] = FormatTag, [DigestKey] = Digest(tensors) };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        SafeTensors.Save(path, tensors, all);
    }

    /// <summary>
    /// Reads a checkpoint written by <see cref="Save"/>. The tensors are new, in the caller's current scope.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A file that is not a safetensors file, is truncated, is not a MiniNet
    /// checkpoint, or whose tensors do not match their digest (corrupted bytes).</exception>
    public static SafeTensorsFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint: no file at {path}", path);
        SafeTensorsFile file;
        try { file = SafeTensors.Load(path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"checkpoint {path}: not a readable checkpoint (truncated or corrupt): {e.Message}", e); }
        if (!file.Metadata.TryGetValue(FormatKey, out var format) || format != FormatTag)
        {
            Dispose(file);
            throw new InvalidDataException($"checkpoint {path}: not a MiniNet checkpoint (metadata \"{FormatKey}\" is {(format is null ? "missing" : $"\"{format}\"")}, expected \"{FormatTag}\")");
        }
        string actual = Digest(file.Tensors);
        if (!file.Metadata.TryGetValue(DigestKey, out var expected) || expected != actual)
        {
            Dispose(file);
            throw new InvalidDataException($"checkpoint {path}: corrupt: the tensors' SHA-256 is {actual}, the file records {expected ?? "none"}");
        }
        return file;
    }

    /// <summary>The entries of <paramref name="tensors"/> under <paramref name="section"/><c>.</c>, with that prefix removed.</summary>
    public static IReadOnlyDictionary<string, Tensor> Section(IReadOnlyDictionary<string, Tensor> tensors, string section)
    {
        string prefix = section + ".";
        var part = new OrderedDictionary<string, Tensor>();
        foreach (var (name, tensor) in tensors)
            if (name.StartsWith(prefix, StringComparison.Ordinal)) part.Add(name[prefix.Length..], tensor);
        return part;
    }

    /// <summary>Adds every entry of <paramref name="part"/> to <paramref name="tensors"/> under <paramref name="section"/><c>.</c>.</summary>
    public static void AddSection(IDictionary<string, Tensor> tensors, string section, IReadOnlyDictionary<string, Tensor> part)
    {
        foreach (var (name, tensor) in part) tensors.Add($"{section}.{name}", tensor);
    }

    /// <summary>A generator's full state as an int64 tensor [6]: the four xoshiro words, the spare-normal flag, the spare's bits.</summary>
    public static Tensor FromGeneratorState(GeneratorState state) => Tensor.FromArray(
        [(long)state.S0, (long)state.S1, (long)state.S2, (long)state.S3, state.HasSpareNormal ? 1L : 0L, BitConverter.DoubleToInt64Bits(state.SpareNormal)], 6);

    /// <summary>The inverse of <see cref="FromGeneratorState"/>.</summary>
    /// <exception cref="InvalidDataException">Not an int64 tensor of shape [6].</exception>
    public static GeneratorState ToGeneratorState(Tensor tensor, string name)
    {
        if (tensor.DType != DType.Int64 || !Shapes.Equal(tensor.Shape, [6]))
            throw new InvalidDataException($"checkpoint: generator state \"{name}\" must be int64 [6], got {tensor.DType.TorchName()} {Shapes.Format(tensor.Shape)}");
        var s = tensor.Data<long>();
        return new((ulong)s[0], (ulong)s[1], (ulong)s[2], (ulong)s[3], s[4] != 0, BitConverter.Int64BitsToDouble(s[5]));
    }

    /// <summary>SHA-256 over each tensor's name, dtype, shape and little-endian bytes, in name order (ordinal), as hex.</summary>
    static string Digest(IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in tensors.Keys.Order(StringComparer.Ordinal))
        {
            var tensor = tensors[name];
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}\0{tensor.DType.TorchName()}\0{Shapes.Format(tensor.Shape)}\0"));
            hash.AppendData(tensor.DType switch
            {
                DType.Float32 => MemoryMarshal.AsBytes(tensor.Data<float>()),
                DType.Float64 => MemoryMarshal.AsBytes(tensor.Data<double>()),
                _ => MemoryMarshal.AsBytes(tensor.Data<long>()),
            });
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    static void Dispose(SafeTensorsFile file)
    {
        foreach (var tensor in file.Tensors.Values) tensor.Dispose();
    }
}
