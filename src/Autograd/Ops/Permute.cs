using MiniNet.Kernels;

namespace MiniNet;

// permute / transpose: a contiguous copy with the dims reordered (MiniNet has no strided views, see Tensor's remarks).
public sealed partial class Tensor
{
    /// <summary>
    /// Copies this tensor with its dims reordered: output dim d is input dim <paramref name="dims"/>[d] (negative
    /// dims count from the end). Always a contiguous copy. PyTorch: <c>permute(dims).contiguous()</c>.
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="dims"/> is not a permutation of 0..rank-1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a dim is out of range.</exception>
    public Tensor Permute(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length != Rank)
            throw new ArgumentException($"permute: needs {Rank} dims for {Shapes.Format(_shape)}, got [{string.Join(",", dims)}]");
        var perm = new int[Rank];
        var seen = new bool[Rank];
        for (int d = 0; d < Rank; d++)
        {
            perm[d] = Shapes.NormalizeDim("permute", dims[d], Rank);
            if (seen[perm[d]])
                throw new ArgumentException($"permute: dims [{string.Join(",", dims)}] repeat dim {dims[d]}, so are not a permutation for {Shapes.Format(_shape)}");
            seen[perm[d]] = true;
        }
        return PermuteRecorded("permute", perm);
    }

    /// <summary>
    /// Copies this tensor with dims <paramref name="dim0"/> and <paramref name="dim1"/> swapped (negative dims
    /// count from the end; <c>Transpose(-2, -1)</c> transposes matrices). Always a contiguous copy.
    /// PyTorch: <c>transpose(dim0, dim1).contiguous()</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When a dim is out of range.</exception>
    public Tensor Transpose(int dim0, int dim1)
    {
        int d0 = Shapes.NormalizeDim("transpose", dim0, Rank), d1 = Shapes.NormalizeDim("transpose", dim1, Rank);
        var perm = new int[Rank];
        for (int d = 0; d < Rank; d++) perm[d] = d;
        if (d0 != d1) (perm[d0], perm[d1]) = (perm[d1], perm[d0]);
        return PermuteRecorded("transpose", perm);
    }

    /// <summary>The copy behind permute and transpose; <paramref name="perm"/> is already validated and non-negative.</summary>
    Tensor PermuteRecorded(string op, int[] perm)
    {
        ThrowIfDisposed();
        var shape = new int[Rank];
        for (int d = 0; d < Rank; d++) shape[d] = _shape[perm[d]];
        var y = Empty(shape, DType, op);
        Layout.Run(this, y, new PermuteCopy(_shape, perm));
        var x = this;
        return Tape.Record(op, y, [this], gradOut =>
        {
            // y[i_0..i_n] = x[i at perm^-1]  =>  dL/dx = gradOut permuted by the inverse permutation
            var inverse = new int[perm.Length];
            for (int d = 0; d < perm.Length; d++) inverse[perm[d]] = d;
            x.AccumulateGrad(gradOut.PermuteRecorded(op, inverse));
        });
    }

    readonly struct PermuteCopy(int[] srcShape, int[] perm) : ILayoutAction
    {
        public void Run<T>(T[] src, int srcCount, T[] dst, int dstCount) where T : unmanaged =>
            Layout.Permute<T>(src.AsSpan(0, srcCount), srcShape, perm, dst.AsSpan(0, dstCount));
    }
}
