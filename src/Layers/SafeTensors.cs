using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MiniNet.Layers;

/// <summary>
/// The tensors and metadata of one safetensors file. <see cref="Tensors"/> are new tensors, owned by the
/// <see cref="TensorScope"/> that was current when the file was read (or by the caller when none was), listed in the
/// order of their data offsets; <see cref="Metadata"/> is the header's <c>__metadata__</c>, empty when absent.
/// </summary>
public sealed record SafeTensorsFile(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors), which PyTorch, JAX and
/// Hugging Face read without running any code from the file. PyTorch/safetensors: <c>safetensors.torch.save_file</c>
/// and <c>safetensors.torch.load_file</c>.
/// </summary>
/// <remarks>
/// <para>Layout: <c>[u64 little-endian N][N bytes of UTF-8 JSON header][data buffer]</c>. The header is an object
/// mapping each tensor name to <c>{"dtype": "F32"|"F64"|"I64", "shape": [..], "data_offsets": [begin, end]}</c>, byte
/// offsets into the data buffer (which starts right after the header), plus an optional <c>"__metadata__"</c> object
/// of string to string. Elements are row-major and little-endian; a tensor of shape [] holds one element.</para>
/// <para>Writing: the header is compact JSON (<c>__metadata__</c> first, when non-empty, then the tensors in the
/// given order), padded with spaces so that N is a multiple of 8; the data buffer holds the tensors in the same
/// order, back to back, so tensor k spans [Σ_{i&lt;k} bytes_i, Σ_{i≤k} bytes_i), bytes_i = numel_i · element size
/// (4 for F32, 8 for F64 and I64).</para>
/// <para>Reading: the whole header is checked before any tensor is created, and every malformation throws
/// <see cref="InvalidDataException"/> naming the file and the problem, never reads out of range: see "Note: what the
/// reader refuses" in SafeTensorsHeader.cs.</para>
/// </remarks>
public static partial class SafeTensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/> (and <paramref name="metadata"/>) to the file <paramref name="path"/>, replacing
    /// it atomically through <see cref="AtomicFile.Write"/> (a temporary file in the same folder, flushed to disk, then
    /// renamed over <paramref name="path"/>), so a crash leaves either the old file or the new one, never half of one.
    /// Layout: see the remarks of <see cref="SafeTensors"/>. PyTorch/safetensors: <c>safetensors.torch.save_file</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor named "__metadata__", or a null name, tensor, metadata key or value.</exception>
    /// <exception cref="ObjectDisposedException">A disposed tensor.</exception>
    /// <exception cref="IOException">The folder cannot be written (the temporary file is removed).</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] header = Header(tensors, metadata); // checks the arguments before touching the file system
        AtomicFile.Write(path, stream => WriteTo(stream, header, tensors));
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (and <paramref name="metadata"/>) to <paramref name="stream"/> at its current
    /// position, in safetensors layout (see the remarks of <see cref="SafeTensors"/>). Everything is checked before the
    /// first byte is written. PyTorch/safetensors: <c>safetensors.torch.save</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor named "__metadata__", a null name, tensor, metadata key or value, or a stream that cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">A disposed tensor.</exception>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("safetensors: the stream cannot be written", nameof(stream));
        WriteTo(stream, Header(tensors, metadata), tensors);
    }

    /// <summary>
    /// Reads the safetensors file at <paramref name="path"/>: the tensors in the order of their data offsets, created
    /// in the current <see cref="TensorScope"/> (dispose them, or let the scope do it), and the metadata.
    /// PyTorch/safetensors: <c>safetensors.torch.load_file</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">A malformed file; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public static SafeTensorsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>
    /// Reads one safetensors file from <paramref name="stream"/>, from its current position to its end (a stream that
    /// cannot seek is first copied into memory, since the header is checked against the data length). The tensors come
    /// in the order of their data offsets, created in the current <see cref="TensorScope"/>. PyTorch/safetensors:
    /// <c>safetensors.torch.load</c>.
    /// </summary>
    /// <param name="stream">The bytes of the file.</param>
    /// <param name="name">What error messages call the file, e.g. its path.</param>
    /// <exception cref="InvalidDataException">A malformed file; the message names <paramref name="name"/> and the problem.</exception>
    public static SafeTensorsFile Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanRead) throw new ArgumentException("safetensors: the stream cannot be read", nameof(stream));
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return Read(copy, name);
        }

        var (entries, metadata) = ReadHeader(stream, stream.Length - stream.Position, name);
        var tensors = new OrderedDictionary<string, Tensor>();
        try
        {
            foreach (var entry in entries) // sorted by offset and contiguous: one sequential pass
                tensors.Add(entry.Name, entry.DType switch
                {
                    DType.Float32 => ReadTensor<float>(stream, entry, name),
                    DType.Float64 => ReadTensor<double>(stream, entry, name),
                    _ => ReadTensor<long>(stream, entry, name),
                });
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>The padded header with its length prefix, after checking every argument.</summary>
    static byte[] Header(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    if (key is null || value is null) throw new ArgumentException($"safetensors: metadata keys and values must be non-null, got \"{key}\" -> {(value is null ? "null" : $"\"{value}\"")}", nameof(metadata));
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (name is null || tensor is null) throw new ArgumentException($"safetensors: tensor names and tensors must be non-null, got \"{name}\"", nameof(tensors));
                if (name == MetadataKey) throw new ArgumentException($"safetensors: \"{MetadataKey}\" is reserved for the metadata and cannot name a tensor", nameof(tensors));
                if (tensor.IsDisposed) throw new ObjectDisposedException(nameof(Tensor), $"safetensors: tensor \"{name}\" {Shapes.Format(tensor.Shape)} was disposed");
                long bytes = (long)tensor.Count * tensor.DType.ElementSize();
                writer.WriteStartObject(name);
                writer.WriteString("dtype", Code(tensor.DType));
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }
            writer.WriteEndObject();
        }

        int padded = (json.WrittenCount + 7) / 8 * 8; // N a multiple of 8 keeps the data buffer 8-byte aligned
        var header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        return header;
    }

    static void WriteTo(Stream stream, byte[] header, IReadOnlyDictionary<string, Tensor> tensors)
    {
        stream.Write(header);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            foreach (var tensor in tensors.Values)
                switch (tensor.DType)
                {
                    case DType.Float32: WriteElements(stream, tensor.Data<float>(), chunk); break;
                    case DType.Float64: WriteElements(stream, tensor.Data<double>(), chunk); break;
                    default: WriteElements(stream, tensor.Data<long>(), chunk); break;
                }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    const int ChunkBytes = 1 << 16; // a multiple of every element size

    /// <summary>Copies the elements out in little-endian order, one chunk at a time (a tensor may pass 2 GB of bytes).</summary>
    static void WriteElements<T>(Stream stream, ReadOnlySpan<T> values, byte[] chunk) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>(), perChunk = ChunkBytes / size;
        for (int i = 0; i < values.Length; i += perChunk)
        {
            var bytes = MemoryMarshal.AsBytes(values.Slice(i, Math.Min(perChunk, values.Length - i)));
            bytes.CopyTo(chunk);
            if (!BitConverter.IsLittleEndian) ReverseEach(chunk.AsSpan(0, bytes.Length), size);
            stream.Write(chunk, 0, bytes.Length);
        }
    }

    /// <summary>Reads one tensor's bytes (the stream is at its begin offset) into a new tensor of the current scope.</summary>
    static Tensor ReadTensor<T>(Stream stream, Entry entry, string file) where T : unmanaged
    {
        var values = new T[entry.Count];
        int size = Marshal.SizeOf<T>(), perChunk = ChunkBytes / size;
        for (int i = 0; i < values.Length; i += perChunk)
        {
            var bytes = MemoryMarshal.AsBytes(values.AsSpan(i, Math.Min(perChunk, values.Length - i)));
            // The header was checked against the stream's length, so only a stream that shrank ends early.
            if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
                throw Invalid(file, $"the data of tensor \"{entry.Name}\" ends early: the file was cut while being read");
            if (!BitConverter.IsLittleEndian) ReverseEach(bytes, size);
        }
        return Tensor.FromArray(values, entry.Shape);
    }

    /// <summary>Reverses the bytes of each <paramref name="size"/>-byte element: little-endian to host order on big-endian hosts.</summary>
    static void ReverseEach(Span<byte> bytes, int size)
    {
        for (int k = 0; k < bytes.Length; k += size) bytes.Slice(k, size).Reverse();
    }
}
