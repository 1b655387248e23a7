using System.Globalization;
using System.Text;

namespace MiniNet;

// ToString in PyTorch's style: nested brackets, a shared fixed precision, "..." for long dims.
public sealed partial class Tensor
{
    const int SummarizeAbove = 1000, EdgeItems = 3;

    /// <summary>
    /// PyTorch-style text, e.g. <c>tensor([[1.0000, 2.0000], [3.0000, 4.0000]], requires_grad=True)</c>; tensors
    /// over 1000 elements show three items at each edge of every dim.
    /// </summary>
    public override string ToString()
    {
        if (_disposed) return $"tensor(<disposed>, shape={Shapes.Format(_shape)}, made by '{Creator}')";
        var values = DType switch
        {
            DType.Float32 => Span<float>().ToArray().Select(v => (double)v).ToArray(),
            DType.Float64 => Span<double>().ToArray(),
            _ => Span<long>().ToArray().Select(v => (double)v).ToArray(),
        };
        bool integral = DType == DType.Int64;
        bool summarize = Count > SummarizeAbove;
        string Fmt(double v) => integral ? ((long)v).ToString(CultureInfo.InvariantCulture)
            : double.IsNaN(v) ? "nan" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf")
            : v.ToString("0.0000", CultureInfo.InvariantCulture);
        var sb = new StringBuilder("tensor(");
        if (Rank == 0) sb.Append(Fmt(values[0]));
        else AppendDim(sb, values, 0, 0, Fmt, summarize, indent: 7);
        if (summarize || Count == 0) sb.Append(", size=").Append(Shapes.Format(_shape));
        if (DType == DType.Float64) sb.Append(", dtype=torch.float64");
        if (GradFn is { } fn) sb.Append(", grad_fn=<").Append(fn.Op).Append('>');
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    void AppendDim(StringBuilder sb, double[] values, int dim, int offset, Func<double, string> fmt, bool summarize, int indent)
    {
        int size = _shape[dim], stride = 1;
        for (int d = dim + 1; d < Rank; d++) stride *= _shape[d];
        sb.Append('[');
        for (int i = 0; i < size; i++)
        {
            if (summarize && size > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(dim == Rank - 1 ? "..., " : "...,\n" + new string(' ', indent + dim + 1));
                i = size - EdgeItems;
            }
            if (dim == Rank - 1) sb.Append(fmt(values[offset + i]));
            else AppendDim(sb, values, dim + 1, offset + i * stride, fmt, summarize, indent);
            if (i < size - 1) sb.Append(dim == Rank - 1 ? ", " : ",\n" + new string(' ', indent + dim + 1));
        }
        sb.Append(']');
    }
}
