package io.smartmap.bench;

import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.core.RegionBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The send and receive buffers a benchmark rank hands the collectives, of the kind a user passes
 * ({@code --buffers}): region buffers (the single-copy path, no staging), Java arrays of the
 * datatype ({@code float[]}, ...: staged through the rank's region), or direct {@link ByteBuffer}s
 * allocated outside the region (staged too). Element accessors take element indices, and are
 * used outside the timed region only.
 */
abstract class BenchBuffers
{
    /** What {@code --buffers} names. */
    enum Kind
    {
        REGION, ARRAY, BYTEBUFFER;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }

        static Kind parse(final String label)
        {
            for (final Kind kind : values())
            {
                if (kind.label().equals(label.trim().toLowerCase(Locale.ROOT)))
                {
                    return kind;
                }
            }
            throw new IllegalArgumentException("--buffers must be region, array or bytebuffer: buffers=" + label);
        }
    }

    final Datatype datatype;
    private final Object send;
    private final Object recv;

    BenchBuffers(final Datatype datatype, final Object send, final Object recv)
    {
        this.datatype = datatype;
        this.send = send;
        this.recv = recv;
    }

    /**
     * @param elements capacity of each buffer in elements of {@code datatype}.
     * @return send and receive buffers of {@code kind}.
     */
    static BenchBuffers allocate(final Kind kind, final Communicator comm, final Datatype datatype, final int elements)
    {
        switch (kind)
        {
            case REGION:
            {
                final RegionBuffer send = comm.allocate(elements, datatype);
                final RegionBuffer recv = comm.allocate(elements, datatype);
                return new Bytes(datatype, send, recv, send.byteBuffer(), recv.byteBuffer());
            }
            case ARRAY:
                return new Arrays(datatype, elements);
            default:
            {
                final ByteBuffer send = ByteBuffer.allocateDirect(elements * datatype.extent()).order(ByteOrder.nativeOrder());
                final ByteBuffer recv = ByteBuffer.allocateDirect(elements * datatype.extent()).order(ByteOrder.nativeOrder());
                return new Bytes(datatype, send, recv, send, recv);
            }
        }
    }

    /** @return the send buffer argument of a collective. */
    Object send()
    {
        return send;
    }

    /** @return the receive buffer argument of a collective. */
    Object recv()
    {
        return recv;
    }

    abstract void putSend(int index, long value);

    abstract double getRecv(int index);

    /** Arguments whose bytes a native-order ByteBuffer reaches: region buffers (through their views) or direct buffers. */
    private static final class Bytes extends BenchBuffers
    {
        private final ByteBuffer sendBytes;
        private final ByteBuffer recvBytes;

        Bytes(final Datatype datatype, final Object send, final Object recv, final ByteBuffer sendBytes,
            final ByteBuffer recvBytes)
        {
            super(datatype, send, recv);
            this.sendBytes = sendBytes;
            this.recvBytes = recvBytes;
        }

        @Override
        void putSend(final int index, final long value)
        {
            put(sendBytes, index, value);
        }

        @Override
        double getRecv(final int index)
        {
            return get(recvBytes, index);
        }
    }

    /** Java arrays of the datatype: what most users pass. */
    private static final class Arrays extends BenchBuffers
    {
        Arrays(final Datatype datatype, final int elements)
        {
            super(datatype, newArray(datatype, elements), newArray(datatype, elements));
        }

        private static Object newArray(final Datatype datatype, final int elements)
        {
            switch (datatype)
            {
                case DOUBLE: return new double[elements];
                case FLOAT: return new float[elements];
                case LONG: return new long[elements];
                case INT: return new int[elements];
                default: return new byte[elements];
            }
        }

        @Override
        void putSend(final int index, final long value)
        {
            final Object send = send();
            switch (datatype)
            {
                case DOUBLE: ((double[])send)[index] = value; break;
                case FLOAT: ((float[])send)[index] = value; break;
                case LONG: ((long[])send)[index] = value; break;
                case INT: ((int[])send)[index] = (int)value; break;
                default: ((byte[])send)[index] = (byte)value; break;
            }
        }

        @Override
        double getRecv(final int index)
        {
            final Object recv = recv();
            switch (datatype)
            {
                case DOUBLE: return ((double[])recv)[index];
                case FLOAT: return ((float[])recv)[index];
                case LONG: return ((long[])recv)[index];
                case INT: return ((int[])recv)[index];
                default: return ((byte[])recv)[index];
            }
        }
    }

    void put(final ByteBuffer buffer, final int index, final long value)
    {
        final int at = index * datatype.extent();
        switch (datatype)
        {
            case DOUBLE: buffer.putDouble(at, value); break;
            case FLOAT: buffer.putFloat(at, value); break;
            case LONG: buffer.putLong(at, value); break;
            case INT: buffer.putInt(at, (int)value); break;
            default: buffer.put(at, (byte)value); break;
        }
    }

    double get(final ByteBuffer buffer, final int index)
    {
        final int at = index * datatype.extent();
        switch (datatype)
        {
            case DOUBLE: return buffer.getDouble(at);
            case FLOAT: return buffer.getFloat(at);
            case LONG: return buffer.getLong(at);
            case INT: return buffer.getInt(at);
            default: return buffer.get(at);
        }
    }
}
