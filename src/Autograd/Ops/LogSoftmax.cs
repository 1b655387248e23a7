namespace MiniNet;

// log_softmax along one dim: the softmax kernels of Kernels/Softmax.cs in their log form (see Ops/Softmax.cs).
public sealed partial class Tensor
{
    /// <summary>
    /// x - ln Σ e^x along <paramref name="dim"/>, computed stably as (x - m) - ln Σ e^(x-m) with m the max along the
    /// dim. A NaN on a line (or a line of all -Inf) makes that line NaN. PyTorch: <c>torch.log_softmax(x, dim)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> out of range.</exception>
    /// <exception cref="NotSupportedException">An int64 tensor.</exception>
    public Tensor LogSoftmax(int dim)
    {
        var (_, outer, n, inner) = AlongDim("log_softmax", dim);
        var y = SoftmaxFamilyForward("log_softmax", outer, n, inner, log: true);
        var x = this;
        return Tape.Record("log_softmax", y, [this], gradOut =>
        {
            // y = x - lse(x)  =>  dL/dx_r = gradOut_r - softmax_r · Σ_s gradOut_s, with softmax = e^y
            // (reuses the output y; one kernel pass per line)
            x.AccumulateGrad(SoftmaxFamilyBackward("log_softmax", y, gradOut, outer, n, inner, log: true));
        });
    }
}
