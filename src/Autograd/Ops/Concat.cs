using MiniNet.Kernels;

namespace MiniNet;

// cat: the inputs copied one after another along one dim. Legend: each input is seen as [outer, size_i, inner]
// around that dim, the output as [outer, Σ size_i, inner].
public sealed partial class Tensor
{
    /// <summary>
    /// Joins <paramref name="tensors"/> along <paramref name="dim"/> (negative counts from the end) into a new
    /// contiguous tensor. All must have the same rank (at least 1), the same dtype, and the same sizes except in
    /// <paramref name="dim"/>. PyTorch: <c>torch.cat(tensors, dim)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An empty list, rank-0 inputs, or mismatched ranks, dtypes or sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="dim"/> is out of range.</exception>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("cat: needs at least one tensor, got an empty list");
        var first = tensors[0];
        if (first.Rank == 0) throw new ArgumentException("cat: rank-0 tensors cannot be concatenated");
        int d = Shapes.NormalizeDim("cat", dim, first.Rank);
        var shape = (int[])first._shape.Clone();
        shape[d] = 0;
        foreach (var t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            t.ThrowIfDisposed();
            if (t.DType != first.DType)
                throw new ArgumentException($"cat: tensors must share a dtype, got {first.DType.TorchName()} {Shapes.Format(first._shape)} and {t.DType.TorchName()} {Shapes.Format(t._shape)}");
            if (t.Rank != first.Rank)
                throw new ArgumentException($"cat: tensors must have the same rank, got {Shapes.Format(first._shape)} and {Shapes.Format(t._shape)}");
            bool match = true;
            for (int k = 0; match && k < t.Rank; k++) match = k == d || t._shape[k] == first._shape[k];
            if (!match)
                throw new ArgumentException($"cat: tensors must match except in dim {d}, got {Shapes.Format(first._shape)} and {Shapes.Format(t._shape)}");
            shape[d] += t._shape[d];
        }

        var y = Empty(shape, first.DType, "cat");
        var (outer, total, inner) = y.AxisView(d);
        var offsets = new int[tensors.Count];
        for (int i = 0, offset = 0; i < tensors.Count; offset += tensors[i]._shape[d], i++)
        {
            offsets[i] = offset;
            int size = tensors[i]._shape[d];
            Layout.Run(tensors[i], y, new AlongDimCopy(size, 0, total, offset, outer, size, inner));
        }
        Tensor[] inputs = [.. tensors];
        OpTrace.Current?.Add("cat", inputs, y, new CatAttributes(d));
        return Tape.Record("cat", y, inputs, gradOut =>
        {
            // y = [x_0 | x_1 | ...] along dim  =>  dL/dx_i = gradOut[offset_i : offset_i + size_i] along dim
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].RequiresGrad)
                    inputs[i].AccumulateGrad(gradOut.NarrowRecorded("cat", d, offsets[i], inputs[i]._shape[d]));
        });
    }
}
