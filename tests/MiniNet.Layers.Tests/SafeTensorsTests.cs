using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace MiniNet.Layers.Tests;

/// <summary>
/// SafeTensors: round trips of every dtype and shape (scalars, empty tensors, special floats), metadata, the exact
/// bytes of a hand-computed file, a refusal with a clear message for each malformation and for every truncation, the
/// atomic Save, and Module.SaveSafeTensors / LoadSafeTensors. The PyTorch side (the TorchSharp twin of MiniGoogLeNet
/// reading and writing these files) is tested in tests/MiniNet.Models.Tests/SafeTensorsTwinTests.cs.
/// </summary>
public class SafeTensorsTests
{
    const string Name = "bad.safetensors";

    static OrderedDictionary<string, Tensor> Sample() => new()
    {
        ["f32"] = Tensor.FromArray([1.5f, -0f, float.NaN, float.PositiveInfinity, float.MinValue, float.Epsilon], 2, 3),
        ["f64"] = Tensor.FromArray([Math.PI, -0d, double.NegativeInfinity, double.Epsilon], 4),
        ["i64"] = Tensor.FromArray([long.MinValue, -1L, 0L, long.MaxValue], 2, 2),
        ["f32 scalar"] = Tensor.Scalar(2.25),
        ["f64 scalar"] = Tensor.Scalar(-7.125, DType.Float64),
        ["i64 scalar"] = Tensor.Scalar(42, DType.Int64),
        ["empty"] = Tensor.Zeros([0]),
        ["empty 3-d"] = Tensor.Zeros([2, 0, 3], DType.Int64),
        ["after the empties"] = Tensor.FromArray([3.0, 4.0], 1, 2),
    };

    static byte[] Bytes(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var stream = new MemoryStream();
        SafeTensors.Write(stream, tensors, metadata);
        return stream.ToArray();
    }

    static SafeTensorsFile Read(byte[] bytes, string name = Name) => SafeTensors.Read(new MemoryStream(bytes), name);

    static byte[] RawBytes(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.Data<float>()).ToArray(),
        DType.Float64 => MemoryMarshal.AsBytes(t.Data<double>()).ToArray(),
        _ => MemoryMarshal.AsBytes(t.Data<long>()).ToArray(),
    };

    static void AssertSameTensors(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (name, tensor) in expected)
        {
            Assert.Equal(tensor.DType, actual[name].DType);
            Assert.Equal(tensor.Shape, actual[name].Shape);
            Assert.Equal(RawBytes(tensor), RawBytes(actual[name])); // bit for bit: NaN, -0, subnormals
        }
    }

    [Fact]
    public void Round_trip_keeps_every_dtype_shape_and_bit_in_order()
    {
        using var scope = Tensor.Scope();
        var tensors = Sample();
        int before = scope.OwnedCount;

        var file = Read(Bytes(tensors));

        AssertSameTensors(tensors, file.Tensors);
        Assert.Empty(file.Tensors["f32 scalar"].Shape);
        Assert.Empty(file.Metadata);
        Assert.Equal(before + tensors.Count, scope.OwnedCount); // new tensors, in the caller's scope
        Assert.All(file.Tensors, kv => Assert.NotSame(tensors[kv.Key], kv.Value));
    }

    [Fact]
    public void Reading_lists_tensors_in_the_order_of_their_offsets()
    {
        // "b" comes first in the header but second in the data buffer.
        var bytes = Compose("""{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
            [0, 0, 128, 63, 0, 0, 0, 64]); // 1f, 2f
        using var scope = Tensor.Scope();
        var file = Read(bytes);
        Assert.Equal(["a", "b"], file.Tensors.Keys);
        Assert.Equal([1f], file.Tensors["a"].ToArray<float>());
        Assert.Equal([2f], file.Tensors["b"].ToArray<float>());
    }

    [Fact]
    public void Metadata_round_trips_and_comes_first_in_the_header()
    {
        using var scope = Tensor.Scope();
        var metadata = new OrderedDictionary<string, string> { ["format"] = "pt", ["note"] = "\"quoted\" \\ <tag> é 漢字 \n", ["empty"] = "" };
        var bytes = Bytes(new Dictionary<string, Tensor> { ["x"] = Tensor.Ones([2]) }, metadata);

        var file = Read(bytes);

        Assert.Equal(metadata.ToList(), file.Metadata.ToList());
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"", Encoding.UTF8.GetString(bytes, 8, 40));
    }

    [Fact]
    public void Header_length_is_a_multiple_of_8_padded_with_spaces()
    {
        using var scope = Tensor.Scope();
        for (int length = 1; length <= 16; length++) // every residue of the JSON length mod 8
        {
            var bytes = Bytes(new Dictionary<string, Tensor> { [new string('w', length)] = Tensor.Ones([3], DType.Float64) });
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0UL, n % 8);
            Assert.Equal(8 + (int)n + 24, bytes.Length);
            string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
            Assert.EndsWith("}", header.TrimEnd(' '));
            Assert.True(header.Length - header.TrimEnd(' ').Length < 8);
        }
    }

    [Fact]
    public void Writes_the_exact_bytes_of_a_hand_computed_file()
    {
        using var scope = Tensor.Scope();
        var tensors = new OrderedDictionary<string, Tensor>
        {
            ["a"] = Tensor.FromArray([1f, -2f], 2),
            ["n"] = Tensor.Scalar(3, DType.Int64),
        };
        // JSON: {"a":{...},"n":{...}} with each entry 52 bytes:
        //   "a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}   a: 2 x 4 bytes = [0,8)
        //   "n":{"dtype":"I64","shape":[],"data_offsets":[8,16]}   n: 1 x 8 bytes = [8,16)
        // so 1 + 52 + 1 + 52 + 1 = 107 bytes, padded with 5 spaces to N = 112 = 0x70 (a multiple of 8).
        // Data: 1f = 0x3F800000 -> 00 00 80 3F; -2f = 0xC0000000 -> 00 00 00 C0; 3L -> 03 00 00 00 00 00 00 00.
        // Total: 8 + 112 + 16 = 136 bytes.
        byte[] expected =
        [
            0x70, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.ASCII.GetBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"n":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}     """),
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
            0x03, 0, 0, 0, 0, 0, 0, 0,
        ];
        Assert.Equal(136, expected.Length);

        Assert.Equal(expected, Bytes(tensors));
        var file = Read(expected);
        Assert.Equal([1f, -2f], file.Tensors["a"].ToArray<float>());
        Assert.Equal(3, file.Tensors["n"].Item());
    }

    /// <summary>An 8-byte length, then <paramref name="json"/> (unpadded), then <paramref name="data"/>.</summary>
    static byte[] Compose(string json, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    static string Entry(string dtype = "\"F32\"", string shape = "[2]", string offsets = "[0,8]") =>
        $$"""{"dtype":{{dtype}},"shape":{{shape}},"data_offsets":{{offsets}}}""";

    public static TheoryData<string, string, int, string> MalformedHeaders() => new()
    {
        // case, header JSON, data bytes, expected message fragment
        { "not JSON", "{\"a\": ", 8, "the header is not valid JSON" },
        { "trailing comma", $$"""{"a":{{Entry()}},}""", 8, "the header is not valid JSON" },
        { "not an object", "[1,2]", 8, "the header must be a JSON object, got an array" },
        { "entry not an object", """{"a":"F32"}""", 8, "tensor \"a\": the entry must be an object" },
        { "missing dtype", """{"a":{"shape":[2],"data_offsets":[0,8]}}""", 8, "tensor \"a\": missing dtype" },
        { "missing everything", """{"a":{}}""", 8, "tensor \"a\": missing dtype, shape, data_offsets" },
        { "extra field", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"stride":[1]}}""", 8, "tensor \"a\": unknown field \"stride\"" },
        { "repeated field", """{"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}""", 8, "tensor \"a\": field \"dtype\" appears twice" },
        { "dtype a number", $$"""{"a":{{Entry(dtype: "32")}}}""", 8, "tensor \"a\": dtype must be a string, got a number" },
        { "unknown dtype", $$"""{"a":{{Entry(dtype: "\"BF16\"")}}}""", 8, "tensor \"a\": dtype \"BF16\" is not supported: MiniNet reads F32, F64 and I64" },
        { "shape a string", $$"""{"a":{{Entry(shape: "\"2\"")}}}""", 8, "tensor \"a\": shape must be an array of integers, got a string" },
        { "fractional dim", $$"""{"a":{{Entry(shape: "[1.5]")}}}""", 8, "tensor \"a\": shape must be an array of integers, got [1.5]" },
        { "negative dim", $$"""{"a":{{Entry(shape: "[-2,-1]", offsets: "[0,8]")}}}""", 8, "tensor \"a\": negative dimension -2 in shape [-2,-1]" },
        { "too many elements", $$"""{"a":{{Entry(shape: "[65536,65536]")}}}""", 8, "tensor \"a\": shape [65536,65536] has more elements than one array holds" },
        { "offsets not a pair", $$"""{"a":{{Entry(offsets: "[0]")}}}""", 8, "tensor \"a\": data_offsets must be [begin, end], two non-negative integers, got [0]" },
        { "negative offset", $$"""{"a":{{Entry(offsets: "[-8,0]")}}}""", 8, "got [-8,0]" },
        { "offsets a string", $$"""{"a":{{Entry(offsets: "\"0-8\"")}}}""", 8, "data_offsets must be [begin, end]" },
        { "reversed offsets", $$"""{"a":{{Entry(shape: "[0]", offsets: "[8,0]")}}}""", 8, "tensor \"a\": data_offsets [8,0] are reversed (end before begin)" },
        { "wrong byte length", $$"""{"a":{{Entry(shape: "[3]")}}}""", 8, "tensor \"a\": data_offsets [0,8] span 8 bytes, but shape [3] of F32 needs 3 x 4 = 12" },
        { "out of range", $$"""{"a":{{Entry(offsets: "[8,16]")}}}""", 8, "tensor \"a\": data_offsets [8,16] run past the end of the data buffer (8 bytes)" },
        { "overlap", $$"""{"a":{{Entry()}},"b":{{Entry(offsets: "[4,12]")}}}""", 12, "tensor \"b\": data_offsets [4,12] overlap tensor \"a\" [0,8]" },
        { "hole between", $$"""{"a":{{Entry()}},"b":{{Entry(offsets: "[12,20]")}}}""", 20, "tensor \"b\": data_offsets [12,20] leave a hole of 4 bytes after tensor \"a\" [0,8]" },
        { "hole at the start", $$"""{"a":{{Entry(offsets: "[4,12]")}}}""", 12, "tensor \"a\": data_offsets [4,12] leave a hole of 4 bytes at the start of the data buffer" },
        { "bytes after the last tensor", $$"""{"a":{{Entry()}}}""", 12, "the data buffer holds 12 bytes but the tensors end at byte 8: 4 bytes belong to no tensor" },
        { "repeated tensor", $$"""{"a":{{Entry()}},"a":{{Entry(offsets: "[8,16]")}}}""", 16, "the header names \"a\" twice" },
        { "metadata not an object", """{"__metadata__":["pt"]}""", 0, "\"__metadata__\" must be an object of string values, got an array" },
        { "metadata value a number", """{"__metadata__":{"format":"pt","epoch":3}}""", 0, "metadata \"epoch\": the value must be a string, got a number" },
    };

    [Theory, MemberData(nameof(MalformedHeaders))]
    public void Each_malformed_header_is_refused_with_a_message_naming_the_file_and_problem(string @case, string json, int dataBytes, string expected)
    {
        _ = @case;
        using var scope = Tensor.Scope();
        AssertRefused(Compose(json, new byte[dataBytes]), expected);
        Assert.Equal(0, scope.OwnedCount); // nothing allocated before the header passed
    }

    static void AssertRefused(byte[] bytes, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(bytes));
        Assert.StartsWith($"safetensors: {Name}: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Malformed_lengths_and_encodings_are_refused()
    {
        AssertRefused([], "the file is 0 bytes, shorter than the 8-byte header length");
        AssertRefused([16, 0, 0, 0, 0, 0, 0], "the file is 7 bytes, shorter than the 8-byte header length");
        AssertRefused([200, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}'], "header length 200 bytes is larger than the 2 bytes after it");
        AssertRefused([0, 0, 0, 0, 0, 1, 0, 0, (byte)'{', (byte)'}'], "header length 1099511627776 bytes is absurd");
        AssertRefused([0, 0, 0, 0, 0, 0, 0, 0x80], "is absurd"); // 2^63: not a negative length
        AssertRefused([0, 0, 0, 0, 0, 0, 0, 0], "the header is not valid JSON");
        var invalidUtf8 = Compose("{\"a\":{}}", []);
        invalidUtf8[10] = 0xFF; // inside the name
        AssertRefused(invalidUtf8, "the header is not valid UTF-8");
    }

    [Fact]
    public void A_truncated_file_is_refused_wherever_it_is_cut()
    {
        using var scope = Tensor.Scope();
        var bytes = Bytes(Sample(), new Dictionary<string, string> { ["format"] = "pt" });
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        int before = scope.OwnedCount;
        foreach (int cut in new[] { 0, 1, 7, 8, 9, headerEnd / 2, headerEnd - 1, headerEnd, headerEnd + 1, (headerEnd + bytes.Length) / 2, bytes.Length - 1 })
        {
            var e = Assert.Throws<InvalidDataException>(() => Read(bytes[..cut]));
            Assert.StartsWith($"safetensors: {Name}: ", e.Message);
        }
        Assert.Equal(before, scope.OwnedCount);
        Assert.Contains("run past the end of the data buffer", Assert.Throws<InvalidDataException>(() => Read(bytes[..^1])).Message);
        Assert.Contains("larger than the", Assert.Throws<InvalidDataException>(() => Read(bytes[..(headerEnd - 1)])).Message);
    }

    [Fact]
    public void Writing_refuses_a_tensor_named_like_the_metadata_and_disposed_tensors()
    {
        using var scope = Tensor.Scope();
        var stream = new MemoryStream();
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() =>
            SafeTensors.Write(stream, new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Ones([1]) })).Message);
        var disposed = Tensor.Ones([1]);
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => SafeTensors.Write(stream, new Dictionary<string, Tensor> { ["x"] = disposed }));
        Assert.Equal(0, stream.Length); // checked before the first byte
    }

    [Fact]
    public void Reads_a_stream_that_cannot_seek()
    {
        using var scope = Tensor.Scope();
        var tensors = Sample();
        var file = SafeTensors.Read(new ForwardOnlyStream(Bytes(tensors)), "pipe");
        AssertSameTensors(tensors, file.Tensors);
    }

    [Fact]
    public void Save_replaces_the_file_and_leaves_no_temporary_file()
    {
        string folder = Directory.CreateTempSubdirectory("safetensors-").FullName;
        try
        {
            using var scope = Tensor.Scope();
            string path = Path.Combine(folder, "model.safetensors");
            File.WriteAllText(path, "an older checkpoint");
            var tensors = Sample();

            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["step"] = "7" });

            Assert.Equal([path], Directory.GetFiles(folder));
            Assert.Equal(Bytes(tensors, new Dictionary<string, string> { ["step"] = "7" }), File.ReadAllBytes(path));
            var file = SafeTensors.Load(path);
            AssertSameTensors(tensors, file.Tensors);
            Assert.Equal("7", file.Metadata["step"]);

            // A refused save leaves the old file as it was, and no temporary file.
            Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Ones([1]) }));
            Assert.Equal([path], Directory.GetFiles(folder));
            Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Save(Path.Combine(folder, "missing", "model.safetensors"), tensors));
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..^3]);
            Assert.Contains($"safetensors: {path}: ", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Module_round_trips_its_state_dict_through_a_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mininet-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var source = LayerOracleTests.WithStatistics(LayerOracleTests.SmallNet());
            using (var five = Tensor.Scalar(5, DType.Int64))
                source.StateDict()["0.bn.num_batches_tracked"].CopyFrom(five);
            source.SaveSafeTensors(path, new Dictionary<string, string> { ["format"] = "pt" });

            using var scope = Tensor.Scope();
            var file = SafeTensors.Load(path);
            Assert.Equal(source.StateDict().Keys, file.Tensors.Keys); // PyTorch's names, in state-dict order
            Assert.Equal(DType.Int64, file.Tensors["0.bn.num_batches_tracked"].DType);
            Assert.Equal("pt", file.Metadata["format"]);

            using var target = new Sequential(
                new BasicConv(3, 4, 3, padding: 1, generator: new Generator(31)),
                new BasicConv(4, 6, 3, stride: 2, generator: new Generator(32)),
                new MaxPool2D(2), new Flatten(), new Linear(24, 5, generator: new Generator(33)));
            int owned = scope.OwnedCount;
            var result = target.LoadSafeTensors(path);

            Assert.Empty(result.MissingKeys);
            Assert.Empty(result.UnexpectedKeys);
            Assert.Equal(owned, scope.OwnedCount); // the tensors read were disposed
            AssertSameTensors(source.StateDict(), target.StateDict());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Module_load_reports_or_refuses_keys_as_LoadStateDict_does()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mininet-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var scope = Tensor.Scope();
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["weight"] = Tensor.Ones([5, 24]), ["extra"] = Tensor.Ones([1]) });
            using var linear = new Linear(24, 5);

            var e = Assert.Throws<ArgumentException>(() => linear.LoadSafeTensors(path));
            Assert.Contains("Missing key(s) in state_dict: \"bias\"", e.Message);
            Assert.Contains("Unexpected key(s) in state_dict: \"extra\"", e.Message);

            int owned = scope.OwnedCount;
            var result = linear.LoadSafeTensors(path, strict: false);
            Assert.Equal(["bias"], result.MissingKeys);
            Assert.Equal(["extra"], result.UnexpectedKeys);
            Assert.All(linear.Weight.Value.ToArray<float>(), v => Assert.Equal(1f, v));
            Assert.Equal(owned, scope.OwnedCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A read-only stream that cannot seek, like a pipe or a network stream.</summary>
    sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7)); // short reads too
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
