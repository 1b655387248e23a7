namespace MiniNet;

// split: pieces along one dim. Each piece is its own "split" tape entry (a narrow): its backward accumulates the
// piece's gradient zero-padded to the input's shape, so pieces the loss never uses cost nothing. The price is
// one input-sized zero tensor per used piece in backward.
public sealed partial class Tensor
{
    /// <summary>
    /// Cuts this tensor along <paramref name="dim"/> into consecutive pieces of the given sizes, each a contiguous
    /// copy. PyTorch: <c>torch.split(x, sizes, dim)</c> with a list of sizes.
    /// </summary>
    /// <exception cref="ArgumentException">On a rank-0 tensor, a negative size, or sizes that do not add up to the dim's size.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="dim"/> is out of range.</exception>
    public Tensor[] Split(int[] sizes, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int d = SliceDim("split", dim);
        long total = 0;
        foreach (int s in sizes)
        {
            if (s < 0) throw new ArgumentException($"split: sizes [{string.Join(",", sizes)}] hold a negative size");
            total += s;
        }
        if (total != _shape[d])
            throw new ArgumentException($"split: sizes [{string.Join(",", sizes)}] add up to {total}, but dim {dim} of {Shapes.Format(_shape)} has size {_shape[d]}");
        var pieces = new Tensor[sizes.Length];
        for (int i = 0, offset = 0; i < sizes.Length; offset += sizes[i], i++)
            pieces[i] = NarrowRecorded("split", d, offset, sizes[i]);
        return pieces;
    }

    /// <summary>
    /// Cuts this tensor along <paramref name="dim"/> into pieces of <paramref name="size"/> (the last may be
    /// smaller), each a contiguous copy; a dim of size 0 gives one empty piece. PyTorch: <c>torch.split(x, size, dim)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">On a rank-0 tensor, or a size ≤ 0 (0 is allowed only for an empty dim).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="dim"/> is out of range.</exception>
    public Tensor[] Split(int size, int dim = 0)
    {
        int d = SliceDim("split", dim);
        int length = _shape[d];
        if (size < 0 || (size == 0 && length != 0))
            throw new ArgumentException($"split: size must be positive (0 only for an empty dim), got {size} for dim {dim} of {Shapes.Format(_shape)}");
        int count = size == 0 ? 1 : (int)Math.Max(1, ((long)length + size - 1) / size);
        var sizes = new int[count];
        for (int i = 0; i < count; i++) sizes[i] = Math.Min(size, length - i * size);
        return Split(sizes, d);
    }
}
