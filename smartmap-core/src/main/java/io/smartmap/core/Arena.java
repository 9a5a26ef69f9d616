package io.smartmap.core;

import java.util.ArrayList;

/**
 * Allocator of one rank's buffers from the arena part of its own region (see {@link RegionDescriptor}).
 * Allocations are 64-byte aligned and bump a pointer; {@link #release} frees the newest live
 * allocation at once and an older one as soon as everything allocated after it is released too
 * (a stack, like MPI's scratch usage); {@link #reset} frees everything. Thread-safe (the rank's
 * communicators may run on threads of their own and all allocate scratch here); only the owner rank allocates.
 */
public final class Arena
{
    private final Segment segment;
    private final int rank;
    private final int start;
    private final long end;
    private final ArrayList<RegionBuffer> live = new ArrayList<>();
    private int top;
    private long epoch;

    /**
     * @param segment the job's segment.
     * @param rank    the rank whose region this arena carves.
     */
    public Arena(final Segment segment, final int rank)
    {
        this.segment = segment;
        this.rank = rank;
        this.start = RegionDescriptor.arenaOffset(segment.rankCount(), segment.strideBytes());
        this.end = segment.strideBytes();
        this.top = start;
    }

    /**
     * Allocate a buffer in this rank's region.
     *
     * @param bytes capacity in bytes, {@code >= 0}.
     * @return a 64-byte aligned buffer, zero-filled only if never used before.
     * @throws IllegalArgumentException if {@code bytes < 0}.
     * @throws IllegalStateException    if the arena lacks the space (message gives requested and free bytes).
     */
    public synchronized RegionBuffer allocate(final int bytes)
    {
        if (bytes < 0)
        {
            throw new IllegalArgumentException("allocation size must not be negative: bytes=" + bytes);
        }
        final long aligned = ((long)bytes + RegionDescriptor.ALLOCATION_ALIGNMENT - 1) &
            -RegionDescriptor.ALLOCATION_ALIGNMENT;
        if (top + aligned > end)
        {
            throw new IllegalStateException("arena exhausted: requested=" + bytes + " bytes, free=" + freeBytes() +
                " bytes, rank=" + rank + ", regionSize=" + end);
        }
        final long address = Address.encode(rank, top, segment.strideShift());
        final RegionBuffer buffer = new RegionBuffer(this, rank, segment.region(rank), top, bytes, address, epoch);
        top += (int)aligned;
        live.add(buffer);
        return buffer;
    }

    /**
     * A buffer over bytes of this arena that the caller already holds, such as a {@link java.nio.ByteBuffer}
     * view of a region buffer ({@link RegionBuffer#byteBuffer()}, sliced or not): not an allocation, so
     * never released ({@link #release} refuses it). Collectives use it in place, like the buffer it views.
     *
     * @param memoryAddress virtual address of the first byte in this process.
     * @param bytes         length in bytes.
     * @return the view, or null if the bytes do not all lie in this rank's arena.
     */
    public synchronized RegionBuffer viewOf(final long memoryAddress, final int bytes)
    {
        final long offset = memoryAddress - segment.regionMemoryAddress(rank);
        if (bytes < 0 || offset < start || offset > end - bytes)
        {
            return null;
        }
        final RegionBuffer view = new RegionBuffer(this, rank, segment.region(rank), (int)offset, bytes,
            Address.encode(rank, (int)offset, segment.strideShift()), epoch);
        view.released = true; // not the arena's to give back
        return view;
    }

    /**
     * Give a buffer back. Its bytes are reused once every buffer allocated after it is released too.
     *
     * @param buffer a live buffer of this arena.
     * @throws IllegalArgumentException if the buffer is from another arena, was released, or predates {@link #reset}.
     */
    public synchronized void release(final RegionBuffer buffer)
    {
        if (buffer == null || buffer.arena() != this)
        {
            throw new IllegalArgumentException("buffer not from this arena: buffer=" + buffer + ", rank=" + rank);
        }
        if (buffer.released || buffer.epoch() != epoch)
        {
            throw new IllegalArgumentException("buffer already released: buffer=" + buffer);
        }
        buffer.released = true;
        while (!live.isEmpty() && live.get(live.size() - 1).released)
        {
            top = live.remove(live.size() - 1).regionOffset();
        }
    }

    /** Free every allocation; buffers allocated before must no longer be used. */
    public synchronized void reset()
    {
        for (final RegionBuffer buffer : live)
        {
            buffer.released = true;
        }
        live.clear();
        top = start;
        epoch++;
    }

    /** @return bytes still free. */
    public synchronized long freeBytes()
    {
        return end - top;
    }

    /** @return bytes in use, including alignment padding and released buffers not yet reclaimed. */
    public synchronized long usedBytes()
    {
        return top - start;
    }

    /** @return the arena's total bytes. */
    public long capacityBytes()
    {
        return end - start;
    }

    /** @return the segment whose region this arena carves. */
    public Segment segment()
    {
        return segment;
    }

    /** @return the owning rank. */
    public int rank()
    {
        return rank;
    }
}
