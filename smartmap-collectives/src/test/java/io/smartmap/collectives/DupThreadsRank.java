package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Rank program: two {@link Communicator#dup()}s of the world, each driven by a thread of its own
 * at the same time, each thread running {@code args[0]} allreduces (long SUM on one, double MAX on
 * the other; counts from 1 to 600 elements, so the inline, two-copy and single-copy paths all run,
 * and every third call from Java arrays) checked element by element. Prints "dup threads ok" and
 * exits 0 when every result was right; "WRONG ..." and exit 1 otherwise.
 */
public final class DupThreadsRank
{
    private static final int MAX_COUNT = 600;

    private DupThreadsRank()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final int iterations = Integer.parseInt(args[0]);
        try (Communicator world = Communicator.world())
        {
            final Communicator sums = world.dup();
            final Communicator maxima = world.dup();
            final AtomicReference<String> wrong = new AtomicReference<>();
            final Thread first = new Thread(() -> run(sums, iterations, true, wrong), "sums");
            final Thread second = new Thread(() -> run(maxima, iterations, false, wrong), "maxima");
            first.start();
            second.start();
            first.join();
            second.join();
            if (wrong.get() != null)
            {
                System.out.println("WRONG " + wrong.get());
                System.exit(1);
            }
            sums.close();
            maxima.close();
            world.barrier();
            System.out.println("dup threads ok: iterations=" + iterations + " ranks=" + world.getSize());
        }
    }

    private static void run(final Communicator comm, final int iterations, final boolean sum,
        final AtomicReference<String> wrong)
    {
        try
        {
            final Datatype datatype = sum ? Datatype.LONG : Datatype.DOUBLE;
            final Op op = sum ? Op.SUM : Op.MAX;
            final RegionBuffer send = comm.allocate(MAX_COUNT, datatype);
            final RegionBuffer recv = comm.allocate(MAX_COUNT, datatype);
            final long[] sendLongs = new long[MAX_COUNT];
            final long[] recvLongs = new long[MAX_COUNT];
            final double[] sendDoubles = new double[MAX_COUNT];
            final double[] recvDoubles = new double[MAX_COUNT];
            final int rank = comm.getRank();
            final int size = comm.getSize();
            for (int i = 0; i < iterations && wrong.get() == null; i++)
            {
                final int count = 1 + (i * 37) % MAX_COUNT;
                final boolean arrays = i % 3 == 0;
                for (int k = 0; k < count; k++)
                {
                    if (sum)
                    {
                        final long value = (long)(rank + 1) * i + k;
                        send.putLong(k, value);
                        sendLongs[k] = value;
                    }
                    else
                    {
                        final double value = ((rank * 7 + k + i) % size) + 0.5 * rank;
                        send.putDouble(k, value);
                        sendDoubles[k] = value;
                    }
                }
                final Object sendArg = arrays ? (sum ? sendLongs : sendDoubles) : send;
                final Object recvArg = arrays ? (sum ? recvLongs : recvDoubles) : recv;
                comm.allReduce(sendArg, recvArg, count, datatype, op);
                for (int k = 0; k < count; k++)
                {
                    if (sum)
                    {
                        final long expected = (long)size * (size + 1) / 2 * i + (long)size * k;
                        final long actual = arrays ? recvLongs[k] : recv.getLong(k);
                        if (actual != expected)
                        {
                            wrong.compareAndSet(null, "sum iteration " + i + " element " + k + ": " + actual + " != " + expected);
                            return;
                        }
                    }
                    else
                    {
                        double expected = Double.NEGATIVE_INFINITY;
                        for (int r = 0; r < size; r++)
                        {
                            expected = Math.max(expected, ((r * 7 + k + i) % size) + 0.5 * r);
                        }
                        final double actual = arrays ? recvDoubles[k] : recv.getDouble(k);
                        if (actual != expected)
                        {
                            wrong.compareAndSet(null, "max iteration " + i + " element " + k + ": " + actual + " != " + expected);
                            return;
                        }
                    }
                }
            }
            comm.free(recv);
            comm.free(send);
        }
        catch (final RuntimeException ex)
        {
            wrong.compareAndSet(null, Thread.currentThread().getName() + ": " + ex);
        }
    }
}
