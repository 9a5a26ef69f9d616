package io.smartmap.core;

import org.agrona.concurrent.UnsafeBuffer;

/** Rank program: write a pattern into its own region, then verify every peer's in place. Exit 1 on a mismatch. */
public final class PatternRank
{
    static final int BYTES = 1 << 20;

    private PatternRank()
    {
    }

    static long pattern(final int rank, final int index)
    {
        return (rank + 1) * 0x9E3779B97F4A7C15L ^ index;
    }

    public static void main(final String[] args)
    {
        try (SmartMap smartMap = SmartMap.join())
        {
            final RegionBuffer mine = smartMap.allocate(BYTES);
            for (int i = 0; i < BYTES / Long.BYTES; i++)
            {
                mine.putLong(i, pattern(smartMap.rank(), i));
            }
            smartMap.barrier();
            int bad = 0;
            for (int peer = 0; peer < smartMap.size(); peer++)
            {
                final long address = Address.toRank(mine.address(), peer, smartMap.segment().strideShift());
                final UnsafeBuffer theirs = smartMap.view(address, BYTES);
                for (int i = 0; i < BYTES / Long.BYTES; i++)
                {
                    if (theirs.getLong(i * Long.BYTES) != pattern(peer, i))
                    {
                        bad++;
                    }
                }
            }
            smartMap.barrier();
            System.out.println("verified " + smartMap.size() + " regions, mismatches=" + bad);
            System.exit(bad == 0 ? 0 : 1);
        }
    }
}
