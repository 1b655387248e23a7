using System.Buffers.Binary;
using System.IO.Compression;
using MiniNet.Layers;

namespace MiniNet.Training;

/// <summary>
/// The contents of an IDX file of unsigned bytes (type 0x08): its sizes, outermost first, and its elements in
/// row-major order. MNIST's and Fashion-MNIST's images are [N,28,28], their labels [N].
/// The arrays are shared, not copied.
/// </summary>
/// <param name="Dimensions">Size of each dimension, outermost first (1 to 4 of them, each ≥ 1).</param>
/// <param name="Data">The elements, row-major; its length is the product of <paramref name="Dimensions"/>.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>
/// Reads and writes the IDX format of MNIST and Fashion-MNIST, plain or gzipped (torchvision's
/// <c>read_image_file</c> / <c>read_label_file</c>).
/// </summary>
/// <remarks>
/// Layout (all integers big-endian): two zero bytes, a type byte (0x08 = unsigned byte, the only one supported
/// here), a byte d = number of dimensions (1..4), d int32 sizes, then exactly the product of the sizes in elements.
/// A gzipped file is recognized by its magic bytes 1f 8b, never by its name.
/// </remarks>
public static class IdxFile
{
    const byte UnsignedByte = 0x08;
    const int MaxRank = 4;

    /// <summary>How to get the data; part of every "file not found" message of this folder.</summary>
    internal const string HowToGetData =
        "Fashion-MNIST: `apt-get install dataset-fashion-mnist` puts train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        + "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in " + FashionMnist.DefaultDirectory + "/ "
        + "(or download them from https://github.com/zalandoresearch/fashion-mnist); FashionMnist.Load(null, ...) needs no files "
        + "(it uses the subset embedded in MiniNet.Training)";

    /// <summary>Reads the IDX file at <paramref name="path"/>, gzipped or not.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist; the message says how to get Fashion-MNIST.</exception>
    /// <exception cref="InvalidDataException">Not an IDX file, bad sizes, truncated or trailing data, or a corrupt gzip stream; the message names the file.</exception>
    /// <exception cref="NotSupportedException">An element type other than unsigned byte (0x08).</exception>
    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"idx: {path} not found. {HowToGetData}", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(file, path);
    }

    /// <summary>
    /// Reads an IDX array from <paramref name="stream"/> to its end, gzipped or not; <paramref name="name"/> names
    /// the source in errors. The stream is left open.
    /// </summary>
    /// <exception cref="InvalidDataException">Not an IDX file, bad sizes, truncated or trailing data, or a corrupt gzip stream.</exception>
    /// <exception cref="NotSupportedException">An element type other than unsigned byte (0x08).</exception>
    public static IdxArray Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanSeek)
        {
            // Peeking at the gzip magic needs a rewind; buffer a forward-only stream (a download, a pipe) first.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        bool gzip = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        stream.Position = start;
        if (!gzip) return ReadIdx(stream, name);
        using var unzipped = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        return ReadIdx(unzipped, name);
    }

    static IdxArray ReadIdx(Stream stream, string name)
    {
        Span<byte> header = stackalloc byte[4];
        int got = Fill(stream, header, name);
        if (got < 4) throw new InvalidDataException($"idx: {name}: truncated: the header needs 4 bytes, got {got}");
        if (header[0] != 0 || header[1] != 0)
            throw new InvalidDataException($"idx: {name}: not an IDX file: magic bytes {Convert.ToHexString(header)}, "
                + $"expected 0000 then a type byte and a dimension count 01..0{MaxRank}");
        if (header[3] is < 1 or > MaxRank)
            throw new InvalidDataException($"idx: {name}: dimension count {header[3]} in magic bytes {Convert.ToHexString(header)}, expected 1 to {MaxRank}");
        if (header[2] != UnsignedByte)
            throw new NotSupportedException($"idx: {name}: element type 0x{header[2]:X2} ({TypeName(header[2])}) is not supported; "
                + "only 0x08 (unsigned byte) is");

        int rank = header[3];
        Span<byte> sizeBytes = stackalloc byte[4 * MaxRank];
        got = Fill(stream, sizeBytes[..(4 * rank)], name);
        if (got < 4 * rank) throw new InvalidDataException($"idx: {name}: truncated: {rank} dimension sizes need {4 * rank} bytes, got {got}");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(sizeBytes[(4 * i)..]);
            if (dims[i] <= 0) throw new InvalidDataException($"idx: {name}: dimension {i} has size {dims[i]}; sizes must be positive, got {Format(dims[..(i + 1)])}");
            count *= dims[i];
            if (count > Array.MaxLength) throw new InvalidDataException($"idx: {name}: sizes {Format(dims[..(i + 1)])} hold more elements than one array can");
        }

        var data = new byte[count];
        got = Fill(stream, data, name);
        if (got < count) throw new InvalidDataException($"idx: {name}: truncated: expected {count} bytes of data, got {got}");
        long trailing = 0;
        Span<byte> rest = stackalloc byte[4096];
        for (int n; (n = Fill(stream, rest, name)) > 0;) trailing += n;
        if (trailing > 0) throw new InvalidDataException($"idx: {name}: {trailing} trailing bytes after the {count} bytes of data that the sizes {Format(dims)} call for");
        return new IdxArray(dims, data);
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; a gzip error becomes one naming the file.</summary>
    static int Fill(Stream stream, Span<byte> buffer, string name)
    {
        try { return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false); }
        catch (InvalidDataException e) when (stream is GZipStream)
        {
            throw new InvalidDataException($"idx: {name}: corrupt gzip stream ({e.Message})", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="array"/> to <paramref name="path"/> as an IDX file of unsigned bytes, gzipped when
    /// <paramref name="gzip"/>. It replaces <paramref name="path"/> atomically
    /// (<see cref="AtomicFile.Write"/>), so a reader never sees a half-written file and a failed write leaves none.
    /// </summary>
    /// <exception cref="ArgumentException">1 to 4 positive sizes whose product is the data length are needed.</exception>
    public static void Write(string path, IdxArray array, bool gzip)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        var dims = array.Dimensions ?? throw new ArgumentException("idx write: Dimensions is null", nameof(array));
        var data = array.Data ?? throw new ArgumentException("idx write: Data is null", nameof(array));
        if (dims.Length is < 1 or > MaxRank || dims.Any(d => d <= 0))
            throw new ArgumentException($"idx write: {path}: needs 1 to {MaxRank} positive sizes, got {Format(dims)}", nameof(array));
        long count = dims.Aggregate(1L, (n, d) => n * d);
        if (count != data.Length)
            throw new ArgumentException($"idx write: {path}: sizes {Format(dims)} hold {count} elements, but Data has {data.Length}", nameof(array));

        AtomicFile.Write(path, file =>
        {
            using var compressed = gzip ? new GZipStream(file, CompressionLevel.SmallestSize, leaveOpen: true) : null;
            Stream output = compressed ?? file;
            Span<byte> header = stackalloc byte[4 + 4 * MaxRank];
            header[2] = UnsignedByte;
            header[3] = (byte)dims.Length;
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header[(4 + 4 * i)..], dims[i]);
            output.Write(header[..(4 + 4 * dims.Length)]);
            output.Write(data);
        });
    }

    static string Format(int[] dims) => Shapes.Format(dims);

    static string TypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown type",
    };
}
