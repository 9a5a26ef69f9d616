package io.smartmap.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.KernelProvider;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The runner's outputs: IMB-looking tables, results.csv, results.json (with machine facts) and charts. */
final class Report
{
    static final String[] CSV_HEADER = {
        "op", "algorithm", "ranks", "datatype", "bytes", "t_min_us", "t_avg_us", "t_max_us", "rounds",
        "speedup_vs_two_copy"};

    private final List<Measurement> results;
    private final Map<Long, double[]> bandwidth;
    private final int ranks;
    private final Datatype datatype;

    Report(final List<Measurement> results, final Map<Long, double[]> bandwidth, final int ranks, final Datatype datatype)
    {
        this.results = results;
        this.bandwidth = bandwidth;
        this.ranks = ranks;
        this.datatype = datatype;
    }

    void printTables(final PrintStream out)
    {
        for (final String op : ops())
        {
            out.println("#----------------------------------------------------------------------------------------------");
            out.printf(Locale.ROOT, "# Benchmarking %s, %d ranks, %s (t in usec: min/avg/max over ranks, median of rounds)%n",
                op, ranks, datatype.name().toLowerCase(Locale.ROOT));
            out.println("#----------------------------------------------------------------------------------------------");
            out.printf(Locale.ROOT, "%10s %-18s %11s %11s %11s %8s %10s %9s %9s%n", "#bytes", "algorithm", "t_min[usec]",
                "t_max[usec]", "t_avg[usec]", "spread%", "MB/s", "%memcpy", "speedup");
            for (final Measurement m : results)
            {
                if (m.op.equals(op))
                {
                    final double[] copy = bandwidth.get(m.bytes);
                    out.printf(Locale.ROOT, "%10d %-18s %11.2f %11.2f %11.2f %8.1f %10.1f %9s %9s%n", m.bytes, m.algorithm,
                        m.tMinUs, m.tMaxUs, m.tAvgUs, m.spreadPercent, m.bandwidthMBps(),
                        copy == null || m.bytes == 0 ? "-" : String.format(Locale.ROOT, "%.1f", 100 * m.bandwidthMBps() / copy[0]),
                        Double.isNaN(m.speedupVsTwoCopy) ? "-" : String.format(Locale.ROOT, "%.2fx", m.speedupVsTwoCopy));
                }
            }
            out.println();
        }
        out.println("# one-thread copy limit in this JVM (MB/s): bytes, memcpy, kernel a+=b (" +
            datatype.name().toLowerCase(Locale.ROOT) + " SUM, " + KernelProvider.instance().name() + ")");
        bandwidth.forEach((bytes, bw) -> out.printf(Locale.ROOT, "%10d %12.1f %12.1f%n", bytes, bw[0], bw[1]));
    }

    void writeCsv(final Path file) throws IOException
    {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            CSVPrinter csv = new CSVPrinter(writer, CSVFormat.DEFAULT.builder().setHeader(CSV_HEADER).build()))
        {
            for (final Measurement m : results)
            {
                csv.printRecord(m.op, m.algorithm, m.ranks, m.datatype, m.bytes, round(m.tMinUs), round(m.tAvgUs),
                    round(m.tMaxUs), m.rounds, Double.isNaN(m.speedupVsTwoCopy) ? "" : round(m.speedupVsTwoCopy));
            }
        }
    }

    void writeJson(final Path file, final String command) throws IOException
    {
        final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        final ObjectNode root = mapper.createObjectNode();
        root.put("command", command);
        final ObjectNode machine = root.putObject("machine");
        machine.put("cpu_model", cpuModel());
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("commit", commit());
        machine.put("kernels", KernelProvider.instance().name());
        final ArrayNode rows = root.putArray("results");
        for (final Measurement m : results)
        {
            final ObjectNode row = rows.addObject();
            row.put("op", m.op).put("algorithm", m.algorithm).put("ranks", m.ranks).put("datatype", m.datatype)
                .put("bytes", m.bytes).put("t_min_us", round(m.tMinUs)).put("t_avg_us", round(m.tAvgUs))
                .put("t_max_us", round(m.tMaxUs)).put("rounds", m.rounds).put("spread_percent", round(m.spreadPercent));
            if (!Double.isNaN(m.speedupVsTwoCopy))
            {
                row.put("speedup_vs_two_copy", round(m.speedupVsTwoCopy));
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
            final XYChart improvement = chart(op + ": improvement over two-copy", "improvement [%]", false);
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
                latency.addSeries(algorithm, x, y).setMarker(SeriesMarkers.CIRCLE);
                if (!algorithm.equals("two-copy") && gain.stream().noneMatch(g -> Double.isNaN(g)))
                {
                    improvement.addSeries(algorithm, x, gain).setMarker(SeriesMarkers.CIRCLE);
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

    private static XYChart chart(final String title, final String yTitle, final boolean logY)
    {
        final XYChart chart = new XYChartBuilder().width(900).height(480).title(title)
            .xAxisTitle("message size [bytes]").yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(logY)
            .setLegendPosition(Styler.LegendPosition.InsideNW).setMarkerSize(5);
        return chart;
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

    private static double round(final double value)
    {
        return Math.round(value * 10_000) / 10_000.0;
    }

    private static String cpuModel()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static String commit()
    {
        try
        {
            final Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            final String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return git.waitFor() == 0 ? head : "unknown";
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
