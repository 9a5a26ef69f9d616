package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;
import io.smartmap.core.SmartMap;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;

import java.nio.ByteBuffer;

/**
 * Buffer arguments of a collective: checks them (type, capacity, job, rank, aliasing) and stages
 * the ones that are not in this rank's region through scratch region buffers: copy-in before the
 * collective, copy-out after it, scratch released in reverse order whatever happens.
 */
final class Staging
{
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
        final long capacity = capacityBytes / datatype.extent();
        if (elements > capacity)
        {
            throw new IllegalArgumentException("count exceeds " + name + ": count=" + elements + ", capacity=" +
                capacity + ", datatype=" + datatype);
        }
    }

    /** Reject a send and receive region buffer that share bytes (MPI forbids aliased arguments). */
    void checkNoOverlap(final Object sendBuf, final Object recvBuf)
    {
        if (sendBuf instanceof RegionBuffer && recvBuf instanceof RegionBuffer)
        {
            final RegionBuffer a = (RegionBuffer)sendBuf;
            final RegionBuffer b = (RegionBuffer)recvBuf;
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
     * The region buffer to run on: the argument itself, or a scratch copy of it.
     *
     * @param copyIn  copy the argument's bytes in now.
     * @param copyOut copy the scratch bytes back into the argument in {@link #copyOut()}.
     */
    RegionBuffer stage(final Object buffer, final long elements, final Datatype datatype,
        final boolean copyIn, final boolean copyOut)
    {
        if (buffer instanceof RegionBuffer)
        {
            return (RegionBuffer)buffer;
        }
        final long bytes = elements * datatype.extent();
        final RegionBuffer region = smartMap.allocate((int)bytes);
        scratch[staged] = region;
        originals[staged] = buffer;
        copyOutBytes[staged] = copyOut ? bytes : 0;
        staged++;
        if (copyIn)
        {
            transfer(buffer, region.memoryAddress(), bytes, true);
        }
        return region;
    }

    void copyOut()
    {
        for (int i = 0; i < staged; i++)
        {
            if (copyOutBytes[i] > 0)
            {
                transfer(originals[i], scratch[i].memoryAddress(), copyOutBytes[i], false);
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

    private static void transfer(final Object buffer, final long memory, final long bytes, final boolean in)
    {
        final Object base;
        final long offset;
        if (buffer instanceof ByteBuffer)
        {
            final ByteBuffer bb = (ByteBuffer)buffer;
            if (bb.isDirect())
            {
                base = null;
                offset = BufferUtil.address(bb) + bb.position();
            }
            else
            {
                base = bb.array();
                offset = UnsafeApi.arrayBaseOffset(byte[].class) + bb.arrayOffset() + bb.position();
            }
        }
        else
        {
            base = buffer;
            offset = UnsafeApi.arrayBaseOffset(buffer.getClass());
        }
        if (in)
        {
            UnsafeApi.copyMemory(base, offset, null, memory, bytes);
        }
        else
        {
            UnsafeApi.copyMemory(null, memory, base, offset, bytes);
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
