package io.smartmap.core;

import org.agrona.concurrent.AtomicBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Layout of the segment file: one header followed by one region per rank at a fixed offset.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Magic "SMARTMAP"                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        Layout Version                         |
 *  +---------------------------------------------------------------+
 *  |                          Rank Count                           |
 *  +---------------------------------------------------------------+
 *  |                     Region Stride (bytes)                     |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                          Creator PID                          |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Creation Time (epoch millis)                 |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |           Cores (the creator's available processors)          |
 *  +---------------------------------------------------------------+
 *  |                     Job Id Length (bytes)                     |
 *  +---------------------------------------------------------------+
 *  |                 Job Id (UTF-8, at most 64 bytes)             ...
 *  +---------------------------------------------------------------+
 *  |          State (ready word, written last with release)        |  at 128
 *  +---------------------------------------------------------------+
 *  |     Aborted Ranks (count, bumped by each rank that aborts)    |  at 256
 *  +---------------------------------------------------------------+
 *  |                  padding to HEADER_LENGTH (4096)             ...
 *  +---------------------------------------------------------------+
 *  |                    Region of rank 0 (stride)                 ...
 *  +---------------------------------------------------------------+
 *  |                    Region of rank 1 (stride)                 ...
 *  +---------------------------------------------------------------+
 * </pre>
 * Region {@code r} starts at {@code HEADER_LENGTH + r * stride}; the stride is a power of two so a
 * rank's region is a fixed slot, the JVM picture of SMARTMAP's one-PML4-slot-per-rank.
 */
public final class SegmentDescriptor
{
    /** "SMARTMAP" in ASCII, little-endian. */
    public static final long MAGIC = 0x50414D5452414D53L;
    /**
     * Rank {@code r}'s liveness lock is byte {@code RANK_LOCKS_OFFSET + r} of the job's lock file
     * ({@link Segment#lockPathFor}, a file of its own: POSIX record locks do not survive the
     * process closing another descriptor of the same file, which mapping the segment does).
     */
    public static final long RANK_LOCKS_OFFSET = 0;
    /** Bumped on any incompatible change of this header or of {@link ControlBlockDescriptor}. */
    public static final int LAYOUT_VERSION = 6;

    public static final int MAGIC_OFFSET;
    public static final int LAYOUT_VERSION_OFFSET;
    public static final int RANK_COUNT_OFFSET;
    public static final int REGION_STRIDE_OFFSET;
    public static final int CREATOR_PID_OFFSET;
    public static final int CREATION_TIME_OFFSET;
    public static final int CORES_OFFSET;
    public static final int JOB_ID_LENGTH_OFFSET;
    public static final int JOB_ID_OFFSET;
    public static final int STATE_OFFSET;
    /**
     * How many ranks have marked themselves aborted (atomic add by each, once): zero while the job is
     * healthy, so a rank checks the whole job with one load of a line nobody writes, instead of every
     * peer's state. On a cache line pair of its own.
     */
    public static final int ABORTED_RANKS_OFFSET = 256;

    /** Longest job id in UTF-8 bytes. */
    public static final int MAX_JOB_ID_BYTES = 64;
    /** Header length: one page so every region is page aligned. */
    public static final int HEADER_LENGTH = 4096;

    /** State: the creator is still writing the header. */
    public static final int STATE_INITIALIZING = 0;
    /** State: header complete, regions may be used. */
    public static final int STATE_READY = 1;

    static
    {
        int offset = 0;
        MAGIC_OFFSET = offset;
        offset += Long.BYTES;
        LAYOUT_VERSION_OFFSET = offset;
        offset += Integer.BYTES;
        RANK_COUNT_OFFSET = offset;
        offset += Integer.BYTES;
        REGION_STRIDE_OFFSET = offset;
        offset += Long.BYTES;
        CREATOR_PID_OFFSET = offset;
        offset += Long.BYTES;
        CREATION_TIME_OFFSET = offset;
        offset += Long.BYTES;
        CORES_OFFSET = offset;
        offset += Integer.BYTES;
        JOB_ID_LENGTH_OFFSET = offset;
        offset += Integer.BYTES;
        JOB_ID_OFFSET = offset;
        offset += MAX_JOB_ID_BYTES;
        // the ready word sits on its own cache line pair so polling attachers do not disturb the header
        STATE_OFFSET = 128;
        if (offset > STATE_OFFSET)
        {
            throw new AssertionError("header fields overlap the state word: " + offset);
        }
    }

    private SegmentDescriptor()
    {
    }

    /**
     * @param rank rank in {@code [0, rankCount)}.
     * @return the byte of the job's lock file that the rank holds locked while it lives.
     */
    public static long rankLockPosition(final int rank)
    {
        return RANK_LOCKS_OFFSET + rank;
    }

    /**
     * Byte offset of a rank's region from the start of the file.
     *
     * @param rank         rank in {@code [0, rankCount)}.
     * @param strideBytes  region stride in bytes (power of two).
     * @return {@code HEADER_LENGTH + rank * strideBytes}.
     */
    public static long regionOffset(final int rank, final long strideBytes)
    {
        return HEADER_LENGTH + rank * strideBytes;
    }

    /**
     * Total file length for a job.
     *
     * @param rankCount   number of ranks.
     * @param strideBytes region stride in bytes.
     * @return header plus all regions, in bytes.
     */
    public static long segmentLength(final int rankCount, final long strideBytes)
    {
        return HEADER_LENGTH + rankCount * strideBytes;
    }

    public static long magic(final AtomicBuffer header)
    {
        return header.getLong(MAGIC_OFFSET);
    }

    public static int layoutVersion(final AtomicBuffer header)
    {
        return header.getInt(LAYOUT_VERSION_OFFSET);
    }

    public static int rankCount(final AtomicBuffer header)
    {
        return header.getInt(RANK_COUNT_OFFSET);
    }

    public static long regionStride(final AtomicBuffer header)
    {
        return header.getLong(REGION_STRIDE_OFFSET);
    }

    public static long creatorPid(final AtomicBuffer header)
    {
        return header.getLong(CREATOR_PID_OFFSET);
    }

    /**
     * @return the cores the job's creator could use, recorded once so that every rank bases its
     * oversubscription choices on the same number (ranks pinned to fewer cores would disagree).
     */
    public static int cores(final AtomicBuffer header)
    {
        return header.getInt(CORES_OFFSET);
    }

    public static long creationTimeMs(final AtomicBuffer header)
    {
        return header.getLong(CREATION_TIME_OFFSET);
    }

    public static String jobId(final AtomicBuffer header)
    {
        final int length = header.getInt(JOB_ID_LENGTH_OFFSET);
        if (length < 0 || length > MAX_JOB_ID_BYTES)
        {
            return "<corrupt job id length " + length + ">";
        }
        final byte[] bytes = new byte[length];
        header.getBytes(JOB_ID_OFFSET, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public static int stateAcquire(final AtomicBuffer header)
    {
        return header.getIntAcquire(STATE_OFFSET);
    }

    /** @return how many ranks of the job have aborted (acquire: their reasons are visible). */
    public static int abortedRanksAcquire(final AtomicBuffer header)
    {
        return header.getIntAcquire(ABORTED_RANKS_OFFSET);
    }

    /** Count one more aborted rank (atomic; after the rank's own state was released as aborted). */
    static void addAbortedRank(final AtomicBuffer header)
    {
        header.getAndAddInt(ABORTED_RANKS_OFFSET, 1);
    }

    /**
     * Write every header field except the state word.
     */
    static void writeHeader(
        final AtomicBuffer header,
        final int rankCount,
        final long strideBytes,
        final byte[] jobIdUtf8,
        final long creatorPid,
        final long creationTimeMs,
        final int cores)
    {
        header.putLong(MAGIC_OFFSET, MAGIC);
        header.putInt(LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
        header.putInt(RANK_COUNT_OFFSET, rankCount);
        header.putLong(REGION_STRIDE_OFFSET, strideBytes);
        header.putLong(CREATOR_PID_OFFSET, creatorPid);
        header.putLong(CREATION_TIME_OFFSET, creationTimeMs);
        header.putInt(CORES_OFFSET, cores);
        header.putInt(JOB_ID_LENGTH_OFFSET, jobIdUtf8.length);
        header.putBytes(JOB_ID_OFFSET, jobIdUtf8);
    }

    /**
     * Publish the header: a release store after all other fields, so an attacher that reads
     * {@link #STATE_READY} with an acquire load sees every field written before it.
     */
    static void signalReady(final AtomicBuffer header)
    {
        header.putIntRelease(STATE_OFFSET, STATE_READY);
    }
}
