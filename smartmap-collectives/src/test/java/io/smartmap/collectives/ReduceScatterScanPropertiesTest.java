package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;
import io.smartmap.core.RegionDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Reduce-scatter (block and v), scan, exscan and the in-place overloads (allreduce, reduce, allgather,
 * scan) against the sequential model folding in rank order, bit for bit, for every algorithm and with
 * region buffers and Java arrays (heap ByteBuffers for the pair types) as arguments: generated rank
 * counts (1..8), counts, datatypes, operators (MINLOC/MAXLOC and a non-commutative user op included),
 * reduce-scatter layouts (equal, with zeros, uneven) and values (NaN, -0.0, infinities, extreme
 * integers); and the counts around the two-copy fragment and the single-copy thresholds. Ranks are
 * threads that each attach on their own. The in-place results equal the model, so they equal the
 * out-of-place ones.
 */
class ReduceScatterScanPropertiesTest
{
    private static final Op USER_AFFINE = Op.create(Model.AFFINE_COMPOSE, false);
    private static final Algorithm[] ALGORITHMS = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY};
    private static final Algorithm[] REDUCE_ALGORITHMS = {
        Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.SMARTMAP_SERIAL, Algorithm.SMARTMAP_THREADED, Algorithm.TWO_COPY};
    private static final int EXAMPLES = Integer.getInteger("smartmap.properties.examples", 40);
    private static final byte UNTOUCHED = (byte)0x5A;
    /** Equal blocks, blocks with zeros (rank 0's among them), uneven blocks. */
    private static final int EQUAL = 0;
    private static final int ZEROS = 1;
    private static final int UNEVEN = 2;

    @Test
    void reduceScatterScanAndInPlaceCallsMatchTheRankOrderModelBitForBit()
    {
        qt().withExamples(EXAMPLES).withShrinkCycles(10)
            .forAll(integers().between(1, 8), integers().between(0, 5000), longs().all())
            .checkAssert((size, count, seed) ->
            {
                final SplittableRandom random = new SplittableRandom(seed);
                final Datatype datatype = Datatype.values()[random.nextInt(Datatype.values().length)];
                check(size, List.of(new Case(size, count, datatype, pickOp(random, datatype), random.nextInt(3), seed)));
            });
    }

    /**
     * The counts that decide a path: 1 element, the single-copy thresholds of AUTO and the threaded
     * reduction (1 KiB: 128 doubles), the two-copy fragment (32 KiB: 4096 doubles, 4096 INT_INTs, 2048
     * DOUBLE_INTs), with the user op and MINLOC there too, on 1, 2, 3, 5 and 8 ranks.
     */
    @Test
    void shouldMatchTheModelAroundTheFragmentAndTheThresholds()
    {
        final int doubles = RegionDescriptor.FRAGMENT_BYTES / Datatype.DOUBLE.extent();
        final int pairs = RegionDescriptor.FRAGMENT_BYTES / Datatype.DOUBLE_INT.extent();
        for (final int size : new int[] {1, 2, 3, 5, 8})
        {
            final List<Case> cases = new ArrayList<>();
            long seed = 20261123L * size;
            for (final int count : new int[] {1, 127, 128, 129, doubles - 1, doubles, doubles + 1})
            {
                cases.add(new Case(size, count, Datatype.DOUBLE, Op.SUM, count % 3, seed++));
            }
            for (final int count : new int[] {doubles - 1, doubles, doubles + 1})
            {
                cases.add(new Case(size, count, Datatype.INT_INT, USER_AFFINE, count % 3, seed++));
            }
            for (final int count : new int[] {pairs - 1, pairs, pairs + 1})
            {
                cases.add(new Case(size, count, Datatype.DOUBLE_INT, Op.MINLOC, count % 3, seed++));
            }
            check(size, cases);
        }
    }

    /** One job of {@code size} thread ranks runs every case; every rank's every result must equal the model. */
    private static void check(final int size, final List<Case> cases)
    {
        long bytes = 0;
        for (final Case c : cases)
        {
            bytes = Math.max(bytes, (long)c.elements * c.datatype.extent());
        }
        final List<List<String>> perRank;
        try
        {
            perRank = ThreadRanks.run(size, Math.max(8L << 20, 8 * bytes + (4L << 20)), comm ->
            {
                final List<String> failures = new ArrayList<>();
                for (final Case c : cases)
                {
                    runCase(comm, c, failures);
                }
                return failures;
            });
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
        final List<String> failures = new ArrayList<>();
        int checked = 0;
        for (final List<String> rank : perRank)
        {
            for (final String line : rank)
            {
                if (line.startsWith("checked "))
                {
                    checked += Integer.parseInt(line.substring("checked ".length()));
                }
                else
                {
                    failures.add(line);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " wrong results, first: " +
            String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        int expected = 0;
        for (final Case c : cases)
        {
            expected += c.count == 0 ? 0 : size * 2 * (ALGORITHMS.length * 6 + REDUCE_ALGORITHMS.length * 2);
        }
        assertEquals(expected, checked, "every result checked");
    }

    /** Every new collective and in-place overload, every algorithm, region buffers then Java arrays. */
    private static void runCase(final Communicator comm, final Case c, final List<String> failures)
    {
        final int rank = comm.getRank();
        final int size = comm.getSize();
        final int count = c.count;
        final Datatype datatype = c.datatype;
        final int extent = datatype.extent();
        final byte[] mine = c.contributions[rank];
        int checked = 0;
        for (final boolean arrays : new boolean[] {false, true})
        {
            final Buffers buffers = new Buffers(comm, arrays, datatype);
            for (final Algorithm algorithm : ALGORITHMS)
            {
                final String where = (arrays ? "arrays" : "region") + " " + algorithm + " " + c;

                Object send = buffers.with(mine, count * size);
                Object recv = buffers.with(null, count);
                comm.reduceScatterBlock(send, recv, count, datatype, c.op, algorithm);
                checked += expect(failures, c.reduceScatterBlock[rank], buffers.read(recv, count), "reduceScatterBlock " + where);

                send = buffers.with(mine, c.total);
                recv = c.recvCounts[rank] == 0 && rank % 2 == 0 ? null : buffers.with(null, c.recvCounts[rank]);
                comm.reduceScatter(send, recv, c.recvCounts, datatype, c.op, algorithm);
                checked += expect(failures, c.reduceScatter[rank],
                    recv == null ? c.reduceScatter[rank] : buffers.read(recv, c.recvCounts[rank]), "reduceScatter " + where);

                send = buffers.with(mine, count);
                recv = buffers.with(null, count);
                comm.scan(send, recv, count, datatype, c.op, algorithm);
                checked += expect(failures, c.scan[rank], buffers.read(recv, count), "scan " + where);

                recv = rank == 0 && arrays ? null : buffers.with(null, count); // rank 0's may be null, else untouched
                comm.exScan(send, recv, count, datatype, c.op, algorithm);
                final byte[] exScan = rank == 0 ? untouched(count * extent) : c.scan[rank - 1];
                checked += expect(failures, exScan, recv == null ? exScan : buffers.read(recv, count), "exScan " + where);

                final Object inPlace = buffers.with(mine, count);
                comm.scan(inPlace, count, datatype, c.op, algorithm);
                checked += expect(failures, c.scan[rank], buffers.read(inPlace, count), "scan in place " + where);

                final Object gathered = buffers.with(c.allGatherInput(rank), count * size);
                comm.allGather(gathered, count, datatype, algorithm);
                checked += expect(failures, c.allGather, buffers.read(gathered, count * size), "allGather in place " + where);
                buffers.free();
            }
            for (final Algorithm algorithm : REDUCE_ALGORITHMS)
            {
                final String where = (arrays ? "arrays" : "region") + " " + algorithm + " " + c;
                Object inPlace = buffers.with(mine, count);
                comm.allReduce(inPlace, count, datatype, c.op, algorithm);
                checked += expect(failures, c.allReduce, buffers.read(inPlace, count), "allReduce in place " + where);

                final int root = (count + c.size - 1) % c.size;
                inPlace = buffers.with(mine, count);
                comm.reduce(inPlace, count, datatype, c.op, root, algorithm);
                checked += expect(failures, rank == root ? c.allReduce : Arrays.copyOf(mine, count * extent),
                    buffers.read(inPlace, count), "reduce in place (root " + root + ") " + where);
                buffers.free();
            }
        }
        if (count > 0)
        {
            failures.add("checked " + checked);
        }
    }

    /** @return 1 for a checked result, after recording a mismatch in {@code failures}. */
    private static int expect(final List<String> failures, final byte[] expected, final byte[] actual, final String what)
    {
        if (!Arrays.equals(expected, actual))
        {
            failures.add("WRONG " + what + " at byte " + Arrays.mismatch(expected, actual));
        }
        return 1;
    }

    private static byte[] untouched(final int bytes)
    {
        final byte[] out = new byte[bytes];
        Arrays.fill(out, UNTOUCHED);
        return out;
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

    /** One generated case and its model results, shared read-only by the rank threads. */
    private static final class Case
    {
        final int size;
        final int count;
        final Datatype datatype;
        final Op op;
        final int layout;
        final long seed;
        final int[] recvCounts;
        final int total;
        /** Elements of each rank's contribution: enough for every collective of the case. */
        final int elements;
        final byte[][] contributions;
        final byte[][] reduceScatterBlock;
        final byte[][] reduceScatter;
        final byte[][] scan;
        final byte[] allReduce;
        final byte[] allGather;

        Case(final int size, final int count, final Datatype datatype, final Op op, final int layout, final long seed)
        {
            this.size = size;
            this.count = count;
            this.datatype = datatype;
            this.op = op;
            this.layout = layout;
            this.seed = seed;
            final SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
            this.recvCounts = new int[size + random.nextInt(2)]; // sometimes longer than size: the extra entry is ignored
            for (int r = 0; r < recvCounts.length; r++)
            {
                recvCounts[r] = layout == EQUAL ? count : layout == ZEROS ? (r % 2 == 0 ? 0 : count) :
                    random.nextInt(2 * count + 1);
            }
            int sum = 0;
            for (int r = 0; r < size; r++)
            {
                sum += recvCounts[r];
            }
            this.total = sum;
            this.elements = Math.max(count * size, total);
            final int extent = datatype.extent();
            this.contributions = new byte[size][];
            for (int r = 0; r < size; r++)
            {
                contributions[r] = Model.values(seed, r, elements, datatype, op);
            }
            final byte[] full = Model.reduce(contributions, elements, datatype, op);
            this.reduceScatterBlock = new byte[size][];
            this.reduceScatter = new byte[size][];
            this.scan = new byte[size][];
            int start = 0;
            for (int r = 0; r < size; r++)
            {
                reduceScatterBlock[r] = Arrays.copyOfRange(full, r * count * extent, (r + 1) * count * extent);
                reduceScatter[r] = Arrays.copyOfRange(full, start * extent, (start + recvCounts[r]) * extent);
                start += recvCounts[r];
                scan[r] = Model.prefix(contributions, r, count, datatype, op);
            }
            this.allReduce = Arrays.copyOf(full, count * extent);
            this.allGather = new byte[count * size * extent];
            for (int r = 0; r < size; r++)
            {
                System.arraycopy(contributions[r], 0, allGather, r * count * extent, count * extent);
            }
        }

        /** An in-place allgather's buffer at {@code rank}: its own block in place, the others' garbage. */
        byte[] allGatherInput(final int rank)
        {
            final int block = count * datatype.extent();
            final byte[] in = untouched(block * size);
            System.arraycopy(contributions[rank], 0, in, rank * block, block);
            return in;
        }

        @Override
        public String toString()
        {
            return "size=" + size + ", count=" + count + ", datatype=" + datatype + ", op=" + op + ", layout=" + layout +
                ", recvCounts=" + Arrays.toString(recvCounts) + ", seed=" + seed;
        }
    }

    /**
     * Arguments of one kind: region buffers from the rank's arena, or Java arrays of the datatype
     * (heap ByteBuffers for the pair types that have no array type), filled with a contribution or
     * with {@link #UNTOUCHED}.
     */
    private static final class Buffers
    {
        private final Communicator comm;
        private final boolean arrays;
        private final Datatype datatype;
        private final List<RegionBuffer> allocated = new ArrayList<>();

        Buffers(final Communicator comm, final boolean arrays, final Datatype datatype)
        {
            this.comm = comm;
            this.arrays = arrays;
            this.datatype = datatype;
        }

        /** A buffer of {@code elements} elements holding the first bytes of {@code content}, or untouched bytes. */
        Object with(final byte[] content, final int elements)
        {
            final byte[] bytes = content == null ? untouched(elements * datatype.extent()) :
                Arrays.copyOf(content, elements * datatype.extent());
            if (!arrays)
            {
                final RegionBuffer buffer = comm.allocate(elements, datatype);
                buffer.buffer().putBytes(0, bytes);
                allocated.add(buffer);
                return buffer;
            }
            final ByteBuffer wrapped = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
            switch (datatype)
            {
                case BYTE:
                    return bytes;
                case INT:
                case INT_INT:
                {
                    final int[] array = new int[bytes.length / 4];
                    wrapped.asIntBuffer().get(array);
                    return array;
                }
                case LONG:
                {
                    final long[] array = new long[bytes.length / 8];
                    wrapped.asLongBuffer().get(array);
                    return array;
                }
                case FLOAT:
                {
                    final float[] array = new float[bytes.length / 4];
                    wrapped.asFloatBuffer().get(array);
                    return array;
                }
                case DOUBLE:
                {
                    final double[] array = new double[bytes.length / 8];
                    wrapped.asDoubleBuffer().get(array);
                    return array;
                }
                default:
                    return wrapped;
            }
        }

        /** @return the first {@code elements} elements of a buffer from {@link #with}, as bytes. */
        byte[] read(final Object buffer, final int elements)
        {
            final int bytes = elements * datatype.extent();
            final ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.nativeOrder());
            if (buffer instanceof RegionBuffer)
            {
                ((RegionBuffer)buffer).buffer().getBytes(0, out.array());
            }
            else if (buffer instanceof byte[])
            {
                out.put((byte[])buffer, 0, bytes);
            }
            else if (buffer instanceof int[])
            {
                out.asIntBuffer().put((int[])buffer, 0, bytes / 4);
            }
            else if (buffer instanceof long[])
            {
                out.asLongBuffer().put((long[])buffer, 0, bytes / 8);
            }
            else if (buffer instanceof float[])
            {
                out.asFloatBuffer().put((float[])buffer, 0, bytes / 4);
            }
            else if (buffer instanceof double[])
            {
                out.asDoubleBuffer().put((double[])buffer, 0, bytes / 8);
            }
            else
            {
                out.put(((ByteBuffer)buffer).duplicate().limit(bytes));
            }
            return out.array();
        }

        void free()
        {
            for (int i = allocated.size() - 1; i >= 0; i--)
            {
                comm.free(allocated.get(i));
            }
            allocated.clear();
        }
    }
}
