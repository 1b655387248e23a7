using TorchSharp;

namespace MiniNet.Autograd.Tests;

/// <summary>
/// matmul with PyTorch's rules (legend: A [..., m, k], B [..., k, n]): 2-D, batched, broadcast batch dims and the
/// 1-D forms, GradCheck in float64 and the oracle in float32 and float64. m, n, k such as 7, 13, 33 leave the 4-row
/// by 2-vector GEMM tiles with ragged edges; [67,129]·[129,33] and [131,257]·[257,65] are past the split over the pool (2^18 multiply-adds).
/// </summary>
public class MatMulTests
{
    public static TheoryData<DType> DTypes => [DType.Float32, DType.Float64];

    /// <summary>(A, B) shapes; the matching output shape is PyTorch's.</summary>
    static readonly int[][][] Cases =
    [
        [[7, 13], [13, 5]],        // 2-D x 2-D
        [[2, 3], [3, 4]],
        [[13, 33], [33, 7]],
        [[2, 3, 4], [2, 4, 5]],    // batched
        [[2, 1, 3, 4], [5, 4, 2]], // broadcast batch: [2,1] with [5] -> [2,5]
        [[3, 4], [2, 4, 5]],       // 2-D left of a batch
        [[2, 3, 4], [4, 5]],       // 2-D right of a batch
        [[1, 3, 4], [1, 4, 5]],    // batch of 1
        [[4], [4, 5]],             // 1-D x 2-D: row vector, dim dropped -> [5]
        [[3, 4], [4]],             // 2-D x 1-D: column vector, dim dropped -> [3]
        [[7], [7]],                // 1-D x 1-D: dot product -> []
        [[4], [2, 4, 5]],          // 1-D x batch -> [2,5]
        [[2, 3, 4], [4]],          // batch x 1-D -> [2,3]
    ];

    [Theory, MemberData(nameof(DTypes))]
    public void Matches_torch(DType dtype)
    {
        ulong seed = 0;
        foreach (var shapes in Cases)
            Oracle.Check(shapes, a => a[0].MatMul(a[1]), t => torch.matmul(t[0], t[1]), dtype, seed++);
        Oracle.Check([[67, 129], [129, 33]], a => a[0].MatMul(a[1]), t => torch.matmul(t[0], t[1]), dtype, seed: 100); // parallel
        Oracle.Check([[2, 131, 257], [257, 65]], a => a[0].MatMul(a[1]), t => torch.matmul(t[0], t[1]), dtype, seed: 101); // parallel, broadcast B
    }

    [Fact]
    public void Gradcheck()
    {
        ulong seed = 0;
        foreach (var shapes in Cases)
            OpGrad.Check(shapes, a => a[0].MatMul(a[1]), seed: seed++);
        OpGrad.Check([[67, 129], [129, 33]], a => a[0].MatMul(a[1]), seed: 100, options: OpGrad.Fast);
    }

    [Fact]
    public void Output_shapes_follow_torch()
    {
        using var scope = Tensor.Scope();
        foreach (var shapes in Cases)
        {
            var c = Tensor.Zeros(shapes[0]).MatMul(Tensor.Zeros(shapes[1]));
            using var expected = torch.matmul(torch.zeros(shapes[0].Select(s => (long)s).ToArray()), torch.zeros(shapes[1].Select(s => (long)s).ToArray()));
            Assert.Equal(expected.shape, c.Shape.Select(s => (long)s));
        }
    }

    [Fact]
    public void Hand_checked_2x2()
    {
        // C = A·B with A = [[1,2],[3,4]], B = [[5,6],[7,8]]: C = [[19,22],[43,50]];
        // L = Σ C  =>  dL/dA = 1·Bᵀ row sums = [[11,15],[11,15]], dL/dB = Aᵀ·1 = [[4,4],[6,6]]
        using var scope = Tensor.Scope();
        var a = Tensor.FromArray([1.0, 2, 3, 4], 2, 2);
        var b = Tensor.FromArray([5.0, 6, 7, 8], 2, 2);
        a.RequiresGrad = b.RequiresGrad = true;
        var c = a.MatMul(b);
        c.Sum().Backward();
        Assert.Equal([19.0, 22, 43, 50], c.ToArray<double>());
        Assert.Equal([11.0, 15, 11, 15], a.Grad!.ToArray<double>());
        Assert.Equal([4.0, 4, 6, 6], b.Grad!.ToArray<double>());
    }

    [Fact]
    public void Inner_size_mismatch_names_matmul_and_both_shapes()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]).MatMul(Tensor.Zeros([4, 5])));
        Assert.Contains("matmul", e.Message);
        Assert.Contains("[2,3]", e.Message);
        Assert.Contains("[4,5]", e.Message);
    }

    [Fact]
    public void Batch_dims_that_do_not_broadcast_name_matmul()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3, 4]).MatMul(Tensor.Zeros([3, 4, 5])));
        Assert.Contains("matmul", e.Message);
        Assert.Contains("[2,3,4]", e.Message);
        Assert.Contains("[3,4,5]", e.Message);
    }

    [Fact]
    public void Rank_0_operand_is_rejected()
    {
        using var scope = Tensor.Scope();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Scalar(2).MatMul(Tensor.Zeros([3])));
        Assert.Contains("matmul", e.Message);
    }
}
