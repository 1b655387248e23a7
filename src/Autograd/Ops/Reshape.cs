namespace MiniNet;

// reshape: free. The result shares this tensor's storage (reference-counted), so no element moves.
public sealed partial class Tensor
{
    /// <summary>
    /// The same elements in a new shape; one size may be -1 (inferred). Shares storage: free. PyTorch: <c>reshape</c>.
    /// </summary>
    /// <exception cref="ArgumentException">When the element counts differ or more than one size is -1.</exception>
    public Tensor Reshape(params int[] shape)
    {
        var y = ReshapeUnrecorded(InferShape(shape));
        var x = this;
        OpTrace.Current?.Add("reshape", [this], y, new ReshapeAttributes(y.Shape));
        return Tape.Record("reshape", y, [this], gradOut =>
        {
            // y = reshape(x)  =>  dL/dx = reshape(gradOut) back to x's shape
            x.AccumulateGrad(gradOut.ReshapeUnrecorded(x._shape));
        });
    }

    /// <summary>Flattens dims start..end into one. PyTorch: <c>flatten(start_dim, end_dim)</c>.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        int s = Shapes.NormalizeDim("flatten", startDim, Rank), e = Shapes.NormalizeDim("flatten", endDim, Rank);
        if (Rank == 0) return Reshape(1);
        if (s > e) throw new ArgumentException($"flatten: start dim {startDim} comes after end dim {endDim} for {Shapes.Format(_shape)}");
        var shape = new List<int>();
        for (int d = 0; d < s; d++) shape.Add(_shape[d]);
        int merged = 1;
        for (int d = s; d <= e; d++) merged *= _shape[d];
        shape.Add(merged);
        for (int d = e + 1; d < Rank; d++) shape.Add(_shape[d]);
        return Reshape(shape.ToArray());
    }

    internal Tensor ReshapeUnrecorded(int[] shape)
    {
        ThrowIfDisposed();
        _storage.AddRef();
        return new Tensor(shape, _storage, "reshape");
    }

    int[] InferShape(int[] shape)
    {
        var result = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int d = 0; d < result.Length; d++)
        {
            if (result[d] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"reshape: only one size may be -1, got {Shapes.Format(shape)}");
                infer = d;
            }
            else if (result[d] < 0) throw new ArgumentException($"reshape: invalid size in {Shapes.Format(shape)}");
            else known *= result[d];
        }
        if (infer >= 0)
        {
            if (known == 0 || Count % known != 0) throw new ArgumentException($"reshape: cannot view {Shapes.Format(_shape)} ({Count} elements) as {Shapes.Format(shape)}");
            result[infer] = (int)(Count / known);
        }
        else if (known != Count) throw new ArgumentException($"reshape: cannot view {Shapes.Format(_shape)} ({Count} elements) as {Shapes.Format(shape)}");
        return result;
    }
}
