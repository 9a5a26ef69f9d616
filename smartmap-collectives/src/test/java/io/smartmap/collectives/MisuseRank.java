package io.smartmap.collectives;

import io.smartmap.core.PeerFailureException;
import io.smartmap.core.RegionBuffer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A rank program that does what a program should not (issue 16), one case per argument, and
 * prints what happened: {@code refused ...} / {@code ok ...} lines, {@code WRONG ...} on a wrong result.
 */
final class MisuseRank
{
    private MisuseRank()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        switch (args[0])
        {
            case "threads":
                threads();
                break;
            case "closed":
                closed();
                break;
            case "reduce":
                reduce(Integer.parseInt(args[1]));
                break;
            case "failure":
                failure();
                break;
            default:
                throw new IllegalArgumentException("unknown case: " + args[0]);
        }
    }

    /** Rank 0: a second thread calls a collective while the first is blocked in one. */
    private static void threads() throws Exception
    {
        try (Communicator comm = Communicator.world())
        {
            if (comm.getRank() == 0)
            {
                final CompletableFuture<Void> first = CompletableFuture.runAsync(comm::barrier); // blocks: rank 1 is late
                Thread.sleep(200);
                try
                {
                    comm.allReduce(new double[] {1}, new double[1], 1, Datatype.DOUBLE, Op.SUM);
                    System.out.println("WRONG: a second thread entered a collective");
                }
                catch (final IllegalStateException ex)
                {
                    System.out.println("refused: " + ex.getMessage());
                }
                first.get(20, TimeUnit.SECONDS);
            }
            else
            {
                Thread.sleep(1000);
                comm.barrier();
            }
            reduceAndCheck(comm, 1024);
        }
    }

    /** Every call after close is refused; a buffer allocated before stays readable. */
    private static void closed()
    {
        final Communicator comm = Communicator.world();
        final RegionBuffer buffer = comm.allocate(16, Datatype.DOUBLE);
        buffer.putDouble(0, 42.0 + comm.getRank());
        comm.barrier();
        comm.close();
        comm.close(); // idempotent
        for (final Runnable call : new Runnable[] {
            comm::barrier,
            () -> comm.allReduce(buffer, comm.smartMap().allocate(128), 16, Datatype.DOUBLE, Op.SUM),
            () -> comm.allocate(16, Datatype.DOUBLE),
            () -> comm.smartMap().barrier()})
        {
            try
            {
                call.run();
                System.out.println("WRONG: a call after close went through");
            }
            catch (final IllegalStateException ex)
            {
                System.out.println("refused: " + ex.getMessage());
            }
        }
        System.out.println("ok read after close: " + buffer.getDouble(0));
    }

    /** AUTO reduce of {@code bytes}: whatever each rank's affinity, every rank must choose the same. */
    private static void reduce(final int bytes)
    {
        try (Communicator comm = Communicator.world())
        {
            System.out.println("cores seen by this rank: " + Runtime.getRuntime().availableProcessors());
            reduceAndCheck(comm, bytes / 8);
        }
    }

    /** Rank 1 cannot stage its buffer (the arena is too small): rank 0 must learn at once, and both stay failed. */
    private static void failure()
    {
        try (Communicator comm = Communicator.world())
        {
            final int count = comm.getRank() == 1 ? 4 << 20 : 1024; // 32 MiB of doubles: more than a 16 MiB region
            final long start = System.nanoTime();
            try
            {
                if (comm.getRank() == 1)
                {
                    comm.allReduce(new double[count], new double[count], count, Datatype.DOUBLE, Op.SUM);
                }
                else
                {
                    comm.allReduce(comm.allocate(count, Datatype.DOUBLE), comm.allocate(count, Datatype.DOUBLE), count,
                        Datatype.DOUBLE, Op.SUM);
                }
                System.out.println("WRONG: the failed collective returned");
            }
            catch (final RuntimeException ex)
            {
                System.out.println("failed after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms: " +
                    ex.getClass().getSimpleName() + ": " + ex.getMessage());
            }
            try
            {
                comm.barrier();
                System.out.println("WRONG: the communicator still works after a failure");
            }
            catch (final IllegalStateException ex)
            {
                System.out.println("refused: " + ex.getMessage() + " cause=" + ex.getCause());
            }
        }
    }

    private static void reduceAndCheck(final Communicator comm, final int count)
    {
        final double[] send = new double[count];
        final double[] recv = new double[count];
        for (int i = 0; i < count; i++)
        {
            send[i] = comm.getRank() + i;
        }
        comm.reduce(send, recv, count, Datatype.DOUBLE, Op.SUM, 0);
        if (comm.getRank() == 0)
        {
            final int size = comm.getSize();
            for (int i = 0; i < count; i++)
            {
                final double expected = (double)size * i + size * (size - 1) / 2.0;
                if (recv[i] != expected)
                {
                    System.out.println("WRONG: recv[" + i + "]=" + recv[i] + ", expected " + expected);
                    return;
                }
            }
        }
        System.out.println("ok reduce " + count + " doubles");
    }
}
