package io.smartmap.bench;

import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.core.RegionBuffer;
import io.smartmap.core.Waiter;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The cache-line round trip between rank 0 and each peer, in microseconds: the time for one
 * 64-byte line to travel from rank 0's core to the peer's and back, the floor under every
 * small-message collective (a collective of two ranks moves at least one line each way). Measured
 * in the rank processes, before the collectives, by ping-pong on one line in rank 0's region:
 * rank 0 stores an odd counter value (release), the peer waits for it (acquire) and stores the
 * next even value (release), rank 0 waits for that (acquire). The counter only grows, over every
 * peer in turn, so no value is ever reused.
 * <p>
 * Peers take their turn in rank order; the other ranks wait in a barrier meanwhile. A turn is
 * {@link #WARMUP_BATCHES} untimed batches (C2 compiles the loops), then {@link #BATCHES} timed
 * batches of {@link #ROUND_TRIPS_PER_BATCH} round trips each; the result is the median of the
 * batch means, so a batch the scheduler interrupted does not count. Waiting spins
 * ({@link Thread#onSpinWait()}) where every rank has a core and yields where ranks outnumber
 * cores, so a waiting rank hands its core to the rank it waits for; as the library's waits do
 * ({@link Waiter}), it spins {@link Waiter#DEDICATED_SPINS} or {@link Waiter#OVERSUBSCRIBED_SPINS}
 * times before it yields, so a peer descheduled on a busy machine costs a yield, not a time
 * slice of spinning. Every wait is bounded by the job's timeout and fails fast when the peer dies.
 * <p>
 * Rank 0 hands the result to the runner in a file, one {@code peer,microseconds} line per peer,
 * which the runner awaits while the ranks go on to the collectives ({@link #await}).
 * <p>
 * Threading: {@link #measure} is called by every rank of the communicator, from the thread that
 * runs its collectives.
 */
final class RoundTrip
{
    /** Timed batches per peer; odd, so the median is one batch's mean. */
    static final int BATCHES = 25;
    /** Untimed batches per peer before the timed ones. */
    static final int WARMUP_BATCHES = 25;
    /** Round trips per batch. */
    static final int ROUND_TRIPS_PER_BATCH = 400;
    /** The line rank 0 and the peer bounce: one cache line, 64-byte aligned by the arena. */
    private static final int LINE_BYTES = 64;
    /** Offset of the counter in the line. */
    private static final int COUNTER_OFFSET = 0;
    /** Waits between two looks at the clock and at the peer's liveness. */
    private static final int CHECK_INTERVAL_MASK = 4096 - 1;
    /** How often the runner looks for the file while the ranks start. */
    private static final long POLL_MS = 10;

    /** Batches of one in-run measurement ({@link #again()}): about 0.3 ms on 2 dedicated cores. */
    static final int IN_RUN_BATCHES = 5;
    static final int IN_RUN_WARMUP_BATCHES = 2;

    private final Communicator comm;
    private final UnsafeBuffer line;
    /** The counter value the next in-run measurement starts from (ranks 0 and 1 keep it alike). */
    private long nextCounter;
    /** This rank's line of {@link #open}, freed by {@link #close()}. */
    private RegionBuffer own;
    /** Spins of one wait before it yields: many where every rank has a core, few where ranks outnumber cores. */
    private final long spinsBeforeYield;
    private final long timeoutNs;

    private RoundTrip(final Communicator comm, final UnsafeBuffer line)
    {
        this.comm = comm;
        this.line = line;
        this.spinsBeforeYield = comm.getSize() > comm.smartMap().segment().cores() ?
            Waiter.OVERSUBSCRIBED_SPINS : Waiter.DEDICATED_SPINS;
        this.timeoutNs = comm.smartMap().waiter().timeoutNs();
    }

    /**
     * Measure the round trip between rank 0 and every peer; a collective call: every rank of
     * {@code comm} calls it.
     *
     * @param comm the communicator whose ranks take part.
     * @return on rank 0 the round trip in microseconds per peer, peer {@code p} at index {@code p - 1}
     *         (empty with one rank); on the other ranks an empty array.
     */
    static double[] measure(final Communicator comm)
    {
        final int rank = comm.getRank();
        final int size = comm.getSize();
        // every rank allocates the line, so the arenas stay alike; rank 0's is the one bounced
        final RegionBuffer own = comm.smartMap().allocate(LINE_BYTES);
        own.buffer().putLongRelease(COUNTER_OFFSET, 0);
        // the bcast orders rank 0's zero before any peer's first load of the line
        final long[] address = {own.address()};
        comm.bcast(address, 1, Datatype.LONG, 0);
        final RoundTrip roundTrip = new RoundTrip(comm, rank == 0 ? own.buffer() :
            comm.smartMap().view(address[0], LINE_BYTES));
        final double[] perPeerUs = new double[rank == 0 ? size - 1 : 0];
        final long roundTripsPerPeer = (long)(WARMUP_BATCHES + BATCHES) * ROUND_TRIPS_PER_BATCH;
        for (int peer = 1; peer < size; peer++)
        {
            // each round trip adds 2 to the counter: peer p starts where peer p - 1 stopped
            final long start = 2 * roundTripsPerPeer * (peer - 1);
            if (rank == 0)
            {
                perPeerUs[peer - 1] = roundTrip.ping(peer, start);
            }
            else if (rank == peer)
            {
                roundTrip.pong(start, roundTripsPerPeer);
            }
            comm.barrier();
        }
        comm.free(own); // nobody reads the line after the last barrier
        return perPeerUs;
    }

    /**
     * Open a line for the round trips measured again during the run, rank 0 &lt;-&gt; rank 1 only
     * ({@link #again()}), so each round's small-message times are set against a round trip of the
     * same moment, not one taken minutes earlier (this VM has slow spells of 2-4x). A collective call.
     *
     * @param comm the communicator whose ranks take part; at least 2 ranks.
     * @return the open line; {@link #close()} frees it.
     */
    static RoundTrip open(final Communicator comm)
    {
        final RegionBuffer own = comm.smartMap().allocate(LINE_BYTES);
        own.buffer().putLongRelease(COUNTER_OFFSET, 0);
        final long[] address = {own.address()};
        comm.bcast(address, 1, Datatype.LONG, 0); // orders rank 0's zero before rank 1's first load
        final RoundTrip roundTrip = new RoundTrip(comm, comm.getRank() == 0 ? own.buffer() :
            comm.smartMap().view(address[0], LINE_BYTES));
        roundTrip.own = own;
        return roundTrip;
    }

    /**
     * Measure rank 0 &lt;-&gt; rank 1 again: {@link #IN_RUN_WARMUP_BATCHES} untimed batches, then the
     * median of {@link #IN_RUN_BATCHES} batch means. Ranks 0 and 1 call it together; the others
     * return at once (the caller's next barrier waits for the pair).
     *
     * @return on rank 0 the round trip in microseconds; NaN on the other ranks.
     */
    double again()
    {
        final long roundTrips = (long)(IN_RUN_WARMUP_BATCHES + IN_RUN_BATCHES) * ROUND_TRIPS_PER_BATCH;
        final long start = nextCounter;
        nextCounter += 2 * roundTrips; // each round trip adds 2, on both ranks alike
        if (comm.getRank() == 0)
        {
            return ping(1, start, IN_RUN_WARMUP_BATCHES, IN_RUN_BATCHES);
        }
        if (comm.getRank() == 1)
        {
            pong(start, roundTrips);
        }
        return Double.NaN;
    }

    /** Free the line of {@link #open}; a collective call (after it nobody touches the line). */
    void close()
    {
        comm.barrier();
        comm.free(own);
    }

    /**
     * Rank 0's side of one peer's turn.
     *
     * @return the median over batches of the mean round trip in microseconds.
     */
    private double ping(final int peer, final long start)
    {
        return ping(peer, start, WARMUP_BATCHES, BATCHES);
    }

    private double ping(final int peer, final long start, final int warmupBatches, final int batches)
    {
        long counter = start;
        for (int batch = 0; batch < warmupBatches; batch++)
        {
            counter = pingBatch(peer, counter);
        }
        final double[] meansUs = new double[batches];
        for (int batch = 0; batch < batches; batch++)
        {
            final long startNs = System.nanoTime();
            counter = pingBatch(peer, counter);
            meansUs[batch] = (System.nanoTime() - startNs) / 1e3 / ROUND_TRIPS_PER_BATCH;
        }
        Arrays.sort(meansUs);
        return meansUs[batches / 2];
    }

    private long pingBatch(final int peer, final long start)
    {
        long counter = start;
        for (int i = 0; i < ROUND_TRIPS_PER_BATCH; i++)
        {
            // release: the peer that loads counter + 1 (acquire) sees everything before it
            line.putLongRelease(COUNTER_OFFSET, counter + 1);
            counter = awaitCounter(counter + 2, peer);
        }
        return counter;
    }

    /** The peer's side of its turn: answer {@code roundTrips} pings that start after {@code start}. */
    private void pong(final long start, final long roundTrips)
    {
        long counter = start;
        for (long i = 0; i < roundTrips; i++)
        {
            counter = awaitCounter(counter + 1, 0);
            line.putLongRelease(COUNTER_OFFSET, counter + 1);
            counter++;
        }
    }

    /**
     * Wait until the counter reaches {@code target} (acquire load): spin, then yield; every
     * {@link #CHECK_INTERVAL_MASK} + 1 waits, check the peer's liveness and the deadline.
     *
     * @return the counter's value, exactly {@code target}: only the peer writes it until this rank answers.
     */
    private long awaitCounter(final long target, final int peer)
    {
        long value = line.getLongAcquire(COUNTER_OFFSET);
        if (value >= target)
        {
            return value;
        }
        long waits = 0;
        long startNs = 0;
        while ((value = line.getLongAcquire(COUNTER_OFFSET)) < target)
        {
            if (waits < spinsBeforeYield)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
            if ((++waits & CHECK_INTERVAL_MASK) == 0)
            {
                final long now = System.nanoTime();
                if (startNs == 0)
                {
                    startNs = now;
                }
                comm.smartMap().waiter().checkPeers(peer, "round trip");
                if (now - startNs > timeoutNs)
                {
                    throw new IllegalStateException("round trip timed out: peer=" + peer + ", target=" + target +
                        ", counter=" + value + ", timeoutMs=" + TimeUnit.NANOSECONDS.toMillis(timeoutNs) +
                        ", rank=" + comm.getRank());
                }
            }
        }
        return value;
    }

    /**
     * Write rank 0's result for the runner, whole or not at all (a temporary file moved into place).
     *
     * @param file      where the runner looks.
     * @param perPeerUs the round trip in microseconds per peer, peer {@code p} at index {@code p - 1}.
     * @throws IOException if the file cannot be written.
     */
    static void write(final Path file, final double[] perPeerUs) throws IOException
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < perPeerUs.length; i++)
        {
            text.append(String.format(Locale.ROOT, "%d,%.4f%n", i + 1, perPeerUs[i]));
        }
        final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.US_ASCII);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Wait for rank 0's result while the ranks run.
     *
     * @param file the file rank 0 writes ({@link #write}).
     * @param job  the ranks' job: once it is done no file will come.
     * @return the round trip in microseconds per peer, peer {@code p} at index {@code p - 1} (empty with
     *         one rank), or null if the job ended without writing it.
     * @throws IOException if the file is there but cannot be read.
     */
    static double[] await(final Path file, final Future<?> job) throws IOException
    {
        while (!Files.exists(file))
        {
            if (job.isDone())
            {
                return Files.exists(file) ? read(file) : null;
            }
            try
            {
                Thread.sleep(POLL_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return read(file);
    }

    private static double[] read(final Path file) throws IOException
    {
        final List<Double> perPeerUs = new ArrayList<>();
        for (final String line : Files.readAllLines(file, StandardCharsets.US_ASCII))
        {
            final String[] fields = line.split(",");
            if (fields.length != 2 || Integer.parseInt(fields[0]) != perPeerUs.size() + 1)
            {
                throw new IllegalStateException("malformed round-trip file: file=" + file + ", line=" + line);
            }
            perPeerUs.add(Double.parseDouble(fields[1]));
        }
        return perPeerUs.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
