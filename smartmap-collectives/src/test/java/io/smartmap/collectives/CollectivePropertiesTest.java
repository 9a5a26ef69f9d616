package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;
import io.smartmap.core.RegionBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Properties over generated rank counts (1..8), counts (0..100,000), datatypes, operators, roots
 * and values (NaN, -0.0, infinities, extreme integers): every rank's result equals the sequential
 * model folding in rank order, and every algorithm gives the same bits. Ranks are threads that
 * each attach on their own. On failure QuickTheories prints the falsifying (ranks, count, seed)
 * and its own seed; the case seed alone regenerates datatype, operator, root and values.
 */
class CollectivePropertiesTest
{
    private static final Op USER_AFFINE = Op.create(Model.AFFINE_COMPOSE, false);
    private static final Algorithm[] REDUCE_ALGORITHMS = {
        Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.SMARTMAP_SERIAL, Algorithm.SMARTMAP_THREADED, Algorithm.TWO_COPY};
    private static final Algorithm[] MOVE_ALGORITHMS = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY};
    private static final int EXAMPLES = Integer.getInteger("smartmap.properties.examples", 40);

    @Test
    void reductionsMatchTheRankOrderModelBitForBit()
    {
        qt().withExamples(EXAMPLES).withShrinkCycles(20)
            .forAll(integers().between(1, 8), integers().between(0, 100_000), longs().all())
            .checkAssert(this::checkReductions);
    }

    @Test
    void dataMovementMatchesTheModel()
    {
        qt().withExamples(EXAMPLES).withShrinkCycles(20)
            .forAll(integers().between(1, 8), integers().between(0, 20_000), longs().all())
            .checkAssert(this::checkMoves);
    }

    /**
     * The split broadcast (root and receivers each copy slices) delivers every byte to every rank,
     * for every root, rank count 2..5, and lengths that do not divide evenly, next to the unsplit one.
     */
    @Test
    void splitBroadcastDeliversEveryByteFromEveryRoot() throws Exception
    {
        for (int size = 2; size <= 5; size++)
        {
            for (final long splitMin : new long[] {0, Long.MAX_VALUE})
            {
                final int count = 70_001 + size; // bytes
                // cores(64): the split also with more ranks than this machine has cores (it applies only when each has one)
                final List<String> failures = ThreadRanks.run(size, 8L << 20,
                    rank -> new CollectiveConfig().cores(64).bcastSplitMinBytes(splitMin),
                    comm ->
                    {
                        final RegionBuffer buffer = comm.allocate(count, Datatype.BYTE);
                        for (int root = 0; root < comm.getSize(); root++)
                        {
                            for (int i = 0; i < count; i++)
                            {
                                buffer.putByte(i, (byte)(comm.getRank() == root ? i * 31 + root : -1));
                            }
                            comm.bcast(buffer, count, Datatype.BYTE, root, Algorithm.SMARTMAP);
                            for (int i = 0; i < count; i++)
                            {
                                if (buffer.getByte(i) != (byte)(i * 31 + root))
                                {
                                    return "rank " + comm.getRank() + " root " + root + " byte " + i + ": " + buffer.getByte(i);
                                }
                            }
                        }
                        return null;
                    });
                for (final String failure : failures)
                {
                    org.junit.jupiter.api.Assertions.assertNull(failure, "size=" + size + ", splitMin=" + splitMin);
                }
            }
        }
    }

    private void checkReductions(final int size, final int count, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Datatype datatype = Datatype.values()[random.nextInt(Datatype.values().length)];
        final Op op = pickOp(random, datatype);
        final int root = random.nextInt(size);
        final int bytes = count * datatype.extent();
        final byte[][] contributions = new byte[size][];
        for (int r = 0; r < size; r++)
        {
            contributions[r] = Model.values(seed, r, count, datatype, op);
        }
        final byte[] expected = Model.reduce(contributions, count, datatype, op);

        final List<List<byte[]>> perRank = run(size, 2L * bytes, comm ->
        {
            final RegionBuffer send = comm.allocate(count, datatype);
            final RegionBuffer recv = comm.allocate(count, datatype);
            send.buffer().putBytes(0, contributions[comm.getRank()]);
            final List<byte[]> results = new ArrayList<>();
            for (final Algorithm algorithm : REDUCE_ALGORITHMS)
            {
                clear(recv);
                comm.reduce(send, recv, count, datatype, op, root, algorithm);
                results.add(comm.getRank() == root ? copy(recv, bytes) : expected);
                clear(recv);
                comm.allReduce(send, recv, count, datatype, op, algorithm);
                results.add(copy(recv, bytes));
            }
            // array staging (copy-in/copy-out) for the datatypes that have a Java array type
            if (datatype == Datatype.DOUBLE)
            {
                final double[] in = new double[count];
                final double[] out = new double[count];
                send.asDoubleBuffer().get(in);
                comm.allReduce(in, out, count, datatype, op);
                recv.asDoubleBuffer().put(out);
                results.add(copy(recv, bytes));
            }
            return results;
        });
        for (int r = 0; r < size; r++)
        {
            for (int i = 0; i < perRank.get(r).size(); i++)
            {
                assertArrayEquals(expected, perRank.get(r).get(i), "rank " + r + ", result " + i + " (" +
                    describe(i) + "), datatype=" + datatype + ", op=" + op + ", root=" + root + ", seed=" + seed);
            }
        }
    }

    private void checkMoves(final int size, final int total, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Datatype datatype = Datatype.values()[random.nextInt(Datatype.values().length)];
        final int root = random.nextInt(size);
        final int count = total / size; // per-rank block
        final int block = count * datatype.extent();
        final byte[][] sends = new byte[size][];
        for (int r = 0; r < size; r++)
        {
            sends[r] = Model.values(seed, r, count * size, datatype, Op.SUM);
        }
        final List<List<byte[]>> perRank = run(size, 4L * block * size, comm ->
        {
            final RegionBuffer send = comm.allocate(count * size, datatype);
            final RegionBuffer recv = comm.allocate(count * size, datatype);
            send.buffer().putBytes(0, sends[comm.getRank()]);
            final List<byte[]> results = new ArrayList<>();
            for (final Algorithm algorithm : MOVE_ALGORITHMS)
            {
                clear(recv);
                if (comm.getRank() == root)
                {
                    recv.buffer().putBytes(0, sends[root], 0, block);
                }
                comm.bcast(recv, count, datatype, root, algorithm);
                results.add(copy(recv, block));
                clear(recv);
                comm.allToAll(send, recv, count, datatype, algorithm);
                results.add(copy(recv, block * size));
                clear(recv);
                comm.allGather(send, recv, count, datatype, algorithm);
                results.add(copy(recv, block * size));
            }
            return results;
        });
        for (int r = 0; r < size; r++)
        {
            final byte[] bcast = Arrays.copyOf(sends[root], block);
            final byte[] allToAll = new byte[block * size];
            final byte[] allGather = new byte[block * size];
            for (int j = 0; j < size; j++)
            {
                System.arraycopy(sends[j], r * block, allToAll, j * block, block);
                System.arraycopy(sends[j], 0, allGather, j * block, block);
            }
            final List<byte[]> results = perRank.get(r);
            for (int a = 0; a < MOVE_ALGORITHMS.length; a++)
            {
                final String where = "rank " + r + ", " + MOVE_ALGORITHMS[a] + ", datatype=" + datatype + ", root=" + root +
                    ", count=" + count + ", seed=" + seed;
                assertArrayEquals(bcast, results.get(3 * a), "bcast " + where);
                assertArrayEquals(allToAll, results.get(3 * a + 1), "allToAll " + where);
                assertArrayEquals(allGather, results.get(3 * a + 2), "allGather " + where);
            }
        }
    }

    private static Op pickOp(final SplittableRandom random, final Datatype datatype)
    {
        final List<Op> candidates = new ArrayList<>();
        for (final Op op : new Op[] {Op.SUM, Op.PROD, Op.MIN, Op.MAX, Op.BAND, Op.BOR, Op.BXOR, Op.MINLOC, Op.MAXLOC})
        {
            if (op.appliesTo(datatype))
            {
                candidates.add(op);
            }
        }
        if (datatype == Datatype.INT_INT)
        {
            candidates.add(USER_AFFINE);
        }
        return candidates.get(random.nextInt(candidates.size()));
    }

    private static String describe(final int index)
    {
        if (index >= 2 * REDUCE_ALGORITHMS.length)
        {
            return "allReduce with double[] staging";
        }
        return (index % 2 == 0 ? CollectiveKind.REDUCE : CollectiveKind.ALLREDUCE) + " " + REDUCE_ALGORITHMS[index / 2];
    }

    private static <T> List<T> run(final int size, final long bytes, final java.util.function.Function<Communicator, T> body)
    {
        try
        {
            return ThreadRanks.run(size, Math.max(8L << 20, 2 * bytes + (4L << 20)), body);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static void clear(final RegionBuffer buffer)
    {
        buffer.buffer().setMemory(0, buffer.capacity(), (byte)0x5A);
    }

    private static byte[] copy(final RegionBuffer buffer, final int bytes)
    {
        final byte[] out = new byte[bytes];
        buffer.buffer().getBytes(0, out);
        return out;
    }
}
