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
    /** This process's virtual addresses of the same buffers (0 where a buffer is not in the region). */
    long sendMemory;
    long recvMemory;
    /**
     * Where this rank's own bytes are, for the copies only this rank makes: a Java array ({@code base},
     * offset from {@code Unsafe.arrayBaseOffset}) or native memory ({@code base} null, offset = address).
     * The region buffer itself, or a Java array or ByteBuffer used in place where the algorithm never
     * lets a peer touch that buffer (no staging copy needed).
     */
    Object sendBase;
    long sendOffset;
    Object recvBase;
    long recvOffset;
    /**
     * Progressive staging: the send buffer's bytes are still to be copied from ({@code stageBase},
     * {@code stageOffset}) into {@link #sendMemory} by the algorithm, chunk by chunk, raising
     * {@code STAGED} so peers read each chunk as soon as it is in.
     */
    boolean stagePending;
    /** Whether this rank has published a descriptor in the current call (peers may know its buffers). */
    boolean entered;
    Object stageBase;
    long stageOffset;
    ReductionKernel kernel;
    /**
     * The vector (v) variants' and reduce-scatter's per-rank element counts and displacements (in
     * elements, from the buffer's start), as the caller passed them; null where the collective has none.
     */
    int[] sendCounts;
    int[] sendDispls;
    int[] recvCounts;
    int[] recvDispls;
    /**
     * The v-variants' one count of this rank (elements): its send count in gatherv and allgatherv, its
     * receive count in scatterv; published in its counts block ({@link VectorBlock#OWN_COUNT}).
     */
    int ownCount;
    /**
     * Segment address of this rank's counts and displacements block for the peers to read
     * ({@code VECTOR_ADDRESS} of the descriptor), or {@code Address.NULL}.
     */
    long vectorAddress;
    /**
     * A variant of the algorithm that the peers must share (published with the algorithm's code, so
     * ranks whose configurations disagree get a mismatch instead of miscounted acknowledgements).
     */
    int variant;

    /** Drop the references to the caller's buffers (a call's arrays must not be kept alive by the communicator). */
    void forgetBuffers()
    {
        sendBase = null;
        recvBase = null;
        stageBase = null;
        sendCounts = null;
        sendDispls = null;
        recvCounts = null;
        recvDispls = null;
    }

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
