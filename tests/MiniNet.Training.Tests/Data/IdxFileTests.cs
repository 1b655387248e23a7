using System.IO.Compression;

namespace MiniNet.Training.Tests.Data;

/// <summary>A fresh folder under the system's temp folder, deleted with everything in it on dispose.</summary>
sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mininet-data-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>IDX reading and writing: round trips, gzip detection, and each malformed file with its message.</summary>
public class IdxFileTests
{
    /// <summary>An IDX file by hand: magic 00 00 type rank, big-endian sizes, then <paramref name="dataLength"/> bytes 0, 1, 2, ...</summary>
    static byte[] Idx(byte type, int[] dims, int dataLength, byte first = 0, byte second = 0)
    {
        var bytes = new List<byte> { first, second, type, (byte)dims.Length };
        foreach (int d in dims) bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        for (int i = 0; i < dataLength; i++) bytes.Add((byte)i);
        return bytes.ToArray();
    }

    static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return output.ToArray();
    }

    static IdxArray Read(byte[] bytes, string name = "test.idx") => IdxFile.Read(new MemoryStream(bytes), name);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Write_then_read_gives_the_array_back(bool gzip)
    {
        using var folder = new TempFolder();
        var data = new byte[3 * 4 * 5];
        new Random(1).NextBytes(data);
        var path = folder.File("x-images-idx3-ubyte");
        IdxFile.Write(path, new IdxArray([3, 4, 5], data), gzip);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(gzip ? new byte[] { 0x1f, 0x8b } : [0, 0], bytes[..2]);
        if (!gzip) Assert.Equal(4 + 3 * 4 + 60, bytes.Length);
        var back = IdxFile.Read(path); // the name says nothing; the magic bytes decide
        Assert.Equal([3, 4, 5], back.Dimensions);
        Assert.Equal(data, back.Data);
        Assert.Equal([path], Directory.GetFiles(folder.Path)); // no temporary file left behind
    }

    [Fact]
    public void Write_replaces_an_existing_file_and_checks_the_sizes()
    {
        using var folder = new TempFolder();
        var path = folder.File("labels.gz");
        IdxFile.Write(path, new IdxArray([4], [1, 2, 3, 4]), gzip: true);
        IdxFile.Write(path, new IdxArray([2], [7, 8]), gzip: true);
        Assert.Equal(new byte[] { 7, 8 }, IdxFile.Read(path).Data);

        var e = Assert.Throws<ArgumentException>(() => IdxFile.Write(path, new IdxArray([2, 2], [1, 2, 3]), gzip: false));
        Assert.Contains("sizes [2,2] hold 4 elements, but Data has 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => IdxFile.Write(path, new IdxArray([2, 0], []), gzip: false));
        Assert.Contains("needs 1 to 4 positive sizes, got [2,0]", e.Message);
        Assert.Equal(new byte[] { 7, 8 }, IdxFile.Read(path).Data); // a failed write leaves the old file
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Reads_streams_gzipped_or_not()
    {
        var raw = Idx(0x08, [2, 3], 6);
        Assert.Equal([2, 3], Read(raw).Dimensions);
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5 }, Read(Gzip(raw)).Data);
    }

    [Fact]
    public void Wrong_magic_is_rejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(Idx(0x08, [2], 2, first: 0x12, second: 0x34), "a.idx"));
        Assert.Contains("idx: a.idx: not an IDX file: magic bytes 12340801", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Read(Idx(0x08, [], 0), "b.idx"));
        Assert.Contains("idx: b.idx: dimension count 0 in magic bytes 00000800, expected 1 to 4", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Read([0, 0], "c.idx"));
        Assert.Contains("idx: c.idx: truncated: the header needs 4 bytes, got 2", e.Message);
    }

    [Fact]
    public void Other_element_types_are_not_supported()
    {
        var e = Assert.Throws<NotSupportedException>(() => Read(Idx(0x0D, [2], 8), "floats-idx1"));
        Assert.Equal("idx: floats-idx1: element type 0x0D (float32) is not supported; only 0x08 (unsigned byte) is", e.Message);
    }

    [Fact]
    public void Zero_and_negative_sizes_are_rejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(Idx(0x08, [3, 0, 2], 0), "z.idx"));
        Assert.Contains("idx: z.idx: dimension 1 has size 0; sizes must be positive, got [3,0]", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Read(Idx(0x08, [-1], 0), "n.idx"));
        Assert.Contains("dimension 0 has size -1", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_data_is_rejected(bool gzip)
    {
        var raw = Idx(0x08, [3, 2], 4);
        var e = Assert.Throws<InvalidDataException>(() => Read(gzip ? Gzip(raw) : raw, "t.gz"));
        Assert.Equal("idx: t.gz: truncated: expected 6 bytes of data, got 4", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Read(raw[..9], "s.idx"));
        Assert.Contains("idx: s.idx: truncated: 2 dimension sizes need 8 bytes, got 5", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trailing_bytes_are_rejected(bool gzip)
    {
        var raw = Idx(0x08, [3, 2], 8);
        var e = Assert.Throws<InvalidDataException>(() => Read(gzip ? Gzip(raw) : raw, "long.idx"));
        Assert.Equal("idx: long.idx: 2 trailing bytes after the 6 bytes of data that the sizes [3,2] call for", e.Message);
    }

    [Fact]
    public void A_corrupt_gzip_stream_names_the_file()
    {
        var raw = Idx(0x08, [100], 100);
        var bad = Gzip(raw);
        // Header intact (1f 8b ...), deflate data replaced by an invalid block type (BTYPE = 11).
        for (int i = 10; i < bad.Length; i++) bad[i] = 0xff;
        var e = Assert.Throws<InvalidDataException>(() => Read(bad, "bad.gz"));
        Assert.StartsWith("idx: bad.gz: corrupt gzip stream (", e.Message);
        Assert.NotNull(e.InnerException);

        using var folder = new TempFolder();
        var path = folder.File("crc.gz");
        var crc = Gzip(raw);
        crc[^8] ^= 0xff; // CRC-32 of the trailer
        File.WriteAllBytes(path, crc);
        e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.StartsWith($"idx: {path}: corrupt gzip stream (", e.Message);
    }

    [Fact]
    public void A_missing_file_says_how_to_get_the_data()
    {
        using var folder = new TempFolder();
        var path = folder.File("train-images-idx3-ubyte.gz");
        var e = Assert.Throws<FileNotFoundException>(() => IdxFile.Read(path));
        Assert.Equal(path, e.FileName);
        Assert.StartsWith($"idx: {path} not found.", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("/usr/share/datasets/fashion-mnist/", e.Message);
    }
}
