namespace MiniNet;

/// <summary>How a loss combines its per-element values. PyTorch: the <c>reduction</c> argument of losses.</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per element. PyTorch: <c>reduction='none'</c>.</summary>
    None,
    /// <summary>The mean over elements. PyTorch: <c>reduction='mean'</c> (the default).</summary>
    Mean,
    /// <summary>The sum over elements. PyTorch: <c>reduction='sum'</c>.</summary>
    Sum,
}
