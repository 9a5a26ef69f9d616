package io.smartmap.core;

/**
 * The collective a rank has entered, as published in its control block's operation descriptor,
 * so that ranks which called different collectives detect it instead of corrupting each other.
 * New kinds are appended: a kind's code is its position, stored in shared memory.
 */
public enum CollectiveKind
{
    BARRIER,
    BCAST,
    REDUCE,
    ALLREDUCE,
    ALLTOALL,
    ALLGATHER,
    GATHER,
    SCATTER,
    GATHERV,
    SCATTERV,
    ALLGATHERV,
    ALLTOALLV,
    REDUCE_SCATTER_BLOCK,
    REDUCE_SCATTER,
    SCAN,
    EXSCAN;

    private static final CollectiveKind[] VALUES = values();

    /** @return the code stored in {@link ControlBlockDescriptor#KIND_OFFSET} (never 0). */
    public int code()
    {
        return ordinal() + 1;
    }

    /**
     * @param code a stored code.
     * @return the kind, or {@code null} if the code is unknown.
     */
    public static CollectiveKind fromCode(final int code)
    {
        return code >= 1 && code <= VALUES.length ? VALUES[code - 1] : null;
    }
}
