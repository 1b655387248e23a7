using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace MiniNet.Layers;

// Note: what the reader refuses
// A safetensors file comes from anywhere, so the header is checked in full before a single tensor is allocated, and
// each check below throws InvalidDataException("safetensors: <file>: <problem>"):
//   - fewer than 8 bytes (no header length);
//   - a header length over 100 MB (the reference implementation's limit: no real header comes near it, and a
//     corrupted length must not allocate gigabytes) or past the end of the file (a truncated file);
//   - a header that is not UTF-8 JSON, or not a JSON object, or names a key twice;
//   - a tensor entry that is not an object, lacks dtype, shape or data_offsets, holds another field, or holds one of
//     the wrong type; a dtype other than F32, F64 and I64; a negative dimension; more elements than one array holds;
//   - data_offsets reversed, past the end of the data buffer, or not tiling it exactly: sorted by begin, each tensor
//     must start where the previous one ends (else an overlap or a hole), the first at 0 and the last must end at
//     the end of the file (else bytes that belong to no tensor), as the reference implementation demands;
//   - end - begin != numel(shape) · element size;
//   - a "__metadata__" that is not an object of string values (null means no metadata).
// A truncated file therefore always fails: cut in the length, in the header, or in the data (the last tensor then
// runs past the end of the data buffer).
public static partial class SafeTensors
{
    const string MetadataKey = "__metadata__";
    const long MaxHeaderBytes = 100_000_000;

    /// <summary>One checked tensor entry of the header: its bytes are [Begin, End) of the data buffer.</summary>
    readonly record struct Entry(string Name, DType DType, int[] Shape, int Count, long Begin, long End);

    /// <summary>The format's name of each MiniNet dtype.</summary>
    static string Code(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        _ => "I64",
    };

    static InvalidDataException Invalid(string file, string problem) => new($"safetensors: {file}: {problem}");

    /// <summary>
    /// Reads and checks the length and header (see "Note: what the reader refuses") of a file of which
    /// <paramref name="available"/> bytes remain in <paramref name="stream"/>; leaves the stream at the data buffer.
    /// </summary>
    static (List<Entry> Entries, OrderedDictionary<string, string> Metadata) ReadHeader(Stream stream, long available, string file)
    {
        if (available < 8) throw Invalid(file, $"the file is {available} bytes, shorter than the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > MaxHeaderBytes)
            throw Invalid(file, $"header length {length} bytes is absurd (the limit is {MaxHeaderBytes}): not a safetensors file, or a corrupted one");
        if ((long)length > available - 8)
            throw Invalid(file, $"header length {length} bytes is larger than the {available - 8} bytes after it: the file is truncated or not a safetensors file");
        var json = new byte[length];
        stream.ReadExactly(json);
        // JsonDocument checks UTF-8 only when a string is decoded, and then throws InvalidOperationException.
        if (!Utf8.IsValid(json)) throw Invalid(file, "the header is not valid UTF-8");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Invalid(file, $"the header is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid(file, $"the header must be a JSON object, got {Kind(root)}");
            var keys = new HashSet<string>();
            var entries = new List<Entry>();
            var metadata = new OrderedDictionary<string, string>();
            foreach (var property in root.EnumerateObject())
            {
                if (!keys.Add(property.Name)) throw Invalid(file, $"the header names \"{property.Name}\" twice");
                if (property.Name == MetadataKey) ReadMetadata(property.Value, metadata, file);
                else entries.Add(ReadEntry(property.Name, property.Value, file));
            }
            return (CheckLayout(entries, available - 8 - (long)length, file), metadata);
        }
    }

    static void ReadMetadata(JsonElement value, OrderedDictionary<string, string> metadata, string file)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object) throw Invalid(file, $"\"{MetadataKey}\" must be an object of string values, got {Kind(value)}");
        foreach (var field in value.EnumerateObject())
        {
            if (field.Value.ValueKind != JsonValueKind.String)
                throw Invalid(file, $"metadata \"{field.Name}\": the value must be a string, got {Kind(field.Value)}");
            if (!metadata.TryAdd(field.Name, field.Value.GetString()!)) throw Invalid(file, $"metadata names \"{field.Name}\" twice");
        }
    }

    /// <summary>Checks one entry on its own: fields, dtype, shape, and that its byte count fits its shape.</summary>
    static Entry ReadEntry(string name, JsonElement value, string file)
    {
        string where = $"tensor \"{name}\"";
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(file, $"{where}: the entry must be an object {{\"dtype\", \"shape\", \"data_offsets\"}}, got {Kind(value)}");
        JsonElement? dtypeField = null, shapeField = null, offsetsField = null;
        foreach (var field in value.EnumerateObject())
        {
            bool repeated = field.Name switch
            {
                "dtype" => Set(ref dtypeField, field.Value),
                "shape" => Set(ref shapeField, field.Value),
                "data_offsets" => Set(ref offsetsField, field.Value),
                _ => throw Invalid(file, $"{where}: unknown field \"{field.Name}\" (an entry holds dtype, shape and data_offsets)"),
            };
            if (repeated) throw Invalid(file, $"{where}: field \"{field.Name}\" appears twice");
        }
        var missing = new[] { ("dtype", dtypeField), ("shape", shapeField), ("data_offsets", offsetsField) }.Where(f => f.Item2 is null).Select(f => f.Item1).ToList();
        if (missing.Count > 0) throw Invalid(file, $"{where}: missing {string.Join(", ", missing)}");

        var dtypeValue = dtypeField!.Value;
        if (dtypeValue.ValueKind != JsonValueKind.String) throw Invalid(file, $"{where}: dtype must be a string, got {Kind(dtypeValue)}");
        DType dtype = dtypeValue.GetString() switch
        {
            "F32" => DType.Float32,
            "F64" => DType.Float64,
            "I64" => DType.Int64,
            var other => throw Invalid(file, $"{where}: dtype \"{other}\" is not supported: MiniNet reads F32, F64 and I64"),
        };

        var shapeValue = shapeField!.Value;
        if (shapeValue.ValueKind != JsonValueKind.Array) throw Invalid(file, $"{where}: shape must be an array of integers, got {Kind(shapeValue)}");
        var shape = new int[shapeValue.GetArrayLength()];
        int axis = 0;
        foreach (var dim in shapeValue.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d))
                throw Invalid(file, $"{where}: shape must be an array of integers, got {shapeValue.GetRawText()}");
            if (d < 0) throw Invalid(file, $"{where}: negative dimension {d} in shape {shapeValue.GetRawText()}");
            if (d > Array.MaxLength) throw Invalid(file, $"{where}: dimension {d} in shape {shapeValue.GetRawText()} is larger than one array holds");
            shape[axis++] = (int)d;
        }
        long count = 1;
        if (shape.Contains(0)) count = 0;
        else
            foreach (int d in shape) // each product stays below 2^62 before the check: no overflow
                if ((count *= d) > Array.MaxLength) throw Invalid(file, $"{where}: shape {Shapes.Format(shape)} has more elements than one array holds");

        var offsetsValue = offsetsField!.Value;
        long begin = 0, end = 0;
        if (offsetsValue.ValueKind != JsonValueKind.Array || offsetsValue.GetArrayLength() != 2
            || !NonNegative(offsetsValue[0], out begin) || !NonNegative(offsetsValue[1], out end))
            throw Invalid(file, $"{where}: data_offsets must be [begin, end], two non-negative integers, got {offsetsValue.GetRawText()}");
        if (end < begin) throw Invalid(file, $"{where}: data_offsets [{begin},{end}] are reversed (end before begin)");
        long needed = count * dtype.ElementSize();
        if (end - begin != needed)
            throw Invalid(file, $"{where}: data_offsets [{begin},{end}] span {end - begin} bytes, but shape {Shapes.Format(shape)} of {Code(dtype)} needs {count} x {dtype.ElementSize()} = {needed}");
        return new Entry(name, dtype, shape, (int)count, begin, end);
    }

    /// <summary>Stores <paramref name="value"/> in <paramref name="slot"/>; true when the slot was already set.</summary>
    static bool Set(ref JsonElement? slot, JsonElement value)
    {
        bool repeated = slot is not null;
        slot = value;
        return repeated;
    }

    static bool NonNegative(JsonElement value, out long result)
    {
        result = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out result) && result >= 0;
    }

    /// <summary>The entries sorted by offset (header order among equals), after checking that they tile the data buffer exactly.</summary>
    static List<Entry> CheckLayout(List<Entry> entries, long dataBytes, string file)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList(); // stable
        long next = 0;
        Entry? previous = null;
        foreach (var entry in sorted)
        {
            string where = $"tensor \"{entry.Name}\": data_offsets [{entry.Begin},{entry.End}]";
            if (entry.End > dataBytes)
                throw Invalid(file, $"{where} run past the end of the data buffer ({dataBytes} bytes): the file is truncated or the offsets are wrong");
            if (entry.Begin < next)
                throw Invalid(file, $"{where} overlap tensor \"{previous!.Value.Name}\" [{previous.Value.Begin},{previous.Value.End}]");
            if (entry.Begin > next)
                throw Invalid(file, previous is { } p
                    ? $"{where} leave a hole of {entry.Begin - next} bytes after tensor \"{p.Name}\" [{p.Begin},{p.End}]"
                    : $"{where} leave a hole of {entry.Begin} bytes at the start of the data buffer");
            next = entry.End;
            previous = entry;
        }
        if (next != dataBytes)
            throw Invalid(file, $"the data buffer holds {dataBytes} bytes but the tensors end at byte {next}: {dataBytes - next} bytes belong to no tensor");
        return sorted;
    }

    static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
