package io.smartmap.bench.npb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * NPB IS key generation against NPB's definition computed independently in exact integer
 * arithmetic: {@code x_{k+1} = a * x_k mod 2^46} (a long product wraps modulo 2^64, and 2^46
 * divides 2^64, so the low 46 bits are exact), key {@code i} = {@code floor(MAX_KEY / 4 *
 * (x_{4i+1} + ... + x_{4i+4}) / 2^46)}, and rank r of np starts at {@code s * a^(r * nn / np)}.
 */
class IntegerSortKeysTest
{
    private static final long MASK_46 = (1L << 46) - 1;
    private static final long A = 1220703125L;
    private static final long S = 314159265L;

    @ParameterizedTest
    @EnumSource(IsClass.class)
    void shouldGenerateTheKeysOfNpbsRecurrence(final IsClass problem)
    {
        final int count = 4096;
        final int[] keys = IntegerSort.createKeys(IsClass.SEED, IsClass.MULTIPLIER, count, problem.maxKey());
        final int shift = 46 - (problem.maxKeyLog2 - 2); // times MAX_KEY / 4, divided by 2^46
        long x = S;
        for (int i = 0; i < count; i++)
        {
            long sum = 0;
            for (int draw = 0; draw < 4; draw++)
            {
                x = (A * x) & MASK_46;
                sum += x;
            }
            assertEquals(sum >>> shift, keys[i], "key " + i + ", class " + problem);
        }
    }

    @Test
    void shouldDrawTheFirstKeyOfClassSFromTheFirstFourRandoms()
    {
        // the first four x_k by hand: 314159265 * 5^13 = 383495196533203125, then mod 2^46 ...
        final long x1 = (A * S) & MASK_46;
        assertEquals(383495196533203125L % (1L << 46), x1);
        final long x2 = (A * x1) & MASK_46;
        final long x3 = (A * x2) & MASK_46;
        final long x4 = (A * x3) & MASK_46;
        final int key = (int)((x1 + x2 + x3 + x4) >>> (46 - 9)); // class S: MAX_KEY / 4 = 2^9
        assertEquals(key, IntegerSort.createKeys(IsClass.SEED, IsClass.MULTIPLIER, 1, IsClass.S.maxKey())[0]);
    }

    @ParameterizedTest
    @EnumSource(IsClass.class)
    void shouldStartEachRankWhereThePreviousRanksRandomsEnd(final IsClass problem)
    {
        final long randoms = 4L * problem.totalKeys();
        for (final int ranks : new int[] {1, 2, 4, 8})
        {
            for (int rank = 0; rank < ranks; rank++)
            {
                final BigInteger skip = BigInteger.valueOf(A).modPow(BigInteger.valueOf(rank * (randoms / ranks)),
                    BigInteger.ONE.shiftLeft(46));
                final long expected = skip.multiply(BigInteger.valueOf(S)).longValue() & MASK_46;
                assertEquals((double)expected, IntegerSort.findMySeed(rank, ranks, randoms, IsClass.SEED,
                    IsClass.MULTIPLIER), "rank " + rank + " of " + ranks + ", class " + problem);
            }
        }
    }

    @Test
    void shouldGiveTheSameKeysOnFourRanksAsOnOne()
    {
        final IsClass problem = IsClass.S;
        final int all = problem.totalKeys();
        final int[] one = IntegerSort.createKeys(IsClass.SEED, IsClass.MULTIPLIER, all, problem.maxKey());
        for (int rank = 0; rank < 4; rank++)
        {
            final double seed = IntegerSort.findMySeed(rank, 4, 4L * all, IsClass.SEED, IsClass.MULTIPLIER);
            final int[] part = IntegerSort.createKeys(seed, IsClass.MULTIPLIER, all / 4, problem.maxKey());
            for (int i = 0; i < part.length; i++)
            {
                assertEquals(one[rank * (all / 4) + i], part[i], "rank " + rank + ", key " + i);
            }
        }
    }
}
