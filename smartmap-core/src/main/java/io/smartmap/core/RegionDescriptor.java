package io.smartmap.core;

/**
 * Layout of one rank's region (stride bytes at {@code SegmentDescriptor.regionOffset(rank, stride)}).
 * <pre>
 *  +-----------------------------+ 0
 *  | control block (coll_info)   |   ControlBlockDescriptor.CONTROL_BLOCK_LENGTH
 *  +-----------------------------+ FRAGMENT_AREA_OFFSET
 *  | fragment ring 0             |   RING_SLOTS x fragmentBytes(size, stride), unicast to rank 0
 *  | ...                         |
 *  | fragment ring own rank      |   the multicast ring (one producer, every peer reads)
 *  | ...                         |
 *  | fragment ring size-1        |
 *  +-----------------------------+ arenaOffset(size, stride), page aligned
 *  | arena: user buffers,        |   64-byte aligned allocations
 *  | 64-byte aligned             |
 *  +-----------------------------+ stride
 * </pre>
 * The fragment rings are the shared bounce buffers of the two-copy (copy-in/copy-out) path; ring
 * {@code d} of rank {@code s} carries data from {@code s} to {@code d}, and ring {@code s} of rank
 * {@code s} is read by every peer.
 * <p>
 * Every rank has {@code size} rings, so the rings grow with the square of the job: at 1024 ranks,
 * 32 KiB fragments would take 128 MiB of every region. The fragment size is therefore a per-job
 * value, {@link #fragmentBytes(int, long)}, computed from the rank count and the stride alone, so
 * every rank derives the same layout from the segment header: {@link #FRAGMENT_BYTES} whenever the
 * rings of that size and {@link #MIN_ARENA_BYTES} fit in the stride, else the largest power of two
 * from {@link #MIN_FRAGMENT_BYTES} up that fits (a 1024-rank job with 1 MiB regions gets 128-byte
 * fragments).
 */
public final class RegionDescriptor
{
    /**
     * Bytes per two-copy fragment when the stride has room for it (Open MPI xhc pipelines in 16 KiB
     * chunks; we measured 32 KiB better), and the largest fragment of any job.
     */
    public static final int FRAGMENT_BYTES = 32 * 1024;
    /** Smallest two-copy fragment: one cache line (fragments are powers of two, so whole lines). */
    public static final int MIN_FRAGMENT_BYTES = 64;
    /** Fragments per ring: lets the producer run ahead of the consumer by this many fragments. */
    public static final int RING_SLOTS = 4;
    /** Alignment of every arena allocation. */
    public static final int ALLOCATION_ALIGNMENT = 64;
    /** The arena starts on a page boundary. */
    public static final int PAGE_BYTES = 4096;
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
     * The job's two-copy fragment size: {@link #FRAGMENT_BYTES} if the control block, {@code rankCount}
     * rings of {@link #RING_SLOTS} such fragments and {@link #MIN_ARENA_BYTES} fit in the stride, else
     * the largest power of two, at least {@link #MIN_FRAGMENT_BYTES}, for which they fit. A function of
     * its arguments only, so every rank of a job computes the same value.
     *
     * @param rankCount   ranks in the job, {@code [1, ControlBlockDescriptor.MAX_RANKS]}.
     * @param strideBytes the region stride in bytes.
     * @return bytes per fragment, a power of two in {@code [MIN_FRAGMENT_BYTES, FRAGMENT_BYTES]}.
     * @throws IllegalArgumentException if the rank count is out of range or the stride is below
     *                                  {@link #minRegionBytes(int)}.
     */
    public static int fragmentBytes(final int rankCount, final long strideBytes)
    {
        checkRankCount(rankCount);
        for (int fragment = FRAGMENT_BYTES; fragment >= MIN_FRAGMENT_BYTES; fragment >>= 1)
        {
            if (arenaOffsetFor(rankCount, fragment) + MIN_ARENA_BYTES <= strideBytes)
            {
                return fragment;
            }
        }
        throw new IllegalArgumentException("region too small for the two-copy rings: stride=" + strideBytes +
            " bytes, min=" + minRegionBytes(rankCount) + " bytes for size=" + rankCount);
    }

    /**
     * Offset of one fragment slot inside a region.
     *
     * @param ring          the ring index (destination rank, or the owner's rank for the multicast ring).
     * @param slot          slot in {@code [0, RING_SLOTS)}.
     * @param fragmentBytes the job's {@link #fragmentBytes(int, long)}.
     * @return byte offset from the region start.
     */
    public static int fragmentOffset(final int ring, final int slot, final int fragmentBytes)
    {
        return FRAGMENT_AREA_OFFSET + ringSlotOffset(ring, slot, fragmentBytes);
    }

    /**
     * Offset of one fragment slot from the start of a ring area (the region's at
     * {@link #FRAGMENT_AREA_OFFSET}, or a sub-communicator's in the arena).
     *
     * @param ring          the ring index (destination rank, or the owner's rank for the multicast ring).
     * @param slot          slot in {@code [0, RING_SLOTS)}.
     * @param fragmentBytes the ring area's fragment size.
     * @return byte offset from the ring area's start.
     */
    public static int ringSlotOffset(final int ring, final int slot, final int fragmentBytes)
    {
        return (ring * RING_SLOTS + slot) * fragmentBytes;
    }

    /**
     * Offset of the arena for a job: after the control block and the rings, on a page boundary.
     *
     * @param rankCount   ranks in the job.
     * @param strideBytes the region stride in bytes.
     * @return byte offset from the region start.
     * @throws IllegalArgumentException as {@link #fragmentBytes(int, long)}.
     */
    public static int arenaOffset(final int rankCount, final long strideBytes)
    {
        return arenaOffsetFor(rankCount, fragmentBytes(rankCount, strideBytes));
    }

    /**
     * Smallest region for a job of {@code rankCount} ranks: the control block, rings of
     * {@link #MIN_FRAGMENT_BYTES} fragments and {@link #MIN_ARENA_BYTES} (352 KiB at 1024 ranks).
     *
     * @param rankCount ranks in the job, {@code [1, ControlBlockDescriptor.MAX_RANKS]}.
     * @return bytes.
     * @throws IllegalArgumentException if the rank count is out of range.
     */
    public static long minRegionBytes(final int rankCount)
    {
        checkRankCount(rankCount);
        return (long)arenaOffsetFor(rankCount, MIN_FRAGMENT_BYTES) + MIN_ARENA_BYTES;
    }

    /**
     * Region size that gives a job full-size ({@link #FRAGMENT_BYTES}) fragments and at least
     * {@code arenaBytes} of arena: what to ask for when the arena must hold known buffers.
     *
     * @param rankCount  ranks in the job, {@code [1, ControlBlockDescriptor.MAX_RANKS]}.
     * @param arenaBytes bytes of user buffers needed; at least {@link #MIN_ARENA_BYTES} is reserved.
     * @return bytes (before rounding to a power-of-two stride, which only adds arena).
     * @throws IllegalArgumentException if the rank count is out of range or {@code arenaBytes < 0}.
     */
    public static long regionBytesFor(final int rankCount, final long arenaBytes)
    {
        checkRankCount(rankCount);
        if (arenaBytes < 0)
        {
            throw new IllegalArgumentException("arena size must not be negative: arenaBytes=" + arenaBytes);
        }
        return (long)arenaOffsetFor(rankCount, FRAGMENT_BYTES) + Math.max(arenaBytes, MIN_ARENA_BYTES);
    }

    private static int arenaOffsetFor(final int rankCount, final int fragmentBytes)
    {
        final int ringsEnd = FRAGMENT_AREA_OFFSET + rankCount * RING_SLOTS * fragmentBytes;
        return (ringsEnd + PAGE_BYTES - 1) & -PAGE_BYTES;
    }

    private static void checkRankCount(final int rankCount)
    {
        if (rankCount < 1 || rankCount > ControlBlockDescriptor.MAX_RANKS)
        {
            throw new IllegalArgumentException("rank count out of range: size=" + rankCount +
                ", min=1, max=" + ControlBlockDescriptor.MAX_RANKS);
        }
    }
}
