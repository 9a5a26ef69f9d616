package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;

/**
 * The collective a rank is in: what it published in its control block's operation descriptor,
 * plus the local addresses it resolved. One mutable instance per communicator, refilled per call
 * so the hot path allocates nothing.
 */
final class Operation
{
    /** The algorithm as named, no variant. */
    static final int PLAIN = 0;
    /** Single-copy broadcast in which the root copies slices too ({@link SingleCopy#bcast}). */
    static final int BCAST_SPLIT = 1;
    private static final int VARIANT_SHIFT = 8;

    CollectiveKind kind;
    int root;
    int count;
    Datatype datatype;
    Op op;
    Algorithm algorithm;
    long sequence;
    /** Segment addresses (what peers see). */
    long sendAddress;
    long recvAddress;
    /** This process's virtual addresses of the same buffers. */
    long sendMemory;
    long recvMemory;
    ReductionKernel kernel;
    /**
     * A variant of the algorithm that the peers must share (published with the algorithm's code, so
     * ranks whose configurations disagree get a mismatch instead of miscounted acknowledgements).
     */
    int variant;

    /** @return bytes of {@code count} elements. */
    long bytes()
    {
        return (long)count * datatype.extent();
    }

    int datatypeCode()
    {
        return datatype == null ? -1 : datatype.code();
    }

    int opCode()
    {
        return op == null ? -1 : op.code();
    }

    int algorithmCode()
    {
        return algorithm.code() | variant << VARIANT_SHIFT;
    }
}
