namespace MiniNet;

/// <summary>Shape arithmetic and validation shared by every op; errors name the op and the shapes.</summary>
public static class Shapes
{
    /// <summary>Formats a shape as PyTorch prints sizes in errors: <c>[2,3,4]</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    /// <summary>Number of elements of <paramref name="shape"/>; rejects negative sizes and overflow.</summary>
    public static int Count(string op, ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"{op}: negative size in shape {Format(shape)}");
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"{op}: shape {Format(shape)} has more elements than one array can hold");
        }
        return (int)n;
    }

    /// <summary>
    /// Maps a possibly negative dimension index into [0, rank). A rank-0 tensor accepts 0 and -1, as PyTorch wraps
    /// dims of a 0-d tensor as if it had one dim.
    /// </summary>
    public static int NormalizeDim(string op, int dim, int rank)
    {
        int effective = Math.Max(rank, 1);
        int d = dim < 0 ? dim + effective : dim;
        if (d < 0 || d >= effective)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dim {dim} is out of range for a tensor of rank {rank}");
        return d;
    }

    /// <summary>Row-major strides of a contiguous tensor.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
        return strides;
    }

    /// <summary>NumPy/PyTorch broadcasting: align from the right; sizes must match or be 1.</summary>
    public static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b) =>
        TryBroadcast(a, b, out var result, out int badDim)
            ? result
            : throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast (dim {badDim}: {a[badDim - (result.Length - a.Length)]} vs {b[badDim - (result.Length - b.Length)]})");

    /// <summary>Broadcasting without throwing: false and the first clashing dim (of the result) when the shapes clash.</summary>
    public static bool TryBroadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, out int[] result, out int badDim)
    {
        int rank = Math.Max(a.Length, b.Length);
        result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1) { badDim = i; return false; }
            result[i] = da == 1 ? db : da;
        }
        badDim = -1;
        return true;
    }

    /// <summary>True when both shapes have the same rank and sizes.</summary>
    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
