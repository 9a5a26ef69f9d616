package io.smartmap.core;

import org.junit.jupiter.api.Test;

import static io.smartmap.core.RegionDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

class RegionDescriptorTest
{
    @Test
    void shouldKeepFullSizeFragmentsWhereTheyFit()
    {
        assertEquals(FRAGMENT_BYTES, fragmentBytes(2, 64L << 20));
        assertEquals(FRAGMENT_BYTES, fragmentBytes(4, 1L << 20));
        assertEquals(FRAGMENT_BYTES, fragmentBytes(64, 16L << 20));
        assertEquals(1024, fragmentBytes(128, 1L << 20));
        assertEquals(128, fragmentBytes(1024, 1L << 20));
        assertEquals(8 * 1024, fragmentBytes(1024, 64L << 20));
    }

    /** Every rank count against every power-of-two stride from its minimum up: the layout fits, and is the largest that does. */
    @Test
    void shouldChooseTheLargestFragmentThatLeavesTheMinimumArena()
    {
        for (int ranks = 1; ranks <= ControlBlockDescriptor.MAX_RANKS; ranks++)
        {
            for (long stride = Segment.strideFor(minRegionBytes(ranks)); stride <= MAX_STRIDE_BYTES; stride <<= 1)
            {
                final int fragment = fragmentBytes(ranks, stride);
                final String at = "ranks=" + ranks + ", stride=" + stride;
                assertEquals(1, Integer.bitCount(fragment), at);
                assertTrue(fragment >= MIN_FRAGMENT_BYTES && fragment <= FRAGMENT_BYTES, at);
                final int arena = arenaOffset(ranks, stride);
                assertEquals(0, arena % PAGE_BYTES, at);
                assertTrue(arena >= fragmentOffset(ranks - 1, RING_SLOTS - 1, fragment) + fragment, at);
                assertTrue(arena + (long)MIN_ARENA_BYTES <= stride, at);
                if (fragment < FRAGMENT_BYTES)
                {
                    final long doubled = FRAGMENT_AREA_OFFSET + (long)ranks * RING_SLOTS * 2 * fragment + MIN_ARENA_BYTES;
                    assertTrue(doubled > stride, "a larger fragment would have fit: " + at);
                }
            }
        }
    }

    @Test
    void shouldPlaceSlotsOfOneRingAfterEachOther()
    {
        assertEquals(FRAGMENT_AREA_OFFSET, fragmentOffset(0, 0, 128));
        assertEquals(FRAGMENT_AREA_OFFSET + 128, fragmentOffset(0, 1, 128));
        assertEquals(FRAGMENT_AREA_OFFSET + RING_SLOTS * 128, fragmentOffset(1, 0, 128));
        assertEquals(FRAGMENT_AREA_OFFSET + (1023 * RING_SLOTS + 3) * FRAGMENT_BYTES, fragmentOffset(1023, 3, FRAGMENT_BYTES));
    }

    @Test
    void shouldSizeRegionsForFullFragmentsAndAnArena()
    {
        final long region = regionBytesFor(8, 1L << 20);
        assertEquals(FRAGMENT_AREA_OFFSET + 8L * RING_SLOTS * FRAGMENT_BYTES + (1L << 20), region);
        assertEquals(FRAGMENT_BYTES, fragmentBytes(8, Segment.strideFor(region)));
        assertEquals(FRAGMENT_AREA_OFFSET + 2L * RING_SLOTS * FRAGMENT_BYTES + MIN_ARENA_BYTES, regionBytesFor(2, 0));
    }

    @Test
    void shouldRejectStridesBelowTheMinimumAndBadRankCounts()
    {
        final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> fragmentBytes(1024, 256 * 1024));
        assertEquals("region too small for the two-copy rings: stride=262144 bytes, min=360448 bytes for size=1024",
            small.getMessage());
        final IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> minRegionBytes(0));
        assertTrue(zero.getMessage().startsWith("rank count out of range: size=0"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fragmentBytes(1025, 1L << 30));
        assertThrows(IllegalArgumentException.class, () -> regionBytesFor(2, -1));
    }
}
