package io.smartmap.bench;

import io.smartmap.collectives.Algorithm;
import io.smartmap.core.CollectiveKind;

import java.util.List;
import java.util.Locale;

/** The collectives the runner measures, with the algorithms that apply to each. */
enum BenchOp
{
    REDUCE(CollectiveKind.REDUCE, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP_SERIAL, Algorithm.SMARTMAP_THREADED,
        Algorithm.SMARTMAP, Algorithm.INLINE, Algorithm.AUTO)),
    BCAST(CollectiveKind.BCAST, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.INLINE, Algorithm.AUTO)),
    ALLREDUCE(CollectiveKind.ALLREDUCE, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP_SERIAL,
        Algorithm.SMARTMAP_THREADED, Algorithm.SMARTMAP, Algorithm.INLINE, Algorithm.AUTO)),
    ALLTOALL(CollectiveKind.ALLTOALL, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.INLINE, Algorithm.AUTO)),
    ALLGATHER(CollectiveKind.ALLGATHER, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.INLINE, Algorithm.AUTO)),
    /** The control-line barrier of smartmap-core (smartmap), the inline-slot barrier, and AUTO's pick. */
    BARRIER(CollectiveKind.BARRIER, List.of(Algorithm.SMARTMAP, Algorithm.INLINE, Algorithm.AUTO)),
    /** Gather to rank 0: the size of a point is one rank's block. Not in the default run. */
    GATHER(CollectiveKind.GATHER, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.AUTO)),
    /** Scatter from rank 0: the size of a point is one rank's block. Not in the default run. */
    SCATTER(CollectiveKind.SCATTER, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.AUTO)),
    /** Reduce-scatter with equal blocks: the size of a point is one rank's result block. Not in the default run. */
    REDUCE_SCATTER_BLOCK(CollectiveKind.REDUCE_SCATTER_BLOCK, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.AUTO)),
    /** Inclusive prefix reduction. Not in the default run. */
    SCAN(CollectiveKind.SCAN, List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.AUTO));

    /** The collectives of the SMARTMAP paper and the barrier: what a run measures unless {@code --ops} says otherwise. */
    static final List<BenchOp> DEFAULT = List.of(REDUCE, BCAST, ALLREDUCE, ALLTOALL, ALLGATHER, BARRIER);

    private final CollectiveKind kind;
    private final List<Algorithm> algorithms;

    BenchOp(final CollectiveKind kind, final List<Algorithm> algorithms)
    {
        this.kind = kind;
        this.algorithms = algorithms;
    }

    List<Algorithm> algorithms()
    {
        return algorithms;
    }

    /** @return whether the algorithm runs this op at {@code bytes} per block on {@code ranks} ranks (INLINE: payloads that fit a slot). */
    boolean measures(final Algorithm algorithm, final long bytes, final int ranks)
    {
        return algorithm != Algorithm.INLINE || Algorithm.inlineFits(kind, bytes, ranks);
    }

    String label()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static BenchOp parse(final String label)
    {
        for (final BenchOp op : values())
        {
            if (op.label().equals(label.trim().toLowerCase(Locale.ROOT)))
            {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown op: " + label + " (one of reduce, bcast, allreduce, alltoall, allgather, barrier, gather, scatter, reduce-scatter-block, scan)");
    }

    static String label(final Algorithm algorithm)
    {
        return algorithm.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Algorithm parseAlgorithm(final String label)
    {
        for (final Algorithm algorithm : Algorithm.values())
        {
            if (label(algorithm).equals(label.trim().toLowerCase(Locale.ROOT)))
            {
                return algorithm;
            }
        }
        throw new IllegalArgumentException("unknown algorithm: " + label +
            " (one of two-copy, smartmap-serial, smartmap-threaded, smartmap, inline, auto)");
    }
}
