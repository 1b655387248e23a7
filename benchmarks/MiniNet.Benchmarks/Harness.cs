using System.Diagnostics;
using System.Globalization;

namespace MiniNet.Benchmarks;

/// <summary>
/// The Stopwatch harness: warm up for <see cref="WarmupSeconds"/>, then time batches of calls; reports give the
/// median, the interquartile range and a bootstrap confidence interval of the ratio (<see cref="RatioStatistics"/>).
/// MiniNet and TorchSharp are timed in separate phases, never interleaved, so libtorch's threads and our worker pool
/// do not steal each other's cores.
/// </summary>
static class Harness
{
    public const double WarmupSeconds = 2.0; // tiered JIT and PGO settle well after 0.5 s on the conv paths
    const double MeasureSeconds = 1.0;
    const int Samples = 15;

    /// <summary>Median milliseconds per call of <paramref name="work"/>.</summary>
    public static double MedianMs(Action work) => Measure(work).Median;

    /// <summary>Milliseconds per call of <paramref name="work"/>, one sample per timed batch of calls.</summary>
    public static Timing Measure(Action work)
    {
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < WarmupSeconds) { work(); calls++; }
        double perCall = clock.Elapsed.TotalSeconds / calls;
        int batch = (int)Math.Clamp(MeasureSeconds / Samples / perCall, 1, 1_000_000);
        var samples = new double[Samples];
        for (int s = 0; s < Samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < batch; i++) work();
            samples[s] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / batch;
        }
        return new Timing(samples);
    }

    /// <summary>
    /// Prints one line: <c>suite k=v ... mininet_ms=… mininet_iqr_ms=… torchsharp_ms=… torchsharp_iqr_ms=… ratio=…
    /// ratio_ci95=[low,high]</c> (medians; ratio = MiniNet/TorchSharp, lower is better).
    /// </summary>
    public static void Report(string suite, string parameters, Timing miniNet, Timing torch, string extra = "")
    {
        Console.WriteLine($"{suite} {parameters} {Times("mininet", miniNet)} {Times("torchsharp", torch)} {(extra.Length > 0 ? extra + " " : "")}{Ratio(miniNet, torch)}");
    }

    /// <summary><c>NAME_ms=median NAME_iqr_ms=interquartile range</c>.</summary>
    public static string Times(string name, Timing timing) => $"{name}_ms={Ms(timing.Median)} {name}_iqr_ms={Ms(timing.InterquartileRange)}";

    /// <summary><c>ratio=… ratio_ci95=[low,high]</c>: the ratio of the medians and its bootstrap interval.</summary>
    public static string Ratio(Timing miniNet, Timing torch)
    {
        var ratio = RatioStatistics.Ratio(miniNet, torch);
        return string.Create(CultureInfo.InvariantCulture, $"ratio={ratio.Median:0.00} ratio_ci{ratio.Confidence * 100:0}=[{ratio.Low:0.00},{ratio.High:0.00}]");
    }

    /// <summary>Milliseconds with enough digits for microsecond-scale ops.</summary>
    public static string Ms(double v) => v.ToString(v < 0.1 ? "0.00000" : "0.000", CultureInfo.InvariantCulture);
}
