package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;

/**
 * The collective a rank is in: what it published in its control block's operation descriptor,
 * plus the local addresses it resolved. One mutable instance per communicator, refilled per call
 * so the hot path allocates nothing.
 */
final class Operation
{
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
        return algorithm.code();
    }
}
