package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;
import io.smartmap.core.RegionDescriptor;
import org.agrona.BufferUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Gather, scatter and their v-variants, allgatherv and alltoallv against a sequential model, for every
 * algorithm (AUTO, SMARTMAP, TWO_COPY), over generated rank counts (1..8), datatypes, roots, counts
 * (0, 1, around the two-copy fragment, a few KiB), per-rank counts (zeros included), displacement
 * layouts (contiguous, with gaps, reversed, shuffled; send blocks also all at 0) and buffer kinds
 * (region buffers, Java arrays, heap and direct ByteBuffers with a position, ByteBuffer views of region
 * buffers), a different kind on each rank. Every byte of every buffer is compared: the receive blocks
 * with the model, everything else (gaps, tails, the bytes around a ByteBuffer's data, the send buffers,
 * a non-root's unused buffers) with what was there before. Ranks are threads that attach on their own;
 * the case seed alone regenerates the case.
 */
class GatherScatterPropertiesTest
{
    private static final Algorithm[] ALGORITHMS = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY};
    private static final int EXAMPLES = Integer.getInteger("smartmap.properties.examples", 40);
    private static final byte SENTINEL = (byte)0x5A;
    private static final int GUARD = 24;

    enum Kind
    {
        REGION, ARRAY, HEAP_BYTES, DIRECT_BYTES, REGION_BYTES
    }

    enum Layout
    {
        CONTIGUOUS, GAPS, REVERSED, SHUFFLED, ALL_AT_ZERO
    }

    @Test
    void everyNewCollectiveMatchesTheModelWithEveryAlgorithm()
    {
        qt().withExamples(EXAMPLES).withShrinkCycles(10)
            .forAll(integers().between(1, 8), longs().all())
            .checkAssert(GatherScatterPropertiesTest::check);
    }

    /** Every rank count 1..8 at least once, whatever the generator draws. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void everyRankCountMatchesTheModel(final int size)
    {
        check(size, 20261123L * size);
    }

    /** The model cannot pass a wrong result: a flipped byte in a receive block or a gap is reported. */
    @Test
    void theCheckFindsAWrongByte()
    {
        final int bytes = 4 * Datatype.INT.extent();
        final byte[] initial = new byte[bytes + 8];
        Arrays.fill(initial, SENTINEL);
        final byte[] expected = initial.clone();
        System.arraycopy(new byte[] {1, 2, 3, 4}, 0, expected, 4, 4);
        final byte[] actual = expected.clone();
        assertEquals(null, compare(expected, actual, "same"));
        actual[5] = 9;
        assertEquals("wrong at byte 5 of 24", compare(expected, actual, "wrong"));
        actual[5] = 2;
        actual[20] = 0;
        assertEquals("gap at byte 20 of 24", compare(expected, actual, "gap"));
    }

    private static void check(final int size, final long seed)
    {
        final List<List<String>> failures = run(size, comm -> new Case(comm, seed).runAll());
        final List<String> all = new ArrayList<>();
        failures.forEach(all::addAll);
        assertEquals(List.of(), all, "size=" + size + ", seed=" + seed);
    }

    /** One generated case, the same on every rank (from the seed and the segment), run on one rank. */
    private static final class Case
    {
        private final Communicator comm;
        private final int size;
        private final int rank;
        private final long seed;
        private final Datatype datatype;
        private final int extent;
        private final int root;
        private final int count;
        /** Per-rank counts of the v-variants (gatherv sends, scatterv receives, allgatherv sends). */
        private final int[] counts;
        /** alltoallv: elements from rank i to rank j. */
        private final int[][] matrix;
        private final long layoutSeed;
        private final List<String> failures = new ArrayList<>();

        Case(final Communicator comm, final long seed)
        {
            this.comm = comm;
            this.size = comm.getSize();
            this.rank = comm.getRank();
            this.seed = seed;
            final SplittableRandom random = new SplittableRandom(seed);
            this.datatype = Datatype.values()[random.nextInt(Datatype.values().length)];
            this.extent = datatype.extent();
            this.root = random.nextInt(size);
            final int fragmentElements = RegionDescriptor.fragmentBytes(size, comm.smartMap().segment().strideBytes()) / extent;
            final int[] choices = {0, 1, fragmentElements - 1, fragmentElements, fragmentElements + 1,
                1 + random.nextInt(4096 / extent), random.nextInt(64)};
            this.count = choices[random.nextInt(choices.length)];
            this.counts = new int[size];
            this.matrix = new int[size][size];
            for (int r = 0; r < size; r++)
            {
                counts[r] = perRank(random);
                for (int j = 0; j < size; j++)
                {
                    matrix[r][j] = perRank(random);
                }
            }
            this.layoutSeed = random.nextLong();
        }

        private int perRank(final SplittableRandom random)
        {
            switch (random.nextInt(4))
            {
                case 0:
                    return 0;
                case 1:
                    return count;
                default:
                    return random.nextInt(count + 2);
            }
        }

        List<String> runAll()
        {
            for (int a = 0; a < ALGORITHMS.length; a++)
            {
                final Algorithm algorithm = ALGORITHMS[a];
                final SplittableRandom random = new SplittableRandom(layoutSeed + a * 1_000_003L + rank);
                gather(algorithm, random);
                scatter(algorithm, random);
                gatherv(algorithm, random);
                scatterv(algorithm, random);
                allGatherv(algorithm, random);
                allToAllv(algorithm, random);
            }
            return failures;
        }

        /** Rank r's send data for one collective: {@code elements} model values. */
        private byte[] data(final int salt, final int r, final int elements)
        {
            return Model.values(seed * 31 + salt, r, elements, datatype, Op.SUM);
        }

        private void gather(final Algorithm algorithm, final SplittableRandom random)
        {
            final String what = "gather " + algorithm + " " + describe();
            final Arg send = new Arg(comm, kind(random), datatype, data(1, rank, count));
            final int tail = random.nextInt(3) * extent;
            final Arg recv = rank == root || random.nextBoolean() ? new Arg(comm, kind(random), datatype, sentinel(count * size * extent + tail)) : null;
            final byte[] expected = recv == null ? null : recv.snapshot();
            if (rank == root)
            {
                for (int r = 0; r < size; r++)
                {
                    System.arraycopy(data(1, r, count), 0, expected, recv.start + r * count * extent, count * extent);
                }
            }
            final byte[] sent = send.snapshot();
            comm.gather(send.argument, recv == null ? null : recv.argument, count, datatype, root, algorithm);
            verify(send, sent, "send buffer of " + what);
            verify(recv, expected, what);
            free(send, recv);
        }

        private void scatter(final Algorithm algorithm, final SplittableRandom random)
        {
            final String what = "scatter " + algorithm + " " + describe();
            final byte[] rootData = data(2, root, count * size);
            final Arg send = rank == root ? new Arg(comm, kind(random), datatype, rootData) :
                random.nextBoolean() ? new Arg(comm, kind(random), datatype, sentinel(extent)) : null;
            final int tail = random.nextInt(3) * extent;
            final Arg recv = new Arg(comm, kind(random), datatype, sentinel(count * extent + tail));
            final byte[] expected = recv.snapshot();
            System.arraycopy(rootData, rank * count * extent, expected, recv.start, count * extent);
            final byte[] sent = send == null ? null : send.snapshot();
            comm.scatter(send == null ? null : send.argument, recv.argument, count, datatype, root, algorithm);
            verify(send, sent, "send buffer of " + what);
            verify(recv, expected, what);
            free(send, recv);
        }

        private void gatherv(final Algorithm algorithm, final SplittableRandom random)
        {
            final String what = "gatherv " + algorithm + " " + describe() + " counts=" + Arrays.toString(counts);
            final Arg send = new Arg(comm, kind(random), datatype, data(3, rank, counts[rank]));
            Arg recv = null;
            int[] displs = null;
            byte[] expected = null;
            if (rank == root)
            {
                final Layout layout = layout(random, false);
                displs = displacements(counts, layout, random);
                recv = new Arg(comm, kind(random), datatype, sentinel(span(counts, displs, random) * extent));
                expected = recv.snapshot();
                for (int r = 0; r < size; r++)
                {
                    System.arraycopy(data(3, r, counts[r]), 0, expected, recv.start + displs[r] * extent, counts[r] * extent);
                }
            }
            final byte[] sent = send.snapshot();
            comm.gatherv(send.argument, counts[rank], recv == null ? null : recv.argument, rank == root ? counts.clone() : null,
                displs, datatype, root, algorithm);
            verify(send, sent, "send buffer of " + what);
            verify(recv, expected, what + " displs=" + Arrays.toString(displs));
            free(send, recv);
        }

        private void scatterv(final Algorithm algorithm, final SplittableRandom random)
        {
            final String what = "scatterv " + algorithm + " " + describe() + " counts=" + Arrays.toString(counts);
            // the root's layout, which every rank knows (from the root's stream) to compute its expected block
            final SplittableRandom rootRandom = new SplittableRandom(layoutSeed ^ 0x5CA77E5L);
            final int[] displs = displacements(counts, layout(rootRandom, true), rootRandom);
            final int span = span(counts, displs, rootRandom);
            final byte[] rootData = data(4, root, span);
            Arg send = null;
            if (rank == root)
            {
                send = new Arg(comm, kind(random), datatype, rootData);
            }
            final int tail = random.nextInt(3) * extent;
            final Arg recv = new Arg(comm, kind(random), datatype, sentinel(counts[rank] * extent + tail));
            final byte[] expected = recv.snapshot();
            System.arraycopy(rootData, displs[rank] * extent, expected, recv.start, counts[rank] * extent);
            final byte[] sent = send == null ? null : send.snapshot();
            comm.scatterv(send == null ? null : send.argument, rank == root ? counts.clone() : null,
                rank == root ? displs.clone() : null, recv.argument, counts[rank], datatype, root, algorithm);
            verify(send, sent, "send buffer of " + what);
            verify(recv, expected, what + " displs=" + Arrays.toString(displs));
            free(send, recv);
        }

        private void allGatherv(final Algorithm algorithm, final SplittableRandom random)
        {
            final String what = "allGatherv " + algorithm + " " + describe() + " counts=" + Arrays.toString(counts);
            final Arg send = new Arg(comm, kind(random), datatype, data(5, rank, counts[rank]));
            final int[] displs = displacements(counts, layout(random, false), random); // each rank its own layout
            final Arg recv = new Arg(comm, kind(random), datatype, sentinel(span(counts, displs, random) * extent));
            final byte[] expected = recv.snapshot();
            for (int r = 0; r < size; r++)
            {
                System.arraycopy(data(5, r, counts[r]), 0, expected, recv.start + displs[r] * extent, counts[r] * extent);
            }
            final byte[] sent = send.snapshot();
            comm.allGatherv(send.argument, counts[rank], recv.argument, counts.clone(), displs, datatype, algorithm);
            verify(send, sent, "send buffer of " + what);
            verify(recv, expected, what + " displs=" + Arrays.toString(displs));
            free(send, recv);
        }

        private void allToAllv(final Algorithm algorithm, final SplittableRandom random)
        {
            final String what = "allToAllv " + algorithm + " " + describe() + " matrix=" + Arrays.deepToString(matrix);
            final int[] sendCounts = matrix[rank].clone();
            final int[] recvCounts = new int[size];
            for (int i = 0; i < size; i++)
            {
                recvCounts[i] = matrix[i][rank];
            }
            final int[] recvDispls = displacements(recvCounts, layout(random, false), random);
            final Arg recv = new Arg(comm, kind(random), datatype, sentinel(span(recvCounts, recvDispls, random) * extent));
            final byte[] expected = recv.snapshot();
            // every rank's send layout, from its own stream, so each rank knows where its blocks come from
            int[] sendDispls = null;
            Arg send = null;
            for (int i = 0; i < size; i++)
            {
                final SplittableRandom senderRandom = new SplittableRandom(layoutSeed * 7 + i);
                final int[] displs = displacements(matrix[i], layout(senderRandom, true), senderRandom);
                final byte[] sendData = data(6, i, span(matrix[i], displs, senderRandom));
                System.arraycopy(sendData, displs[rank] * extent, expected, recv.start + recvDispls[i] * extent,
                    matrix[i][rank] * extent);
                if (i == rank)
                {
                    sendDispls = displs;
                    send = new Arg(comm, kind(random), datatype, sendData);
                }
            }
            final byte[] sent = send.snapshot();
            comm.allToAllv(send.argument, sendCounts, sendDispls, recv.argument, recvCounts, recvDispls, datatype, algorithm);
            verify(send, sent, "send buffer of " + what);
            verify(recv, expected, what + " sDispls=" + Arrays.toString(sendDispls) + " rDispls=" +
                Arrays.toString(recvDispls));
            free(send, recv);
        }

        private Kind kind(final SplittableRandom random)
        {
            final Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
            return kind == Kind.ARRAY && Arg.arrayOf(datatype, 0) == null ? Kind.HEAP_BYTES : kind;
        }

        private Layout layout(final SplittableRandom random, final boolean send)
        {
            // send blocks may overlap (they are only read): all at element 0 is a layout there
            return Layout.values()[random.nextInt(Layout.values().length - (send ? 0 : 1))];
        }

        /** Displacements (elements) of blocks of {@code blockCounts} in a layout. */
        private int[] displacements(final int[] blockCounts, final Layout layout, final SplittableRandom random)
        {
            final int[] order = new int[size];
            for (int i = 0; i < size; i++)
            {
                order[i] = layout == Layout.REVERSED ? size - 1 - i : i;
            }
            if (layout == Layout.SHUFFLED)
            {
                for (int i = size - 1; i > 0; i--)
                {
                    final int j = random.nextInt(i + 1);
                    final int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            final int[] displs = new int[size];
            int at = layout == Layout.GAPS ? random.nextInt(3) : 0;
            for (final int r : order)
            {
                displs[r] = layout == Layout.ALL_AT_ZERO ? 0 : at;
                at += blockCounts[r] + (layout == Layout.GAPS || layout == Layout.SHUFFLED ? random.nextInt(3) : 0);
            }
            return displs;
        }

        /** Elements a buffer needs for the blocks, plus a tail of 0..2 elements nobody may write. */
        private int span(final int[] blockCounts, final int[] displs, final SplittableRandom random)
        {
            int end = 0;
            for (int r = 0; r < size; r++)
            {
                end = Math.max(end, displs[r] + blockCounts[r]);
            }
            return end + random.nextInt(3);
        }

        private String describe()
        {
            return "size=" + size + " rank=" + rank + " datatype=" + datatype + " root=" + root + " count=" + count +
                " seed=" + seed;
        }

        private void verify(final Arg arg, final byte[] expected, final String what)
        {
            if (arg == null)
            {
                return;
            }
            final String failure = compare(expected, arg.snapshot(), what + " (" + arg.kind + ")");
            if (failure != null)
            {
                failures.add(failure);
            }
        }

        private void free(final Arg a, final Arg b)
        {
            if (a != null)
            {
                a.free(comm);
            }
            if (b != null)
            {
                b.free(comm);
            }
        }
    }

    private static String compare(final byte[] expected, final byte[] actual, final String what)
    {
        final int at = Arrays.mismatch(expected, actual);
        return at < 0 ? null : what + " at byte " + at + " of " + expected.length;
    }

    private static byte[] sentinel(final int bytes)
    {
        final byte[] data = new byte[bytes];
        Arrays.fill(data, SENTINEL);
        return data;
    }

    /**
     * One buffer argument holding {@code data}, of a kind; {@link #snapshot} returns every byte of its
     * storage (for a ByteBuffer also the bytes before its position and after its limit), the data from
     * {@link #start}.
     */
    static final class Arg
    {
        final Kind kind;
        final Object argument;
        final int start;
        private final RegionBuffer region;
        private final ByteBuffer whole;

        Arg(final Communicator comm, final Kind kind, final Datatype datatype, final byte[] data)
        {
            this.kind = kind;
            final int bytes = data.length;
            switch (kind)
            {
                case REGION:
                    region = comm.allocate(bytes / datatype.extent(), datatype);
                    argument = region;
                    whole = region.byteBuffer();
                    start = 0;
                    break;
                case ARRAY:
                    region = null;
                    argument = arrayOf(datatype, bytes);
                    whole = null;
                    start = 0;
                    break;
                case HEAP_BYTES:
                {
                    region = null;
                    final ByteBuffer backing = ByteBuffer.allocate(bytes + 3 * GUARD);
                    backing.position(GUARD); // the slice's array offset
                    final ByteBuffer slice = backing.slice().order(ByteOrder.nativeOrder());
                    slice.position(GUARD).limit(GUARD + bytes);
                    argument = slice;
                    whole = backing;
                    start = 2 * GUARD;
                    break;
                }
                case DIRECT_BYTES:
                {
                    region = null;
                    final ByteBuffer direct = ByteBuffer.allocateDirect(bytes + 2 * GUARD).order(ByteOrder.nativeOrder());
                    direct.position(GUARD).limit(GUARD + bytes);
                    argument = direct;
                    whole = direct.duplicate().clear();
                    start = GUARD;
                    break;
                }
                default:
                {
                    region = comm.allocate(bytes + 2 * GUARD, Datatype.BYTE);
                    final ByteBuffer view = region.byteBuffer();
                    view.position(GUARD / 2);
                    final ByteBuffer slice = view.slice().order(ByteOrder.nativeOrder());
                    slice.position(GUARD / 2).limit(GUARD / 2 + bytes);
                    argument = slice;
                    whole = region.byteBuffer();
                    start = GUARD;
                    break;
                }
            }
            if (kind == Kind.ARRAY)
            {
                final ByteBuffer source = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
                if (argument instanceof byte[])
                {
                    source.get((byte[])argument);
                }
                else if (argument instanceof int[])
                {
                    source.asIntBuffer().get((int[])argument);
                }
                else if (argument instanceof long[])
                {
                    source.asLongBuffer().get((long[])argument);
                }
                else if (argument instanceof float[])
                {
                    source.asFloatBuffer().get((float[])argument);
                }
                else
                {
                    source.asDoubleBuffer().get((double[])argument);
                }
                return;
            }
            for (int i = 0; i < whole.capacity(); i++)
            {
                whole.put(i, i >= start && i < start + bytes ? data[i - start] : SENTINEL);
            }
        }

        /** @return the datatype's Java array of {@code bytes}, or null where there is none. */
        static Object arrayOf(final Datatype datatype, final int bytes)
        {
            switch (datatype)
            {
                case BYTE:
                    return new byte[bytes];
                case INT:
                case INT_INT:
                    return new int[bytes / Integer.BYTES];
                case LONG:
                    return new long[bytes / Long.BYTES];
                case FLOAT:
                    return new float[bytes / Float.BYTES];
                case DOUBLE:
                    return new double[bytes / Double.BYTES];
                default:
                    return null;
            }
        }

        byte[] snapshot()
        {
            if (kind == Kind.ARRAY)
            {
                final int bytes = java.lang.reflect.Array.getLength(argument) *
                    (argument instanceof byte[] ? 1 : argument instanceof long[] || argument instanceof double[] ? 8 : 4);
                final byte[] out = new byte[bytes];
                final ByteBuffer target = ByteBuffer.wrap(out).order(ByteOrder.nativeOrder());
                if (argument instanceof byte[])
                {
                    target.put((byte[])argument);
                }
                else if (argument instanceof int[])
                {
                    target.asIntBuffer().put((int[])argument);
                }
                else if (argument instanceof long[])
                {
                    target.asLongBuffer().put((long[])argument);
                }
                else if (argument instanceof float[])
                {
                    target.asFloatBuffer().put((float[])argument);
                }
                else
                {
                    target.asDoubleBuffer().put((double[])argument);
                }
                return out;
            }
            final byte[] out = new byte[whole.capacity()];
            for (int i = 0; i < out.length; i++)
            {
                out[i] = whole.get(i);
            }
            return out;
        }

        void free(final Communicator comm)
        {
            if (region != null)
            {
                comm.free(region);
            }
            if (kind == Kind.DIRECT_BYTES)
            {
                BufferUtil.free((ByteBuffer)argument);
            }
        }
    }

    private static <T> List<T> run(final int size, final java.util.function.Function<Communicator, T> body)
    {
        try
        {
            return ThreadRanks.run(size, 16L << 20, body);
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
}
