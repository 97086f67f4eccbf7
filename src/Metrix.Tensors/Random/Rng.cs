using System.Numerics;

namespace Metrix.Tensors;

/// <summary>
/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64) with the draws training
/// needs: uniform, normal, Gamma, Beta(α, β), permutations and choices. The full state can be saved and
/// restored, so a resumed run continues the same sequence.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    /// <summary>A generator whose sequence is fixed by <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>An independent generator derived from this one's next draw (for threads or sub-tasks).</summary>
    public Rng Fork() => new(NextUInt64());

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, <paramref name="n"/>) without modulo bias.</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            ulong hi = Math.BigMul(r, bound, out ulong lo);
            if (lo >= threshold) return (int)hi;
        }
    }

    /// <summary>Uniform integer in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public int NextInt(int low, int high) => low + NextInt(high - low);

    /// <summary>Standard normal draw (Box–Muller, both values used).</summary>
    public double Normal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Normal draw with the given mean and standard deviation.</summary>
    public double Normal(double mean, double std) => mean + std * Normal();

    /// <summary>Gamma(<paramref name="shape"/>, 1) draw (Marsaglia–Tsang; boosted for shape &lt; 1).</summary>
    public double Gamma(double shape)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(shape, 0);
        if (shape < 1)
        {
            double u;
            do u = NextDouble(); while (u <= double.Epsilon);
            return Gamma(shape + 1) * Math.Pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    /// <summary>Beta(<paramref name="a"/>, <paramref name="b"/>) draw, as X/(X+Y) of two Gamma draws.</summary>
    public double Beta(double a, double b)
    {
        double x = Gamma(a), y = Gamma(b);
        return x / (x + y);
    }

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle(p);
        return p;
    }

    /// <summary>Shuffles <paramref name="items"/> in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// <paramref name="k"/> indices from [0, <paramref name="n"/>): with replacement they are independent
    /// uniform draws; without, distinct (the first k of a random permutation).
    /// </summary>
    public int[] Choice(int n, int k, bool replace)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (replace)
        {
            if (n < 1 && k > 0) throw new ArgumentException("cannot choose from an empty range");
            var r = new int[k];
            for (int i = 0; i < k; i++) r[i] = NextInt(n);
            return r;
        }
        if (k > n) throw new ArgumentException($"cannot choose {k} distinct items from {n}");
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = 0; i < k; i++)
        {
            int j = i + NextInt(n - i);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p[..k];
    }

    /// <summary>Fills <paramref name="destination"/> with uniform values in [low, high).</summary>
    public void FillUniform(Span<float> destination, double low, double high)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = (float)Uniform(low, high);
    }

    /// <summary>Fills <paramref name="destination"/> with normal values.</summary>
    public void FillNormal(Span<float> destination, double mean, double std)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = (float)Normal(mean, std);
    }

    /// <summary>Tensor of uniform values in [low, high).</summary>
    public Tensor Uniform(ReadOnlySpan<int> shape, double low = 0, double high = 1)
    {
        var t = Tensor.Empty(shape);
        FillUniform(t.Span, low, high);
        return t;
    }

    /// <summary>Tensor of normal values.</summary>
    public Tensor Normal(ReadOnlySpan<int> shape, double mean = 0, double std = 1)
    {
        var t = Tensor.Empty(shape);
        FillNormal(t.Span, mean, std);
        return t;
    }

    /// <summary>The complete state, for checkpoints.</summary>
    public RngState GetState() => new(_s0, _s1, _s2, _s3, _spare, _hasSpare);

    /// <summary>Restores a state taken with <see cref="GetState"/>.</summary>
    public void SetState(RngState state)
    {
        (_s0, _s1, _s2, _s3, _spare, _hasSpare) = (state.S0, state.S1, state.S2, state.S3, state.Spare, state.HasSpare);
        if ((_s0 | _s1 | _s2 | _s3) == 0) throw new ArgumentException("an all-zero xoshiro state is invalid");
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
