using System.Diagnostics;
using System.Globalization;

namespace MiniNet.Benchmarks;

/// <summary>
/// The Stopwatch harness: warm up for <see cref="WarmupSeconds"/>, then time batches of calls and take
/// the median. MiniNet and TorchSharp are timed in separate phases, never interleaved, so libtorch's threads and
/// our worker pool do not steal each other's cores.
/// </summary>
static class Harness
{
    public const double WarmupSeconds = 2.0; // tiered JIT and PGO settle well after 0.5 s on the conv paths
    const double MeasureSeconds = 1.0;
    const int Samples = 15;

    /// <summary>Median milliseconds per call of <paramref name="work"/>.</summary>
    public static double MedianMs(Action work)
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
        Array.Sort(samples);
        return samples[Samples / 2];
    }

    /// <summary>Prints one line: <c>suite k=v ... mininet_ms=… torchsharp_ms=… ratio=…</c> (ratio = MiniNet/TorchSharp, lower is better).</summary>
    public static void Report(string suite, string parameters, double miniNetMs, double torchMs, string extra = "")
    {
        Console.WriteLine($"{suite} {parameters} mininet_ms={Ms(miniNetMs)} torchsharp_ms={Ms(torchMs)} {(extra.Length > 0 ? extra + " " : "")}ratio={Ratio(miniNetMs, torchMs)}");
    }

    /// <summary>Milliseconds with enough digits for microsecond-scale ops.</summary>
    public static string Ms(double v) => v.ToString(v < 0.1 ? "0.00000" : "0.000", CultureInfo.InvariantCulture);

    /// <summary>MiniNet time over TorchSharp time, two decimals.</summary>
    public static string Ratio(double miniNetMs, double torchMs) => (miniNetMs / torchMs).ToString("0.00", CultureInfo.InvariantCulture);
}
