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

    BenchBuffers(final Datatype datatype)
    {
        this.datatype = datatype;
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
                return new Region(comm, datatype, elements);
            case ARRAY:
                return new Arrays(datatype, elements);
            default:
                return new Bytes(datatype, elements);
        }
    }

    /** @return the send buffer argument of a collective. */
    abstract Object send();

    /** @return the receive buffer argument of a collective. */
    abstract Object recv();

    abstract void putSend(int index, long value);

    abstract double getRecv(int index);

    /** Region buffers: what the collectives read and write in place. */
    private static final class Region extends BenchBuffers
    {
        private final RegionBuffer send;
        private final RegionBuffer recv;

        Region(final Communicator comm, final Datatype datatype, final int elements)
        {
            super(datatype);
            send = comm.allocate(elements, datatype);
            recv = comm.allocate(elements, datatype);
        }

        @Override
        Object send()
        {
            return send;
        }

        @Override
        Object recv()
        {
            return recv;
        }

        @Override
        void putSend(final int index, final long value)
        {
            switch (datatype)
            {
                case DOUBLE: send.putDouble(index, value); break;
                case FLOAT: send.putFloat(index, value); break;
                case LONG: send.putLong(index, value); break;
                case INT: send.putInt(index, (int)value); break;
                default: send.putByte(index, (byte)value); break;
            }
        }

        @Override
        double getRecv(final int index)
        {
            switch (datatype)
            {
                case DOUBLE: return recv.getDouble(index);
                case FLOAT: return recv.getFloat(index);
                case LONG: return recv.getLong(index);
                case INT: return recv.getInt(index);
                default: return recv.getByte(index);
            }
        }
    }

    /** Direct byte buffers outside the region (native order). */
    private static final class Bytes extends BenchBuffers
    {
        private final ByteBuffer send;
        private final ByteBuffer recv;

        Bytes(final Datatype datatype, final int elements)
        {
            super(datatype);
            send = ByteBuffer.allocateDirect(elements * datatype.extent()).order(ByteOrder.nativeOrder());
            recv = ByteBuffer.allocateDirect(elements * datatype.extent()).order(ByteOrder.nativeOrder());
        }

        @Override
        Object send()
        {
            return send;
        }

        @Override
        Object recv()
        {
            return recv;
        }

        @Override
        void putSend(final int index, final long value)
        {
            put(send, index, value);
        }

        @Override
        double getRecv(final int index)
        {
            return get(recv, index);
        }
    }

    /** Java arrays of the datatype: what most users pass. */
    private static final class Arrays extends BenchBuffers
    {
        private final Object send;
        private final Object recv;

        Arrays(final Datatype datatype, final int elements)
        {
            super(datatype);
            send = newArray(datatype, elements);
            recv = newArray(datatype, elements);
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
        Object send()
        {
            return send;
        }

        @Override
        Object recv()
        {
            return recv;
        }

        @Override
        void putSend(final int index, final long value)
        {
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
