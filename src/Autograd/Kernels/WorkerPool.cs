namespace MiniNet.Kernels;

/// <summary>
/// One persistent pool of worker threads for every parallel kernel. Note: why not Parallel.For — its threads
/// park after a few hundred microseconds and waking them cost 55-85 us on our 2-core VM, more than many whole ops
/// of a training step. Our workers spin briefly after each job, then block; the caller always does a share itself.
/// Work is cut into fixed partitions chosen by the caller (never by timing), so results are bit-for-bit
/// reproducible: a partition may run on any thread, but it always covers the same range.
/// </summary>
public sealed class WorkerPool
{
    /// <summary>The pool every kernel uses: one thread per core, the caller included.</summary>
    public static WorkerPool Shared { get; } = new(Environment.ProcessorCount);

    [ThreadStatic] static bool _insideJob;

    readonly object _submitGate = new();
    readonly ManualResetEventSlim[] _wake;
    volatile int _jobId;
    Action<int>? _body;
    int _partitions;
    long _claim; // (job id << 32) | next partition: a stale worker can never claim a partition of a newer job
    int _remaining;
    Exception? _failure;

    /// <summary>Creates a pool that runs on <paramref name="threads"/> threads, the calling one included.</summary>
    public WorkerPool(int threads)
    {
        Threads = Math.Max(1, threads);
        _wake = new ManualResetEventSlim[Threads - 1];
        for (int i = 0; i < _wake.Length; i++)
        {
            _wake[i] = new ManualResetEventSlim(false);
            var wake = _wake[i];
            new Thread(() => WorkerLoop(wake)) { IsBackground = true, Name = $"MiniNet worker {i + 1}" }.Start();
        }
    }

    /// <summary>Threads that share a job, the caller included.</summary>
    public int Threads { get; }

    /// <summary>
    /// Runs <paramref name="body"/>(p) for every partition p in [0, <paramref name="partitions"/>), each exactly
    /// once, and returns when all are done. Runs inline when there is one partition, when called from inside a
    /// job, or when another thread is using the pool. The first exception is rethrown on the caller.
    /// </summary>
    public void Run(int partitions, Action<int> body)
    {
        if (partitions <= 0) return;
        if (partitions == 1 || Threads == 1 || _insideJob || !Monitor.TryEnter(_submitGate))
        {
            for (int p = 0; p < partitions; p++) body(p);
            return;
        }
        try
        {
            int job = _jobId + 1;
            _body = body;
            _partitions = partitions;
            _failure = null;
            Volatile.Write(ref _remaining, partitions);
            Volatile.Write(ref _claim, (long)job << 32);
            _jobId = job;
            foreach (var w in _wake) w.Set();
            Work(job);
            var spin = new SpinWait();
            while (Volatile.Read(ref _remaining) > 0) spin.SpinOnce(-1);
            _body = null;
            if (_failure is { } failure) throw new AggregateException("worker pool: a partition failed", failure);
        }
        finally
        {
            Monitor.Exit(_submitGate);
        }
    }

    /// <summary>
    /// Splits [0, <paramref name="length"/>) into at most <see cref="Threads"/> contiguous ranges of at least
    /// <paramref name="minChunk"/> elements and runs <paramref name="body"/>(start, end) on each.
    /// </summary>
    public void For(int length, int minChunk, Action<int, int> body)
    {
        int parts = Math.Clamp(length / Math.Max(1, minChunk), 1, Threads);
        if (parts == 1) { body(0, length); return; }
        Run(parts, p => body((int)((long)length * p / parts), (int)((long)length * (p + 1) / parts)));
    }

    void Work(int job)
    {
        _insideJob = true;
        try
        {
            while (true)
            {
                long claim = Volatile.Read(ref _claim);
                int p = (int)(claim & 0xFFFFFFFF);
                if ((int)(claim >> 32) != job || p >= _partitions) return;
                if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;
                try { _body!(p); }
                catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
                Interlocked.Decrement(ref _remaining);
            }
        }
        finally { _insideJob = false; }
    }

    void WorkerLoop(ManualResetEventSlim wake)
    {
        int seen = 0;
        while (true)
        {
            // Spin a little first: in a training step the next op arrives within microseconds.
            var spin = new SpinWait();
            for (int i = 0; i < 200 && _jobId == seen; i++) spin.SpinOnce(-1);
            if (_jobId == seen)
            {
                wake.Reset();
                if (_jobId == seen) wake.Wait();
            }
            seen = _jobId;
            Work(seen);
        }
    }
}
