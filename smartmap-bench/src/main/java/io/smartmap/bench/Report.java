package io.smartmap.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smartmap.collectives.Datatype;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The runner's outputs: the header, IMB-looking tables (one row per size, one t_avg column per
 * algorithm; the detailed per-algorithm tables with {@code --verbose}), the closing summary,
 * results.csv, results.json (with machine facts) and charts, every algorithm in one colour
 * and marker across all of them. Small-message times are also given in round trips
 * ({@link RoundTrip}, rank 0 &lt;-&gt; rank 1): the tables up to {@link #ROUND_TRIP_MAX_BYTES}, the
 * summary at each op's smallest size.
 */
final class Report
{
    static final String[] CSV_HEADER = {
        "op", "algorithm", "ranks", "datatype", "bytes", "t_min_us", "t_avg_us", "t_max_us", "rounds",
        "speedup_vs_two_copy"};
    static final String TWO_COPY = "two-copy";
    static final String AUTO = "auto";
    static final String RULE =
        "#----------------------------------------------------------------------------------------------";
    /** The largest size in bytes whose t_avg the tables also give in round trips (column {@code xRTT}). */
    static final long ROUND_TRIP_MAX_BYTES = 1024;

    /** One colour per algorithm, the same in every chart (a colour-blind safe palette; two-copy grey). */
    private static final Map<String, Color> COLORS = Map.of(
        TWO_COPY, new Color(0x55, 0x55, 0x55),
        "smartmap-serial", new Color(0x00, 0x72, 0xb2),
        "smartmap-threaded", new Color(0xcc, 0x79, 0xa7),
        "smartmap", new Color(0x00, 0x9e, 0x73),
        AUTO, new Color(0xd5, 0x5e, 0x00),
        MpiBench.MPI, new Color(0x55, 0x55, 0x55),
        MpiBench.HIERARCHICAL, new Color(0x00, 0x9e, 0x73));
    private static final Map<String, Marker> MARKERS = Map.of(
        TWO_COPY, SeriesMarkers.SQUARE,
        "smartmap-serial", SeriesMarkers.TRIANGLE_UP,
        "smartmap-threaded", SeriesMarkers.TRIANGLE_DOWN,
        "smartmap", SeriesMarkers.DIAMOND,
        AUTO, SeriesMarkers.CIRCLE,
        MpiBench.MPI, SeriesMarkers.SQUARE,
        MpiBench.HIERARCHICAL, SeriesMarkers.DIAMOND);

    private final List<Measurement> results;
    private final Map<Long, double[]> bandwidth;
    private final double[] roundTripPerPeerUs;
    /** Rank 0 &lt;-&gt; rank 1's round trip in microseconds, NaN where not measured. */
    private final double roundTripUs;
    private final int ranks;
    private final Datatype datatype;
    /** The algorithm every speedup is over: two-copy, or the MPI library's own ({@code --mpi}). */
    private String baseline = TWO_COPY;
    /** The algorithm the speedup and the summary describe where it was measured: auto, or smartmap-hierarchical. */
    private String preferred = AUTO;
    /** Facts of the run beyond the machine's ({@code --mpi}: the MPI library, nodes, ranks per node), or null. */
    private Map<String, Object> runFacts;

    /**
     * @param results            the measurements, in the order the ranks took them.
     * @param bandwidth          per size in bytes: {memcpy, kernel} bandwidth of one thread in MB/s.
     * @param roundTripPerPeerUs the round trip between rank 0 and peer {@code p} in microseconds at
     *                           index {@code p - 1}; empty with one rank, null where not measured.
     * @param ranks              rank processes of the run.
     * @param datatype           the datatype of the run.
     */
    Report(final List<Measurement> results, final Map<Long, double[]> bandwidth, final double[] roundTripPerPeerUs,
        final int ranks, final Datatype datatype)
    {
        this.results = results;
        this.bandwidth = bandwidth;
        this.roundTripPerPeerUs = roundTripPerPeerUs == null ? new double[0] : roundTripPerPeerUs.clone();
        this.roundTripUs = roundTripUs(roundTripPerPeerUs);
        this.ranks = ranks;
        this.datatype = datatype;
    }

    /**
     * Compare against another baseline than two-copy (the tables' speedup column, the summary, the
     * improvement charts, {@code speedup_vs_<baseline>} in results.csv and results.json); each
     * {@link Measurement#speedupVsTwoCopy} then holds the speedup over that baseline.
     *
     * @param baselineAlgorithm  the algorithm speedups are over.
     * @param preferredAlgorithm the algorithm the speedup column and the summary describe.
     * @return this report.
     */
    Report versus(final String baselineAlgorithm, final String preferredAlgorithm)
    {
        this.baseline = baselineAlgorithm;
        this.preferred = preferredAlgorithm;
        return this;
    }

    /**
     * @param facts written as {@code "run"} in results.json, in this order (strings, numbers, lists of them).
     * @return this report.
     */
    Report runFacts(final Map<String, Object> facts)
    {
        this.runFacts = facts;
        return this;
    }

    /** @return the CSV header: {@link #CSV_HEADER}, its last column naming this report's baseline. */
    String[] csvHeader()
    {
        final String[] header = CSV_HEADER.clone();
        header[header.length - 1] = speedupColumn();
        return header;
    }

    private String speedupColumn()
    {
        return "speedup_vs_" + baseline.replace('-', '_');
    }

    /**
     * @param perPeerUs the round trip between rank 0 and peer {@code p} in microseconds at index
     *                  {@code p - 1}, or null.
     * @return rank 0 &lt;-&gt; rank 1's round trip in microseconds, NaN where there is none.
     */
    static double roundTripUs(final double[] perPeerUs)
    {
        return perPeerUs == null || perPeerUs.length == 0 ? Double.NaN : perPeerUs[0];
    }

    /**
     * The machine half of the header, printed before anything is measured.
     *
     * @param out     where to print.
     * @param machine the machine's facts.
     * @param ranks   rank processes of the run.
     * @param run     one line saying what the run measures.
     */
    static void printHeader(final PrintStream out, final Machine machine, final int ranks, final String run)
    {
        printHeader(out, "single-copy collectives against the two-copy baseline", machine, ranks, run);
    }

    /**
     * The machine half of the header, with its own title.
     *
     * @param out     where to print.
     * @param title   what the run compares.
     * @param machine the machine's facts.
     * @param ranks   rank processes of the run.
     * @param run     one line saying what the run measures.
     */
    static void printHeader(final PrintStream out, final String title, final Machine machine, final int ranks,
        final String run)
    {
        out.println(RULE);
        out.println("#    smartmap-bench: " + title + ", IMB-style");
        out.println(RULE);
        out.println("# CPU           : " + machine.cpuModel + ", " + machine.cores + (machine.cores == 1 ? " core" : " cores"));
        out.println("# JDK           : " + machine.jdk + " (" + machine.os + ")");
        out.println("# kernels       : " + machine.kernels);
        out.println("# ranks         : " + ranks + (ranks > machine.cores ?
            " on " + machine.cores + " cores: ranks outnumber cores (auto takes its oversubscribed choices)" :
            " on " + machine.cores + " cores: every rank has a core"));
        out.println("# run           : " + run);
    }

    /**
     * The limits half of the header: one thread's memcpy and reduction kernel, best size and largest.
     *
     * @param out       where to print.
     * @param bandwidth per size in bytes: {memcpy, kernel} in MB/s.
     * @param datatype  the kernel's datatype.
     * @param kernels   the kernels' name.
     */
    static void printLimits(final PrintStream out, final Map<Long, double[]> bandwidth, final Datatype datatype,
        final String kernels)
    {
        out.println("# memcpy limit  : " + limit(bandwidth, 0) + " (one thread, Unsafe.copyMemory)");
        out.println("# kernel limit  : " + limit(bandwidth, 1) + " (one thread, a += b, " +
            datatype.name().toLowerCase(Locale.ROOT) + " SUM, " + kernels + ")");
    }

    /**
     * The header's line on the cache-line round trip, printed below the limits once the ranks have
     * measured it: rank 0 &lt;-&gt; rank 1, and the range over the other peers where there are more.
     *
     * @param out       where to print.
     * @param perPeerUs the round trip between rank 0 and peer {@code p} in microseconds at index
     *                  {@code p - 1}; empty with one rank, null where the ranks failed first.
     * @param ranks     rank processes of the run.
     */
    static void printRoundTrip(final PrintStream out, final double[] perPeerUs, final int ranks)
    {
        final String prefix = "# round trip    : ";
        if (ranks == 1)
        {
            out.println(prefix + "n/a (1 rank)");
            return;
        }
        if (perPeerUs == null || perPeerUs.length == 0)
        {
            out.println(prefix + "not measured");
            return;
        }
        final StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
            "%.2f usec (rank 0 <-> 1, one cache line, median of %d batches)", perPeerUs[0], RoundTrip.BATCHES));
        if (perPeerUs.length == 2)
        {
            line.append(String.format(Locale.ROOT, "; rank 0 <-> 2: %.2f usec", perPeerUs[1]));
        }
        else if (perPeerUs.length > 2)
        {
            final double[] others = Arrays.copyOfRange(perPeerUs, 1, perPeerUs.length);
            line.append(String.format(Locale.ROOT, "; rank 0 <-> 2..%d: %.2f..%.2f usec", perPeerUs.length,
                Arrays.stream(others).min().orElseThrow(), Arrays.stream(others).max().orElseThrow()));
        }
        out.println(prefix + line);
    }

    private static String limit(final Map<Long, double[]> bandwidth, final int column)
    {
        long bestBytes = 0;
        double best = 0;
        long largest = 0;
        for (final Map.Entry<Long, double[]> entry : bandwidth.entrySet())
        {
            if (entry.getValue()[column] > best)
            {
                best = entry.getValue()[column];
                bestBytes = entry.getKey();
            }
            largest = Math.max(largest, entry.getKey());
        }
        if (bandwidth.isEmpty())
        {
            return "not measured";
        }
        return String.format(Locale.ROOT, "%.1f GB/s peak (%s), %.1f GB/s at %s", best / 1000, formatBytes(bestBytes),
            bandwidth.get(largest)[column] / 1000, formatBytes(largest));
    }

    /**
     * One table per op: a row per size, the t_avg of every algorithm, then auto's speedup over
     * two-copy, auto's t_avg in round trips (up to {@link #ROUND_TRIP_MAX_BYTES}), auto's fraction
     * of the memcpy bandwidth and the widest spread over rounds.
     *
     * @param out where to print.
     */
    void printTables(final PrintStream out)
    {
        final int rounds = results.stream().mapToInt(m -> m.rounds).max().orElse(0);
        out.println("# t_avg [usec] per algorithm: mean over ranks of each rank's time per call, median of " + rounds +
            (rounds == 1 ? " round" : " rounds") + ";");
        out.println("# speedup: " + baseline + " t_avg / " + preferred + " t_avg; %memcpy: " + preferred +
            "'s MB/s over one-thread memcpy; spread%: widest of the row;");
        out.println("# xRTT: " + preferred + "'s (the barrier's) t_avg / rank 0 <-> 1's round trip of the same round, up to " +
            formatBytes(ROUND_TRIP_MAX_BYTES));
        for (final String op : ops())
        {
            final List<String> algorithms = new ArrayList<>(algorithms(op));
            final String subject = subject(op);
            final String timed = timed(op);
            out.println(RULE);
            out.printf(Locale.ROOT, "# Benchmarking %s, %d ranks, %s%n", op, ranks, datatype.name().toLowerCase(Locale.ROOT));
            out.println(RULE);
            final StringBuilder heading = new StringBuilder(String.format(Locale.ROOT, "%10s", "#bytes"));
            algorithms.forEach(algorithm -> heading.append(String.format(Locale.ROOT, "%" + width(algorithm) + "s", algorithm)));
            heading.append(String.format(Locale.ROOT, "%9s%7s%9s%9s", "speedup", "xRTT", "%memcpy", "spread%"));
            out.println(heading);
            for (final long bytes : sizes(op))
            {
                final StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%10d", bytes));
                double spread = 0;
                for (final String algorithm : algorithms)
                {
                    final Measurement m = find(op, algorithm, bytes);
                    row.append(String.format(Locale.ROOT, "%" + width(algorithm) + "s",
                        m == null ? "-" : String.format(Locale.ROOT, "%.2f", m.tAvgUs)));
                    spread = m == null ? spread : Math.max(spread, m.spreadPercent);
                }
                final Measurement m = subject == null ? null : find(op, subject, bytes);
                final double[] copy = bandwidth.get(bytes);
                final Measurement t = timed == null || bytes > ROUND_TRIP_MAX_BYTES ? null : find(op, timed, bytes);
                row.append(String.format(Locale.ROOT, "%9s%7s%9s%9.1f",
                    m == null || Double.isNaN(m.speedupVsTwoCopy) ? "-" : String.format(Locale.ROOT, "%.2fx", m.speedupVsTwoCopy),
                    t == null || Double.isNaN(inRoundTrips(t)) ? "-" : String.format(Locale.ROOT, "%.1f", inRoundTrips(t)),
                    m == null || copy == null || bytes == 0 ? "-" :
                        String.format(Locale.ROOT, "%.1f", 100 * m.bandwidthMBps() / copy[0]),
                    spread));
                out.println(row);
            }
        }
    }

    private static int width(final String algorithm)
    {
        return Math.max(11, algorithm.length() + 2);
    }

    /**
     * The tables of earlier versions (and {@code --verbose}): a row per size and algorithm with t_min,
     * t_max, t_avg, spread, MB/s, %memcpy and speedup, then the copy limit per size.
     *
     * @param out where to print.
     */
    void printDetailedTables(final PrintStream out)
    {
        for (final String op : ops())
        {
            out.println(RULE);
            out.printf(Locale.ROOT, "# Benchmarking %s, %d ranks, %s (t in usec: min/avg/max over ranks, median of rounds)%n",
                op, ranks, datatype.name().toLowerCase(Locale.ROOT));
            out.println(RULE);
            final int width = Math.max(18, algorithms(op).stream().mapToInt(String::length).max().orElse(0));
            out.printf(Locale.ROOT, "%10s %-" + width + "s %11s %11s %11s %8s %10s %9s %9s%n", "#bytes", "algorithm", "t_min[usec]",
                "t_max[usec]", "t_avg[usec]", "spread%", "MB/s", "%memcpy", "speedup");
            for (final Measurement m : results)
            {
                if (m.op.equals(op))
                {
                    final double[] copy = bandwidth.get(m.bytes);
                    out.printf(Locale.ROOT, "%10d %-" + width + "s %11.2f %11.2f %11.2f %8.1f %10.1f %9s %9s%n", m.bytes, m.algorithm,
                        m.tMinUs, m.tMaxUs, m.tAvgUs, m.spreadPercent, m.bandwidthMBps(),
                        copy == null || m.bytes == 0 ? "-" : String.format(Locale.ROOT, "%.1f", 100 * m.bandwidthMBps() / copy[0]),
                        Double.isNaN(m.speedupVsTwoCopy) ? "-" : String.format(Locale.ROOT, "%.2fx", m.speedupVsTwoCopy));
                }
            }
            out.println();
        }
        if (bandwidth.isEmpty())
        {
            return;
        }
        out.println("# one-thread copy limit in this JVM (MB/s): bytes, memcpy, kernel a+=b (" +
            datatype.name().toLowerCase(Locale.ROOT) + " SUM)");
        bandwidth.forEach((bytes, bw) -> out.printf(Locale.ROOT, "%10d %12.1f %12.1f%n", bytes, bw[0], bw[1]));
    }

    /**
     * The closing summary, one line per op: the sizes at which auto (or, where auto was not
     * measured, the first single-copy algorithm) has a lower t_avg than two-copy, its best
     * speedup with the size, and its t_avg at the smallest size in round trips; for the barrier
     * its t_avg, also in round trips.
     *
     * @param out where to print.
     */
    void printSummary(final PrintStream out)
    {
        out.println(RULE);
        out.println("# Summary: " + preferred + " against " + baseline + ", from this run's t_avg");
        out.println(RULE);
        for (final String op : ops())
        {
            out.println(summary(op));
        }
    }

    /**
     * @param op the op's label.
     * @return its summary line, starting {@code "# " + op}.
     */
    String summary(final String op)
    {
        final String lead = String.format(Locale.ROOT, "# %-10s ", op);
        final Set<String> algorithms = algorithms(op);
        if (op.equals(BenchOp.BARRIER.label()))
        {
            final Measurement m = results.stream().filter(r -> r.op.equals(op) && r.algorithm.equals(preferred)).findFirst()
                .orElseGet(() -> results.stream().filter(r -> r.op.equals(op)).findFirst().orElseThrow());
            return lead + String.format(Locale.ROOT, "t_avg %.2f usec (%s%s): the synchronisation floor under every collective on %d ranks",
                m.tAvgUs, m.algorithm, Double.isNaN(inRoundTrips(m)) ? "" :
                    String.format(Locale.ROOT, ", %.1f RTT", inRoundTrips(m)), ranks);
        }
        final String subject = subject(op);
        if (subject == null)
        {
            return lead + (algorithms.contains(baseline) ? "only " + baseline + " measured" :
                "no " + baseline + " measured to compare with") +
                inRoundTrips(op);
        }
        final List<Long> sizes = sizes(op);
        final List<Long> faster = new ArrayList<>();
        Measurement best = null;
        for (final long bytes : sizes)
        {
            final Measurement m = find(op, subject, bytes);
            if (m == null || Double.isNaN(m.speedupVsTwoCopy))
            {
                continue;
            }
            if (m.speedupVsTwoCopy > 1)
            {
                faster.add(bytes);
            }
            if (best == null || m.speedupVsTwoCopy > best.speedupVsTwoCopy)
            {
                best = m;
            }
        }
        if (best == null)
        {
            return lead + subject + " and " + baseline + " never measured at the same size";
        }
        final String where = faster.isEmpty() ? subject + " never faster than " + baseline :
            subject + " faster than " + baseline + " at " + ranges(sizes, faster);
        return lead + String.format(Locale.ROOT, "%s (%d of %d sizes); best %.2fx at %s", where, faster.size(),
            sizes.size(), best.speedupVsTwoCopy, formatBytes(best.bytes)) + inRoundTrips(op);
    }

    /**
     * @param op the op's label.
     * @return {@code "; 8 B in 5.8 RTT"}: the t_avg of {@link #timed(String)} at the op's smallest size in
     *         round trips, or an empty string where there is no such algorithm or no round trip.
     */
    private String inRoundTrips(final String op)
    {
        final String timed = timed(op);
        final Measurement m = timed == null ? null : find(op, timed, sizes(op).get(0));
        return m == null || Double.isNaN(inRoundTrips(m)) ? "" :
            String.format(Locale.ROOT, "; %s in %.1f RTT", formatBytes(m.bytes), inRoundTrips(m));
    }

    /**
     * @return a point's t_avg in round trips: the median over rounds of each round's t_avg over the
     *         round trip measured just before it, where the ranks measured one; else over the header's
     *         round trip (runs without in-run round trips); NaN where there is neither.
     */
    private double inRoundTrips(final Measurement m)
    {
        return !Double.isNaN(m.inRoundTrips) ? m.inRoundTrips : m.tAvgUs / roundTripUs;
    }

    /** @return {@code faster} as runs of consecutive entries of {@code sizes}: {@code "8 B, 2 KiB..4 MiB"}. */
    static String ranges(final List<Long> sizes, final List<Long> faster)
    {
        final List<String> runs = new ArrayList<>();
        int i = 0;
        while (i < sizes.size())
        {
            if (!faster.contains(sizes.get(i)))
            {
                i++;
                continue;
            }
            int j = i;
            while (j + 1 < sizes.size() && faster.contains(sizes.get(j + 1)))
            {
                j++;
            }
            runs.add(i == j ? formatBytes(sizes.get(i)) : formatBytes(sizes.get(i)) + ".." + formatBytes(sizes.get(j)));
            i = j + 1;
        }
        return String.join(", ", runs);
    }

    /**
     * @param bytes a size in bytes.
     * @return it in the largest binary unit that divides it: {@code 8 B}, {@code 2 KiB}, {@code 4 MiB}.
     */
    static String formatBytes(final long bytes)
    {
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0)
        {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= (1L << 20) && bytes % (1L << 20) == 0)
        {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0)
        {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    /** @return auto where auto and two-copy were measured for {@code op}, else the first other algorithm, else null. */
    private String subject(final String op)
    {
        final Set<String> algorithms = algorithms(op);
        if (!algorithms.contains(baseline))
        {
            return null;
        }
        if (algorithms.contains(preferred))
        {
            return preferred;
        }
        return algorithms.stream().filter(a -> !a.equals(baseline)).findFirst().orElse(null);
    }

    /**
     * @return the algorithm whose t_avg is given in round trips: auto where it was measured, else the
     *         algorithm the speedup describes, else the op's only algorithm (the barrier's), else null.
     */
    private String timed(final String op)
    {
        final Set<String> algorithms = algorithms(op);
        if (algorithms.contains(preferred))
        {
            return preferred;
        }
        final String subject = subject(op);
        return subject != null || algorithms.size() != 1 ? subject : algorithms.iterator().next();
    }

    void writeCsv(final Path file) throws IOException
    {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            CSVPrinter csv = new CSVPrinter(writer, CSVFormat.DEFAULT.builder().setHeader(csvHeader()).build()))
        {
            for (final Measurement m : results)
            {
                csv.printRecord(m.op, m.algorithm, m.ranks, m.datatype, m.bytes, round(m.tMinUs), round(m.tAvgUs),
                    round(m.tMaxUs), m.rounds, Double.isNaN(m.speedupVsTwoCopy) ? "" : round(m.speedupVsTwoCopy));
            }
        }
    }

    /**
     * Write {@code results.json}: the command, the preset, the machine's facts with the round trip
     * ({@code round_trip_us}, rank 0 &lt;-&gt; rank 1, and {@code round_trip_us_per_peer}; absent with
     * one rank), a row per measurement and the copy limit per size.
     *
     * @param file    where to write.
     * @param command the command line that reproduces the run.
     * @param preset  the run's preset name ({@code full} or {@code quick}).
     * @param machine the machine's facts.
     * @throws IOException if the file cannot be written.
     */
    void writeJson(final Path file, final String command, final String preset, final Machine machine) throws IOException
    {
        final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        final ObjectNode root = mapper.createObjectNode();
        root.put("command", command);
        root.put("preset", preset);
        final ObjectNode facts = root.putObject("machine");
        facts.put("cpu_model", machine.cpuModel);
        facts.put("cores", machine.cores);
        facts.put("jdk", machine.jdk);
        facts.put("os", machine.os);
        facts.put("commit", Machine.commit());
        facts.put("kernels", machine.kernels);
        if (!Double.isNaN(roundTripUs))
        {
            // rank 0 <-> rank 1, the figure the xRTT columns divide by; then every peer
            facts.put("round_trip_us", round(roundTripUs));
            final ArrayNode perPeer = facts.putArray("round_trip_us_per_peer");
            for (int i = 0; i < roundTripPerPeerUs.length; i++)
            {
                perPeer.addObject().put("peer", i + 1).put("us", round(roundTripPerPeerUs[i]));
            }
        }
        if (runFacts != null)
        {
            root.set("run", mapper.valueToTree(runFacts));
        }
        final ArrayNode rows = root.putArray("results");
        for (final Measurement m : results)
        {
            final ObjectNode row = rows.addObject();
            row.put("op", m.op).put("algorithm", m.algorithm).put("ranks", m.ranks).put("datatype", m.datatype)
                .put("bytes", m.bytes).put("t_min_us", round(m.tMinUs)).put("t_avg_us", round(m.tAvgUs))
                .put("t_max_us", round(m.tMaxUs)).put("rounds", m.rounds).put("spread_percent", round(m.spreadPercent));
            if (!Double.isNaN(m.inRoundTrips))
            {
                row.put("round_trip_us", round(m.roundTripUs)).put("t_avg_rtt", round(m.inRoundTrips));
            }
            if (!Double.isNaN(m.speedupVsTwoCopy))
            {
                row.put(speedupColumn(), round(m.speedupVsTwoCopy));
            }
        }
        final ArrayNode copy = root.putArray("copy_limit_mbps");
        bandwidth.forEach((bytes, bw) -> copy.addObject().put("bytes", bytes).put("memcpy", round(bw[0]))
            .put("kernel_sum", round(bw[1])));
        mapper.writeValue(file.toFile(), root);
    }

    /** Per op: latency vs size (log-log, one line per algorithm) and the improvement over two-copy, as in the paper's Figure 1. */
    void writeCharts(final Path dir) throws IOException
    {
        for (final String op : ops())
        {
            final XYChart latency = chart(op + ": latency (" + ranks + " ranks)", "t_avg [usec]", true);
            final XYChart improvement = chart(op + ": improvement over " + baseline, "improvement [%]", false);
            for (final String algorithm : algorithms(op))
            {
                final List<Double> x = new ArrayList<>();
                final List<Double> y = new ArrayList<>();
                final List<Double> gain = new ArrayList<>();
                for (final Measurement m : results)
                {
                    if (m.op.equals(op) && m.algorithm.equals(algorithm) && m.bytes > 0)
                    {
                        x.add((double)m.bytes);
                        y.add(m.tAvgUs);
                        gain.add((m.speedupVsTwoCopy - 1) * 100);
                    }
                }
                if (x.isEmpty())
                {
                    continue;
                }
                style(latency.addSeries(algorithm, x, y), algorithm);
                if (!algorithm.equals(baseline) && gain.stream().noneMatch(g -> Double.isNaN(g)))
                {
                    style(improvement.addSeries(algorithm, x, gain), algorithm);
                }
            }
            if (latency.getSeriesMap().isEmpty())
            {
                continue;
            }
            final String base = dir.resolve(op).toString();
            final List<XYChart> charts = improvement.getSeriesMap().isEmpty() ? List.of(latency) : List.of(latency, improvement);
            BitmapEncoder.saveBitmap(new ArrayList<>(charts), charts.size(), 1, base, BitmapEncoder.BitmapFormat.PNG);
            VectorGraphicsEncoder.saveVectorGraphic(latency, base, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            if (charts.size() > 1)
            {
                VectorGraphicsEncoder.saveVectorGraphic(improvement, base + "-improvement",
                    VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            }
        }
    }

    /**
     * A chart of size on a log x axis, styled like every chart of the runner.
     *
     * @param title  the chart's title.
     * @param yTitle the y axis' title.
     * @param logY   whether the y axis is logarithmic.
     * @return the empty chart.
     */
    static XYChart chart(final String title, final String yTitle, final boolean logY)
    {
        final XYChart chart = new XYChartBuilder().width(900).height(480).title(title)
            .xAxisTitle("message size [bytes]").yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(logY)
            .setLegendPosition(Styler.LegendPosition.InsideNW).setMarkerSize(6);
        return chart;
    }

    /**
     * Give a series its algorithm's colour and marker, the same in every chart.
     *
     * @param series    the series.
     * @param algorithm the algorithm's label.
     */
    static void style(final XYSeries series, final String algorithm)
    {
        final Color color = COLORS.getOrDefault(algorithm, Color.BLACK);
        series.setLineColor(color);
        series.setMarkerColor(color);
        series.setMarker(MARKERS.getOrDefault(algorithm, SeriesMarkers.CIRCLE));
    }

    private Set<String> ops()
    {
        final Set<String> ops = new LinkedHashSet<>();
        results.forEach(m -> ops.add(m.op));
        return ops;
    }

    private Set<String> algorithms(final String op)
    {
        final Set<String> algorithms = new LinkedHashSet<>();
        results.stream().filter(m -> m.op.equals(op)).forEach(m -> algorithms.add(m.algorithm));
        return algorithms;
    }

    private List<Long> sizes(final String op)
    {
        final Set<Long> sizes = new LinkedHashSet<>();
        results.stream().filter(m -> m.op.equals(op)).forEach(m -> sizes.add(m.bytes));
        return new ArrayList<>(sizes);
    }

    private Measurement find(final String op, final String algorithm, final long bytes)
    {
        for (final Measurement m : results)
        {
            if (m.op.equals(op) && m.algorithm.equals(algorithm) && m.bytes == bytes)
            {
                return m;
            }
        }
        return null;
    }

    private static double round(final double value)
    {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
