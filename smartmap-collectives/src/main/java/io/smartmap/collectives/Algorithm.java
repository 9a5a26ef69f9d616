package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;
import io.smartmap.core.ControlBlockDescriptor;

/**
 * How a collective moves its data. Every algorithm gives bit-identical results (reductions fold
 * in rank order 0..size-1 for every element), so they differ only in speed.
 */
public enum Algorithm
{
    /** Pick per collective, message size, ranks and cores with the selection table ({@link CollectiveConfig}). */
    AUTO,
    /**
     * Single copy (SMARTMAP paper, section 4): ranks read and write each other's buffers in place.
     * For reduce and allreduce: the serial algorithm below the threaded threshold or for MINLOC,
     * MAXLOC and user-defined operators, the threaded one above.
     */
    SMARTMAP,
    /** Reduce and allreduce: turn-ordered folding into the root's receive buffer (paper, section 4.2). */
    SMARTMAP_SERIAL,
    /** Reduce and allreduce: every rank folds its own slice across all send buffers (paper, section 4.2). */
    SMARTMAP_THREADED,
    /** Copy-in/copy-out through shared fragment rings, pipelined: how shared-memory MPI moves data. */
    TWO_COPY,
    /**
     * Small messages through the inline slots of the ranks' control blocks (Open MPI xhc's
     * copy-in/copy-out lines): the payload travels with the sequence number in one cache line.
     * For payloads up to {@code ControlBlockDescriptor.INLINE_PAYLOAD_BYTES} per rank (alltoall:
     * all blocks of a rank together); larger ones are refused with {@link IllegalArgumentException}.
     */
    INLINE;

    /**
     * Whether {@link #INLINE} can carry a collective: the inline family implements it (barrier, bcast,
     * reduce, allreduce, alltoall, allgather) and its payload per rank (alltoall: {@code size}
     * blocks, a barrier: none) fits one inline slot ({@code ControlBlockDescriptor.INLINE_PAYLOAD_BYTES}).
     *
     * @param kind  the collective.
     * @param bytes bytes per block ({@code count * extent}).
     * @param size  ranks in the communicator.
     */
    public static boolean inlineFits(final CollectiveKind kind, final long bytes, final int size)
    {
        return Inline.implemented(kind) && Inline.payloadBytes(kind, bytes, size) <= ControlBlockDescriptor.INLINE_PAYLOAD_BYTES;
    }

    /** @return the code stored in a control block's operation descriptor. */
    public int code()
    {
        return ordinal() + 1;
    }
}
