package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;

/**
 * One algorithm family, the way Open MPI's {@code coll} framework has components: a class that
 * implements the collectives it supports on a prepared {@link Operation} (kind, counts, buffers,
 * resolved algorithm, kernel). Which family runs a call is decided by {@link Selection}; the
 * {@link Communicator} keeps the public API and the argument checks. Families: {@link Inline}
 * (small messages through control-block slots), {@link SingleCopy} (the SMARTMAP paper's
 * algorithms on the peers' buffers in place) and {@link TwoCopy} (copy-in/copy-out, the baseline).
 * <p>
 * Entry: the operation is prepared and this rank has not entered it yet; {@link #run} enters it
 * ({@link #enter}: publish what the peers need and take the sequence number) and runs the
 * collective. Exit: no peer reads or writes this rank's buffers any more. A family that does not
 * implement a collective throws {@link UnsupportedOperationException}; {@link Selection} never
 * picks it there.
 */
abstract class CollectiveFamily
{
    protected final Exchange ex;

    CollectiveFamily(final Exchange ex)
    {
        this.ex = ex;
    }

    /** Enter the prepared collective and run it. */
    final void run(final Operation op)
    {
        if (op.kind == CollectiveKind.BARRIER)
        {
            barrier(op);
            return;
        }
        enter(op);
        switch (op.kind)
        {
            case BCAST:
                bcast(op);
                break;
            case REDUCE:
                reduce(op);
                break;
            case ALLREDUCE:
                allReduce(op);
                break;
            case ALLTOALL:
                allToAll(op);
                break;
            case ALLGATHER:
                allGather(op);
                break;
            case GATHER:
                gather(op);
                break;
            case SCATTER:
                scatter(op);
                break;
            case GATHERV:
                gatherv(op);
                break;
            case SCATTERV:
                scatterv(op);
                break;
            case ALLGATHERV:
                allGatherv(op);
                break;
            case ALLTOALLV:
                allToAllv(op);
                break;
            case REDUCE_SCATTER_BLOCK:
                reduceScatterBlock(op);
                break;
            case REDUCE_SCATTER:
                reduceScatter(op);
                break;
            case SCAN:
                scan(op);
                break;
            case EXSCAN:
                exScan(op);
                break;
            default:
                throw new IllegalStateException("not a collective of this framework: kind=" + op.kind);
        }
    }

    /**
     * Publish this rank's operation descriptor (buffers' segment addresses, operation) and take the
     * collective's sequence number: what the families that read the peers' buffers need.
     */
    void enter(final Operation op)
    {
        ex.enter(op);
    }

    /**
     * MPI_Barrier. The default is the control-line barrier of {@link io.smartmap.core.Context#barrier()}
     * (it publishes its own descriptor).
     */
    void barrier(final Operation op)
    {
        op.entered = true;
        ex.context.barrier();
    }

    abstract void bcast(Operation op);

    abstract void reduce(Operation op);

    abstract void allReduce(Operation op);

    abstract void allToAll(Operation op);

    abstract void allGather(Operation op);

    void gather(final Operation op)
    {
        throw unsupported(op);
    }

    void scatter(final Operation op)
    {
        throw unsupported(op);
    }

    void gatherv(final Operation op)
    {
        throw unsupported(op);
    }

    void scatterv(final Operation op)
    {
        throw unsupported(op);
    }

    void allGatherv(final Operation op)
    {
        throw unsupported(op);
    }

    void allToAllv(final Operation op)
    {
        throw unsupported(op);
    }

    void reduceScatterBlock(final Operation op)
    {
        throw unsupported(op);
    }

    void reduceScatter(final Operation op)
    {
        throw unsupported(op);
    }

    void scan(final Operation op)
    {
        throw unsupported(op);
    }

    void exScan(final Operation op)
    {
        throw unsupported(op);
    }

    /**
     * @return elements of rank {@code r}'s block of a reduce-scatter: {@code recvCounts[r]}, or the
     *         count of a reduceScatterBlock (which has no counts array).
     */
    static int blockCount(final Operation op, final int r)
    {
        return op.recvCounts == null ? op.count : op.recvCounts[r];
    }

    /**
     * Fill {@code starts[0..size]} with the element offsets of the ranks' blocks of a reduce-scatter in
     * a send buffer ({@code starts[size]}: the total).
     */
    static void blockStarts(final Operation op, final long[] starts)
    {
        starts[0] = 0;
        for (int r = 1; r < starts.length; r++)
        {
            starts[r] = starts[r - 1] + blockCount(op, r - 1);
        }
    }

    private UnsupportedOperationException unsupported(final Operation op)
    {
        return new UnsupportedOperationException(name() + " does not implement " + op.kind);
    }

    /** @return the family's name as the benchmark and error messages print it. */
    abstract String name();
}
