package io.smartmap.bench.npb;

import io.smartmap.bench.Cli;
import io.smartmap.collectives.Algorithm;
import io.smartmap.core.SmartMapOptions;
import io.smartmap.core.launch.JvmFlags;
import io.smartmap.core.launch.Launcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code bin/smartmap-npb}: NAS Parallel Benchmark kernels over smartmap collectives on real rank
 * processes, verified against NPB's official values: CG (sparse matrix, allReduce + allGather),
 * FT (3-D FFT, allToAll transposes) and IS (integer sort: allReduce of bucket counts, allToAll of
 * send counts, allToAllv of the keys).
 */
@Command(name = "smartmap-npb", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
    description = "Run an NPB kernel (cg, ft or is) over smartmap collectives and verify it against NPB's values.")
public final class NpbRunner implements Callable<Integer>
{
    @Parameters(index = "0", paramLabel = "KERNEL", description = "cg, ft or is")
    String kernel;

    @Option(names = "--class", paramLabel = "CLASS", description = "S, W or A; B too for is (default: ${DEFAULT-VALUE})")
    String problemClass = "S";

    @Option(names = "--ranks", paramLabel = "N", description = "rank processes; a power of two for is (default: ${DEFAULT-VALUE})")
    int ranks = 2;

    @Option(names = "--algorithm", paramLabel = "ALG", description = "smartmap, two-copy or auto (default: ${DEFAULT-VALUE})")
    String algorithm = "auto";

    @Option(names = "--compare", description = "run --algorithm (auto unless named; smartmap or auto) and two-copy back to back " +
        "and print the speedup")
    boolean compare;

    @Option(names = "--seed", paramLabel = "SEED", hidden = true,
        description = "random generator seed (NPB's is 314159265); another seed must fail verification")
    double seed = CgClass.SEED;

    @Option(names = "--dir", paramLabel = "DIR", description = "segment directory (default: /dev/shm)")
    Path segmentDir = SmartMapOptions.DEFAULT_DIR;

    private final PrintStream stdout;
    private final PrintStream stderr;

    NpbRunner(final PrintStream stdout, final PrintStream stderr)
    {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    static int run(final String[] args, final PrintStream stdout, final PrintStream stderr)
    {
        return Cli.execute("smartmap-npb", new NpbRunner(stdout, stderr), args, stdout, stderr);
    }

    @Override
    public Integer call() throws IOException
    {
        if (!"cg".equals(kernel) && !"ft".equals(kernel) && !"is".equals(kernel))
        {
            throw new IllegalArgumentException("kernel must be cg, ft or is: kernel=" + kernel);
        }
        final String problem = problemClass.toUpperCase(Locale.ROOT);
        if (!problem.equals("S") && !problem.equals("W") && !problem.equals("A") && !(isKernel() && problem.equals("B")))
        {
            throw new IllegalArgumentException("--class must be S, W or A (or B for is): class=" + problemClass +
                ", kernel=" + kernel);
        }
        if (ranks < 1 || ranks > 64)
        {
            throw new IllegalArgumentException("--ranks must be in 1..64: ranks=" + ranks);
        }
        if (isKernel() && Integer.bitCount(ranks) != 1)
        {
            throw new IllegalArgumentException("--ranks must be a power of two for is (as NPB IS): ranks=" + ranks);
        }
        final Algorithm chosen = parseAlgorithm(algorithm);
        if (!compare)
        {
            final double[] result = runOnce(problem, chosen);
            return result == null || result[3] == 0 ? 1 : 0;
        }
        final Algorithm against = chosen == Algorithm.TWO_COPY ? Algorithm.AUTO : chosen;
        final String label = against.name().toLowerCase(Locale.ROOT).replace('_', '-');
        final double[] smartmap = runOnce(problem, against);
        final double[] twoCopy = runOnce(problem, Algorithm.TWO_COPY);
        if (smartmap == null || twoCopy == null)
        {
            return 1;
        }
        stdout.printf(Locale.ROOT, "%n compare, %s class %s, %d ranks (collectives: mean over ranks / least-waiting rank):%n",
            kernel.toUpperCase(Locale.ROOT), problem, ranks);
        stdout.printf(Locale.ROOT, "   %-9s total %8.3f s   in collectives %8.4f s / %8.4f s%n", label,
            smartmap[0], smartmap[1], smartmap[2]);
        stdout.printf(Locale.ROOT, "   %-9s total %8.3f s   in collectives %8.4f s / %8.4f s%n", "two-copy",
            twoCopy[0], twoCopy[1], twoCopy[2]);
        stdout.printf(Locale.ROOT, "   speedup: total %.2fx, collectives %.2fx / %.2fx%n", twoCopy[0] / smartmap[0],
            twoCopy[1] / smartmap[1], twoCopy[2] / smartmap[2]);
        return smartmap[3] != 0 && twoCopy[3] != 0 ? 0 : 1;
    }

    /**
     * @return {seconds, collective seconds (mean over ranks), collective seconds (least-waiting rank),
     * verified (1/0)}, or null if the ranks failed before reporting.
     */
    private double[] runOnce(final String problem, final Algorithm chosen) throws IOException
    {
        final Path result = Files.createTempFile("smartmap-npb-", ".txt");
        try
        {
            final long regionBytes;
            final String heap;
            final Class<?> rankProgram;
            switch (kernel)
            {
                case "cg":
                    regionBytes = 64L << 20;
                    heap = "-Xmx1g";
                    rankProgram = CgRank.class;
                    break;
                case "ft":
                    regionBytes = ftRegionBytes(problem);
                    heap = "-Xmx3g";
                    rankProgram = FtRank.class;
                    break;
                default:
                    regionBytes = isRegionBytes(problem);
                    heap = "-Xmx2g";
                    rankProgram = IsRank.class;
                    break;
            }
            final List<String> args = new ArrayList<>(List.of("-n", Integer.toString(ranks), "--dir",
                segmentDir.toString(), "--region-size", Long.toString(regionBytes), "--timeout", "120"));
            args.add(ProcessHandle.current().info().command().orElse("java"));
            args.addAll(JvmFlags.all());
            args.addAll(List.of(heap, "-cp", System.getProperty("java.class.path"), rankProgram.getName(),
                problem, chosen.name(), result.toString(), Double.toString(seed)));
            final int code = Launcher.run(args.toArray(new String[0]), stdout, stderr);
            final String line = Files.readString(result, StandardCharsets.UTF_8).trim();
            if (line.isEmpty())
            {
                stderr.println("smartmap-npb: ranks failed with exit code " + code);
                return null;
            }
            final String[] fields = line.split(" ");
            return new double[] {Double.parseDouble(fields[0]), Double.parseDouble(fields[1]),
                Double.parseDouble(fields[2]), Boolean.parseBoolean(fields[3]) ? 1 : 0};
        }
        finally
        {
            Files.deleteIfExists(result);
        }
    }

    /** Send and receive slabs (complex doubles, this rank's share of the grid) plus room for the rings. */
    private long ftRegionBytes(final String problem)
    {
        final FtClass ft = FtClass.valueOf(problem);
        return io.smartmap.core.Segment.strideFor(2 * 16 * ft.total() / ranks + (32L << 20));
    }

    /** Send keys (this rank's share) and receive keys (NPB's 1.5 times that) plus room for the rings. */
    private long isRegionBytes(final String problem)
    {
        final long keysPerRank = IsClass.valueOf(problem).totalKeys() / ranks;
        return io.smartmap.core.Segment.strideFor(4 * (keysPerRank + 3 * keysPerRank / 2) + (32L << 20));
    }

    private boolean isKernel()
    {
        return "is".equals(kernel);
    }

    private static Algorithm parseAlgorithm(final String name)
    {
        switch (name.toLowerCase(Locale.ROOT))
        {
            case "smartmap":
                return Algorithm.SMARTMAP;
            case "two-copy":
                return Algorithm.TWO_COPY;
            case "auto":
                return Algorithm.AUTO;
            default:
                throw new IllegalArgumentException("--algorithm must be smartmap, two-copy or auto: algorithm=" + name);
        }
    }
}
