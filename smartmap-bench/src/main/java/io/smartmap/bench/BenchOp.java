package io.smartmap.bench;

import io.smartmap.collectives.Algorithm;

import java.util.List;
import java.util.Locale;

/** The collectives the runner measures, with the algorithms that apply to each. */
enum BenchOp
{
    REDUCE(List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP_SERIAL, Algorithm.SMARTMAP_THREADED, Algorithm.SMARTMAP,
        Algorithm.AUTO)),
    BCAST(List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.AUTO)),
    ALLREDUCE(List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP_SERIAL, Algorithm.SMARTMAP_THREADED, Algorithm.SMARTMAP,
        Algorithm.AUTO)),
    ALLTOALL(List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.AUTO)),
    ALLGATHER(List.of(Algorithm.TWO_COPY, Algorithm.SMARTMAP, Algorithm.AUTO)),
    /** One algorithm: the sequence-based barrier of smartmap-core. */
    BARRIER(List.of(Algorithm.SMARTMAP));

    private final List<Algorithm> algorithms;

    BenchOp(final List<Algorithm> algorithms)
    {
        this.algorithms = algorithms;
    }

    List<Algorithm> algorithms()
    {
        return algorithms;
    }

    String label()
    {
        return name().toLowerCase(Locale.ROOT);
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
        throw new IllegalArgumentException("unknown op: " + label + " (one of reduce, bcast, allreduce, alltoall, allgather, barrier)");
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
            " (one of two-copy, smartmap-serial, smartmap-threaded, smartmap, auto)");
    }
}
