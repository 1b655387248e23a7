using System.Runtime.CompilerServices;

namespace MiniNet;

/// <summary>
/// A reference-counted block of elements rented from <see cref="BufferPool{T}"/>. Several tensors share one
/// storage only when one is a free reshape (or detach) of another; the block returns to the pool when the
/// last of them is disposed.
/// </summary>
internal abstract class Storage
{
    internal int RefCount = 1;

    /// <summary>How many live tape entries hold a tensor on this storage. In-place updates refuse while it is non-zero.</summary>
    internal int TapeUses;

    internal abstract DType DType { get; }
    internal abstract int Length { get; }

    internal void AddRef() => RefCount++;

    internal void Release()
    {
        if (--RefCount == 0) ReturnToPool();
    }

    protected abstract void ReturnToPool();

    internal abstract Storage CloneAs(DType dtype);

    internal static Storage Allocate(DType dtype, int length, bool zeroed, bool pooled = true) => dtype switch
    {
        DType.Float32 => new Storage<float>(length, zeroed, pooled),
        DType.Float64 => new Storage<double>(length, zeroed, pooled),
        _ => new Storage<long>(length, zeroed, pooled),
    };
}

internal sealed class Storage<T> : Storage where T : unmanaged
{
    internal T[] Array;
    readonly int _length;
    readonly bool _pooled;

    // Unpooled storage is for tiny constants (the scalar of `x * 2.0`) that may stay on the tape after their op:
    // the GC takes them, so forgetting to dispose them costs the pool nothing.
    internal Storage(int length, bool zeroed, bool pooled = true)
    {
        _length = length;
        _pooled = pooled;
        using (Profiler.Enter("buffer pool"))
            Array = pooled ? BufferPool<T>.Rent(length) : new T[length];
        if (!zeroed) return;
        using (Profiler.Enter("zero-fill"))
            Array.AsSpan(0, length).Clear();
    }

    internal override DType DType => DTypes.Of<T>();
    internal override int Length => _length;

    internal Span<T> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Array.AsSpan(0, _length);
    }

    protected override void ReturnToPool()
    {
        using (Profiler.Enter("buffer pool"))
            if (_pooled) BufferPool<T>.Return(Array);
        Array = [];
    }

    internal override Storage CloneAs(DType dtype)
    {
        var copy = Allocate(dtype, _length, zeroed: false);
        switch (copy)
        {
            case Storage<float> f: Convert(Span, f.Span); break;
            case Storage<double> d: Convert(Span, d.Span); break;
            case Storage<long> l: Convert(Span, l.Span); break;
        }
        return copy;
    }

    static void Convert<TOut>(ReadOnlySpan<T> from, Span<TOut> to) where TOut : unmanaged
    {
        if (typeof(T) == typeof(TOut)) { MemoryMarshalCopy(from, to); return; }
        for (int i = 0; i < from.Length; i++) to[i] = ConvertOne<TOut>(from[i]);
    }

    static void MemoryMarshalCopy<TOut>(ReadOnlySpan<T> from, Span<TOut> to) where TOut : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<T, TOut>(from).CopyTo(to);

    // Float to integer truncates toward zero, as PyTorch's .to(torch.int64) does.
    static TOut ConvertOne<TOut>(T v) where TOut : unmanaged
    {
        double d = v switch { float f => f, double x => x, long l => l, _ => 0 };
        if (typeof(TOut) == typeof(float)) { float f = (float)d; return Unsafe.As<float, TOut>(ref f); }
        if (typeof(TOut) == typeof(double)) return Unsafe.As<double, TOut>(ref d);
        long r = v is long lv ? lv : (long)d;
        return Unsafe.As<long, TOut>(ref r);
    }
}

/// <summary>
/// Exact-size buffer pool. A training step asks for the same sizes every iteration, so buckets keyed by exact
/// length give perfect reuse without the waste of power-of-two classes. Thread-safe; buffers are not zeroed on rent.
/// </summary>
/// <remarks>
/// Note: pool shelves. Each thread keeps a small shelf of its own (up to <see cref="ShelfCapacity"/> elements) that
/// it serves and refills without a lock; only misses and overflow reach the shared, locked buckets. Kernels on the
/// worker pool rent scratch buffers from both threads at once, and a single shared lock made them wait on each
/// other (the depthwise backward ran 4x slower).
/// </remarks>
internal static class BufferPool<T> where T : unmanaged
{
    const long ShelfCapacity = 1 << 20;

    static readonly Dictionary<int, Stack<T[]>> Buckets = new();
    static readonly object Gate = new();
    static long _rentedElements, _pooledElements;

    [ThreadStatic] static Dictionary<int, Stack<T[]>>? _shelf;
    [ThreadStatic] static long _shelfElements;

    /// <summary>Elements currently handed out (for tests and memory reports).</summary>
    internal static long RentedElements => Interlocked.Read(ref _rentedElements);

    /// <summary>Elements sitting idle in the pool, shelves included.</summary>
    internal static long PooledElements => Interlocked.Read(ref _pooledElements);

    internal static T[] Rent(int length)
    {
        if (length == 0) return [];
        Interlocked.Add(ref _rentedElements, length);
        if (_shelf is not null && _shelf.TryGetValue(length, out var mine) && mine.Count > 0)
        {
            _shelfElements -= length;
            Interlocked.Add(ref _pooledElements, -length);
            return mine.Pop();
        }
        lock (Gate)
        {
            if (Buckets.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                Interlocked.Add(ref _pooledElements, -length);
                return stack.Pop();
            }
        }
        return GC.AllocateUninitializedArray<T>(length);
    }

    internal static void Return(T[] array)
    {
        if (array.Length == 0) return;
        Interlocked.Add(ref _rentedElements, -array.Length);
        Interlocked.Add(ref _pooledElements, array.Length);
        if (_shelfElements + array.Length <= ShelfCapacity)
        {
            _shelf ??= new Dictionary<int, Stack<T[]>>();
            if (!_shelf.TryGetValue(array.Length, out var mine)) _shelf[array.Length] = mine = new Stack<T[]>();
            mine.Push(array);
            _shelfElements += array.Length;
            return;
        }
        lock (Gate)
        {
            if (!Buckets.TryGetValue(array.Length, out var stack)) Buckets[array.Length] = stack = new Stack<T[]>();
            stack.Push(array);
        }
    }
}
