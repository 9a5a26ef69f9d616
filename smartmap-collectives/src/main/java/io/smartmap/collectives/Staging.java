package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;
import io.smartmap.core.SmartMap;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;

import java.nio.ByteBuffer;

/**
 * Buffer arguments of a collective: checks them (type, capacity, job, rank, aliasing) and stages
 * the ones that are not in this rank's region through scratch region buffers: copy-in before the
 * collective (or chunk by chunk inside it, {@link #scratch}), copy-out after it, scratch released
 * in reverse order after success and abandoned after a failure. A direct {@link ByteBuffer} whose
 * bytes lie in this rank's arena (a view of a region buffer, sliced or not) is used in place, and
 * an algorithm that never lets a peer touch a buffer copies straight to or from the Java array
 * ({@link #baseOf}, {@link #offsetOf}) instead of through scratch.
 */
final class Staging
{
    private static final int READ_ONLY_CHUNK_BYTES = 64 * 1024;

    private final SmartMap smartMap;
    private final RegionBuffer[] scratch = new RegionBuffer[2];
    private final Object[] originals = new Object[2];
    private final long[] copyOutBytes = new long[2];
    private int staged;

    Staging(final SmartMap smartMap)
    {
        this.smartMap = smartMap;
    }

    /** Check a buffer argument holds {@code elements} elements of {@code datatype}. */
    void check(final Object buffer, final String name, final long elements, final Datatype datatype)
    {
        final long capacityBytes = capacityBytes(buffer, name, datatype);
        if (elements * datatype.extent() > capacityBytes) // no division on the hot path; elements < 2^40, extent <= 16
        {
            throw new IllegalArgumentException("count exceeds " + name + ": count=" + elements + ", capacity=" +
                capacityBytes / datatype.extent() + ", datatype=" + datatype);
        }
    }

    /**
     * Check a buffer argument's type (a region buffer of this rank and job, a ByteBuffer, or the
     * datatype's Java array) and return its capacity.
     *
     * @return the bytes it holds (a ByteBuffer: from position to limit).
     */
    long capacityBytes(final Object buffer, final String name, final Datatype datatype)
    {
        if (buffer == null)
        {
            throw new IllegalArgumentException(name + " must not be null: " + name + "=null");
        }
        final long capacityBytes;
        if (buffer instanceof RegionBuffer)
        {
            final RegionBuffer region = (RegionBuffer)buffer;
            if (region.arena().segment() != smartMap.segment())
            {
                throw new IllegalArgumentException(name + " is from another job: " + name + "=" + region +
                    ", segment=" + region.arena().segment().path() + ", expected=" + smartMap.segment().path());
            }
            if (region.rank() != smartMap.rank())
            {
                throw new IllegalArgumentException(name + " is in another rank's region: " + name + "=" + region +
                    ", rank=" + smartMap.rank());
            }
            capacityBytes = region.capacity();
        }
        else if (buffer instanceof ByteBuffer)
        {
            capacityBytes = ((ByteBuffer)buffer).remaining();
        }
        else
        {
            final Class<?> expected = arrayClass(datatype);
            if (expected == null || buffer.getClass() != expected)
            {
                throw new IllegalArgumentException(name + " type does not match datatype: " + name + "=" +
                    buffer.getClass().getSimpleName() + ", datatype=" + datatype + ", expected=" +
                    (expected == null ? "RegionBuffer or ByteBuffer" : expected.getSimpleName() +
                    ", RegionBuffer or ByteBuffer"));
            }
            capacityBytes = (long)java.lang.reflect.Array.getLength(buffer) * arrayElementBytes(expected);
        }
        return capacityBytes;
    }

    /** Reject a send and receive buffer that share bytes of the region (MPI forbids aliased arguments). */
    void checkNoOverlap(final Object sendBuf, final Object recvBuf)
    {
        final RegionBuffer a = inRegion(sendBuf);
        final RegionBuffer b = inRegion(recvBuf);
        if (a != null && b != null)
        {
            if (a.regionOffset() < b.regionOffset() + b.capacity() && b.regionOffset() < a.regionOffset() + a.capacity())
            {
                throw new IllegalArgumentException("send and receive buffers overlap: sendBuf=" + a + ", recvBuf=" + b);
            }
        }
        else if (sendBuf == recvBuf && sendBuf != null)
        {
            throw new IllegalArgumentException("send and receive buffers are the same object: sendBuf=recvBuf=" +
                sendBuf.getClass().getSimpleName());
        }
    }

    /**
     * @return the argument as a buffer of this rank's region used in place: a {@link RegionBuffer}, or a
     *         direct {@link ByteBuffer} whose remaining bytes lie in this rank's arena; null otherwise.
     */
    RegionBuffer inRegion(final Object buffer)
    {
        if (buffer instanceof RegionBuffer)
        {
            return (RegionBuffer)buffer;
        }
        if (buffer instanceof ByteBuffer && ((ByteBuffer)buffer).isDirect())
        {
            final ByteBuffer bb = (ByteBuffer)buffer;
            return smartMap.arena().viewOf(BufferUtil.address(bb) + bb.position(), bb.remaining());
        }
        return null;
    }

    /**
     * The region buffer to run on: the argument itself ({@link #inRegion}), or a scratch copy of it.
     *
     * @param copyIn  copy the argument's bytes in now.
     * @param copyOut copy the scratch bytes back into the argument in {@link #copyOut()}.
     */
    RegionBuffer stage(final Object buffer, final long elements, final Datatype datatype,
        final boolean copyIn, final boolean copyOut)
    {
        final RegionBuffer region = inRegion(buffer);
        if (region != null)
        {
            return region;
        }
        final RegionBuffer scratch = scratch(buffer, elements, datatype, copyOut);
        if (copyIn)
        {
            copy(buffer, scratch.memoryAddress(), elements * datatype.extent(), true);
        }
        return scratch;
    }

    /**
     * A scratch copy of elements {@code [from, from + elements)} of an argument, a region buffer too:
     * the send side of an in-place call (MPI_IN_PLACE) whose algorithm needs its input intact while
     * the same buffer receives the result.
     */
    RegionBuffer copyOf(final Object buffer, final long from, final long elements, final Datatype datatype)
    {
        final RegionBuffer scratch = scratch(buffer, elements, datatype, false);
        final long offset = from * datatype.extent();
        final long bytes = elements * datatype.extent();
        if (addressable(buffer))
        {
            UnsafeApi.copyMemory(baseOf(buffer), offsetOf(buffer) + offset, null, scratch.memoryAddress(), bytes);
        }
        else
        {
            final ByteBuffer view = ((ByteBuffer)buffer).duplicate();
            view.position(view.position() + (int)offset);
            copy(view, scratch.memoryAddress(), bytes, true);
        }
        return scratch;
    }

    /**
     * Scratch for an argument that is not in the region, its bytes not copied in: the caller copies
     * them (e.g. chunk by chunk from {@link #baseOf}/{@link #offsetOf} while peers read).
     */
    RegionBuffer scratch(final Object buffer, final long elements, final Datatype datatype, final boolean copyOut)
    {
        final long bytes = elements * datatype.extent();
        if (copyOut && buffer instanceof ByteBuffer && ((ByteBuffer)buffer).isReadOnly())
        {
            throw new IllegalArgumentException("receive buffer is read-only: buffer=" + buffer);
        }
        final RegionBuffer region = smartMap.allocate((int)bytes);
        scratch[staged] = region;
        originals[staged] = buffer;
        copyOutBytes[staged] = copyOut ? bytes : 0;
        staged++;
        return region;
    }

    /**
     * @return whether an algorithm may copy straight to or from the argument ({@link #baseOf},
     *         {@link #offsetOf}): a Java array, a direct ByteBuffer, or a heap ByteBuffer whose array
     *         is accessible (a read-only heap buffer has none: it is staged with its bulk get).
     */
    static boolean addressable(final Object buffer)
    {
        return !(buffer instanceof ByteBuffer) || ((ByteBuffer)buffer).isDirect() || ((ByteBuffer)buffer).hasArray();
    }

    /**
     * @return whether an algorithm may copy straight into the argument: {@link #addressable} and not a
     *         read-only ByteBuffer (which {@link #stage} refuses as a receive buffer).
     */
    static boolean writableInPlace(final Object buffer)
    {
        return addressable(buffer) && !(buffer instanceof ByteBuffer && ((ByteBuffer)buffer).isReadOnly());
    }

    void copyOut()
    {
        for (int i = 0; i < staged; i++)
        {
            if (copyOutBytes[i] > 0)
            {
                copy(originals[i], scratch[i].memoryAddress(), copyOutBytes[i], false);
            }
        }
    }

    /**
     * Forget the scratch buffers of a failed collective without giving them back: a peer may still
     * be reading or writing them, so they must never be handed out again (the communicator is
     * unusable after a failure anyway).
     */
    void abandon()
    {
        while (staged > 0)
        {
            staged--;
            scratch[staged] = null;
            originals[staged] = null;
        }
    }

    void release()
    {
        while (staged > 0)
        {
            staged--;
            smartMap.arena().release(scratch[staged]);
            scratch[staged] = null;
            originals[staged] = null;
        }
    }

    /**
     * @return the object whose bytes an argument addresses, for {@code Unsafe.copyMemory}: the Java
     *         array (of a heap ByteBuffer too), or null for native memory (region and direct buffers).
     */
    static Object baseOf(final Object buffer)
    {
        if (buffer instanceof RegionBuffer)
        {
            return null;
        }
        if (buffer instanceof ByteBuffer)
        {
            final ByteBuffer bb = (ByteBuffer)buffer;
            return bb.isDirect() ? null : bb.array();
        }
        return buffer;
    }

    /** @return the offset of an argument's first byte within {@link #baseOf} (an address when that is null). */
    static long offsetOf(final Object buffer)
    {
        if (buffer instanceof RegionBuffer)
        {
            return ((RegionBuffer)buffer).memoryAddress();
        }
        if (buffer instanceof ByteBuffer)
        {
            final ByteBuffer bb = (ByteBuffer)buffer;
            return bb.isDirect() ? BufferUtil.address(bb) + bb.position() :
                UnsafeApi.arrayBaseOffset(byte[].class) + bb.arrayOffset() + bb.position();
        }
        return UnsafeApi.arrayBaseOffset(buffer.getClass());
    }

    static void copy(final Object buffer, final long memory, final long bytes, final boolean in)
    {
        if (!addressable(buffer)) // a read-only heap ByteBuffer: no array to address, only its bulk get
        {
            final ByteBuffer source = ((ByteBuffer)buffer).duplicate();
            final byte[] chunk = new byte[(int)Math.min(bytes, READ_ONLY_CHUNK_BYTES)];
            for (long at = 0; at < bytes; at += chunk.length)
            {
                final int length = (int)Math.min(chunk.length, bytes - at);
                source.get(chunk, 0, length);
                UnsafeApi.copyMemory(chunk, UnsafeApi.arrayBaseOffset(byte[].class), null, memory + at, length);
            }
            return;
        }
        if (in)
        {
            UnsafeApi.copyMemory(baseOf(buffer), offsetOf(buffer), null, memory, bytes);
        }
        else
        {
            UnsafeApi.copyMemory(null, memory, baseOf(buffer), offsetOf(buffer), bytes);
        }
    }

    private static Class<?> arrayClass(final Datatype datatype)
    {
        switch (datatype)
        {
            case BYTE:
                return byte[].class;
            case INT:
            case INT_INT:
                return int[].class;
            case LONG:
                return long[].class;
            case FLOAT:
                return float[].class;
            case DOUBLE:
                return double[].class;
            default:
                return null;
        }
    }

    private static int arrayElementBytes(final Class<?> arrayClass)
    {
        return arrayClass == byte[].class ? 1 : arrayClass == int[].class || arrayClass == float[].class ? 4 : 8;
    }
}
