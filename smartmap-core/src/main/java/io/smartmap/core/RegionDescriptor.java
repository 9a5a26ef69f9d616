package io.smartmap.core;

/**
 * Layout of one rank's region (stride bytes at {@code SegmentDescriptor.regionOffset(rank, stride)}).
 * <pre>
 *  +-----------------------------+ 0
 *  | control block (coll_info)   |   ControlBlockDescriptor.CONTROL_BLOCK_LENGTH
 *  +-----------------------------+ FRAGMENT_AREA_OFFSET
 *  | fragment ring 0             |   RING_SLOTS x FRAGMENT_BYTES, unicast to rank 0
 *  | ...                         |
 *  | fragment ring own rank      |   the multicast ring (one producer, every peer reads)
 *  | ...                         |
 *  | fragment ring size-1        |
 *  +-----------------------------+ arenaOffset(size)
 *  | arena: user buffers,        |   64-byte aligned allocations
 *  | 64-byte aligned             |
 *  +-----------------------------+ stride
 * </pre>
 * The fragment rings are the shared bounce buffers of the two-copy (copy-in/copy-out) path; ring
 * {@code d} of rank {@code s} carries data from {@code s} to {@code d}, and ring {@code s} of rank
 * {@code s} is read by every peer.
 */
public final class RegionDescriptor
{
    /** Bytes per two-copy fragment (Open MPI xhc pipelines in 16 KiB chunks; we measured 32 KiB better). */
    public static final int FRAGMENT_BYTES = 32 * 1024;
    /** Fragments per ring: lets the producer run ahead of the consumer by this many fragments. */
    public static final int RING_SLOTS = 4;
    /** Bytes per ring. */
    public static final int RING_BYTES = FRAGMENT_BYTES * RING_SLOTS;
    /** Alignment of every arena allocation. */
    public static final int ALLOCATION_ALIGNMENT = 64;
    /** Smallest arena we accept: a region must hold at least this many bytes of user buffers. */
    public static final int MIN_ARENA_BYTES = 64 * 1024;
    /** Largest stride: one region must fit one Java mapping (2 GiB limit per MappedByteBuffer). */
    public static final long MAX_STRIDE_BYTES = 1L << 30;

    public static final int CONTROL_BLOCK_OFFSET = 0;
    public static final int FRAGMENT_AREA_OFFSET = ControlBlockDescriptor.CONTROL_BLOCK_LENGTH;

    private RegionDescriptor()
    {
    }

    /**
     * Offset of one fragment slot inside a region.
     *
     * @param ring the ring index (destination rank, or the owner's rank for the multicast ring).
     * @param slot slot in {@code [0, RING_SLOTS)}.
     * @return byte offset from the region start.
     */
    public static int fragmentOffset(final int ring, final int slot)
    {
        return FRAGMENT_AREA_OFFSET + ring * RING_BYTES + slot * FRAGMENT_BYTES;
    }

    /**
     * Offset of the arena for a job of {@code rankCount} ranks.
     *
     * @param rankCount ranks in the job.
     * @return byte offset from the region start.
     */
    public static int arenaOffset(final int rankCount)
    {
        return FRAGMENT_AREA_OFFSET + rankCount * RING_BYTES;
    }

    /**
     * Smallest region for a job of {@code rankCount} ranks.
     *
     * @param rankCount ranks in the job.
     * @return bytes: control block, rings and {@link #MIN_ARENA_BYTES}.
     */
    public static long minRegionBytes(final int rankCount)
    {
        return (long)arenaOffset(rankCount) + MIN_ARENA_BYTES;
    }
}
