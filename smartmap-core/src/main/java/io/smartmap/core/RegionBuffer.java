package io.smartmap.core;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * A buffer allocated from a rank's region by its {@link Arena}: 64-byte aligned, in native byte
 * order, and known to peers by its segment {@link #address()}, so collectives read and write it
 * in place (single copy). Element accessors take an index in elements of the named type, not bytes.
 * <p>
 * A buffer stays addressable after {@link Arena#release} or {@link Arena#reset}, but its bytes may
 * then be handed out again: do not use it afterwards.
 */
public final class RegionBuffer
{
    private final Arena arena;
    private final int rank;
    private final int regionOffset;
    private final int capacity;
    private final long address;
    private final long epoch;
    private final UnsafeBuffer buffer;
    boolean released;

    RegionBuffer(
        final Arena arena,
        final int rank,
        final UnsafeBuffer region,
        final int regionOffset,
        final int capacity,
        final long address,
        final long epoch)
    {
        this.arena = arena;
        this.rank = rank;
        this.regionOffset = regionOffset;
        this.capacity = capacity;
        this.address = address;
        this.epoch = epoch;
        this.buffer = new UnsafeBuffer(region, regionOffset, capacity);
    }

    /** @return the rank whose region holds this buffer. */
    public int rank()
    {
        return rank;
    }

    /** @return the segment {@link Address} of the first byte (what control blocks publish). */
    public long address()
    {
        return address;
    }

    /** @return the byte offset of the first byte within the owner's region. */
    public int regionOffset()
    {
        return regionOffset;
    }

    /** @return capacity in bytes. */
    public int capacity()
    {
        return capacity;
    }

    /** @return the virtual address of the first byte in this process. */
    public long memoryAddress()
    {
        return buffer.addressOffset();
    }

    /** @return an Agrona view of exactly this buffer's bytes (index 0 is the first byte). */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return the arena that allocated this buffer. */
    public Arena arena()
    {
        return arena;
    }

    long epoch()
    {
        return epoch;
    }

    /** @return a new native-order {@link ByteBuffer} over exactly these bytes. */
    public ByteBuffer byteBuffer()
    {
        final ByteBuffer mapping = buffer.byteBuffer().duplicate();
        final int start = buffer.wrapAdjustment();
        mapping.limit(start + capacity).position(start);
        return mapping.slice().order(ByteOrder.nativeOrder());
    }

    /** @return an {@link IntBuffer} view, {@code capacity / 4} elements. */
    public IntBuffer asIntBuffer()
    {
        return byteBuffer().asIntBuffer();
    }

    /** @return a {@link LongBuffer} view, {@code capacity / 8} elements. */
    public LongBuffer asLongBuffer()
    {
        return byteBuffer().asLongBuffer();
    }

    /** @return a {@link FloatBuffer} view, {@code capacity / 4} elements. */
    public FloatBuffer asFloatBuffer()
    {
        return byteBuffer().asFloatBuffer();
    }

    /** @return a {@link DoubleBuffer} view, {@code capacity / 8} elements. */
    public DoubleBuffer asDoubleBuffer()
    {
        return byteBuffer().asDoubleBuffer();
    }

    public byte getByte(final int index)
    {
        return buffer.getByte(index);
    }

    public void putByte(final int index, final byte value)
    {
        buffer.putByte(index, value);
    }

    public int getInt(final int index)
    {
        return buffer.getInt(index * Integer.BYTES, ByteOrder.nativeOrder());
    }

    public void putInt(final int index, final int value)
    {
        buffer.putInt(index * Integer.BYTES, value, ByteOrder.nativeOrder());
    }

    public long getLong(final int index)
    {
        return buffer.getLong(index * Long.BYTES, ByteOrder.nativeOrder());
    }

    public void putLong(final int index, final long value)
    {
        buffer.putLong(index * Long.BYTES, value, ByteOrder.nativeOrder());
    }

    public float getFloat(final int index)
    {
        return buffer.getFloat(index * Float.BYTES, ByteOrder.nativeOrder());
    }

    public void putFloat(final int index, final float value)
    {
        buffer.putFloat(index * Float.BYTES, value, ByteOrder.nativeOrder());
    }

    public double getDouble(final int index)
    {
        return buffer.getDouble(index * Double.BYTES, ByteOrder.nativeOrder());
    }

    public void putDouble(final int index, final double value)
    {
        buffer.putDouble(index * Double.BYTES, value, ByteOrder.nativeOrder());
    }

    @Override
    public String toString()
    {
        return "RegionBuffer{rank=" + rank + ", regionOffset=" + regionOffset + ", capacity=" + capacity + '}';
    }
}
