using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniNet.Kernels;

/// <summary>A unary elementwise operator: a scalar form (the reference) and a Vector256 form (the fast path).</summary>
public interface IVectorUnary
{
    /// <summary>The scalar definition; the fast path is tested against it.</summary>
    T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The same on eight floats or four doubles.</summary>
    Vector256<T> Apply<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A binary elementwise operator with scalar and Vector256 forms.</summary>
public interface IVectorBinary
{
    /// <summary>The scalar definition; the fast path is tested against it.</summary>
    T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The same on eight floats or four doubles.</summary>
    Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>SIMD drivers: one loop per arity handles widths, unrolling and tails for every operator struct.</summary>
public static class Simd
{
    /// <summary>a*b + c, fused where the CPU has FMA (one rounding), else multiply then add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged
    {
        if (Fma.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
        return a * b + c;
    }

    /// <summary>e^x per lane (the runtime's vectorized exp for float and double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector256.Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException($"exp: no vector form for {typeof(T).Name}");
    }

    /// <summary>y[i] = op(x[i]); x and y may be the same span.</summary>
    public static void Map<TOp, T>(TOp op, ReadOnlySpan<T> x, Span<T> y)
        where TOp : struct, IVectorUnary where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref T xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            ref T yr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                op.Apply(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = op.Apply(x[i]);
    }

    /// <summary>z[i] = op(x[i], y[i]); any of the spans may alias.</summary>
    public static void Map<TOp, T>(TOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
        where TOp : struct, IVectorBinary where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref T xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            ref T yr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
            ref T zr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(z);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                op.Apply(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref zr, (nuint)i);
        }
        for (; i < x.Length; i++) z[i] = op.Apply(x[i], y[i]);
    }

    /// <summary>z[i] = op(x[i], s): the right operand broadcast from one value.</summary>
    public static void MapScalarRight<TOp, T>(TOp op, ReadOnlySpan<T> x, T s, Span<T> z)
        where TOp : struct, IVectorBinary where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var sv = Vector256.Create(s);
            ref T xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            ref T zr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(z);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                op.Apply(Vector256.LoadUnsafe(ref xr, (nuint)i), sv).StoreUnsafe(ref zr, (nuint)i);
        }
        for (; i < x.Length; i++) z[i] = op.Apply(x[i], s);
    }

    /// <summary>z[i] = op(s, y[i]): the left operand broadcast from one value.</summary>
    public static void MapScalarLeft<TOp, T>(TOp op, T s, ReadOnlySpan<T> y, Span<T> z)
        where TOp : struct, IVectorBinary where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var sv = Vector256.Create(s);
            ref T yr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
            ref T zr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(z);
            for (; i <= y.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                op.Apply(sv, Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref zr, (nuint)i);
        }
        for (; i < y.Length; i++) z[i] = op.Apply(s, y[i]);
    }

    /// <summary>Reference: y[i] = op(x[i]) one element at a time.</summary>
    public static void MapReference<TOp, T>(TOp op, ReadOnlySpan<T> x, Span<T> y)
        where TOp : struct, IVectorUnary where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = op.Apply(x[i]);
    }

    /// <summary>Reference: z[i] = op(x[i], y[i]) one element at a time.</summary>
    public static void MapReference<TOp, T>(TOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
        where TOp : struct, IVectorBinary where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) z[i] = op.Apply(x[i], y[i]);
    }
}
