package io.smartmap.bench.npb;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What every NPB kernel reports: NPB's closing block, the time in collectives, and the runner's result line. */
final class NpbReport
{
    private NpbReport()
    {
    }

    /**
     * Time in collectives over ranks (a collective call on every rank).
     *
     * @param nanos this rank's time inside collectives.
     * @return {mean over ranks, least-waiting rank} in seconds. The rank that spends least time in
     * collectives is the one the others wait for: its figure is the collectives' own cost, without
     * the load imbalance the others absorb.
     */
    static double[] collectiveSeconds(final Communicator comm, final long nanos)
    {
        final double[] mine = {nanos / 1e9};
        final double[] sum = new double[1];
        final double[] min = new double[1];
        comm.allReduce(mine, sum, 1, Datatype.DOUBLE, Op.SUM);
        comm.allReduce(mine, min, 1, Datatype.DOUBLE, Op.MIN);
        return new double[] {sum[0] / comm.getSize(), min[0]};
    }

    /**
     * NPB's "Benchmark Completed" block (Mop/s counts {@code operationType}: floating-point operations,
     * keys ranked) plus the algorithm and the time in collectives.
     */
    static void printCompleted(
        final String kernel, final String problemClass, final String size, final int iterations, final double seconds,
        final int ranks, final double operations, final String operationType, final boolean verified,
        final Algorithm algorithm, final double[] collective)
    {
        System.out.printf(Locale.ROOT, "%n%n %s Benchmark Completed.%n", kernel);
        System.out.printf(Locale.ROOT, " Class           = %24s%n", problemClass);
        System.out.printf(Locale.ROOT, " Size            = %24s%n", size);
        System.out.printf(Locale.ROOT, " Iterations      = %24d%n", iterations);
        System.out.printf(Locale.ROOT, " Time in seconds = %24.2f%n", seconds);
        System.out.printf(Locale.ROOT, " Total ranks     = %24d%n", ranks);
        System.out.printf(Locale.ROOT, " Mop/s total     = %24.2f%n", operations / seconds / 1e6);
        System.out.printf(Locale.ROOT, " Operation type  = %24s%n", operationType);
        System.out.printf(Locale.ROOT, " Verification    = %24s%n", verified ? "SUCCESSFUL" : "UNSUCCESSFUL");
        System.out.printf(Locale.ROOT, " Algorithm       = %24s%n", algorithm);
        System.out.printf(Locale.ROOT, " Time in collectives = %.4f seconds (%.1f%% of the run, mean over ranks," +
            " waiting for slower ranks included); %.4f seconds on the least-waiting rank%n",
            collective[0], 100 * collective[0] / seconds, collective[1]);
    }

    /** The line {@link NpbRunner} reads: {@code seconds collective_mean collective_min verified value}. */
    static void writeResult(
        final Path file, final double seconds, final double[] collective, final boolean verified, final double value)
        throws IOException
    {
        Files.writeString(file, String.format(Locale.ROOT, "%.6f %.6f %.6f %s %.13f%n",
            seconds, collective[0], collective[1], verified, value), StandardCharsets.UTF_8);
    }
}
