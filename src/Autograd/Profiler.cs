using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MiniNet;

/// <summary>
/// Opt-in wall-clock breakdown of the work done on one thread, by op: where a training step's time goes. Off by
/// default; while off every hook is one static read. Start it on the thread that runs the step, run some steps,
/// stop it and read the report.
/// </summary>
/// <remarks>
/// Note: profiler self time. Every instant on the profiled thread is charged to exactly one category, so the
/// categories add up to the wall time. Time outside any region is pending and is charged to the forward of the
/// next op that reaches <see cref="Tape.Record"/> (an op does its work, then records it; ops unrecorded under
/// NoGrad still pass through Record), or to "(unattributed)" when the profiler stops. A region (the backward of
/// one tape entry, a conv gradient, a pool rent) charges its own time minus that of the regions nested in it.
/// Work that a kernel hands to the worker threads is charged to the region the calling thread is in while it
/// waits, which is the wall time that matters. Timer reads cost about 20-30 ns each.
/// </remarks>
public static class Profiler
{
    static volatile bool _on;
    static Thread? _thread;
    static readonly Dictionary<string, (long Ticks, long Calls)> Totals = new();
    static readonly Dictionary<string, string> ForwardNames = new(), BackwardNames = new();
    static readonly Stack<string> Open = new();
    static long _last, _pending, _started;

    /// <summary>True while a profile is being taken.</summary>
    public static bool IsOn => _on;

    /// <summary>Clears the totals and starts charging time on the calling thread.</summary>
    /// <exception cref="InvalidOperationException">A profile is already being taken.</exception>
    public static void Start()
    {
        if (_on) throw new InvalidOperationException("profiler: already started; stop it first");
        Totals.Clear();
        Open.Clear();
        _thread = Thread.CurrentThread;
        _pending = 0;
        _started = _last = Stopwatch.GetTimestamp();
        _on = true;
    }

    /// <summary>Stops and returns the categories with their milliseconds and counts, largest first.</summary>
    /// <exception cref="InvalidOperationException">Called while regions are still open, or from another thread.</exception>
    public static ProfileReport Stop()
    {
        if (!_on || _thread != Thread.CurrentThread) throw new InvalidOperationException("profiler: not started on this thread");
        if (Open.Count > 0) throw new InvalidOperationException($"profiler: region '{Open.Peek()}' is still open");
        long now = Stopwatch.GetTimestamp();
        _pending += now - _last;
        if (_pending > 0) Add("(unattributed)", _pending, 0);
        _on = false;
        _thread = null;
        var rows = Totals.Select(kv => new ProfileRow(kv.Key, kv.Value.Ticks * 1000.0 / Stopwatch.Frequency, kv.Value.Calls))
            .OrderByDescending(r => r.Ms).ToArray();
        return new ProfileReport(rows, (now - _started) * 1000.0 / Stopwatch.Frequency);
    }

    /// <summary>
    /// Opens a region named <paramref name="name"/> until the result is disposed (use with <c>using</c>); does nothing
    /// when off or on another thread. Regions nest; each charges only its own time (see Note: profiler self time).
    /// </summary>
    public static Region Enter(string name)
    {
        if (!_on || _thread != Thread.CurrentThread) return default;
        Charge();
        Open.Push(name);
        Add(name, 0, 1);
        return new Region(name);
    }

    // The forward of op ends here: the time pending since the last charge is its own.
    internal static void Forward(string op)
    {
        if (!_on || _thread != Thread.CurrentThread || Open.Count > 0) return;
        long now = Stopwatch.GetTimestamp();
        Add(Named(ForwardNames, op, " fwd"), _pending + now - _last, 1);
        _pending = 0;
        _last = now;
    }

    // The region name of one tape entry's backward closure.
    internal static Region EnterBackward(string op) => _on ? Enter(Named(BackwardNames, op, " bwd")) : default;

    static string Named(Dictionary<string, string> cache, string op, string suffix)
    {
        if (!cache.TryGetValue(op, out var name)) cache[op] = name = op + suffix;
        return name;
    }

    static void Charge()
    {
        long now = Stopwatch.GetTimestamp();
        if (Open.Count == 0) _pending += now - _last;
        else Add(Open.Peek(), now - _last, 0);
        _last = now;
    }

    static void Add(string name, long ticks, long calls)
    {
        Totals.TryGetValue(name, out var t);
        Totals[name] = (t.Ticks + ticks, t.Calls + calls);
    }

    /// <summary>An open region; disposing it closes it.</summary>
    public readonly struct Region(string? name) : IDisposable
    {
        /// <summary>Closes the region (regions must close innermost first).</summary>
        public void Dispose()
        {
            if (name is null || !_on || _thread != Thread.CurrentThread) return;
            Charge();
            if (Open.Count == 0 || !ReferenceEquals(Open.Peek(), name))
                throw new InvalidOperationException($"profiler: region '{name}' closed out of order");
            Open.Pop();
        }
    }
}

/// <summary>One category of a profile: its self time and how often it was entered.</summary>
public sealed record ProfileRow(string Name, double Ms, long Calls);

/// <summary>A profile: the rows (largest first) and the wall time they add up to.</summary>
public sealed record ProfileReport(IReadOnlyList<ProfileRow> Rows, double WallMs)
{
    /// <summary>A table with milliseconds and calls divided by <paramref name="per"/> (e.g. per step).</summary>
    public string Format(int per = 1)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"{"category",-34} {"ms",9} {"%",6} {"calls",8}\n");
        foreach (var r in Rows)
            sb.Append(inv, $"{r.Name,-34} {r.Ms / per,9:0.000} {100 * r.Ms / WallMs,6:0.0} {(double)r.Calls / per,8:0.#}\n");
        sb.Append(inv, $"{"total",-34} {WallMs / per,9:0.000}\n");
        return sb.ToString();
    }
}
