namespace MiniNet;

/// <summary>
/// Something that stands for one tensor: a <see cref="Tensor"/> itself, or a module's parameter or buffer (which
/// wraps the tensor it currently holds). Lets one signature take both <c>IEnumerable&lt;Tensor&gt;</c> and
/// <c>model.Parameters()</c> (IEnumerable is covariant), as PyTorch's <c>optim.SGD(model.parameters())</c> and
/// <c>optim.SGD([w, b])</c> both work.
/// </summary>
public interface ITensorSource
{
    /// <summary>The tensor this stands for now (a module's <c>To(dtype)</c> may replace a parameter's).</summary>
    Tensor Tensor { get; }
}
