package io.smartmap.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * How much a run measures: which sizes, how long the ranks warm up, how many iterations one
 * measurement times and how long the copy limit is measured. {@link #FULL} is the default run;
 * {@link #QUICK} ({@code --quick}) gives a picture of every collective in about 15 seconds on a
 * 2-core machine: a size every factor of 4 (two per decade), 3 rounds, a quarter of the warm-up
 * and an eighth of the bytes per measurement. The runner passes the preset's name to the ranks
 * as {@code -D}{@value #PROPERTY}, so both sides derive the same sizes from it.
 */
final class Preset
{
    /** The system property that names the preset in a rank JVM: {@code full} or {@code quick}. */
    static final String PROPERTY = "smartmap.bench.preset";

    /** Every power of two, 5 rounds, the warm-up C2 needs for every path. */
    static final Preset FULL = new Preset("full", 2, 5, 20_000, 256L << 20, 20, 5000, 100_000_000L);
    /** Every fourth power of two (and the largest size), 3 rounds, shorter warm-up and measurements. */
    static final Preset QUICK = new Preset("quick", 4, 3, 5_000, 32L << 20, 20, 1000, 20_000_000L);

    /** {@code full} or {@code quick}. */
    final String name;
    /** Each measured size is this many times the previous one; the largest size is always measured. */
    final int sizeFactor;
    /** Rounds per measurement when {@code --repetitions} is not given. */
    final int rounds;
    /** Untimed calls per (op, algorithm) at the smallest size before any measurement (a tenth at 64 KiB). */
    final int warmupIterations;
    /** Each measurement moves about this many bytes per rank, so iterations scale down with size. */
    final long bytesPerMeasurement;
    /** Fewest timed iterations of one measurement (the largest sizes). */
    final int minIterations;
    /** Most timed iterations of one measurement (the smallest sizes). */
    final int maxIterations;
    /** Time in nanoseconds the copy limit runs each size untimed before it is timed. */
    final long copyWarmupNs;

    private Preset(
        final String name,
        final int sizeFactor,
        final int rounds,
        final int warmupIterations,
        final long bytesPerMeasurement,
        final int minIterations,
        final int maxIterations,
        final long copyWarmupNs)
    {
        this.name = name;
        this.sizeFactor = sizeFactor;
        this.rounds = rounds;
        this.warmupIterations = warmupIterations;
        this.bytesPerMeasurement = bytesPerMeasurement;
        this.minIterations = minIterations;
        this.maxIterations = maxIterations;
        this.copyWarmupNs = copyWarmupNs;
    }

    /**
     * @param iterations the timed calls of every measurement and the untimed calls of every warm-up step.
     * @return this preset with that fixed count instead of counts scaled by size (a smoke test's few calls).
     */
    Preset withIterations(final int iterations)
    {
        return new Preset(name, sizeFactor, rounds, iterations, bytesPerMeasurement, iterations, iterations, copyWarmupNs);
    }

    /**
     * @param name {@code full} or {@code quick}, any case.
     * @return that preset.
     * @throws IllegalArgumentException for any other name.
     */
    static Preset named(final String name)
    {
        switch (name.trim().toLowerCase(Locale.ROOT))
        {
            case "full":
                return FULL;
            case "quick":
                return QUICK;
            default:
                throw new IllegalArgumentException("unknown preset (full or quick): preset=" + name);
        }
    }

    /** @return the preset named by the system property {@value #PROPERTY}, {@link #FULL} where it is not set. */
    static Preset fromSystemProperty()
    {
        return named(System.getProperty(PROPERTY, FULL.name));
    }

    /**
     * The sizes a rank measures for {@code op}, in the order it measures them: {@code 0} alone for
     * the barrier; otherwise from {@code minBytes} (at least one element) up by {@link #sizeFactor},
     * with {@code maxBytes} always last.
     *
     * @param op            the collective.
     * @param minBytes      the smallest size per rank in bytes.
     * @param maxBytes      the largest size per rank in bytes, at least {@code extentBytes}.
     * @param extentBytes   the size of one element of the datatype in bytes.
     * @return the sizes in bytes, ascending.
     */
    List<Long> sizes(final BenchOp op, final long minBytes, final long maxBytes, final int extentBytes)
    {
        if (op == BenchOp.BARRIER)
        {
            return List.of(0L);
        }
        final List<Long> sizes = new ArrayList<>();
        for (long bytes = Math.max(minBytes, extentBytes); bytes < maxBytes; bytes *= sizeFactor)
        {
            sizes.add(bytes);
        }
        sizes.add(maxBytes);
        return Collections.unmodifiableList(sizes);
    }

    /**
     * @param bytes the size per rank in bytes.
     * @return the timed iterations of one measurement at that size.
     */
    int iterations(final long bytes)
    {
        return (int)Math.max(minIterations, Math.min(maxIterations, bytesPerMeasurement / Math.max(1, bytes)));
    }
}
