package io.smartmap.bench.faults;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;
import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.PeerFailureException;
import io.smartmap.core.RegionBuffer;
import io.smartmap.core.SmartMap;
import io.smartmap.core.SmartMapOptions;

import java.io.PrintStream;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One rank of a fault-injection trial ({@link FaultRunner}), started by the launcher or directly with
 * the launcher's environment. Prints {@code pid <pid>} and {@code job <jobId>}, waits until every rank
 * has joined (outside the collectives' deadline: 64 JVMs on 2 cores take seconds to start), runs one
 * {@code barrier()} and prints {@code ready}, then runs an endless stream of random collectives
 * (barrier, bcast, reduce, allReduce, allToAll, allGather on {@link RegionBuffer}s, random counts of
 * 1..{@value #MAX_COUNT} doubles, random roots, ops and algorithms) and checks every result. The stream
 * comes from a {@link SplittableRandom} seeded with the same argument on every rank, so all ranks call
 * the same collectives in the same order.
 * <p>
 * On a {@link PeerFailureException} it prints {@code detected <System.nanoTime()> <SimpleName> <message>}
 * and exits {@value #EXIT_DETECTED}; on any other error {@code error <Class>: <message>} and
 * {@value #EXIT_ERROR}. It never ends on its own otherwise: the runner kills it at the end of the trial,
 * and a watchdog ends it ({@value #EXIT_WATCHDOG}) when the runner is gone or the lifetime is over.
 * <p>
 * Arguments: {@code STREAM_SEED LIFETIME_MS RUNNER_PID}.
 */
public final class FaultRank
{
    /** Exit code after a peer failure was detected and printed. */
    public static final int EXIT_DETECTED = 3;
    /** Exit code after any other error (printed as {@code error ...}). */
    public static final int EXIT_ERROR = 4;
    /** Exit code when the watchdog ended the rank (runner gone or lifetime over). */
    public static final int EXIT_WATCHDOG = 5;
    /** Most elements per rank block of one collective. */
    public static final int MAX_COUNT = 256;
    /** How long a rank waits for all ranks to join before its first barrier. */
    static final long JOIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long WATCHDOG_INTERVAL_MS = 250;

    private static final Algorithm[] MOVE_ALGORITHMS = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY};
    private static final Algorithm[] REDUCE_ALGORITHMS = {
        Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.SMARTMAP_SERIAL, Algorithm.SMARTMAP_THREADED, Algorithm.TWO_COPY};
    private static final Op[] OPS = {Op.SUM, Op.MIN, Op.MAX};

    private final Communicator comm;
    private final SplittableRandom random;
    private final RegionBuffer send;
    private final RegionBuffer recv;
    private final int rank;
    private final int size;
    private long step;

    private FaultRank(final Communicator comm, final long streamSeed)
    {
        this.comm = comm;
        this.random = new SplittableRandom(streamSeed);
        this.rank = comm.getRank();
        this.size = comm.getSize();
        this.send = comm.allocate(MAX_COUNT * size, Datatype.DOUBLE);
        this.recv = comm.allocate(MAX_COUNT * size, Datatype.DOUBLE);
    }

    public static void main(final String[] args)
    {
        final PrintStream out = System.out;
        final long streamSeed = Long.parseLong(args[0]);
        final long lifetimeMs = Long.parseLong(args[1]);
        final long runnerPid = Long.parseLong(args[2]);
        final SmartMapOptions options = SmartMapOptions.fromEnvironment();
        out.println("pid " + ProcessHandle.current().pid());
        out.println("job " + (options == null ? "" : options.jobId()));
        out.flush();
        startWatchdog(lifetimeMs, runnerPid);

        final Communicator comm;
        try
        {
            comm = Communicator.world();
            awaitJoined(comm.smartMap());
            comm.barrier();
            out.println("ready");
            out.flush();
            new FaultRank(comm, streamSeed).runForever();
        }
        catch (final PeerFailureException ex)
        {
            final long detectedNs = System.nanoTime();
            out.println("detected " + detectedNs + " " + ex.getClass().getSimpleName() + " " + oneLine(ex.getMessage()));
            out.flush();
            System.exit(EXIT_DETECTED);
        }
        catch (final RuntimeException | Error ex)
        {
            out.println("error " + ex.getClass().getName() + ": " + oneLine(ex.getMessage()));
            out.flush();
            System.exit(EXIT_ERROR);
        }
    }

    /** Wait (sleeping, without a collective deadline) until every rank's control block says it joined. */
    private static void awaitJoined(final SmartMap smartMap)
    {
        final long deadline = System.nanoTime() + JOIN_TIMEOUT_NS;
        for (int r = 0; r < smartMap.size(); r++)
        {
            while (smartMap.controlBlock(r).stateAcquire() == ControlBlockDescriptor.STATE_NOT_JOINED)
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    throw new IllegalStateException("ranks did not join in time: waitingFor=rank " + r +
                        ", timeoutMs=" + TimeUnit.NANOSECONDS.toMillis(JOIN_TIMEOUT_NS));
                }
                sleepMs(5);
            }
        }
    }

    /** A daemon thread that ends this rank when the runner is gone or {@code lifetimeMs} has passed. */
    private static void startWatchdog(final long lifetimeMs, final long runnerPid)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lifetimeMs);
        final ProcessHandle runner = ProcessHandle.of(runnerPid).orElse(null);
        final Thread watchdog = new Thread(() ->
        {
            while (true)
            {
                sleepMs(WATCHDOG_INTERVAL_MS);
                final boolean runnerGone = runner == null || !runner.isAlive();
                if (runnerGone || System.nanoTime() - deadline >= 0)
                {
                    System.out.println("error watchdog: " + (runnerGone ? "runner pid " + runnerPid + " is gone" :
                        "lifetime over: lifetimeMs=" + lifetimeMs));
                    System.out.flush();
                    Runtime.getRuntime().halt(EXIT_WATCHDOG);
                }
            }
        }, "fault-rank-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void runForever()
    {
        while (true)
        {
            runOne();
            step++;
        }
    }

    /** Draw one collective (the same draws on every rank), run it and check its result. */
    private void runOne()
    {
        final int kind = random.nextInt(6);
        final int count = 1 + random.nextInt(MAX_COUNT);
        final int root = random.nextInt(size);
        final Op op = OPS[random.nextInt(OPS.length)];
        final Algorithm move = MOVE_ALGORITHMS[random.nextInt(MOVE_ALGORITHMS.length)];
        final Algorithm reduce = REDUCE_ALGORITHMS[random.nextInt(REDUCE_ALGORITHMS.length)];
        switch (kind)
        {
            case 0:
                comm.barrier();
                break;

            case 1:
                fill(recv, count, rank == root ? root : -1, 0);
                comm.bcast(recv, count, Datatype.DOUBLE, root, move);
                checkBlock("bcast", recv, 0, count, root, 0);
                break;

            case 2:
                fill(send, count, rank, 0);
                comm.reduce(send, recv, count, Datatype.DOUBLE, op, root, reduce);
                if (rank == root)
                {
                    checkReduced("reduce", op, count);
                }
                break;

            case 3:
                fill(send, count, rank, 0);
                comm.allReduce(send, recv, count, Datatype.DOUBLE, op, reduce);
                checkReduced("allReduce", op, count);
                break;

            case 4:
                fill(send, count * size, rank, 0);
                comm.allToAll(send, recv, count, Datatype.DOUBLE, move);
                for (int j = 0; j < size; j++)
                {
                    // block j came from rank j's block `rank`
                    checkBlock("allToAll", recv, j * count, count, j, rank * count);
                }
                break;

            default:
                fill(send, count, rank, 0);
                comm.allGather(send, recv, count, Datatype.DOUBLE, move);
                for (int j = 0; j < size; j++)
                {
                    checkBlock("allGather", recv, j * count, count, j, 0);
                }
                break;
        }
    }

    /**
     * The value element {@code index} of rank {@code source}'s send data holds at this step: exact in a
     * double, and every sum over 64 ranks is exact too.
     */
    private double value(final int source, final int index)
    {
        return source * 1_000_000.0 + index + (step & 1023) * 0.25;
    }

    /** Fill {@code count} elements with {@code value(source, first + i)}, or with NaN where {@code source < 0}. */
    private void fill(final RegionBuffer buffer, final int count, final int source, final int first)
    {
        for (int i = 0; i < count; i++)
        {
            buffer.putDouble(i, source < 0 ? Double.NaN : value(source, first + i));
        }
    }

    private void checkBlock(final String what, final RegionBuffer buffer, final int at, final int count,
        final int source, final int first)
    {
        for (int i = 0; i < count; i++)
        {
            check(what, buffer.getDouble(at + i), value(source, first + i), at + i);
        }
    }

    private void checkReduced(final String what, final Op op, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final double expected;
            if (op == Op.MIN)
            {
                expected = value(0, i);
            }
            else if (op == Op.MAX)
            {
                expected = value(size - 1, i);
            }
            else
            {
                double sum = 0;
                for (int r = 0; r < size; r++)
                {
                    sum += value(r, i);
                }
                expected = sum;
            }
            check(what, recv.getDouble(i), expected, i);
        }
    }

    private void check(final String what, final double actual, final double expected, final int index)
    {
        if (Double.compare(actual, expected) != 0)
        {
            throw new IllegalStateException("wrong result: collective=" + what + ", step=" + step + ", index=" +
                index + ", expected=" + expected + ", actual=" + actual + ", rank=" + rank);
        }
    }

    private static String oneLine(final String message)
    {
        return message == null ? "" : message.replace('\n', ' ').replace('\r', ' ');
    }

    private static void sleepMs(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
