package io.smartmap.core;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static io.smartmap.core.ControlBlockDescriptor.*;

/**
 * One rank's {@code coll_info} (layout in {@link ControlBlockDescriptor}), seen from any rank.
 * The owner publishes an operation descriptor per collective; peers read it, bump
 * {@code TURN}/{@code FINISHED}, and watch {@code STATE}. Method names carry the memory semantics.
 */
public final class ControlBlock
{
    /** {@link #descriptorMatches} result: the peer's descriptor for the sequence equals ours. */
    public static final int MATCH = 0;
    /** {@link #descriptorMatches} result: the peer entered the same sequence with another operation. */
    public static final int MISMATCH = 1;
    /** {@link #descriptorMatches} result: the peer has already moved past the sequence (it checked us). */
    public static final int MOVED_ON = 2;

    private final int rank;
    private final UnsafeBuffer buffer;
    private final UnsafeBuffer header;

    /**
     * @param rank   owner rank.
     * @param region the owner's region view (the block is at its start).
     * @param header the segment header, whose aborted-rank count an abort bumps.
     */
    public ControlBlock(final int rank, final UnsafeBuffer region, final UnsafeBuffer header)
    {
        this(rank, region, RegionDescriptor.CONTROL_BLOCK_OFFSET, header);
    }

    private ControlBlock(final int rank, final UnsafeBuffer region, final int offset, final UnsafeBuffer header)
    {
        this.rank = rank;
        this.header = header;
        this.buffer = new UnsafeBuffer(region, offset, CONTROL_BLOCK_LENGTH);
        if ((buffer.addressOffset() & (LINE_PAIR_BYTES - 1)) != 0)
        {
            throw new IllegalStateException("control block not 128-byte aligned: rank=" + rank + ", offset=" + offset);
        }
    }

    /**
     * A control block elsewhere in a region: a sub-communicator's, in its owner's arena
     * ({@link Context}). Only its collective fields are used; the rank's state, pid and reason
     * stay in the main block at the region's start.
     *
     * @param rank   owner rank in the job.
     * @param region the owner's region view.
     * @param offset the block's offset in the region, a multiple of 128.
     * @param header the segment header.
     * @return the view.
     */
    public static ControlBlock at(final int rank, final UnsafeBuffer region, final int offset, final UnsafeBuffer header)
    {
        return new ControlBlock(rank, region, offset, header);
    }

    /** @return the owner rank. */
    public int rank()
    {
        return rank;
    }

    /** @return the raw view of the block, for counters addressed by offset. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return the last collective sequence the owner entered (acquire). */
    public long sequenceAcquire()
    {
        return buffer.getLongAcquire(SEQUENCE_OFFSET);
    }

    /**
     * @return the last collective the owner entered by either path: its descriptor ({@code SEQUENCE})
     *         or an inline slot (acquire loads; each word only grows).
     */
    public long enteredAcquire()
    {
        final long inline = Math.max(buffer.getLongAcquire(inlineSequenceOffset(0)), buffer.getLongAcquire(inlineSequenceOffset(1)));
        return Math.max(buffer.getLongAcquire(SEQUENCE_OFFSET), inline);
    }

    /**
     * Publish the owner's operation descriptor for collective {@code sequence} (owner only).
     * Seqlock order: {@code DESCRIPTOR_SEQUENCE} first, then the fields, then {@code SEQUENCE}
     * with a release store, so a reader that sees {@code SEQUENCE == s} sees this descriptor,
     * and a reader that re-reads {@code DESCRIPTOR_SEQUENCE == s} after the fields knows no later
     * descriptor overwrote them.
     */
    public void publish(
        final long sequence,
        final long context,
        final CollectiveKind kind,
        final int root,
        final long count,
        final int datatype,
        final int op,
        final int algorithm,
        final long sendAddress,
        final long recvAddress)
    {
        buffer.putLong(DESCRIPTOR_SEQUENCE_OFFSET, sequence);
        VarHandle.storeStoreFence(); // the marker must be visible before any field changes
        buffer.putLong(CONTEXT_OFFSET, context);
        buffer.putLong(SEND_ADDRESS_OFFSET, sendAddress);
        buffer.putLong(RECV_ADDRESS_OFFSET, recvAddress);
        buffer.putLong(COUNT_OFFSET, count);
        buffer.putInt(KIND_OFFSET, kind.code());
        buffer.putInt(ROOT_OFFSET, root);
        buffer.putInt(DATATYPE_OFFSET, datatype);
        buffer.putInt(OP_OFFSET, op);
        buffer.putInt(ALGORITHM_OFFSET, algorithm);
        buffer.putLongRelease(SEQUENCE_OFFSET, sequence); // publishes every store above
    }

    /**
     * Compare this (peer's) descriptor with ours for collective {@code sequence}. The caller has
     * already seen {@code sequenceAcquire() >= sequence}.
     *
     * @return {@link #MATCH}, {@link #MISMATCH}, or {@link #MOVED_ON} when the peer has already
     * published a later descriptor (it left {@code sequence}, so it validated that collective itself).
     */
    public int descriptorMatches(
        final long sequence,
        final long context,
        final CollectiveKind kind,
        final int root,
        final long count,
        final int datatype,
        final int op,
        final int algorithm)
    {
        if (buffer.getLongAcquire(SEQUENCE_OFFSET) != sequence)
        {
            return MOVED_ON;
        }
        final boolean same = buffer.getLong(CONTEXT_OFFSET) == context &&
            buffer.getInt(KIND_OFFSET) == kind.code() &&
            buffer.getInt(ROOT_OFFSET) == root &&
            buffer.getLong(COUNT_OFFSET) == count &&
            buffer.getInt(DATATYPE_OFFSET) == datatype &&
            buffer.getInt(OP_OFFSET) == op &&
            buffer.getInt(ALGORITHM_OFFSET) == algorithm;
        VarHandle.loadLoadFence(); // the fields above were read before the marker below
        if (buffer.getLong(DESCRIPTOR_SEQUENCE_OFFSET) != sequence)
        {
            return MOVED_ON;
        }
        return same ? MATCH : MISMATCH;
    }

    /** @return a human-readable copy of the descriptor, for error messages. */
    public String describeDescriptor()
    {
        final CollectiveKind kind = CollectiveKind.fromCode(buffer.getInt(KIND_OFFSET));
        return "rank " + rank + ": sequence=" + buffer.getLongVolatile(SEQUENCE_OFFSET) +
            ", collective=" + kind +
            ", root=" + buffer.getInt(ROOT_OFFSET) +
            ", count=" + buffer.getLong(COUNT_OFFSET) +
            ", datatype=" + buffer.getInt(DATATYPE_OFFSET) +
            ", op=" + buffer.getInt(OP_OFFSET) +
            ", algorithm=" + buffer.getInt(ALGORITHM_OFFSET) +
            ", context=" + buffer.getLong(CONTEXT_OFFSET);
    }

    /**
     * Set the segment address of the owner's counts and displacements block for the collective it is
     * about to enter (owner only, before {@link #publish}, whose release store publishes it).
     *
     * @param address a segment {@link Address}, or {@link Address#NULL}.
     */
    public void putVectorAddress(final long address)
    {
        buffer.putLong(VECTOR_ADDRESS_OFFSET, address);
    }

    /** @return the published counts and displacements block's address (valid while the owner is in the collective). */
    public long vectorAddress()
    {
        return buffer.getLong(VECTOR_ADDRESS_OFFSET);
    }

    /** @return the published send buffer address (valid while the owner is in the collective). */
    public long sendAddress()
    {
        return buffer.getLong(SEND_ADDRESS_OFFSET);
    }

    /** @return the published receive buffer address (valid while the owner is in the collective). */
    public long recvAddress()
    {
        return buffer.getLong(RECV_ADDRESS_OFFSET);
    }

    /** @return the owner's state: {@code STATE_*} (acquire). */
    public int stateAcquire()
    {
        return buffer.getIntAcquire(STATE_OFFSET);
    }

    /**
     * Reset the owner's staged-bytes mark before it publishes a descriptor (owner only, plain: the
     * descriptor's release store publishes it): 0 when the send buffer will be copied in chunk by
     * chunk ({@link #putStagedRelease}), {@link Long#MAX_VALUE} when it is ready as published.
     */
    public void resetStaged(final boolean pending)
    {
        final long value = pending ? 0 : Long.MAX_VALUE;
        if (buffer.getLong(STAGED_OFFSET) != value)
        {
            buffer.putLong(STAGED_OFFSET, value);
        }
    }

    /** Publish that the first {@code bytes} of the owner's send buffer are copied in (owner only, release). */
    public void putStagedRelease(final long bytes)
    {
        buffer.putLongRelease(STAGED_OFFSET, bytes);
    }

    /** Count one failure check of the owner while it is blocked in a wait (owner only, release). */
    public void beat()
    {
        buffer.putLongRelease(BEATS_OFFSET, buffer.getLong(BEATS_OFFSET) + 1);
    }

    /** @return how many failure checks the owner has made while blocked (acquire); it stands still in a stopped rank. */
    public long beatsAcquire()
    {
        return buffer.getLongAcquire(BEATS_OFFSET);
    }

    /** @return the owner's pid, 0 before it joined. */
    public long pid()
    {
        return buffer.getLong(PID_OFFSET);
    }

    /** @return the owner's abort reason code, 0 if none. */
    public int reasonCode()
    {
        return buffer.getInt(REASON_CODE_OFFSET);
    }

    /** @return the owner's abort reason text. */
    public String reason()
    {
        final int length = Math.max(0, Math.min(MAX_REASON_BYTES, buffer.getInt(REASON_LENGTH_OFFSET)));
        final byte[] bytes = new byte[length];
        buffer.getBytes(REASON_OFFSET, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Mark the owner alive with its pid (owner only, release). */
    public void markAlive(final long pid)
    {
        buffer.putLong(PID_OFFSET, pid);
        buffer.putInt(REASON_CODE_OFFSET, 0);
        buffer.putInt(REASON_LENGTH_OFFSET, 0);
        buffer.putIntRelease(STATE_OFFSET, STATE_ALIVE);
    }

    /**
     * Mark the owner aborted (owner only). The reason is written before the state with a release
     * store, so a peer that sees {@code STATE_ABORTED} reads the whole reason. Only the first abort counts.
     *
     * @param reasonCode an {@code ABORT_*} code.
     * @param reason     text, truncated to {@link ControlBlockDescriptor#MAX_REASON_BYTES} UTF-8 bytes.
     */
    public void markAborted(final int reasonCode, final String reason)
    {
        if (stateAcquire() == STATE_ABORTED)
        {
            return;
        }
        final byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        final int length = Math.min(bytes.length, MAX_REASON_BYTES);
        buffer.putBytes(REASON_OFFSET, bytes, 0, length);
        buffer.putInt(REASON_LENGTH_OFFSET, length);
        buffer.putInt(REASON_CODE_OFFSET, reasonCode);
        buffer.putIntRelease(STATE_OFFSET, STATE_ABORTED);
        SegmentDescriptor.addAbortedRank(header); // after the state: a peer that sees the count finds the reason
    }

    /** Mark the owner closed after a clean exit (owner only, release); an abort is kept. */
    public void markClosed()
    {
        if (stateAcquire() != STATE_ABORTED)
        {
            buffer.putIntRelease(STATE_OFFSET, STATE_CLOSED);
        }
    }

    /** @return {@code TURN} (acquire). */
    public long turnAcquire()
    {
        return buffer.getLongAcquire(TURN_OFFSET);
    }

    /** Set {@code TURN} with a release store: everything written before is visible to the next rank. */
    public void putTurnRelease(final long turn)
    {
        buffer.putLongRelease(TURN_OFFSET, turn);
    }

    /** Atomically add one to {@code FINISHED} (a full fence: prior reads and writes of the owner's buffers are done). */
    public void incrementFinished()
    {
        buffer.getAndAddLong(FINISHED_OFFSET, 1);
    }

    /** @return {@code FINISHED} (acquire). */
    public long finishedAcquire()
    {
        return buffer.getLongAcquire(FINISHED_OFFSET);
    }
}
