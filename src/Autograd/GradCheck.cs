using System.Text;

namespace MiniNet;

/// <summary>Tolerances and mode of <see cref="GradCheck"/>; the defaults are PyTorch's <c>gradcheck</c> defaults.</summary>
/// <param name="Eps">Finite-difference step.</param>
/// <param name="Atol">Absolute tolerance.</param>
/// <param name="Rtol">Relative tolerance (to the numeric value).</param>
/// <param name="FastMode">Compare along <paramref name="Directions"/> random input directions instead of every element (PyTorch's <c>fast_mode</c>).</param>
/// <param name="Directions">Random directions per input in fast mode.</param>
/// <param name="Seed">Seed of the random output weights and directions.</param>
public sealed record GradCheckOptions(double Eps = 1e-6, double Atol = 1e-5, double Rtol = 1e-3, bool FastMode = false, int Directions = 4, ulong Seed = 1234);

/// <summary>The verdict on one input.</summary>
/// <param name="Name">The input's name (its position unless named).</param>
/// <param name="Shape">The input's shape.</param>
/// <param name="WorstIndex">Flat index of the worst element, or the direction number in fast mode.</param>
/// <param name="Analytic">Tape gradient there.</param>
/// <param name="Numeric">Finite-difference gradient there.</param>
/// <param name="Passed">Whether every element was within atol + rtol·|numeric|.</param>
public sealed record GradCheckInputReport(string Name, int[] Shape, int WorstIndex, double Analytic, double Numeric, bool Passed)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Passed ? "ok  " : "FAIL")} {Name} {Shapes.Format(Shape)}: worst at {WorstIndex}: analytic {Analytic:G9} vs numeric {Numeric:G9}";
}

/// <summary>The verdict on every input that requires grad.</summary>
public sealed record GradCheckReport(IReadOnlyList<GradCheckInputReport> Inputs)
{
    /// <summary>True when every input passed.</summary>
    public bool Passed => Inputs.All(i => i.Passed);

    /// <inheritdoc/>
    public override string ToString() => string.Join("\n", Inputs);
}

/// <summary>Thrown by <see cref="GradCheck.Assert"/> with the full report.</summary>
public sealed class GradCheckException(GradCheckReport report) : Exception("gradcheck failed:\n" + report)
{
    /// <summary>The report that failed.</summary>
    public GradCheckReport Report { get; } = report;
}

/// <summary>
/// Checks the tape's gradients of a whole function against central finite differences in float64, as PyTorch's
/// <c>torch.autograd.gradcheck</c>. A non-scalar output is reduced with fixed random weights w, L = Σ w ⊙ f(x), so
/// every output element takes part. Inputs must be float64; those with <see cref="Tensor.RequiresGrad"/> are checked.
/// </summary>
public static class GradCheck
{
    /// <summary>Runs the check and returns a report per input; never throws for a mismatch.</summary>
    /// <exception cref="ArgumentException">An input that is not float64, or no input requiring grad.</exception>
    public static GradCheckReport Run(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions? options = null, string[]? names = null)
    {
        var o = options ?? new GradCheckOptions();
        foreach (var t in inputs)
            if (t.DType != DType.Float64 && t.RequiresGrad)
                throw new ArgumentException($"gradcheck: inputs that require grad must be float64, got {t.DType.TorchName()} {Shapes.Format(t._shape)}");
        if (!inputs.Any(t => t.RequiresGrad)) throw new ArgumentException("gradcheck: no input requires grad");

        Tensor weights;
        using (var probeScope = Tensor.Scope())
        using (Tensor.NoGrad())
            weights = Tensor.Normal(function(inputs)._shape, generator: new Generator(o.Seed), dtype: DType.Float64).Unscoped();
        try
        {
            double Loss()
            {
                using var scope = Tensor.Scope();
                using var noGrad = Tensor.NoGrad();
                return (function(inputs) * weights).Sum().Item();
            }

            foreach (var t in inputs) t.ZeroGrad();
            using (var scope = Tensor.Scope()) (function(inputs) * weights).Sum().Backward();

            var reports = new List<GradCheckInputReport>();
            var rng = new Generator(o.Seed + 1);
            for (int i = 0; i < inputs.Length; i++)
            {
                var x = inputs[i];
                if (!x.RequiresGrad) continue;
                var analytic = x.Grad is null ? new double[x.Count] : x.Grad.ToArray<double>();
                var report = o.FastMode ? CheckDirections(x, analytic, Loss, o, rng) : CheckElements(x, analytic, Loss, o);
                reports.Add(report with { Name = names?[i] ?? $"input {i}" });
                x.ZeroGrad();
            }
            return new GradCheckReport(reports);
        }
        finally { weights.Dispose(); }
    }

    /// <summary>Runs the check and throws <see cref="GradCheckException"/> when any input fails.</summary>
    public static void Assert(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions? options = null, string[]? names = null)
    {
        var report = Run(function, inputs, options, names);
        if (!report.Passed) throw new GradCheckException(report);
    }

    static GradCheckInputReport CheckElements(Tensor x, double[] analytic, Func<double> loss, GradCheckOptions o)
    {
        var data = x.Span<double>();
        int worst = 0;
        double worstExcess = double.NegativeInfinity, worstNumeric = 0;
        for (int j = 0; j < data.Length; j++)
        {
            double saved = data[j];
            data[j] = saved + o.Eps; double plus = loss();
            data[j] = saved - o.Eps; double minus = loss();
            data[j] = saved;
            double numeric = (plus - minus) / (2 * o.Eps);
            double excess = Math.Abs(analytic[j] - numeric) - (o.Atol + o.Rtol * Math.Abs(numeric));
            if (excess > worstExcess || double.IsNaN(excess)) { worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess; worst = j; worstNumeric = numeric; }
        }
        return new GradCheckInputReport("", x.Shape, worst, data.Length == 0 ? 0 : analytic[worst], worstNumeric, worstExcess <= 0 || data.Length == 0);
    }

    // Fast mode: for a random unit direction u, compare u·∇L with (L(x+εu) - L(x-εu)) / 2ε.
    static GradCheckInputReport CheckDirections(Tensor x, double[] analytic, Func<double> loss, GradCheckOptions o, Generator rng)
    {
        var data = x.Span<double>();
        var saved = data.ToArray();
        int worst = 0;
        double worstExcess = double.NegativeInfinity, worstA = 0, worstN = 0;
        for (int dir = 0; dir < o.Directions; dir++)
        {
            var u = new double[data.Length];
            double norm = 0;
            for (int j = 0; j < u.Length; j++) { u[j] = rng.NextNormal(); norm += u[j] * u[j]; }
            norm = Math.Sqrt(norm);
            double projected = 0;
            for (int j = 0; j < u.Length; j++) { u[j] /= norm; projected += u[j] * analytic[j]; }
            for (int j = 0; j < u.Length; j++) data[j] = saved[j] + o.Eps * u[j];
            double plus = loss();
            for (int j = 0; j < u.Length; j++) data[j] = saved[j] - o.Eps * u[j];
            double minus = loss();
            saved.CopyTo(data);
            double numeric = (plus - minus) / (2 * o.Eps);
            double excess = Math.Abs(projected - numeric) - (o.Atol + o.Rtol * Math.Abs(numeric));
            if (excess > worstExcess || double.IsNaN(excess)) { worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess; worst = dir; worstA = projected; worstN = numeric; }
        }
        return new GradCheckInputReport("", x.Shape, worst, worstA, worstN, worstExcess <= 0);
    }
}
