using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniNet.Kernels;

/// <summary>The register width a kernel runs at.</summary>
public enum SimdWidth
{
    /// <summary>256-bit AVX2 registers with FMA: 8 floats or 4 doubles.</summary>
    Vector256,
    /// <summary>512-bit AVX-512F registers: 16 floats or 8 doubles (and 32 registers instead of 16).</summary>
    Vector512,
}

/// <summary>
/// The one place that decides which SIMD width the width-generic kernels (the GEMM micro-kernel and its packers)
/// run at: the widest the machine accelerates, unless a test or benchmark forces one.
/// </summary>
/// <remarks>
/// Note: SIMD path. Forcing is process-wide (the kernels run on the pool's threads, not only the caller's), so
/// tests that force a width run in a collection with parallelization off. Every lane does the same scalar
/// arithmetic in the same order at either width (the GEMM sums over k in one fixed order per element), so the two
/// paths give bit-identical results; forcing changes only the speed.
/// </remarks>
public static class SimdPath
{
    static volatile int _forced = -1;

    /// <summary>Whether this machine can run <paramref name="width"/> (AVX2+FMA, or AVX-512F that the runtime accelerates).</summary>
    public static bool IsSupported(SimdWidth width) => width switch
    {
        SimdWidth.Vector256 => Vector256.IsHardwareAccelerated && Fma.IsSupported,
        SimdWidth.Vector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        _ => false,
    };

    /// <summary>The widths this machine supports, narrowest first (tests run each).</summary>
    public static IReadOnlyList<SimdWidth> Supported { get; } =
        [.. Enum.GetValues<SimdWidth>().Where(IsSupported)];

    /// <summary>The width the kernels use now: the forced one, else the widest supported.</summary>
    public static SimdWidth Current => _forced >= 0 ? (SimdWidth)_forced : Supported.Count > 0 ? Supported[^1] : SimdWidth.Vector256;

    /// <summary>Makes every width-generic kernel in the process use <paramref name="width"/> until disposed. Use with <c>using</c>.</summary>
    /// <exception cref="NotSupportedException">The machine cannot run <paramref name="width"/>.</exception>
    public static IDisposable Force(SimdWidth width)
    {
        if (!IsSupported(width)) throw new NotSupportedException($"simd: this machine cannot run {width} (supported: {string.Join(", ", Supported)})");
        int previous = _forced;
        _forced = (int)width;
        return new Restore(previous);
    }

    sealed class Restore(int previous) : IDisposable
    {
        public void Dispose() => _forced = previous;
    }
}

/// <summary>
/// One SIMD register as a type kernels are generic over: written once against this interface, a kernel is compiled
/// by the JIT separately for <see cref="V256{T}"/> and <see cref="V512{T}"/>, each to plain register code.
/// </summary>
public unsafe interface IVector<TSelf, T> where TSelf : struct, IVector<TSelf, T> where T : unmanaged
{
    /// <summary>Lanes per register.</summary>
    static abstract int Count { get; }
    /// <summary>Loads <see cref="Count"/> lanes from <paramref name="source"/> (no alignment needed).</summary>
    static abstract TSelf Load(T* source);
    /// <summary>Every lane = <paramref name="value"/>.</summary>
    static abstract TSelf Broadcast(T value);
    /// <summary>a·b + c with one rounding (FMA).</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);
    /// <summary>Lane-wise sum.</summary>
    static abstract TSelf Add(TSelf a, TSelf b);
    /// <summary>Stores the lanes to <paramref name="destination"/>.</summary>
    void Store(T* destination);
}

/// <summary>A 256-bit register (AVX2 + FMA).</summary>
public readonly unsafe struct V256<T>(Vector256<T> value) : IVector<V256<T>, T> where T : unmanaged
{
    readonly Vector256<T> _value = value;

    /// <inheritdoc/>
    public static int Count => Vector256<T>.Count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256<T> Load(T* source) => new(Vector256.Load(source));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256<T> Broadcast(T value) => new(Vector256.Create(value));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256<T> MultiplyAdd(V256<T> a, V256<T> b, V256<T> c) => new(Simd.MultiplyAdd(a._value, b._value, c._value));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256<T> Add(V256<T> a, V256<T> b) => new(a._value + b._value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(T* destination) => _value.Store(destination);
}

/// <summary>A 512-bit register (AVX-512F, whose FMA is part of the base set).</summary>
public readonly unsafe struct V512<T>(Vector512<T> value) : IVector<V512<T>, T> where T : unmanaged
{
    readonly Vector512<T> _value = value;

    /// <inheritdoc/>
    public static int Count => Vector512<T>.Count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512<T> Load(T* source) => new(Vector512.Load(source));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512<T> Broadcast(T value) => new(Vector512.Create(value));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> MultiplyAdd(V512<T> a, V512<T> b, V512<T> c)
    {
        if (typeof(T) == typeof(float)) return new(Avx512F.FusedMultiplyAdd(a._value.AsSingle(), b._value.AsSingle(), c._value.AsSingle()).As<float, T>());
        if (typeof(T) == typeof(double)) return new(Avx512F.FusedMultiplyAdd(a._value.AsDouble(), b._value.AsDouble(), c._value.AsDouble()).As<double, T>());
        throw new NotSupportedException($"simd: no 512-bit FMA for {typeof(T).Name}");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512<T> Add(V512<T> a, V512<T> b) => new(a._value + b._value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(T* destination) => _value.Store(destination);
}
