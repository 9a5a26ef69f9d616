package io.smartmap.core;

/** Rank program: {@code args[0]} back-to-back barriers; rank 0 prints the elapsed time. */
public final class BarrierRank
{
    private BarrierRank()
    {
    }

    public static void main(final String[] args)
    {
        final int count = Integer.parseInt(args[0]);
        try (SmartMap smartMap = SmartMap.join())
        {
            smartMap.barrier();
            final long start = System.nanoTime();
            for (int i = 0; i < count; i++)
            {
                smartMap.barrier();
            }
            final long elapsedNs = System.nanoTime() - start;
            if (smartMap.rank() == 0)
            {
                System.out.printf("barriers=%d ranks=%d elapsed_ms=%.1f per_barrier_us=%.2f%n",
                    count, smartMap.size(), elapsedNs / 1e6, elapsedNs / 1e3 / count);
            }
        }
    }
}
