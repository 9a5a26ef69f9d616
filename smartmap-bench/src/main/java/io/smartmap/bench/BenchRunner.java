package io.smartmap.bench;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;
import io.smartmap.core.SmartMapOptions;
import io.smartmap.core.launch.JvmFlags;
import io.smartmap.core.launch.Launcher;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * {@code bin/smartmap-bench}: an IMB-style comparison of the single-copy SMARTMAP collectives with
 * the two-copy baseline across real rank processes (started through the launcher), plus the
 * one-thread memcpy and reduction-kernel bandwidth of this machine, written as a table per op,
 * {@code results.csv}, {@code results.json} and charts.
 * <p>
 * Standard output carries a header (machine facts and copy limits), a table per op and a closing
 * summary; progress goes to stderr (a bar on a terminal, else a line per collective); the ranks'
 * JVM start-up notes are dropped; {@code --verbose} adds every measurement as it is taken and the
 * detailed tables. {@code --quick} runs {@link Preset#QUICK}; {@code --compare} sets this run
 * against an earlier {@code results.json} ({@link Comparison}).
 */
@Command(name = "smartmap-bench", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
    description = "Measure smartmap collectives (single copy) against the two-copy baseline on real processes.")
public final class BenchRunner implements Callable<Integer>
{
    /** The system property that turns on a rank's line per measurement ({@code --verbose}). */
    static final String VERBOSE_PROPERTY = "smartmap.bench.verbose";

    @Option(names = "--ranks", paramLabel = "N", description = "rank processes (default: ${DEFAULT-VALUE})")
    int ranks = 2;

    @Option(names = "--ops", split = ",", paramLabel = "OP",
        description = "reduce,bcast,allreduce,alltoall,allgather,barrier (the default), and gather,scatter," +
            "reduce-scatter-block,scan")
    List<String> ops = BenchOp.DEFAULT.stream().map(BenchOp::label).collect(java.util.stream.Collectors.toList());

    @Option(names = "--algorithms", split = ",", paramLabel = "ALG",
        description = "two-copy,smartmap-serial,smartmap-threaded,smartmap,auto (default: all that apply to each op)")
    List<String> algorithms = List.of("two-copy", "smartmap-serial", "smartmap-threaded", "smartmap", "inline", "auto");

    @Option(names = "--sizes", paramLabel = "MIN:MAX", description = "bytes per rank, powers of two (default: ${DEFAULT-VALUE})")
    String sizes = "8:4194304";

    @Option(names = "--datatype", paramLabel = "TYPE", description = "double, float, long or int (default: ${DEFAULT-VALUE})")
    String datatype = "double";

    @Option(names = "--repetitions", paramLabel = "R", description = "rounds per measurement (default: ${DEFAULT-VALUE})")
    int repetitions = 5;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out = Path.of("bench-results");

    @Option(names = "--dir", paramLabel = "DIR", description = "segment directory (default: /dev/shm)")
    Path segmentDir = SmartMapOptions.DEFAULT_DIR;

    @Option(names = "--buffers", paramLabel = "KIND",
        description = "what the ranks pass: region (region buffers, no staging), array (Java arrays of the datatype) " +
            "or bytebuffer (direct ByteBuffers outside the region); arrays and byte buffers are staged (default: ${DEFAULT-VALUE})")
    String buffers = "region";

    @Option(names = "--touch", paramLabel = "WHAT",
        description = "what each rank rewrites in its send buffer between iterations (untimed): page (one element per " +
            "4 KiB, IMB-like: the data stays cached on every core) or all (every element: the bytes move between " +
            "cores every iteration, as in a program that computes new data each step) (default: ${DEFAULT-VALUE})")
    String touch = "page";

    @Option(names = "--quick", description = "a picture in about 15 s: a size every factor of 4, 3 rounds (unless " +
        "--repetitions is given), a shorter warm-up and shorter measurements")
    boolean quick;

    @Option(names = "--compare", paramLabel = "BASELINE.json", description = "print and chart the ratio of this run's " +
        "t_avg to an earlier run's results.json per op, algorithm and size; * marks points slower by more than the two " +
        "runs' spreads added (also in compare.csv and <op>-compare.png)")
    Path compare;

    @Option(names = "--mpi", description = "be one rank of an MPI job (mpirun -n N bin/smartmap-bench --mpi): measure " +
        "the hierarchical world's collectives (smartmap-hierarchical) against the MPI library's own on MPI_COMM_WORLD " +
        "(mpi) in the same run; rank 0 writes the outputs; default ops allreduce,bcast,allgather,alltoall,reduce," +
        "barrier; JDK 22+")
    boolean mpi;

    @Option(names = "--iterations", paramLabel = "N", description = "with --mpi: N timed calls per measurement and N " +
        "untimed calls per warm-up step, instead of the preset's counts scaled by size (a smoke test; the figures of " +
        "a few calls are noise)")
    Integer iterations;

    @Option(names = "--verbose", description = "also print every measurement as the ranks take it, the ranks' JVM notes " +
        "and the detailed tables (t_min, t_max, MB/s per algorithm, the copy limit per size)")
    boolean verbose;

    @Spec
    CommandSpec spec;

    private final PrintStream stdout;
    private final PrintStream stderr;

    BenchRunner(final PrintStream stdout, final PrintStream stderr)
    {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(final String[] args)
    {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args, System.out, System.err));
    }

    static int run(final String[] args, final PrintStream stdout, final PrintStream stderr)
    {
        return Cli.execute("smartmap-bench", new BenchRunner(stdout, stderr), args, stdout, stderr);
    }

    @Override
    public Integer call() throws IOException
    {
        if (mpi)
        {
            return callMpi();
        }
        if (iterations != null)
        {
            throw new IllegalArgumentException("--iterations works with --mpi only (the ranks of a launched run take " +
                "the preset's counts): iterations=" + iterations);
        }
        final List<BenchOp> opList = new ArrayList<>();
        ops.forEach(op -> opList.add(BenchOp.parse(op)));
        final List<Algorithm> algorithmList = new ArrayList<>();
        algorithms.forEach(algorithm -> algorithmList.add(BenchOp.parseAlgorithm(algorithm)));
        final long[] range = parseSizes(sizes);
        final Datatype type = parseDatatype(datatype);
        final BenchBuffers.Kind bufferKind = BenchBuffers.Kind.parse(buffers);
        if (!touch.equals("page") && !touch.equals("all"))
        {
            throw new IllegalArgumentException("--touch must be page or all: touch=" + touch);
        }
        if (ranks < 1 || ranks > 64)
        {
            throw new IllegalArgumentException("--ranks must be in 1..64: ranks=" + ranks);
        }
        if (repetitions < 1)
        {
            throw new IllegalArgumentException("--repetitions must be at least 1: repetitions=" + repetitions);
        }
        if (range[1] < type.extent())
        {
            throw new IllegalArgumentException("--sizes below one element of " + datatype + ": sizes=" + sizes);
        }
        final Preset preset = quick ? Preset.QUICK : Preset.FULL;
        if (!spec.commandLine().getParseResult().hasMatchedOption("--repetitions"))
        {
            repetitions = preset.rounds;
        }
        final Comparison.Run baseline = compare == null ? null : Comparison.read(compare);

        Files.createDirectories(out);
        final Path raw = out.resolve("raw.csv");
        Files.deleteIfExists(raw);
        Files.deleteIfExists(BenchRank.inRunRoundTrips(raw));
        final Path roundTripFile = out.resolve("round-trip.csv");
        Files.deleteIfExists(roundTripFile);
        final long regionBytes = Math.max(64L << 20, Long.highestOneBit(2 * range[1] * ranks + (16L << 20)) * 2);
        final List<String> args = new ArrayList<>(List.of("-n", Integer.toString(ranks), "--dir", segmentDir.toString(),
            "--region-size", Long.toString(regionBytes), "--timeout", "60"));
        args.add(javaExecutable());
        args.addAll(JvmFlags.all());
        args.add("-D" + Preset.PROPERTY + "=" + preset.name);
        args.add("-D" + VERBOSE_PROPERTY + "=" + verbose);
        args.addAll(List.of("-Xms256m", "-Xmx256m", "-cp", System.getProperty("java.class.path"), BenchRank.class.getName(),
            String.join(",", ops), String.join(",", algorithms), Long.toString(range[0]), Long.toString(range[1]),
            type.name(), Integer.toString(repetitions), raw.toAbsolutePath().toString(), bufferKind.label(), touch,
            roundTripFile.toAbsolutePath().toString()));
        final Machine machine = Machine.current();
        Report.printHeader(stdout, machine, ranks, describeRun(preset, opList, algorithmList, range, type));
        stdout.flush();

        // the copy limit first, for the header, while no rank competes for the cores
        final CopyBandwidth copy = new CopyBandwidth(range[1], preset.copyWarmupNs);
        final Map<Long, double[]> bandwidth = new TreeMap<>();
        for (final long bytes : preset.sizes(BenchOp.REDUCE, range[0], range[1], type.extent()))
        {
            bandwidth.put(bytes, new double[] {copy.memcpyMBps(bytes), copy.kernelMBps(bytes, type, Op.SUM)});
        }
        Report.printLimits(stdout, bandwidth, type, machine.kernels);
        stdout.flush();

        // the ranks measure the round trip first: print it with the limits, then follow the collectives
        final FutureTask<Integer> job = new FutureTask<>(() -> Launcher.run(args.toArray(new String[0]),
            verbose ? stdout : JvmNoteFilter.filtering(stdout), verbose ? stderr : JvmNoteFilter.filtering(stderr)));
        final Thread launcher = new Thread(job, "smartmap-bench-ranks");
        launcher.start();
        final double[] roundTripUs;
        final int code;
        try
        {
            roundTripUs = RoundTrip.await(roundTripFile, job);
            Report.printRoundTrip(stdout, roundTripUs, ranks);
            stdout.flush();
            final boolean useBar = !verbose && stderr == System.err && Progress.stderrIsTerminal();
            final Map<String, Integer> expected = expectedMeasurements(preset, opList, algorithmList, range, type);
            try (Progress progress = new Progress(stderr, useBar, raw, expected))
            {
                progress.ranksStarted();
                code = exitCode(job);
            }
        }
        finally
        {
            // never leave with the ranks running: after a failure here, interrupting the launcher stops them
            if (!job.isDone())
            {
                job.cancel(true);
            }
            joinUninterruptibly(launcher);
        }
        if (code != 0)
        {
            stderr.println("smartmap-bench: ranks failed with exit code " + code);
            return code;
        }

        final List<Measurement> results = aggregate(raw, type, Report.TWO_COPY);
        final Report report = new Report(results, bandwidth, roundTripUs, ranks, type);
        if (verbose)
        {
            report.printDetailedTables(stdout);
        }
        else
        {
            report.printTables(stdout);
        }
        report.printSummary(stdout);
        report.writeCsv(out.resolve("results.csv"));
        report.writeJson(out.resolve("results.json"), String.join(" ", commandLine()), preset.name, machine);
        report.writeCharts(out);
        if (baseline != null)
        {
            final Comparison comparison = new Comparison(compare, baseline,
                new Comparison.Run(machine.jdk, machine.kernels, Report.roundTripUs(roundTripUs), results));
            comparison.print(stdout);
            comparison.writeCsv(out.resolve("compare.csv"));
            comparison.writeCharts(out);
        }
        Files.deleteIfExists(raw);
        Files.deleteIfExists(BenchRank.inRunRoundTrips(raw));
        Files.deleteIfExists(roundTripFile);
        stdout.println("smartmap-bench: wrote " + out.resolve("results.csv") + ", results.json, " +
            (baseline == null ? "" : "compare.csv, ") + "charts");
        return 0;
    }

    /** Options that choose what the runner starts or passes, which the MPI launcher and the two algorithms fix under {@code --mpi}. */
    private static final List<String> NOT_WITH_MPI = List.of("--ranks", "--algorithms", "--buffers", "--dir");

    /**
     * {@code --mpi}: this process is one rank of an MPI job ({@link MpiBench}); rank 0 prints and writes
     * what a run writes, the other ranks nothing.
     */
    private int callMpi() throws IOException
    {
        for (final String option : NOT_WITH_MPI)
        {
            if (spec.commandLine().getParseResult().hasMatchedOption(option))
            {
                throw new IllegalArgumentException(option + " makes no sense with --mpi: the MPI launcher starts the " +
                    "ranks (mpirun -n N), the algorithms are mpi and smartmap-hierarchical on region buffers, and the " +
                    "segments follow SMARTMAP_DIR (pass it with mpirun -x / -genv): option=" + option);
            }
        }
        final boolean opsGiven = spec.commandLine().getParseResult().hasMatchedOption("--ops");
        final List<BenchOp> opList = new ArrayList<>();
        if (opsGiven)
        {
            for (final String label : ops)
            {
                final BenchOp op = BenchOp.parse(label);
                if (!MpiBench.OPS.contains(op))
                {
                    throw new IllegalArgumentException(MpiBench.unsupported(op));
                }
                opList.add(op);
            }
        }
        else
        {
            opList.addAll(MpiBench.OPS);
        }
        final long[] range = parseSizes(sizes);
        final Datatype type = parseDatatype(datatype);
        if (!touch.equals("page") && !touch.equals("all"))
        {
            throw new IllegalArgumentException("--touch must be page or all: touch=" + touch);
        }
        if (repetitions < 1)
        {
            throw new IllegalArgumentException("--repetitions must be at least 1: repetitions=" + repetitions);
        }
        if (range[1] < type.extent())
        {
            throw new IllegalArgumentException("--sizes below one element of " + datatype + ": sizes=" + sizes);
        }
        if (iterations != null && iterations < 1)
        {
            throw new IllegalArgumentException("--iterations must be at least 1: iterations=" + iterations);
        }
        MpiBench.requireMpiLauncher(System.getenv());
        final Preset preset = iterations == null ? quick ? Preset.QUICK : Preset.FULL :
            (quick ? Preset.QUICK : Preset.FULL).withIterations(iterations);
        if (!spec.commandLine().getParseResult().hasMatchedOption("--repetitions"))
        {
            repetitions = preset.rounds;
        }
        final Comparison.Run baseline = compare == null ? null : Comparison.read(compare);

        final List<Measurement> results;
        final Machine machine;
        final Map<String, Object> facts;
        final Path raw = out.resolve("raw.csv");
        try (MpiBench bench = MpiBench.join(type, range[1], touch.equals("all")))
        {
            ranks = bench.size();
            final boolean root = bench.rank() == 0;
            facts = bench.facts();
            machine = root ? Machine.current() : null;
            if (root)
            {
                Files.createDirectories(out);
                Files.deleteIfExists(raw);
                Report.printHeader(stdout, "the hierarchical world (" + MpiBench.HIERARCHICAL + ") against the MPI " +
                    "library's own collectives (" + MpiBench.MPI + ")", machine, ranks,
                    describeMpiRun(preset, opList, range, type));
                stdout.println("# MPI           : " + facts.get("mpi_abi") + " (" + facts.get("mpi_library") + ")" +
                    (facts.containsKey("ompi_mca_btl") ? ", btl " + facts.get("ompi_mca_btl") : ""));
                stdout.println("# nodes         : " + facts.get("nodes") + " (" + facts.get("nodes_by") + "), ranks per node " +
                    facts.get("ranks_per_node").toString().replace(" ", "") + (facts.containsKey("smartmap_cores_per_node") ?
                    "; ranks outnumber this machine's cores: each node counts " + facts.get("smartmap_cores_per_node") +
                    (facts.get("smartmap_cores_per_node").equals(1) ? " core" : " cores") + " (-D" +
                    MpiBench.CORES_PROPERTY + ")" : ""));
                stdout.println("# reductions    : " + (Boolean.TRUE.equals(facts.get("reproducible")) ?
                    "reproducible (the fold passes along the leaders in node order)" :
                    "unordered (-Dsmartmap.reproducible=false: node partials combined by the MPI library)"));
                stdout.flush();
            }
            try (PrintWriter rawOut = root ? new PrintWriter(Files.newBufferedWriter(raw, StandardCharsets.UTF_8)) : null;
                Progress progress = root ? new Progress(stderr, !verbose && stderr == System.err &&
                    Progress.stderrIsTerminal(), raw, expectedMpiMeasurements(preset, opList, range, type)) : null)
            {
                if (progress != null)
                {
                    progress.ranksStarted();
                }
                bench.warmUp(opList, preset, range[0], range[1]);
                bench.run(opList, preset, range[0], range[1], repetitions, rawOut, verbose);
            }
        }
        if (machine == null)
        {
            return 0; // not rank 0: rank 0 reports
        }
        results = aggregate(raw, type, MpiBench.MPI);
        final Report report = new Report(results, Map.of(), null, ranks, type).versus(MpiBench.MPI, MpiBench.HIERARCHICAL)
            .runFacts(facts);
        if (verbose)
        {
            report.printDetailedTables(stdout);
        }
        else
        {
            report.printTables(stdout);
        }
        report.printSummary(stdout);
        report.writeCsv(out.resolve("results.csv"));
        report.writeJson(out.resolve("results.json"), String.join(" ", mpiCommandLine(opList)), preset.name, machine);
        report.writeCharts(out);
        if (baseline != null)
        {
            final Comparison comparison = new Comparison(compare, baseline,
                new Comparison.Run(machine.jdk, machine.kernels, Double.NaN, results));
            comparison.print(stdout);
            comparison.writeCsv(out.resolve("compare.csv"));
            comparison.writeCharts(out);
        }
        Files.deleteIfExists(raw);
        stdout.println("smartmap-bench: wrote " + out.resolve("results.csv") + ", results.json, " +
            (baseline == null ? "" : "compare.csv, ") + "charts");
        return 0;
    }

    /** @return per op label, in order, the measurements rank 0 will write under {@code --mpi}. */
    private Map<String, Integer> expectedMpiMeasurements(final Preset preset, final List<BenchOp> opList,
        final long[] range, final Datatype type)
    {
        final Map<String, Integer> expected = new LinkedHashMap<>();
        for (final BenchOp op : opList)
        {
            expected.merge(op.label(), 2 * preset.sizes(op, range[0], range[1], type.extent()).size() * repetitions,
                Integer::sum);
        }
        return expected;
    }

    private String describeMpiRun(final Preset preset, final List<BenchOp> opList, final long[] range, final Datatype type)
    {
        final List<String> labels = new ArrayList<>();
        opList.forEach(op -> labels.add(op.label()));
        return preset.name + ": " + String.join(",", labels) + " (" + MpiBench.MPI + "," + MpiBench.HIERARCHICAL + "); " +
            type.name().toLowerCase(Locale.ROOT) + "; " + Report.formatBytes(Math.max(range[0], type.extent())) + ".." +
            Report.formatBytes(range[1]) + (preset.sizeFactor == 2 ? ", every power of two" :
            ", every factor of " + preset.sizeFactor) + "; " + repetitions + (repetitions == 1 ? " round" : " rounds") +
            "; region buffers" + (touch.equals("all") ? ", every element rewritten per iteration" : "");
    }

    private List<String> mpiCommandLine(final List<BenchOp> opList)
    {
        final List<String> line = new ArrayList<>(List.of("mpirun", "-n", Integer.toString(ranks), "bin/smartmap-bench",
            "--mpi", "--ops", String.join(",", labels(opList)), "--sizes", sizes, "--datatype", datatype, "--touch", touch,
            "--repetitions", Integer.toString(repetitions), "--out", out.toString()));
        if (iterations != null)
        {
            line.addAll(List.of("--iterations", Integer.toString(iterations)));
        }
        if (quick)
        {
            line.add("--quick");
        }
        if (compare != null)
        {
            line.addAll(List.of("--compare", compare.toString()));
        }
        return line;
    }

    private static List<String> labels(final List<BenchOp> ops)
    {
        final List<String> labels = new ArrayList<>();
        ops.forEach(op -> labels.add(op.label()));
        return labels;
    }

    /**
     * Wait for the ranks' job to end.
     *
     * @param job the launcher's run.
     * @return its exit code, 130 if this thread is interrupted first.
     */
    private static int exitCode(final FutureTask<Integer> job)
    {
        try
        {
            return job.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 130;
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RuntimeException)
            {
                throw (RuntimeException)ex.getCause();
            }
            throw new IllegalStateException("the ranks' launcher failed: reason=" + ex.getCause(), ex.getCause());
        }
    }

    private static void joinUninterruptibly(final Thread thread)
    {
        boolean interrupted = false;
        while (thread.isAlive())
        {
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** @return per op label, in the order the ranks take them, the measurements rank 0 will write. */
    private Map<String, Integer> expectedMeasurements(final Preset preset, final List<BenchOp> opList,
        final List<Algorithm> algorithmList, final long[] range, final Datatype type)
    {
        final Map<String, Integer> expected = new LinkedHashMap<>();
        for (final BenchOp op : opList)
        {
            int points = 0;
            for (final long bytes : preset.sizes(op, range[0], range[1], type.extent()))
            {
                points += (int)op.algorithms().stream()
                    .filter(a -> (op == BenchOp.BARRIER || algorithmList.contains(a)) && op.measures(a, bytes, ranks)).count();
            }
            expected.merge(op.label(), points * repetitions, Integer::sum);
        }
        return expected;
    }

    /** @return the header's line on what the run measures: preset, ops, algorithms where not all, datatype, sizes, rounds, buffers. */
    private String describeRun(final Preset preset, final List<BenchOp> opList, final List<Algorithm> algorithmList,
        final long[] range, final Datatype type)
    {
        final List<String> labels = new ArrayList<>();
        opList.forEach(op -> labels.add(op.label()));
        final boolean allAlgorithms = algorithmList.containsAll(List.of(Algorithm.values()));
        return preset.name + ": " + String.join(",", labels) + (allAlgorithms ? "" : " (" + String.join(",", algorithms) + ")") +
            "; " + type.name().toLowerCase(Locale.ROOT) + "; " + Report.formatBytes(Math.max(range[0], type.extent())) +
            ".." + Report.formatBytes(range[1]) + (preset.sizeFactor == 2 ? ", every power of two" :
            ", every factor of " + preset.sizeFactor) + "; " + repetitions + (repetitions == 1 ? " round" : " rounds") +
            "; " + buffers + " buffers" + (touch.equals("all") ? ", every element rewritten per iteration" : "");
    }

    private List<String> commandLine()
    {
        final List<String> line = new ArrayList<>(List.of("bin/smartmap-bench", "--ranks", Integer.toString(ranks),
            "--ops", String.join(",", ops), "--algorithms", String.join(",", algorithms), "--sizes", sizes,
            "--datatype", datatype, "--buffers", buffers, "--touch", touch, "--repetitions", Integer.toString(repetitions),
            "--out", out.toString()));
        if (quick)
        {
            line.add("--quick");
        }
        if (compare != null)
        {
            line.addAll(List.of("--compare", compare.toString()));
        }
        return line;
    }

    /**
     * Median over rounds of t_min, t_avg and t_max per (op, algorithm, bytes); where the ranks measured
     * the round trip in the same round ({@link BenchRank#inRunRoundTrips}), also the median round trip
     * and the median over rounds of t_avg / round trip.
     */
    private List<Measurement> aggregate(final Path raw, final Datatype type, final String baselineAlgorithm)
        throws IOException
    {
        final Map<String, Double> roundTrips = new HashMap<>(); // "op,bytes,round" -> us
        final Path roundTripFile = BenchRank.inRunRoundTrips(raw);
        if (Files.exists(roundTripFile))
        {
            try (Reader reader = Files.newBufferedReader(roundTripFile, StandardCharsets.UTF_8))
            {
                for (final CSVRecord record : CSVFormat.DEFAULT.parse(reader))
                {
                    roundTrips.put(record.get(0) + "," + record.get(1) + "," + record.get(2), Double.parseDouble(record.get(3)));
                }
            }
        }
        final Map<String, List<double[]>> rounds = new LinkedHashMap<>();
        try (Reader reader = Files.newBufferedReader(raw, StandardCharsets.UTF_8))
        {
            for (final CSVRecord record : CSVFormat.DEFAULT.parse(reader))
            {
                final String key = record.get(0) + "," + record.get(1) + "," + record.get(2);
                final double tAvg = Double.parseDouble(record.get(5));
                final Double roundTrip = roundTrips.get(record.get(0) + "," + record.get(2) + "," + record.get(3));
                rounds.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {
                    Double.parseDouble(record.get(4)), tAvg, Double.parseDouble(record.get(6)),
                    roundTrip == null ? Double.NaN : roundTrip, roundTrip == null ? Double.NaN : tAvg / roundTrip});
            }
        }
        final List<Measurement> results = new ArrayList<>();
        for (final Map.Entry<String, List<double[]>> entry : rounds.entrySet())
        {
            final String[] key = entry.getKey().split(",");
            final List<double[]> values = entry.getValue();
            final double tAvg = median(values, 1);
            final double spread = (max(values, 1) - min(values, 1)) / tAvg * 100;
            final Measurement m = new Measurement(key[0], key[1], ranks, type.name().toLowerCase(Locale.ROOT),
                Long.parseLong(key[2]), median(values, 0), tAvg, median(values, 2), values.size(), spread);
            if (values.stream().noneMatch(v -> Double.isNaN(v[3])))
            {
                m.roundTripUs = median(values, 3);
                m.inRoundTrips = median(values, 4);
            }
            results.add(m);
        }
        for (final Measurement m : results)
        {
            for (final Measurement twoCopy : results)
            {
                if (twoCopy.op.equals(m.op) && twoCopy.bytes == m.bytes && twoCopy.algorithm.equals(baselineAlgorithm))
                {
                    m.speedupVsTwoCopy = twoCopy.tAvgUs / m.tAvgUs;
                }
            }
        }
        return results;
    }

    private static double median(final List<double[]> values, final int column)
    {
        final double[] sorted = values.stream().mapToDouble(v -> v[column]).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] :
            (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double min(final List<double[]> values, final int column)
    {
        return values.stream().mapToDouble(v -> v[column]).min().orElse(Double.NaN);
    }

    private static double max(final List<double[]> values, final int column)
    {
        return values.stream().mapToDouble(v -> v[column]).max().orElse(Double.NaN);
    }

    static long[] parseSizes(final String sizes)
    {
        final String[] parts = sizes.split(":");
        try
        {
            final long min = Long.parseLong(parts[0].trim());
            final long max = parts.length > 1 ? Long.parseLong(parts[1].trim()) : min;
            if (parts.length > 2 || min < 1 || max < min || Long.bitCount(min) != 1 || Long.bitCount(max) != 1 ||
                max > (256L << 20))
            {
                throw new NumberFormatException();
            }
            return new long[] {min, max};
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--sizes must be MIN:MAX, powers of two, 1 <= MIN <= MAX <= 268435456: sizes=" +
                sizes);
        }
    }

    private static Datatype parseDatatype(final String name)
    {
        final Datatype type = Arrays.stream(Datatype.values())
            .filter(t -> t.name().equalsIgnoreCase(name.trim())).findFirst().orElse(null);
        if (type != Datatype.DOUBLE && type != Datatype.FLOAT && type != Datatype.LONG && type != Datatype.INT)
        {
            throw new IllegalArgumentException("--datatype must be double, float, long or int: datatype=" + name);
        }
        return type;
    }

    private static String javaExecutable()
    {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
