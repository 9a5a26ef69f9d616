package io.smartmap.bench.npb;

/**
 * NPB's portable linear congruential generator {@code randlc} (NAS technical report NAS-95-020,
 * "The NAS Parallel Benchmarks 2.0", appendix): {@code x_{k+1} = a * x_k mod 2^46}, returning
 * {@code x_{k+1} / 2^46}, computed exactly in double precision by splitting the operands into
 * 23-bit halves. The same seed gives the same sequence on every machine, which is what makes
 * NPB's verification values reproducible.
 */
final class NpbRandom
{
    private static final double R23 = 0x1.0p-23;
    private static final double R46 = R23 * R23;
    private static final double T23 = 0x1.0p23;
    private static final double T46 = T23 * T23;

    private double seed;

    NpbRandom(final double seed)
    {
        this.seed = seed;
    }

    /** @return the current seed (an integer below 2^46 held in a double). */
    double seed()
    {
        return seed;
    }

    /**
     * NPB's {@code ipow46}: {@code a^exponent mod 2^46} by repeated squaring with the generator's
     * exact arithmetic, used to jump a stream ahead by {@code exponent} draws.
     */
    static double power(final double a, final long exponent)
    {
        if (exponent == 0)
        {
            return 1.0;
        }
        final NpbRandom q = new NpbRandom(a);
        final NpbRandom r = new NpbRandom(1.0);
        long n = exponent;
        while (n > 1)
        {
            if (n % 2 == 0)
            {
                q.next(q.seed); // q = q * q
                n /= 2;
            }
            else
            {
                r.next(q.seed); // r = r * q
                n--;
            }
        }
        r.next(q.seed);
        return r.seed;
    }

    /**
     * Advance the seed by one multiplication with {@code a}.
     *
     * @param a the multiplier, below 2^46.
     * @return the new seed divided by 2^46, in (0, 1).
     */
    double next(final double a)
    {
        double t1 = R23 * a;
        final double a1 = (int)t1;
        final double a2 = a - T23 * a1;

        t1 = R23 * seed;
        final double x1 = (int)t1;
        final double x2 = seed - T23 * x1;
        t1 = a1 * x2 + a2 * x1;
        final double t2 = (int)(R23 * t1);
        final double z = t1 - T23 * t2;
        final double t3 = T23 * z + a2 * x2;
        final double t4 = (int)(R46 * t3);
        seed = t3 - T46 * t4;
        return R46 * seed;
    }
}
