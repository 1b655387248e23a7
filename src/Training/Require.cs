namespace MiniNet.Training;

/// <summary>Hyperparameter checks. Each message names the optimizer or schedule, the argument and the value it got.</summary>
static class Require
{
    /// <summary>A finite value ≥ 0 (learning rates, momentum, weight decay, eps).</summary>
    internal static double NonNegative(string owner, string name, double value) =>
        value >= 0 && value < double.PositiveInfinity ? value
            : throw new ArgumentOutOfRangeException(name, $"{owner}: {name} must be finite and >= 0, got {value}");

    /// <summary>A value in [0, 1), or [0, 1] when <paramref name="oneAllowed"/> (decay rates, betas, fractions).</summary>
    internal static double Fraction(string owner, string name, double value, bool oneAllowed) =>
        value >= 0 && (value < 1 || oneAllowed && value == 1) ? value
            : throw new ArgumentOutOfRangeException(name, $"{owner}: {name} must be in [0, 1{(oneAllowed ? "]" : ")")}, got {value}");

    /// <summary>A count ≥ 1 (step sizes, schedule lengths).</summary>
    internal static int Positive(string owner, string name, int value) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, $"{owner}: {name} must be >= 1, got {value}");
}
