package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;

/**
 * Rank program for the many-ranks test (issue 9): one barrier (all started), {@code args[0]} timed
 * barriers, then one allreduce
 * (SUM of {@code args[1]} doubles, the configured algorithm) whose every element is checked against
 * the closed form, then a last barrier. Prints {@code many ranks ok: ...} or {@code WRONG ...} and
 * exits 1 on a wrong element.
 */
public final class ManyRanksRank
{
    private ManyRanksRank()
    {
    }

    public static void main(final String[] args)
    {
        final int barriers = Integer.parseInt(args[0]);
        final int count = Integer.parseInt(args[1]);
        boolean ok = true;
        try (Communicator comm = Communicator.world())
        {
            final int size = comm.getSize();
            final int rank = comm.getRank();
            comm.barrier(); // every rank has started: the timed barriers below do not wait for JVMs to start
            final long start = System.nanoTime();
            for (int i = 0; i < barriers; i++)
            {
                comm.barrier();
            }
            final long barriersNs = System.nanoTime() - start;
            final RegionBuffer send = comm.allocate(count, Datatype.DOUBLE);
            final RegionBuffer recv = comm.allocate(count, Datatype.DOUBLE);
            for (int i = 0; i < count; i++)
            {
                send.putDouble(i, rank + i * 1024.0);
            }
            comm.allReduce(send, recv, count, Datatype.DOUBLE, Op.SUM);
            final double ranks = (double)size * (size - 1) / 2; // exact in a double: every partial sum is an integer below 2^53
            for (int i = 0; i < count; i++)
            {
                final double expected = ranks + (double)size * i * 1024.0;
                if (recv.getDouble(i) != expected)
                {
                    System.out.println("WRONG allreduce element " + i + ": " + recv.getDouble(i) + ", expected " + expected);
                    ok = false;
                    break;
                }
            }
            comm.barrier();
            System.out.printf("many ranks ok=%b: rank=%d size=%d dissemination=%b barriers=%d per_barrier_us=%.1f count=%d%n",
                ok, rank, size, comm.smartMap().usesDisseminationBarrier(), barriers, barriersNs / 1e3 / barriers, count);
        }
        System.exit(ok ? 0 : 1);
    }
}
