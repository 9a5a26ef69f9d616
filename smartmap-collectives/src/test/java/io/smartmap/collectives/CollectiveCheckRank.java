package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;

import java.util.Arrays;
import java.util.List;

/**
 * Rank program for process tests: every collective (the in-place overloads too) with every algorithm
 * over several datatypes and sizes, each result compared with the sequential model ({@code quick}: fewer
 * sizes; {@code new}: only gather, scatter and the v-variants). Exits 1 if any result is wrong.
 */
public final class CollectiveCheckRank
{
    private static final Algorithm[] REDUCE = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.SMARTMAP_SERIAL,
        Algorithm.SMARTMAP_THREADED, Algorithm.TWO_COPY, Algorithm.INLINE};
    private static final Algorithm[] MOVE = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY, Algorithm.INLINE};
    /** Reduce-scatter, scan, exscan and the in-place overloads: INLINE does not implement the first ones. */
    private static final Algorithm[] SCAN = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY};
    private static final Object[][] CASES = {
        {Datatype.DOUBLE, Op.SUM}, {Datatype.LONG, Op.BXOR}, {Datatype.FLOAT, Op.MAX}, {Datatype.DOUBLE_INT, Op.MINLOC}};
    /**
     * Around every threshold: the inline slot's payload (1128 bytes: 141 doubles, 70 DOUBLE_INTs), the
     * single-copy thresholds of AUTO (512, 1024 and 2048 bytes: 64, 128 and 256 doubles), the threaded
     * reduction (1024 bytes), the split broadcast (8 KiB) and the two-copy fragment (32 KiB: 4096 doubles).
     */
    private static final int[] COUNTS = {1, 7, 31, 63, 64, 70, 71, 127, 128, 141, 142, 255, 256, 257, 1025, 5000, 70_000};
    /** {@code quick}: the counts that decide a path, for the rank counts that run fewer cases (1, 3 and 8 ranks). */
    private static final int[] QUICK_COUNTS = {1, 63, 64, 70, 71, 141, 142, 257, 5000};
    private static final int INLINE_PAYLOAD_BYTES = io.smartmap.core.ControlBlockDescriptor.INLINE_PAYLOAD_BYTES;
    private static final Algorithm[] GATHER = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY};
    private static final byte FILL = 1;

    private CollectiveCheckRank()
    {
    }

    public static void main(final String[] args)
    {
        final int[] result;
        try (Communicator comm = Communicator.world())
        {
            result = check(comm, List.of(args));
        }
        System.out.println("checked " + result[0] + " results, failures=" + result[1]);
        System.exit(result[1] == 0 ? 0 : 1);
    }

    /**
     * Every check on {@code comm} (the world, or a sub-communicator whose other ranks run their own),
     * printing "WRONG ..." for each wrong result.
     *
     * @return {checked, failures}.
     */
    static int[] check(final Communicator comm, final List<String> options)
    {
        int checked = 0;
        int failures = 0;
        {
            final int size = comm.getSize();
            final int rank = comm.getRank();
            final int[] counts = options.contains("quick") ? QUICK_COUNTS : COUNTS;
            final boolean onlyNew = options.contains("new");
            for (final Object[] c : CASES)
            {
                final Datatype datatype = (Datatype)c[0];
                final Op op = (Op)c[1];
                for (final int count : counts)
                {
                    final long seed = count * 31L + datatype.ordinal();
                    final byte[][] contributions = new byte[size][];
                    for (int r = 0; r < size; r++)
                    {
                        contributions[r] = Model.values(seed, r, count * size, datatype, op);
                    }
                    final int bytes = count * datatype.extent();
                    final byte[][] firstBlocks = new byte[size][];
                    for (int r = 0; r < size; r++)
                    {
                        firstBlocks[r] = Arrays.copyOf(contributions[r], bytes);
                    }
                    final byte[] reduced = Model.reduce(firstBlocks, count, datatype, op);
                    final RegionBuffer send = comm.allocate(count * size, datatype);
                    final RegionBuffer recv = comm.allocate(count * size, datatype);
                    send.buffer().putBytes(0, contributions[rank]);
                    final int root = count % size;
                    for (final Algorithm algorithm : GATHER)
                    {
                        final int[] result = checkGatherScatter(comm, algorithm, datatype, count, root, contributions, send, recv);
                        checked += result[0];
                        failures += result[1];
                    }
                    if (onlyNew)
                    {
                        comm.free(recv);
                        comm.free(send);
                        continue;
                    }
                    for (final Algorithm algorithm : REDUCE)
                    {
                        if (algorithm == Algorithm.INLINE && bytes > INLINE_PAYLOAD_BYTES)
                        {
                            continue; // refused: covered by the misuse tests
                        }
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        comm.reduce(send, recv, count, datatype, op, root, algorithm);
                        if (rank == root)
                        {
                            failures += check(recv, reduced, "reduce " + algorithm + " " + datatype + " count=" + count);
                            checked++;
                        }
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        comm.allReduce(send, recv, count, datatype, op, algorithm);
                        failures += check(recv, reduced, "allReduce " + algorithm + " " + datatype + " count=" + count);
                        checked++;
                    }
                    final byte[] allToAll = new byte[bytes * size];
                    final byte[] allGather = new byte[bytes * size];
                    for (int j = 0; j < size; j++)
                    {
                        System.arraycopy(contributions[j], rank * bytes, allToAll, j * bytes, bytes);
                        System.arraycopy(contributions[j], 0, allGather, j * bytes, bytes);
                    }
                    for (final Algorithm algorithm : MOVE)
                    {
                        if (algorithm == Algorithm.INLINE && bytes > INLINE_PAYLOAD_BYTES)
                        {
                            continue;
                        }
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        if (rank == root)
                        {
                            recv.buffer().putBytes(0, contributions[root], 0, bytes);
                        }
                        comm.bcast(recv, count, datatype, root, algorithm);
                        failures += check(recv, firstBlocks[root], "bcast " + algorithm + " count=" + count);
                        if (algorithm != Algorithm.INLINE || (long)bytes * size <= INLINE_PAYLOAD_BYTES)
                        {
                            recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                            comm.allToAll(send, recv, count, datatype, algorithm);
                            failures += check(recv, allToAll, "allToAll " + algorithm + " count=" + count);
                            checked++;
                        }
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        comm.allGather(send, recv, count, datatype, algorithm);
                        failures += check(recv, allGather, "allGather " + algorithm + " count=" + count);
                        checked += 2;
                    }
                    // reduce-scatter, scan, exscan and the in-place overloads, against the same model
                    final int extent = datatype.extent();
                    final byte[] full = Model.reduce(contributions, count * size, datatype, op);
                    final int[] recvCounts = new int[size]; // uneven, with zeros: 0, count/2, count, 0, ...
                    int start = 0;
                    for (int r = 0; r < size; r++)
                    {
                        recvCounts[r] = count * (r % 3) / 2;
                        start += r < rank ? recvCounts[r] : 0;
                    }
                    final byte[] block = Arrays.copyOfRange(full, rank * bytes, (rank + 1) * bytes);
                    final byte[] mine = Arrays.copyOfRange(full, start * extent, (start + recvCounts[rank]) * extent);
                    final byte[] scan = Model.prefix(contributions, rank, count, datatype, op);
                    final byte[] exScan = rank == 0 ? filled(bytes, (byte)1) : Model.prefix(contributions, rank - 1, count, datatype, op);
                    for (final Algorithm algorithm : SCAN)
                    {
                        final String what = algorithm + " " + datatype + " count=" + count;
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        comm.reduceScatterBlock(send, recv, count, datatype, op, algorithm);
                        failures += check(recv, block, "reduceScatterBlock " + what);
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        comm.reduceScatter(send, recv, recvCounts, datatype, op, algorithm);
                        failures += check(recv, mine, "reduceScatter " + what);
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        comm.scan(send, recv, count, datatype, op, algorithm);
                        failures += check(recv, scan, "scan " + what);
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        comm.exScan(send, recv, count, datatype, op, algorithm);
                        failures += check(recv, exScan, "exScan " + what);
                        recv.buffer().putBytes(0, contributions[rank], 0, bytes);
                        comm.allReduce(recv, count, datatype, op, algorithm);
                        failures += check(recv, reduced, "allReduce in place " + what);
                        recv.buffer().putBytes(0, contributions[rank], 0, bytes);
                        comm.reduce(recv, count, datatype, op, root, algorithm);
                        failures += check(recv, rank == root ? reduced : firstBlocks[rank], "reduce in place " + what);
                        recv.buffer().setMemory(0, recv.capacity(), (byte)1);
                        recv.buffer().putBytes(rank * bytes, contributions[rank], 0, bytes);
                        comm.allGather(recv, count, datatype, algorithm);
                        failures += check(recv, allGather, "allGather in place " + what);
                        recv.buffer().putBytes(0, contributions[rank], 0, bytes);
                        comm.scan(recv, count, datatype, op, algorithm);
                        failures += check(recv, scan, "scan in place " + what);
                        checked += 8;
                    }
                    comm.free(recv);
                    comm.free(send);
                }
            }
            comm.barrier(Algorithm.INLINE);
            comm.barrier(Algorithm.SMARTMAP);
            comm.barrier();
        }
        return new int[] {checked, failures};
    }

    private static byte[] filled(final int bytes, final byte value)
    {
        final byte[] out = new byte[bytes];
        Arrays.fill(out, value);
        return out;
    }

    /**
     * Gather, scatter, gatherv, scatterv, allgatherv and alltoallv with one algorithm: {@code send} holds this
     * rank's {@code contributions} ({@code count * size} elements), {@code recv} as many. The v-variants'
     * counts are {@code count} or {@code count / 2} by rank (so zeros for count 1), send blocks at
     * {@code j * count}, receive blocks in reverse rank order at {@code (size - 1 - r) * count} (gaps
     * where a block is short); every byte of the receive buffer is compared, gaps included.
     *
     * @return {checked, failures}.
     */
    private static int[] checkGatherScatter(final Communicator comm, final Algorithm algorithm, final Datatype datatype,
        final int count, final int root, final byte[][] contributions, final RegionBuffer send, final RegionBuffer recv)
    {
        final int size = comm.getSize();
        final int rank = comm.getRank();
        final int extent = datatype.extent();
        final int bytes = count * extent;
        final int total = bytes * size;
        final int[] v = new int[size];
        final int[] blocks = new int[size];
        final int[] reversed = new int[size];
        for (int r = 0; r < size; r++)
        {
            v[r] = r % 2 == 0 ? count : count / 2;
            blocks[r] = r * count;
            reversed[r] = (size - 1 - r) * count;
        }
        int checked = 0;
        int failures = 0;
        final String what = " " + algorithm + " " + datatype + " count=" + count;

        byte[] expected = filled(total);
        recv.buffer().setMemory(0, recv.capacity(), FILL);
        comm.gather(send, rank == root ? recv : null, count, datatype, root, algorithm);
        if (rank == root)
        {
            for (int r = 0; r < size; r++)
            {
                System.arraycopy(contributions[r], 0, expected, r * bytes, bytes);
            }
        }
        failures += check(recv, expected, "gather" + what);

        expected = filled(total);
        recv.buffer().setMemory(0, recv.capacity(), FILL);
        comm.scatter(rank == root ? send : null, recv, count, datatype, root, algorithm);
        System.arraycopy(contributions[root], rank * bytes, expected, 0, bytes);
        failures += check(recv, expected, "scatter" + what);

        expected = filled(total);
        recv.buffer().setMemory(0, recv.capacity(), FILL);
        comm.gatherv(send, v[rank], recv, rank == root ? v : null, rank == root ? reversed : null, datatype, root, algorithm);
        if (rank == root)
        {
            for (int r = 0; r < size; r++)
            {
                System.arraycopy(contributions[r], 0, expected, reversed[r] * extent, v[r] * extent);
            }
        }
        failures += check(recv, expected, "gatherv" + what);

        expected = filled(total);
        recv.buffer().setMemory(0, recv.capacity(), FILL);
        comm.scatterv(rank == root ? send : null, rank == root ? v : null, rank == root ? blocks : null, recv, v[rank],
            datatype, root, algorithm);
        System.arraycopy(contributions[root], blocks[rank] * extent, expected, 0, v[rank] * extent);
        failures += check(recv, expected, "scatterv" + what);

        expected = filled(total);
        recv.buffer().setMemory(0, recv.capacity(), FILL);
        comm.allGatherv(send, v[rank], recv, v, reversed, datatype, algorithm);
        for (int r = 0; r < size; r++)
        {
            System.arraycopy(contributions[r], 0, expected, reversed[r] * extent, v[r] * extent);
        }
        failures += check(recv, expected, "allGatherv" + what);

        // rank i sends (i + j) % 2 == 0 ? count : count / 2 elements to rank j
        final int[] sendCounts = new int[size];
        final int[] recvCounts = new int[size];
        for (int j = 0; j < size; j++)
        {
            sendCounts[j] = (rank + j) % 2 == 0 ? count : count / 2;
            recvCounts[j] = sendCounts[j]; // symmetric: rank j sends rank as much
        }
        expected = filled(total);
        recv.buffer().setMemory(0, recv.capacity(), FILL);
        comm.allToAllv(send, sendCounts, blocks, recv, recvCounts, reversed, datatype, algorithm);
        for (int i = 0; i < size; i++)
        {
            System.arraycopy(contributions[i], blocks[rank] * extent, expected, reversed[i] * extent, recvCounts[i] * extent);
        }
        failures += check(recv, expected, "allToAllv" + what);
        checked += rank == root ? 6 : 5;
        return new int[] {checked, failures};
    }

    private static byte[] filled(final int bytes)
    {
        final byte[] data = new byte[bytes];
        Arrays.fill(data, FILL);
        return data;
    }

    private static int check(final RegionBuffer buffer, final byte[] expected, final String what)
    {
        final byte[] actual = new byte[expected.length];
        buffer.buffer().getBytes(0, actual);
        if (!Arrays.equals(expected, actual))
        {
            System.out.println("WRONG: " + what + " at byte " + Arrays.mismatch(expected, actual));
            return 1;
        }
        return 0;
    }
}
