package io.smartmap.core;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Rank program: {@code args[0]} barriers, each preceded by an atomic increment of a counter in the
 * first bytes of rank 0's arena (nobody allocates there). After barrier {@code i} every rank has
 * made its {@code i + 1} increments and none has made more than {@code i + 2}: the counter lies in
 * {@code [size * (i + 1), size * (i + 2) - 1]}. Prints {@code barrier check: ... wrong=N}.
 */
public final class BarrierCheckRank
{
    private BarrierCheckRank()
    {
    }

    public static void main(final String[] args)
    {
        final int count = Integer.parseInt(args[0]);
        try (SmartMap smartMap = SmartMap.join())
        {
            final int size = smartMap.size();
            final Segment segment = smartMap.segment();
            final long address = Address.encode(
                0, RegionDescriptor.arenaOffset(size, segment.strideBytes()), segment.strideShift());
            final UnsafeBuffer counter = smartMap.view(address, Long.BYTES);
            smartMap.barrier();
            long wrong = 0;
            final long start = System.nanoTime();
            for (int i = 0; i < count; i++)
            {
                counter.getAndAddLong(0, 1);
                smartMap.barrier();
                final long value = counter.getLongVolatile(0);
                if (value < (long)size * (i + 1) || value > (long)size * (i + 2) - 1)
                {
                    wrong++;
                    System.out.println("WRONG after barrier " + i + ": counter=" + value);
                }
            }
            final long elapsedNs = System.nanoTime() - start;
            System.out.printf("barrier check: rank=%d ranks=%d dissemination=%b barriers=%d wrong=%d per_barrier_us=%.2f%n",
                smartMap.rank(), size, smartMap.usesDisseminationBarrier(), count, wrong, elapsedNs / 1e3 / count);
        }
    }
}
