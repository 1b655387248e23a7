using MiniNet.Kernels;

namespace MiniNet;

// matmul with PyTorch's rules. Legend: A [..., m, k], B [..., k, n], C [..., m, n]; batch dims broadcast.
public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product: 1-D·1-D is a dot product, 2-D·2-D a matrix product, and higher ranks are batches of matrices
    /// whose batch dims broadcast; a 1-D operand is treated as a row (left) or column (right) vector and that dim is
    /// dropped from the result. PyTorch: <c>torch.matmul</c>.
    /// </summary>
    /// <exception cref="ArgumentException">When the inner sizes differ or batch dims do not broadcast.</exception>
    public Tensor MatMul(Tensor other)
    {
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"matmul: both arguments need at least 1 dim, got {Shapes.Format(_shape)} and {Shapes.Format(other._shape)}");
        var a = Rank == 1 ? Reshape(1, _shape[0]) : this;
        var b = other.Rank == 1 ? other.Reshape(other._shape[0], 1) : other;
        var c = BatchedMatMul(a, b);
        if (Rank > 1 && other.Rank > 1) return c;
        var shape = c._shape.ToList();
        if (other.Rank == 1) shape.RemoveAt(shape.Count - 1);
        if (Rank == 1) shape.RemoveAt(shape.Count - (other.Rank == 1 ? 1 : 2));
        return c.Reshape(shape.ToArray());
    }

    static Tensor BatchedMatMul(Tensor a, Tensor b)
    {
        int m = a._shape[^2], k = a._shape[^1], k2 = b._shape[^2], n = b._shape[^1];
        if (k != k2 || a.DType != b.DType)
            throw new ArgumentException($"matmul: cannot multiply {Shapes.Format(a._shape)} by {Shapes.Format(b._shape)}" +
                (k != k2 ? $" (inner sizes {k} and {k2} differ)" : $" ({a.DType.TorchName()} and {b.DType.TorchName()})"));
        if (!Shapes.TryBroadcast(a._shape[..^2], b._shape[..^2], out var batch, out _))
            throw new ArgumentException($"matmul: batch dims of {Shapes.Format(a._shape)} and {Shapes.Format(b._shape)} cannot be broadcast");
        var c = Empty([.. batch, m, n], a.DType, "matmul");
        GemmBatched(a, false, b, false, c);
        OpTrace.Current?.Add("matmul", [a, b], c);
        return Tape.Record("matmul", c, [a, b], gradOut =>
        {
            // C = A·B  =>  dL/dA = gradOut·Bᵀ,  dL/dB = Aᵀ·gradOut (per batch; broadcast batch dims summed in AccumulateGrad)
            if (a.RequiresGrad) a.AccumulateGrad(Product(gradOut, false, b, true, [.. batch, m, k]));
            if (b.RequiresGrad) b.AccumulateGrad(Product(a, true, gradOut, false, [.. batch, k, n]));
        });
    }

    static Tensor Product(Tensor a, bool transA, Tensor b, bool transB, int[] shape)
    {
        var c = Empty(shape, a.DType, "matmul_backward");
        GemmBatched(a, transA, b, transB, c);
        return c;
    }

    // One GEMM per batch entry; each operand's batch index follows broadcasting (size-1 batch dims repeat).
    static void GemmBatched(Tensor a, bool transA, Tensor b, bool transB, Tensor c)
    {
        int m = c._shape[^2], n = c._shape[^1];
        int k = transA ? a._shape[^2] : a._shape[^1];
        int batches = c.Count / Math.Max(1, m * n);
        if (c.Count == 0) return;
        var batchShape = c._shape[..^2];
        var aBatch = a._shape[..^2];
        var bBatch = b._shape[..^2];
        for (int i = 0; i < batches; i++)
        {
            int ai = BroadcastBatchIndex(i, batchShape, aBatch), bi = BroadcastBatchIndex(i, batchShape, bBatch);
            switch (c.DType)
            {
                case DType.Float32: Gemm.Multiply(a.Array<float>(), transA, b.Array<float>(), transB, c.Array<float>(), m, n, k, false, ai * m * k, bi * k * n, i * m * n); break;
                case DType.Float64: Gemm.Multiply(a.Array<double>(), transA, b.Array<double>(), transB, c.Array<double>(), m, n, k, false, ai * m * k, bi * k * n, i * m * n); break;
                default: throw Elementwise.FloatOnly("matmul", a);
            }
        }
    }

    static int BroadcastBatchIndex(int flat, int[] outBatch, int[] operandBatch)
    {
        int index = 0, stride = 1, lead = outBatch.Length - operandBatch.Length;
        for (int d = outBatch.Length - 1; d >= 0; d--)
        {
            int i = flat % outBatch[d];
            flat /= outBatch[d];
            if (d < lead) continue;
            int size = operandBatch[d - lead];
            if (size != 1) index += i * stride;
            stride *= size;
        }
        return index;
    }
}
