package io.smartmap.collectives;

import io.smartmap.core.ControlBlock;
import io.smartmap.core.RegionBuffer;
import org.agrona.BufferUtil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Rank program for process tests of staging: every collective and algorithm with the buffers a user
 * passes (region buffers, Java arrays, heap ByteBuffers with an array offset and a position, direct
 * ByteBuffers outside the region with a position, and sliced ByteBuffer views of region buffers),
 * with a different kind on each rank, compared bit for bit with the sequential model. Receive
 * buffers must be written exactly in [position, position + bytes), ByteBuffers' positions and
 * limits must be unchanged, and a ByteBuffer view of a region buffer must reach the control block
 * as itself (not a staged copy). Exits 1 if anything is wrong.
 */
public final class StagedCheckRank
{
    enum Kind
    {
        REGION, ARRAY, HEAP_BYTES, DIRECT_BYTES, REGION_BYTES
    }

    private static final Algorithm[] REDUCE = {
        Algorithm.AUTO, Algorithm.SMARTMAP_SERIAL, Algorithm.SMARTMAP_THREADED, Algorithm.TWO_COPY};
    private static final Algorithm[] MOVE = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY};
    private static final Object[][] CASES = {{Datatype.FLOAT, Op.SUM}, {Datatype.LONG, Op.BXOR}, {Datatype.DOUBLE_INT, Op.MINLOC}};
    /** Around the staging chunk (16 KiB) and the split and single-copy thresholds. */
    private static final int[] COUNTS = {1, 100, 4096, 5000, 70_000};
    /** Bytes before a ByteBuffer's position and after its data that no collective may write. */
    private static final int GUARD = 24;
    private static final byte SENTINEL = (byte)0x5A;

    private static int failures;
    private static int checked;

    private StagedCheckRank()
    {
    }

    public static void main(final String[] args)
    {
        try (Communicator comm = Communicator.world())
        {
            final int size = comm.getSize();
            final int rank = comm.getRank();
            for (final Object[] c : CASES)
            {
                final Datatype datatype = (Datatype)c[0];
                final Op op = (Op)c[1];
                for (final int count : COUNTS)
                {
                    for (int variant = 0; variant < Kind.values().length; variant++)
                    {
                        Kind kind = Kind.values()[(rank + variant) % Kind.values().length];
                        if (kind == Kind.ARRAY && datatype == Datatype.DOUBLE_INT)
                        {
                            kind = Kind.HEAP_BYTES; // no Java array holds a (double, int) pair
                        }
                        checkAll(comm, kind, datatype, op, count, count * 31L + variant * 7L + datatype.ordinal(),
                            (count + variant) % size);
                    }
                }
            }
            checkRegionViewIsUsedInPlace(comm);
            comm.barrier();
            System.out.println("rank " + rank + " checked " + checked + " results, failures=" + failures);
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    private static void checkAll(final Communicator comm, final Kind kind, final Datatype datatype, final Op op,
        final int count, final long seed, final int root)
    {
        final int size = comm.getSize();
        final int rank = comm.getRank();
        final byte[][] contributions = new byte[size][];
        final byte[][] firstBlocks = new byte[size][];
        final int bytes = count * datatype.extent();
        for (int r = 0; r < size; r++)
        {
            contributions[r] = Model.values(seed, r, count * size, datatype, op);
            firstBlocks[r] = Arrays.copyOf(contributions[r], bytes);
        }
        final byte[] reduced = Model.reduce(firstBlocks, count, datatype, op);
        final byte[] allToAll = new byte[bytes * size];
        final byte[] allGather = new byte[bytes * size];
        for (int j = 0; j < size; j++)
        {
            System.arraycopy(contributions[j], rank * bytes, allToAll, j * bytes, bytes);
            System.arraycopy(contributions[j], 0, allGather, j * bytes, bytes);
        }
        final String what = kind + " " + datatype + " " + op + " count=" + count + " root=" + root;
        final Buffer send = new Buffer(comm, kind, datatype, count * size);
        final Buffer recv = new Buffer(comm, kind, datatype, count * size);
        send.write(contributions[rank]);
        for (final Algorithm algorithm : REDUCE)
        {
            recv.clear();
            comm.reduce(send.argument, recv.argument, count, datatype, op, root, algorithm);
            if (rank == root)
            {
                recv.expect(reduced, "reduce " + algorithm + " " + what);
            }
            recv.clear();
            comm.allReduce(send.argument, recv.argument, count, datatype, op, algorithm);
            recv.expect(reduced, "allReduce " + algorithm + " " + what);
        }
        for (final Algorithm algorithm : MOVE)
        {
            recv.clear();
            if (rank == root)
            {
                recv.write(firstBlocks[root]);
            }
            comm.bcast(recv.argument, count, datatype, root, algorithm);
            recv.expect(firstBlocks[root], "bcast " + algorithm + " " + what);
            recv.clear();
            comm.allToAll(send.argument, recv.argument, count, datatype, algorithm);
            recv.expect(allToAll, "allToAll " + algorithm + " " + what);
            recv.clear();
            comm.allGather(send.argument, recv.argument, count, datatype, algorithm);
            recv.expect(allGather, "allGather " + algorithm + " " + what);
        }
        send.expectSent(contributions[rank], what);
        recv.free();
        send.free();
    }

    /** The address a bcast root publishes for a sliced ByteBuffer view of a region buffer is the view's own. */
    private static void checkRegionViewIsUsedInPlace(final Communicator comm)
    {
        final int count = 1000;
        final RegionBuffer region = comm.allocate(count + 128, Datatype.FLOAT);
        final ByteBuffer view = region.byteBuffer();
        view.position(64 * Float.BYTES);
        final ByteBuffer slice = view.slice().order(ByteOrder.nativeOrder());
        slice.position(4 * Float.BYTES); // the data starts at float 68 of the region buffer
        final long expected = region.address() + 68L * Float.BYTES;
        if (comm.getRank() == 0)
        {
            for (int i = 0; i < count; i++)
            {
                slice.putFloat(slice.position() + i * Float.BYTES, i);
            }
        }
        comm.bcast(slice, count, Datatype.FLOAT, 0, Algorithm.SMARTMAP);
        final ControlBlock self = comm.smartMap().controlBlock(comm.getRank());
        final long published = comm.getRank() == 0 ? self.sendAddress() : self.recvAddress();
        checked++;
        if (published != expected)
        {
            fail("region view published 0x" + Long.toHexString(published) + ", expected 0x" + Long.toHexString(expected));
        }
        for (int i = 0; i < count; i++)
        {
            if (region.getFloat(68 + i) != i)
            {
                fail("region view bcast: float " + i + " = " + region.getFloat(68 + i));
                break;
            }
        }
        comm.free(region);
    }

    private static void fail(final String message)
    {
        failures++;
        System.out.println("WRONG: " + message);
    }

    /** One argument of a given kind, with the bytes around it watched. */
    private static final class Buffer
    {
        private final Communicator comm;
        private final Kind kind;
        private final int bytes;
        private final Object argument;
        /** Where the argument's data lives, as bytes: the backing ByteBuffer (whole), and the data's start in it. */
        private final ByteBuffer whole;
        private final int start;
        private final RegionBuffer region;
        private final int position;
        private final int limit;

        Buffer(final Communicator comm, final Kind kind, final Datatype datatype, final int elements)
        {
            this.comm = comm;
            this.kind = kind;
            this.bytes = elements * datatype.extent();
            switch (kind)
            {
                case REGION:
                    region = comm.allocate(elements, datatype);
                    argument = region;
                    whole = region.byteBuffer();
                    start = 0;
                    break;
                case ARRAY:
                    region = null;
                    argument = datatype == Datatype.FLOAT ? new float[elements] : new long[elements];
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
                    whole = backing.order(ByteOrder.nativeOrder());
                    start = 2 * GUARD;
                    break;
                }
                case DIRECT_BYTES:
                {
                    region = null;
                    final ByteBuffer direct = ByteBuffer.allocateDirect(bytes + 2 * GUARD).order(ByteOrder.nativeOrder());
                    direct.position(GUARD).limit(GUARD + bytes);
                    argument = direct;
                    whole = direct.duplicate().clear().order(ByteOrder.nativeOrder());
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
            this.position = argument instanceof ByteBuffer ? ((ByteBuffer)argument).position() : 0;
            this.limit = argument instanceof ByteBuffer ? ((ByteBuffer)argument).limit() : 0;
            clear();
        }

        /** Fill the data with a pattern and the guards with the sentinel. */
        void clear()
        {
            if (kind == Kind.ARRAY)
            {
                write(filled(bytes, (byte)1));
                return;
            }
            for (int i = 0; i < whole.capacity(); i++)
            {
                whole.put(i, i >= start && i < start + bytes ? (byte)1 : SENTINEL);
            }
        }

        void write(final byte[] data)
        {
            if (kind == Kind.ARRAY)
            {
                final ByteBuffer source = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
                if (argument instanceof float[])
                {
                    source.asFloatBuffer().get((float[])argument, 0, data.length / Float.BYTES);
                }
                else
                {
                    source.asLongBuffer().get((long[])argument, 0, data.length / Long.BYTES);
                }
                return;
            }
            for (int i = 0; i < data.length; i++)
            {
                whole.put(start + i, data[i]);
            }
        }

        byte[] read(final int length)
        {
            final byte[] data = new byte[length];
            if (kind == Kind.ARRAY)
            {
                final ByteBuffer target = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
                if (argument instanceof float[])
                {
                    target.asFloatBuffer().put((float[])argument, 0, length / Float.BYTES);
                }
                else
                {
                    target.asLongBuffer().put((long[])argument, 0, length / Long.BYTES);
                }
                return data;
            }
            for (int i = 0; i < length; i++)
            {
                data[i] = whole.get(start + i);
            }
            return data;
        }

        void expect(final byte[] expected, final String what)
        {
            checked++;
            final byte[] actual = read(expected.length);
            if (!Arrays.equals(expected, actual))
            {
                fail(what + " at byte " + Arrays.mismatch(expected, actual));
            }
            checkFrame(what);
        }

        /** A send buffer is never written. */
        void expectSent(final byte[] expected, final String what)
        {
            expect(expected, "send buffer unchanged, " + what);
        }

        private void checkFrame(final String what)
        {
            if (kind == Kind.ARRAY || kind == Kind.REGION)
            {
                return;
            }
            for (int i = 0; i < whole.capacity(); i++)
            {
                if ((i < start || i >= start + bytes) && whole.get(i) != SENTINEL)
                {
                    fail(what + ": byte " + (i - start) + " outside the buffer's data was written");
                    return;
                }
            }
            final ByteBuffer bb = (ByteBuffer)argument;
            if (bb.position() != position || bb.limit() != limit)
            {
                fail(what + ": position/limit moved to " + bb.position() + "/" + bb.limit());
            }
        }

        void free()
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

        private static byte[] filled(final int length, final byte value)
        {
            final byte[] data = new byte[length];
            Arrays.fill(data, value);
            return data;
        }
    }
}
