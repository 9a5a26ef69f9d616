package io.smartmap.collectives;

import io.smartmap.core.PeerFailureException;
import io.smartmap.core.RegionBuffer;

/**
 * Rank program for the dead-peer test: one allreduce, then rank {@code args[0]} stops (to be
 * killed) while the others enter a second allreduce with algorithm {@code args[1]}, which must
 * fail with a peer failure. Survivors print it and exit 3.
 */
public final class CollectiveVictimRank
{
    private CollectiveVictimRank()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final int victim = Integer.parseInt(args[0]);
        final Algorithm algorithm = Algorithm.valueOf(args[1]);
        try (Communicator comm = Communicator.world())
        {
            final int count = algorithm == Algorithm.INLINE ? 100 : 100_000; // INLINE: what fits a slot
            final RegionBuffer send = comm.allocate(count, Datatype.DOUBLE);
            final RegionBuffer recv = comm.allocate(count, Datatype.DOUBLE);
            comm.allReduce(send, recv, count, Datatype.DOUBLE, Op.SUM, algorithm);
            System.out.println("ready");
            if (comm.getRank() == victim)
            {
                Thread.sleep(60_000);
                return;
            }
            try
            {
                comm.allReduce(send, recv, count, Datatype.DOUBLE, Op.SUM, algorithm);
            }
            catch (final PeerFailureException ex)
            {
                System.out.println("failed: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
                System.exit(3);
            }
            System.exit(0);
        }
    }
}
