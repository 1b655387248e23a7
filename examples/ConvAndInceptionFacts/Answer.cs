using System.Diagnostics;
using System.Globalization;
using MathNet.Numerics.Statistics;

namespace MiniNet.Examples.ConvAndInceptionFacts;

/// <summary>One printed line of an answer: what was computed, the formula it follows, and the computed value(s).</summary>
/// <param name="What">The quantity, e.g. "3x3 conv 128 -> 256, with bias".</param>
/// <param name="Formula">The formula with the numbers put in, e.g. "(128·3·3 + 1)·256".</param>
/// <param name="Value">What MiniNet computed, e.g. "295,168".</param>
public sealed record FactRow(string What, string Formula, string Value);

/// <summary>
/// The answer to one question: its number and title, plus (in each derived record) the named values that tests
/// assert. <see cref="Rows"/> turns those same values into the printed lines, so the text cannot drift from the code.
/// </summary>
/// <param name="Number">The question's number, 1 to 15.</param>
/// <param name="Title">The question in a few words.</param>
public abstract record Answer(int Number, string Title)
{
    /// <summary>The printed lines, built from this record's values.</summary>
    public abstract IEnumerable<FactRow> Rows();
}

/// <summary>Number formats shared by every answer: invariant culture, thousands separators.</summary>
public static class Format
{
    /// <summary>"295,168".</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A ratio or small real with <paramref name="digits"/> decimals: "0.119".</summary>
    public static string F(double value, int digits = 3) => value.ToString("F" + digits, CultureInfo.InvariantCulture);

    /// <summary>A difference near zero in scientific notation: "3.6e-15" (exact zero prints "0").</summary>
    public static string Diff(double value) => value == 0 ? "0" : value.ToString("0.0e+00", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds: "12.34 ms".</summary>
    public static string Ms(double value) => value.ToString("F2", CultureInfo.InvariantCulture) + " ms";

    /// <summary>A shape as MiniNet prints it: "[1,64,28,28]".</summary>
    public static string Shape(int[] shape) => Shapes.Format(shape);
}

/// <summary>Wall-clock timing of a small piece of work: printed by the facts, never asserted.</summary>
public static class Timing
{
    /// <summary>
    /// Runs <paramref name="action"/> once to warm up (JIT, buffer pool), then <paramref name="runs"/> times, and
    /// returns the median in milliseconds (the median shrugs off the odd slow run on a shared machine).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="runs"/> below 1.</exception>
    public static double MedianMs(Action action, int runs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Statistics.Median(times);
    }
}
