using System.Numerics;
using MiniNet.Kernels;

namespace MiniNet;

// conv2d (a cross-correlation, as in every framework). Legend: input [N,C,H,W], weight [O,C/groups,kH,kW], bias [O],
// output [N,O,OH,OW]; sizes and their checks in Kernels/Conv2dGeometry.cs. How it is computed (the reference loops,
// or a faster path) is picked in one place, Kernels/Conv2dAlgorithms.cs.
public sealed partial class Tensor
{
    /// <summary>
    /// 2-D convolution over NCHW: y[n,o,oh,ow] = bias[o] + Σ_{c',kh,kw} weight[o,c',kh,kw] ·
    /// x[n, group·C/groups + c', oh·strideH - padTop + kh·dilationH, ow·strideW - padLeft + kw·dilationW], where output
    /// channel o belongs to group o / (O/groups) and x is read as zero outside the image. Output size per axis:
    /// ⌊(H + padTop + padBottom - dilationH·(kH-1) - 1) / strideH⌋ + 1. Defaults: stride 1, padding 0, dilation 1.
    /// With a <paramref name="paddingMode"/> other than zeros the input is first padded in that mode (<see cref="Pad2d"/>)
    /// and then convolved without padding, as PyTorch's nn.Conv2d does. "same" is resolved to explicit amounts first,
    /// dilation·(k-1) per axis split in two, an odd extra row or column going to the bottom or right (even kernels).
    /// NaN and infinity propagate through the sums.
    /// PyTorch: <c>F.conv2d(input, weight, bias, stride, padding, dilation, groups)</c> plus nn.Conv2d's <c>padding_mode</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit (see <see cref="Conv2dGeometry.Create"/>), a bias that
    /// is not [O], different dtypes, "same" with a stride, or a pad too large for reflect/circular mode.</exception>
    /// <exception cref="NotSupportedException">int64 tensors.</exception>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Pair? stride = null, Padding2d? padding = null,
        Pair? dilation = null, int groups = 1, PaddingMode paddingMode = PaddingMode.Zeros)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        input.ThrowIfDisposed();
        weight.ThrowIfDisposed();
        bias?.ThrowIfDisposed();
        var g = Conv2dGeometry.Create("conv2d", input._shape, weight._shape, stride ?? 1, padding ?? Padding2d.Valid, dilation ?? 1, groups);
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != g.O))
            throw new ArgumentException($"conv2d: bias must be [O] = [{g.O}] for weight {Shapes.Format(weight._shape)}, got {Shapes.Format(bias._shape)}");
        if (weight.DType != input.DType || (bias is not null && bias.DType != input.DType))
            throw new ArgumentException($"conv2d: input, weight and bias must share a dtype, got input {input.DType.TorchName()}, " +
                $"weight {weight.DType.TorchName()}{(bias is null ? "" : $", bias {bias.DType.TorchName()}")}");
        if (!input.DType.IsFloatingPoint()) throw Elementwise.FloatOnly("conv2d", input);

        var x = input;
        if (paddingMode != PaddingMode.Zeros && g is not { PadTop: 0, PadBottom: 0, PadLeft: 0, PadRight: 0 })
        {
            x = input.Pad2d((g.PadTop, g.PadBottom, g.PadLeft, g.PadRight), paddingMode);
            g = g with { H = x._shape[2], W = x._shape[3], PadTop = 0, PadBottom = 0, PadLeft = 0, PadRight = 0 };
        }

        var y = Empty([g.N, g.O, g.OutH, g.OutW], x.DType, "conv2d");
        switch (x.DType)
        {
            case DType.Float32: Conv2dAlgorithms.Forward<float>(x.Span<float>(), weight.Span<float>(), bias is null ? default : bias.Span<float>(), y.Span<float>(), g); break;
            default: Conv2dAlgorithms.Forward<double>(x.Span<double>(), weight.Span<double>(), bias is null ? default : bias.Span<double>(), y.Span<double>(), g); break;
        }
        OpTrace.Current?.Add("conv2d", [x, weight, bias], y, new Conv2dAttributes(g, bias is not null));
        return Tape.Record("conv2d", y, bias is null ? [x, weight] : [x, weight, bias], gradOut =>
        {
            // y = conv(x, w) + b  =>  dL/dx = gradOut correlated with the flipped w (scattered back through stride and dilation),
            // dL/dw[o,c',kh,kw] = Σ_{n,oh,ow} gradOut · x at that tap, dL/db[o] = Σ_{n,oh,ow} gradOut[n,o]; only the ones needed
            var gradX = x.RequiresGrad ? new Tensor((int[])x._shape.Clone(), x.DType, zeroed: true, "conv2d_backward") : null;
            var gradW = weight.RequiresGrad ? new Tensor((int[])weight._shape.Clone(), x.DType, zeroed: true, "conv2d_backward") : null;
            var gradB = bias is { RequiresGrad: true } ? new Tensor([g.O], x.DType, zeroed: true, "conv2d_backward") : null;
            switch (x.DType)
            {
                case DType.Float32: Conv2dBackward<float>(gradOut, x, weight, gradX, gradW, gradB, g); break;
                default: Conv2dBackward<double>(gradOut, x, weight, gradX, gradW, gradB, g); break;
            }
            if (gradX is not null) x.AccumulateGrad(gradX);
            if (gradW is not null) weight.AccumulateGrad(gradW);
            if (gradB is not null) bias!.AccumulateGrad(gradB);
        });
    }

    static void Conv2dBackward<T>(Tensor gradOut, Tensor x, Tensor weight, Tensor? gradX, Tensor? gradW, Tensor? gradB, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gradX is not null)
            using (Profiler.Enter("conv2d bwd input"))
                Conv2dAlgorithms.BackwardInput(gradOut.Span<T>(), weight.Span<T>(), gradX.Span<T>(), g);
        if (gradW is not null)
            using (Profiler.Enter("conv2d bwd weight"))
                Conv2dAlgorithms.BackwardWeight(x.Span<T>(), gradOut.Span<T>(), gradW.Span<T>(), g);
        if (gradB is not null) Conv2dAlgorithms.BackwardBias(gradOut.Span<T>(), gradB.Span<T>(), g);
    }
}
