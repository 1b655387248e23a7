using System.Numerics;

namespace MiniNet.Kernels;

/// <summary>
/// The inverted-dropout mask. The draws are sequential (one generator stream), so this plain loop is both the
/// definition and the only path; applying the mask is an elementwise multiply.
/// </summary>
public static class Dropout
{
    /// <summary>
    /// mask[i] = 1/keep when the i-th draw u ~ U[0, 1) from <paramref name="generator"/> (in order) is below
    /// <paramref name="keep"/>, else 0: Bernoulli(keep)/keep, so the mask has expectation 1. keep = 0 gives all zeros
    /// without drawing (as PyTorch's p = 1 draws nothing).
    /// </summary>
    public static void Mask<T>(Span<T> mask, double keep, Generator generator) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (keep == 0) { mask.Clear(); return; }
        T scale = T.CreateTruncating(1 / keep);
        for (int i = 0; i < mask.Length; i++) mask[i] = generator.NextDouble() < keep ? scale : T.Zero;
    }
}
