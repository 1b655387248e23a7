using System.Numerics;
using MiniNet.Kernels;

namespace MiniNet;

// linear: y = x·Wᵀ + b as one recorded op. Legend: x [..., in] flattened to [rows, in] (free: contiguous),
// W [out, in], b [out], y [rows, out] seen as [..., out]. Every product is one GEMM that reads W or x transposed in
// place (Gemm packs its operands; no transposed tensor is made).
public sealed partial class Tensor
{
    /// <summary>
    /// Affine map over the last dim: y = x·Wᵀ + b, <paramref name="input"/> [..., in], <paramref name="weight"/>
    /// [out, in], <paramref name="bias"/> [out] or null; y is [..., out] (a 1-D input gives [out]). NaN propagates as in
    /// any sum of products. PyTorch: <c>F.linear(input, weight, bias)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A rank-0 input, a weight that is not 2-D, an input whose last dim is not in,
    /// a bias that is not [out], or mixed dtypes.</exception>
    /// <exception cref="NotSupportedException">int64 operands.</exception>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        var (rows, inFeatures, outFeatures) = LinearLayout(input, weight, bias);
        var y = Empty([.. input._shape[..^1], outFeatures], input.DType, "linear");
        if (input.DType == DType.Float32) LinearForward<float>(input, weight, bias, y, rows, inFeatures, outFeatures);
        else LinearForward<double>(input, weight, bias, y, rows, inFeatures, outFeatures);
        OpTrace.Current?.Add("linear", [input, weight, bias], y);
        return Tape.Record("linear", y, bias is null ? [input, weight] : [input, weight, bias], gradOut =>
        {
            // y = x·Wᵀ + b  =>  dL/dx = gradOut·W, dL/dW = gradOutᵀ·x, dL/db = Σ_rows gradOut
            // (rows = the leading dims of x flattened; x and W are the saved inputs)
            if (input.DType == DType.Float32) LinearBackward<float>(input, weight, bias, gradOut, rows, inFeatures, outFeatures);
            else LinearBackward<double>(input, weight, bias, gradOut, rows, inFeatures, outFeatures);
        });
    }

    static (int Rows, int In, int Out) LinearLayout(Tensor input, Tensor weight, Tensor? bias)
    {
        input.ThrowIfDisposed();
        weight.ThrowIfDisposed();
        bias?.ThrowIfDisposed();
        string got = $"input {Shapes.Format(input._shape)}, weight {Shapes.Format(weight._shape)}" + (bias is null ? "" : $", bias {Shapes.Format(bias._shape)}");
        if (input.Rank == 0 || weight.Rank != 2)
            throw new ArgumentException($"linear: needs input [..., in] (at least 1 dim) and weight [out, in], got {got}");
        int outFeatures = weight._shape[0], inFeatures = weight._shape[1];
        if (input._shape[^1] != inFeatures)
            throw new ArgumentException($"linear: input's last dim {input._shape[^1]} must equal weight [out, in]'s in = {inFeatures}; got {got}");
        if (bias is not null && !Shapes.Equal(bias._shape, [outFeatures]))
            throw new ArgumentException($"linear: bias must be [out] = [{outFeatures}]; got {got}");
        if (weight.DType != input.DType || (bias is not null && bias.DType != input.DType))
            throw new ArgumentException($"linear: dtypes differ: input {input.DType.TorchName()}, weight {weight.DType.TorchName()}" +
                (bias is null ? "" : $", bias {bias.DType.TorchName()}") + $"; {got}");
        if (!input.DType.IsFloatingPoint()) throw Elementwise.FloatOnly("linear", input);
        return (Shapes.Count("linear", input._shape[..^1]), inFeatures, outFeatures);
    }

    static void LinearForward<T>(Tensor x, Tensor w, Tensor? b, Tensor y, int rows, int inFeatures, int outFeatures)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // y = b broadcast to every row, then y += x·Wᵀ
        if (b is not null) Layout.BroadcastTo(b.Array<T>(), b._shape, y.Span<T>(), y._shape);
        Gemm.Multiply(x.Array<T>(), false, w.Array<T>(), true, y.Array<T>(), rows, outFeatures, inFeatures, accumulate: b is not null);
    }

    static void LinearBackward<T>(Tensor x, Tensor w, Tensor? b, Tensor gradOut, int rows, int inFeatures, int outFeatures)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.RequiresGrad)
        {
            var gradX = Empty((int[])x._shape.Clone(), x.DType, "linear_backward");
            Gemm.Multiply(gradOut.Array<T>(), false, w.Array<T>(), false, gradX.Array<T>(), rows, inFeatures, outFeatures, accumulate: false);
            x.AccumulateGrad(gradX);
        }
        if (w.RequiresGrad)
        {
            var gradW = Empty([outFeatures, inFeatures], w.DType, "linear_backward");
            Gemm.Multiply(gradOut.Array<T>(), true, x.Array<T>(), false, gradW.Array<T>(), outFeatures, inFeatures, rows, accumulate: false);
            w.AccumulateGrad(gradW);
        }
        if (b is { RequiresGrad: true })
        {
            var gradB = Empty([outFeatures], b.DType, "linear_backward");
            Reduce.SumAxis<T>(gradOut.Span<T>(), gradB.Span<T>(), 1, rows, outFeatures);
            b.AccumulateGrad(gradB);
        }
    }
}
