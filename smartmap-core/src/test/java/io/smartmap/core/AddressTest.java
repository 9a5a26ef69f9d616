package io.smartmap.core;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AddressTest
{
    @Test
    void shouldRoundTripRankAndOffsetAndTranslateByReplacingRankBits()
    {
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++)
        {
            final int shift = random.nextInt(17, 31);
            final int rank = random.nextInt(ControlBlockDescriptor.MAX_RANKS);
            final long offset = random.nextLong(1L << shift);
            final long address = Address.encode(rank, offset, shift);
            assertEquals(rank, Address.rank(address, shift));
            assertEquals(offset, Address.offset(address, shift));

            final int other = random.nextInt(ControlBlockDescriptor.MAX_RANKS);
            final long translated = Address.toRank(address, other, shift);
            assertEquals(other, Address.rank(translated, shift));
            assertEquals(offset, Address.offset(translated, shift));
            assertEquals(address ^ ((long)(rank ^ other) << shift), translated, "only the rank bits flip");
        }
    }
}
