package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;

/**
 * The selection table (Open MPI {@code coll}'s decision functions): which algorithm, and so which
 * {@link CollectiveFamily}, runs a collective, from (collective, bytes per block, ranks, cores, op)
 * and the algorithm the caller asked for. Thresholds and per-collective overrides come from
 * {@link CollectiveConfig}; every rank of a job decides the same way (cores are the job's, not
 * this process's affinity), so ranks never disagree about the path unless their arguments differ.
 * <p>
 * {@link Algorithm#AUTO}, in order: the collective's override ({@link CollectiveConfig#autoAlgorithm}); then
 * {@link Algorithm#INLINE} when at most {@link CollectiveConfig#inlineMaxRanks()} ranks and the
 * payload is at most {@link CollectiveConfig#inlineMaxBytes(CollectiveKind)} (when ranks outnumber
 * cores {@link CollectiveConfig#oversubscribedInlineMaxBytes(CollectiveKind)}) and fits a slot; then
 * single copy from the collective's single-copy threshold up, two copy below it (bytes per block; the
 * mean block for allgatherv; gatherv, scatterv and alltoallv, whose ranks share no size, always single copy). {@link Algorithm#SMARTMAP}
 * resolves to the serial or threaded reduction for reduce and allreduce (paper, section 4.2: threaded
 * from {@link CollectiveConfig#threadedMinBytes()}, serial for MINLOC, MAXLOC and user-defined ops).
 */
final class Selection
{
    private final CollectiveConfig config;
    private final int size;
    private final int jobRanks;
    private final int cores;

    /**
     * @param config thresholds and overrides.
     * @param size   ranks in the communicator, which are all the job's ranks.
     * @param cores  cores the ranks share.
     */
    Selection(final CollectiveConfig config, final int size, final int cores)
    {
        this(config, size, size, cores);
    }

    /**
     * @param config   thresholds and overrides.
     * @param size     ranks in the communicator.
     * @param jobRanks ranks in the job: all of them compete for the cores, whatever communicator they are in.
     * @param cores    cores the ranks share.
     */
    Selection(final CollectiveConfig config, final int size, final int jobRanks, final int cores)
    {
        this.config = config;
        this.size = size;
        this.jobRanks = jobRanks;
        this.cores = cores;
    }

    /** @return whether the job's ranks outnumber cores. */
    boolean oversubscribed()
    {
        return jobRanks > cores;
    }

    /**
     * @param kind      the collective.
     * @param requested what the caller asked for.
     * @param bytes     bytes per block ({@code count * extent}; 0 for a barrier).
     * @param op        the operator of a reduction, else null.
     * @return the concrete algorithm: never {@link Algorithm#AUTO} or, for reductions, {@link Algorithm#SMARTMAP}.
     * @throws IllegalArgumentException if the requested algorithm does not apply to the collective, or
     *                                  {@link Algorithm#INLINE} is asked for a payload larger than a slot.
     */
    Algorithm select(final CollectiveKind kind, final Algorithm requested, final long bytes, final Op op)
    {
        Algorithm chosen = requested;
        if (chosen == Algorithm.AUTO)
        {
            chosen = config.autoAlgorithm(kind);
        }
        if (chosen == Algorithm.AUTO)
        {
            chosen = automatic(kind, bytes, op);
        }
        if (chosen == Algorithm.INLINE && !Inline.implemented(kind))
        {
            throw new IllegalArgumentException("algorithm does not apply to " + kind + ": algorithm=INLINE" +
                " (use AUTO, SMARTMAP or TWO_COPY)");
        }
        if (chosen == Algorithm.INLINE && !Algorithm.inlineFits(kind, bytes, size))
        {
            throw new IllegalArgumentException("INLINE carries at most " + io.smartmap.core.ControlBlockDescriptor.INLINE_PAYLOAD_BYTES +
                " bytes per rank (alltoall: all blocks together): algorithm=INLINE, collective=" + kind + ", bytes=" +
                bytes + ", size=" + size + " (use AUTO, SMARTMAP or TWO_COPY)");
        }
        switch (kind)
        {
            case BARRIER:
                return chosen == Algorithm.INLINE ? chosen : Algorithm.SMARTMAP; // no data: inline slots or control lines
            case REDUCE:
            case ALLREDUCE:
                return chosen == Algorithm.SMARTMAP ? singleCopyReduction(bytes, op) : chosen;
            default:
                if (chosen == Algorithm.SMARTMAP_SERIAL || chosen == Algorithm.SMARTMAP_THREADED)
                {
                    throw new IllegalArgumentException("algorithm does not apply to " + kind + ": algorithm=" + chosen +
                        " (use SMARTMAP, INLINE, TWO_COPY or AUTO)");
                }
                return chosen;
        }
    }

    private Algorithm automatic(final CollectiveKind kind, final long bytes, final Op op)
    {
        final long inlineMaxBytes = oversubscribed() ? config.oversubscribedInlineMaxBytes(kind) : config.inlineMaxBytes(kind);
        if (size <= config.inlineMaxRanks() && Algorithm.inlineFits(kind, bytes, size) &&
            Inline.payloadBytes(kind, bytes, size) <= inlineMaxBytes)
        {
            return Algorithm.INLINE;
        }
        if (kind == CollectiveKind.BARRIER)
        {
            return Algorithm.SMARTMAP;
        }
        return bytes >= singleCopyMinBytes(kind) ? Algorithm.SMARTMAP : Algorithm.TWO_COPY;
    }

    private long singleCopyMinBytes(final CollectiveKind kind)
    {
        switch (kind)
        {
            case BCAST:
                return oversubscribed() ? config.oversubscribedBcastSingleCopyMinBytes() : config.bcastSingleCopyMinBytes();
            case REDUCE:
                return oversubscribed() ? config.oversubscribedReduceSingleCopyMinBytes() : config.reduceSingleCopyMinBytes();
            case ALLREDUCE:
                return config.allReduceSingleCopyMinBytes();
            case ALLTOALL:
                return config.allToAllSingleCopyMinBytes();
            case ALLGATHER:
                return config.allGatherSingleCopyMinBytes();
            case GATHER:
                return config.gatherSingleCopyMinBytes();
            case SCATTER:
                return config.scatterSingleCopyMinBytes();
            case ALLGATHERV:
                return config.allGathervSingleCopyMinBytes();
            case GATHERV:
            case SCATTERV:
            case ALLTOALLV:
                return 0; // no size that every rank knows: single copy (CollectiveConfig#allGathervSingleCopyMinBytes)
            default:
                throw new IllegalArgumentException("no single-copy threshold for " + kind);
        }
    }

    /** The paper's rule: threaded from 1 KiB up, serial for MINLOC/MAXLOC and user-defined operators. */
    private Algorithm singleCopyReduction(final long bytes, final Op op)
    {
        final boolean threaded = bytes >= config.threadedMinBytes() && !op.isLocation() && !op.isUserDefined();
        return threaded ? Algorithm.SMARTMAP_THREADED : Algorithm.SMARTMAP_SERIAL;
    }
}
