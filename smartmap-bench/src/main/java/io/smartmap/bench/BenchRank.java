package io.smartmap.bench;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One rank of a benchmark run (started by {@link BenchRunner} through the launcher). Follows the
 * Intel MPI Benchmarks' method: a warm-up so the JIT has compiled every path, then per (op, size,
 * round) and, interleaved within the round, per algorithm: timed iterations scaled down with
 * size, the same barrier before every iteration, a few elements of the send buffer changed
 * between iterations, and an integrity check of the last result outside the timed region.
 * Each rank's mean time per iteration is gathered at rank 0, which writes
 * {@code op,algorithm,bytes,round,t_min_us,t_avg_us,t_max_us} lines (IMB's definitions: min,
 * mean and max over ranks) to the raw file. Before any of that, the ranks measure the cache-line
 * round trip between rank 0 and each peer ({@link RoundTrip}), which rank 0 writes to the round-trip file.
 * <p>
 * Arguments: {@code OPS ALGORITHMS MIN_BYTES MAX_BYTES DATATYPE ROUNDS RAW_FILE BUFFERS TOUCH ROUND_TRIP_FILE}.
 */
public final class BenchRank
{
    /**
     * Sizes, warm-up and iterations per measurement: the runner's preset ({@code -Dsmartmap.bench.preset},
     * {@link Preset#FULL} by default, whose warm-up gives C2 its 10,000 invocations for every path).
     */
    private static final Preset PRESET = Preset.fromSystemProperty();
    /** One console line per measurement: the runner's {@code --verbose}, passed as {@code -Dsmartmap.bench.verbose=true}. */
    private static final boolean VERBOSE = Boolean.getBoolean(BenchRunner.VERBOSE_PROPERTY);
    /** One element in this many (one per 4 KiB page of doubles) changes between iterations. */
    private static final int MUTATE_STRIDE_ELEMENTS = 512;

    private final Communicator comm;
    private final Datatype datatype;
    private final BenchBuffers buffers;
    /** Rewrite every element of the send buffer between iterations, not one per 4 KiB page. */
    private final boolean touchAll;
    private final Object send;
    private final Object recv;
    private final int rank;
    private final int size;

    /** One timed call of a collective on the rank's buffers, {@code count} elements per block (0 for the barrier). */
    @FunctionalInterface
    interface Call
    {
        void run(int count);
    }

    /**
     * @param comm     the world the ranks measure on (its barrier separates iterations, its allGather collects times).
     * @param maxBytes the largest size per rank (per block); each buffer holds {@code size} such blocks.
     * @param kind     what the buffers are.
     * @param touchAll whether every element of the send buffer changes between iterations, not one per 4 KiB.
     */
    BenchRank(final Communicator comm, final Datatype datatype, final long maxBytes,
        final BenchBuffers.Kind kind, final boolean touchAll)
    {
        this.touchAll = touchAll;
        this.comm = comm;
        this.datatype = datatype;
        this.rank = comm.getRank();
        this.size = comm.getSize();
        final int maxCount = (int)(maxBytes / datatype.extent());
        this.buffers = BenchBuffers.allocate(kind, comm, datatype, maxCount * size);
        this.send = buffers.send();
        this.recv = buffers.recv();
    }

    public static void main(final String[] args) throws IOException
    {
        final List<BenchOp> ops = new ArrayList<>();
        for (final String op : args[0].split(","))
        {
            ops.add(BenchOp.parse(op));
        }
        final List<Algorithm> algorithms = new ArrayList<>();
        for (final String algorithm : args[1].split(","))
        {
            algorithms.add(BenchOp.parseAlgorithm(algorithm));
        }
        final long minBytes = Long.parseLong(args[2]);
        final long maxBytes = Long.parseLong(args[3]);
        final Datatype datatype = Datatype.valueOf(args[4].toUpperCase(Locale.ROOT));
        final int rounds = Integer.parseInt(args[5]);
        final Path raw = Path.of(args[6]);
        final BenchBuffers.Kind kind = BenchBuffers.Kind.parse(args[7]);
        final boolean touchAll = "all".equals(args[8]);
        final Path roundTripFile = Path.of(args[9]);

        try (Communicator comm = Communicator.world();
            PrintWriter out = comm.getRank() == 0 ?
                new PrintWriter(Files.newBufferedWriter(raw, StandardCharsets.UTF_8)) : null;
            PrintWriter roundTrips = comm.getRank() == 0 ?
                new PrintWriter(Files.newBufferedWriter(inRunRoundTrips(raw), StandardCharsets.UTF_8)) : null)
        {
            final BenchRank bench = new BenchRank(comm, datatype, maxBytes, kind, touchAll);
            // first, while nothing else runs: the runner prints it in the header as soon as it is there
            final double[] roundTripUs = RoundTrip.measure(comm);
            if (out != null)
            {
                RoundTrip.write(roundTripFile, roundTripUs);
            }
            bench.warmUp(ops, algorithms, minBytes, maxBytes);
            final RoundTrip inRun = comm.getSize() > 1 ? RoundTrip.open(comm) : null;
            for (final BenchOp op : ops)
            {
                for (final long bytes : PRESET.sizes(op, minBytes, maxBytes, datatype.extent()))
                {
                    for (int round = 0; round < rounds; round++)
                    {
                        if (inRun != null && bytes <= Report.ROUND_TRIP_MAX_BYTES)
                        {
                            // the limit of this round's small-message times, taken just before them
                            final double roundTripNowUs = inRun.again();
                            if (roundTrips != null)
                            {
                                roundTrips.printf(Locale.ROOT, "%s,%d,%d,%.4f%n", op.label(), bytes, round, roundTripNowUs);
                                roundTrips.flush();
                            }
                        }
                        for (final Algorithm algorithm : op.algorithms())
                        {
                            if (!algorithms.contains(algorithm) && op != BenchOp.BARRIER ||
                                !op.measures(algorithm, bytes, comm.getSize()))
                            {
                                continue;
                            }
                            final double[] times = bench.measure(op, algorithm, bytes, PRESET.iterations(bytes));
                            if (out != null)
                            {
                                out.printf(Locale.ROOT, "%s,%s,%d,%d,%.4f,%.4f,%.4f%n", op.label(),
                                    BenchOp.label(algorithm), bytes, round, times[0], times[1], times[2]);
                                out.flush();
                                if (VERBOSE)
                                {
                                    System.out.printf(Locale.ROOT, "%-9s %-17s %8d B round %d: t_avg %10.2f us%n",
                                        op.label(), BenchOp.label(algorithm), bytes, round, times[1]);
                                }
                            }
                        }
                    }
                }
            }
            if (inRun != null)
            {
                inRun.close();
            }
            comm.barrier();
        }
    }

    /**
     * @param raw the raw measurements file.
     * @return where rank 0 writes the round trips measured during the run ({@code op,bytes,round,us}
     *         per round of each size up to {@link Report#ROUND_TRIP_MAX_BYTES}), beside the raw file.
     */
    static Path inRunRoundTrips(final Path raw)
    {
        return raw.resolveSibling("raw-round-trips.csv");
    }

    /**
     * Run every path until C2 has compiled it, untimed: many iterations at the smallest size (the
     * protocol path), fewer at 64 KiB and at the largest size (the copy and kernel loops). Without
     * this the first sizes measured would run interpreted or C1 code and flatter nobody.
     */
    private void warmUp(final List<BenchOp> ops, final List<Algorithm> algorithms, final long minBytes, final long maxBytes)
    {
        final long small = Math.max(datatype.extent(), minBytes);
        final long medium = Math.max(small, Math.min(maxBytes, 64 * 1024));
        for (final BenchOp op : ops)
        {
            for (final Algorithm algorithm : op.algorithms())
            {
                if (algorithms.contains(algorithm) || op == BenchOp.BARRIER)
                {
                    for (final long bytes : new long[] {small, medium, maxBytes})
                    {
                        if (op.measures(algorithm, bytes, comm.getSize()))
                        {
                            measure(op, algorithm, bytes, bytes == small ? PRESET.warmupIterations :
                                bytes == medium ? PRESET.warmupIterations / 10 : PRESET.minIterations);
                        }
                    }
                }
            }
        }
    }

    /** @return the send buffer the collectives get (a region buffer with {@link BenchBuffers.Kind#REGION}). */
    Object send()
    {
        return send;
    }

    /** @return the receive buffer the collectives get. */
    Object recv()
    {
        return recv;
    }

    /**
     * @return {t_min, t_avg, t_max} in microseconds over ranks of each rank's mean time per iteration.
     */
    private double[] measure(final BenchOp op, final Algorithm algorithm, final long bytes, final int iterations)
    {
        // the barrier's time is the communicator's own barrier, whichever algorithm the row names (as since the first runner)
        final Call call = op == BenchOp.BARRIER ? count -> comm.barrier() : count -> run(op, algorithm, count);
        return measure(op, BenchOp.label(algorithm), call, bytes, iterations);
    }

    /**
     * The IMB method for one (op, algorithm, size): the send buffer filled, then per iteration a few
     * elements changed, a barrier, the timed call; the last result checked (not the barrier's), and
     * each rank's mean time per call gathered over {@link #comm}.
     *
     * @param op         what {@code call} runs (decides the check).
     * @param label      the algorithm's name, for the integrity check's message.
     * @param call       the collective, on {@link #send()} and {@link #recv()}.
     * @param bytes      bytes per rank (per block).
     * @param iterations timed calls.
     * @return {t_min, t_avg, t_max} in microseconds over ranks of each rank's mean time per iteration.
     * @throws IllegalStateException if the last result is wrong.
     */
    double[] measure(final BenchOp op, final String label, final Call call, final long bytes, final int iterations)
    {
        final int count = (int)(bytes / datatype.extent());
        fill(count, 0);
        comm.barrier();
        long totalNs = 0;
        for (int i = 0; i < iterations; i++)
        {
            if (op == BenchOp.BARRIER)
            {
                final long start = System.nanoTime();
                call.run(0);
                totalNs += System.nanoTime() - start;
                continue;
            }
            mutate(count, i);
            comm.barrier();
            final long start = System.nanoTime();
            call.run(count);
            totalNs += System.nanoTime() - start;
        }
        if (op != BenchOp.BARRIER)
        {
            verify(op, label, count, iterations - 1);
        }
        final double[] mine = {totalNs / 1e3 / iterations};
        final double[] all = new double[size];
        comm.allGather(mine, all, 1, Datatype.DOUBLE, Algorithm.SMARTMAP);
        double min = Double.MAX_VALUE;
        double max = 0;
        double sum = 0;
        for (final double t : all)
        {
            min = Math.min(min, t);
            max = Math.max(max, t);
            sum += t;
        }
        return new double[] {min, sum / size, max};
    }

    private void run(final BenchOp op, final Algorithm algorithm, final int count)
    {
        switch (op)
        {
            case REDUCE:
                comm.reduce(send, recv, count, datatype, Op.SUM, 0, algorithm);
                break;
            case BCAST:
                comm.bcast(rank == 0 ? send : recv, count, datatype, 0, algorithm);
                break;
            case ALLREDUCE:
                comm.allReduce(send, recv, count, datatype, Op.SUM, algorithm);
                break;
            case ALLTOALL:
                comm.allToAll(send, recv, count, datatype, algorithm);
                break;
            case ALLGATHER:
                comm.allGather(send, recv, count, datatype, algorithm);
                break;
            case GATHER:
                comm.gather(send, rank == 0 ? recv : null, count, datatype, 0, algorithm);
                break;
            case SCATTER:
                comm.scatter(rank == 0 ? send : null, recv, count, datatype, 0, algorithm);
                break;
            case REDUCE_SCATTER_BLOCK:
                comm.reduceScatterBlock(send, recv, count, datatype, Op.SUM, algorithm);
                break;
            case SCAN:
                comm.scan(send, recv, count, datatype, Op.SUM, algorithm);
                break;
            default:
                comm.barrier(algorithm);
        }
    }

    /** Small integers, exact in every datatype and in any sum over up to 64 ranks. */
    private long value(final int rank, final int index, final int iteration)
    {
        final int changing = touchAll || index % MUTATE_STRIDE_ELEMENTS == 0 ? iteration % 5 : 0;
        return (rank + 1) * 3L + index % 7 + changing;
    }

    private void fill(final int count, final int iteration)
    {
        for (int i = 0; i < count * size; i++)
        {
            buffers.putSend(i, value(rank, i, iteration));
        }
    }

    private void mutate(final int count, final int iteration)
    {
        final int stride = touchAll ? 1 : MUTATE_STRIDE_ELEMENTS;
        for (int i = 0; i < count * size; i += stride)
        {
            buffers.putSend(i, value(rank, i, iteration));
        }
    }

    private void verify(final BenchOp op, final String algorithm, final int count, final int last)
    {
        for (int i = 0; i < count; i++)
        {
            switch (op)
            {
                case REDUCE:
                case ALLREDUCE:
                    if (op == BenchOp.ALLREDUCE || rank == 0)
                    {
                        long sum = 0;
                        for (int r = 0; r < size; r++)
                        {
                            sum += value(r, i, last);
                        }
                        check(i, sum, op, algorithm, count);
                    }
                    break;
                case BCAST:
                    if (rank != 0)
                    {
                        check(i, value(0, i, last), op, algorithm, count);
                    }
                    break;
                case ALLTOALL:
                    for (int r = 0; r < size; r++)
                    {
                        check(r * count + i, value(r, rank * count + i, last), op, algorithm, count);
                    }
                    break;
                case GATHER:
                    if (rank == 0)
                    {
                        for (int r = 0; r < size; r++)
                        {
                            check(r * count + i, value(r, i, last), op, algorithm, count);
                        }
                    }
                    break;
                case SCATTER:
                    check(i, value(0, rank * count + i, last), op, algorithm, count);
                    break;
                case REDUCE_SCATTER_BLOCK:
                case SCAN:
                {
                    long sum = 0;
                    for (int r = 0; r < (op == BenchOp.SCAN ? rank + 1 : size); r++)
                    {
                        sum += value(r, op == BenchOp.SCAN ? i : rank * count + i, last);
                    }
                    check(i, sum, op, algorithm, count);
                    break;
                }
                default:
                    for (int r = 0; r < size; r++)
                    {
                        check(r * count + i, value(r, i, last), op, algorithm, count);
                    }
                    break;
            }
        }
    }

    private void check(final int index, final long expected, final BenchOp op, final String algorithm,
        final int count)
    {
        final double actual = buffers.getRecv(index);
        if (actual != expected)
        {
            throw new IllegalStateException("integrity check failed: op=" + op.label() + ", algorithm=" +
                algorithm + ", count=" + count + ", index=" + index + ", expected=" + expected +
                ", actual=" + actual + ", rank=" + rank);
        }
    }
}
