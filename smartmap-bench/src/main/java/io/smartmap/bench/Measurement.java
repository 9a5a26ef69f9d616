package io.smartmap.bench;

/**
 * One row of the results: an (op, algorithm, size) measured over several rounds. Times are the
 * median over rounds of IMB's t_min / t_avg / t_max (min, mean, max over ranks of each rank's mean
 * time per iteration), in microseconds; spread is (max - min) / median of t_avg over rounds, in percent.
 */
public final class Measurement
{
    public final String op;
    public final String algorithm;
    public final int ranks;
    public final String datatype;
    public final long bytes;
    public final double tMinUs;
    public final double tAvgUs;
    public final double tMaxUs;
    public final int rounds;
    public final double spreadPercent;
    /** t_avg of two-copy at the same op and size divided by this t_avg; NaN where there is no two-copy. */
    public double speedupVsTwoCopy = Double.NaN;
    /**
     * Median over rounds of the cache-line round trip rank 0 &lt;-&gt; 1 measured just before this
     * point's round, in microseconds; NaN where not measured (above 1 KiB, one rank, older runs).
     */
    public double roundTripUs = Double.NaN;
    /** Median over rounds of this round's t_avg / that round's round trip; NaN where not measured. */
    public double inRoundTrips = Double.NaN;

    Measurement(final String op, final String algorithm, final int ranks, final String datatype, final long bytes,
        final double tMinUs, final double tAvgUs, final double tMaxUs, final int rounds, final double spreadPercent)
    {
        this.op = op;
        this.algorithm = algorithm;
        this.ranks = ranks;
        this.datatype = datatype;
        this.bytes = bytes;
        this.tMinUs = tMinUs;
        this.tAvgUs = tAvgUs;
        this.tMaxUs = tMaxUs;
        this.rounds = rounds;
        this.spreadPercent = spreadPercent;
    }

    /** @return bandwidth in MB/s (10^6 bytes per second) of one rank's contribution at t_avg. */
    public double bandwidthMBps()
    {
        return bytes / tAvgUs;
    }
}
