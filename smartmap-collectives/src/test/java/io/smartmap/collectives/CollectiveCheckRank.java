package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;

import java.util.Arrays;

/**
 * Rank program for process tests: every collective (the in-place overloads too) with every algorithm
 * over several datatypes and sizes, each result compared with the sequential model ({@code args[0] = quick}: fewer sizes).
 * Exits 1 if any result is wrong.
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

    private CollectiveCheckRank()
    {
    }

    public static void main(final String[] args)
    {
        int checked = 0;
        int failures = 0;
        try (Communicator comm = Communicator.world())
        {
            final int size = comm.getSize();
            final int rank = comm.getRank();
            final int[] counts = args.length > 0 && args[0].equals("quick") ? QUICK_COUNTS : COUNTS;
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
        System.out.println("checked " + checked + " results, failures=" + failures);
        System.exit(failures == 0 ? 0 : 1);
    }

    private static byte[] filled(final int bytes, final byte value)
    {
        final byte[] out = new byte[bytes];
        Arrays.fill(out, value);
        return out;
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
