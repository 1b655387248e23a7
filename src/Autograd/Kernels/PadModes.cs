using System.Numerics;

namespace MiniNet.Kernels;

// Legend: P planes (P = N·C) of H×W, padded to (top + H + bottom)×(left + W + right). On an axis of `size` padded
// by `before` and `after`, padded index i copies source index map(j), j = i - before, j in [-before, size + after).

/// <summary>
/// Reflect, replicate and circular 2-D padding: one index mapping per mode, used by both the forward (a gather)
/// and the backward (a scatter-add along the same mapping). PyTorch's semantics; the op checks the sizes.
/// </summary>
public static class PadModes
{
    /// <summary>Mirror without repeating the edge: [a b c] → c b | a b c | b a. Needs every pad &lt; size.</summary>
    public static int Reflect(int j, int size) => j < 0 ? -j : j >= size ? 2 * (size - 1) - j : j;

    /// <summary>Repeat the edge: [a b c] → a a | a b c | c c. Needs size &gt; 0.</summary>
    public static int Replicate(int j, int size) => Math.Clamp(j, 0, size - 1);

    /// <summary>Wrap around: [a b c] → b c | a b c | a b. Needs every pad ≤ size.</summary>
    public static int Circular(int j, int size) => (j % size + size) % size;

    /// <summary>For each index of an axis padded by <paramref name="before"/> and <paramref name="after"/>, the source index it copies.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="PaddingMode.Zeros"/>, which copies nothing into the padding.</exception>
    public static int[] SourceIndices(PaddingMode mode, int before, int size, int after)
    {
        var source = new int[before + size + after];
        for (int i = 0; i < source.Length; i++)
            source[i] = mode switch
            {
                PaddingMode.Reflect => Reflect(i - before, size),
                PaddingMode.Replicate => Replicate(i - before, size),
                PaddingMode.Circular => Circular(i - before, size),
                _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "pad2d: zero padding has no source indices"),
            };
        return source;
    }

    /// <summary>Forward: y[p, i, j] = x[p, rows[i], cols[j]], with x of planes × h × w.</summary>
    public static void Gather<T>(ReadOnlySpan<T> x, Span<T> y, int planes, int h, int w, ReadOnlySpan<int> rows, ReadOnlySpan<int> cols)
        where T : unmanaged
    {
        int outW = cols.Length;
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < rows.Length; i++)
            {
                var src = x.Slice((p * h + rows[i]) * w, w);
                var dst = y.Slice((p * rows.Length + i) * outW, outW);
                for (int j = 0; j < outW; j++) dst[j] = src[cols[j]];
            }
    }

    /// <summary>Backward: gradX[p, rows[i], cols[j]] += gradY[p, i, j]; a source cell copied k times collects k gradients.</summary>
    public static void ScatterAdd<T>(ReadOnlySpan<T> gradY, Span<T> gradX, int planes, int h, int w, ReadOnlySpan<int> rows, ReadOnlySpan<int> cols)
        where T : unmanaged, INumberBase<T>
    {
        int outW = cols.Length;
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < rows.Length; i++)
            {
                var src = gradY.Slice((p * rows.Length + i) * outW, outW);
                var dst = gradX.Slice((p * h + rows[i]) * w, w);
                for (int j = 0; j < outW; j++) dst[cols[j]] += src[j];
            }
    }
}
