package io.smartmap.collectives;

/**
 * How a collective moves its data. Every algorithm gives bit-identical results (reductions fold
 * in rank order 0..size-1 for every element), so they differ only in speed.
 */
public enum Algorithm
{
    /** Pick per collective and message size with the thresholds of {@link CollectiveConfig}. */
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
    TWO_COPY;

    /** @return the code stored in a control block's operation descriptor. */
    public int code()
    {
        return ordinal() + 1;
    }
}
