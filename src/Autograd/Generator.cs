namespace MiniNet;

/// <summary>The complete state of a <see cref="Generator"/>: enough to resume its stream bit for bit.</summary>
public readonly record struct GeneratorState(ulong S0, ulong S1, ulong S2, ulong S3, bool HasSpareNormal, double SpareNormal);

/// <summary>
/// A seedable random generator (xoshiro256**) whose whole state can be saved and restored, which
/// <see cref="System.Random"/>'s cannot; checkpoints need that for bit-exact resume. PyTorch: <c>torch.Generator</c>.
/// Not thread-safe: give each thread its own.
/// </summary>
public sealed class Generator
{
    ulong _s0, _s1, _s2, _s3;
    bool _hasSpare;
    double _spare;

    /// <summary>Seeds the four state words with SplitMix64, as the xoshiro authors recommend.</summary>
    public Generator(ulong seed = 0) => ManualSeed(seed);

    /// <summary>Restarts the stream from <paramref name="seed"/>. PyTorch: <c>manual_seed</c>.</summary>
    public void ManualSeed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
        _hasSpare = false;
        _spare = 0;
    }

    /// <summary>The generator's full state. PyTorch: <c>get_state</c>.</summary>
    public GeneratorState State
    {
        get => new(_s0, _s1, _s2, _s3, _hasSpare, _spare);
        set
        {
            if ((value.S0 | value.S1 | value.S2 | value.S3) == 0) throw new ArgumentException("generator: an all-zero xoshiro state never leaves zero");
            (_s0, _s1, _s2, _s3, _hasSpare, _spare) = (value.S0, value.S1, value.S2, value.S3, value.HasSpareNormal, value.SpareNormal);
        }
    }

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), "generator: bound must be positive");
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            UInt128 m = (UInt128)NextUInt64() * bound;
            if ((ulong)m >= threshold) return (int)(ulong)(m >> 64);
        }
    }

    /// <summary>Standard normal by the Box-Muller transform; the second value of each pair is kept in the state.</summary>
    public double NextNormal()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u1 = 1.0 - NextDouble(); // in (0, 1], so log is finite
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher-Yates shuffle of <paramref name="items"/> in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>The generator factories use when none is passed; seed it with <see cref="ManualSeed"/> on it.</summary>
    public static Generator Default { get; } = new(0);
}
