package io.smartmap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code --compare BASELINE.json}: this run against an earlier run's {@code results.json}, per
 * (op, algorithm, size) measured in both, as the ratio of t_avg (this run over the baseline; above
 * 1 this run is slower). Each point of a run carries its spread, {@code spread_percent}: (max - min)
 * / median of t_avg over its rounds. A point is flagged when this run is slower by more than the
 * two spreads added, {@code ratio - 1 > (spread + baseline spread) / 100}: a slowdown the rounds of
 * neither run reach. A point measured in one round has no spread, so any slowdown of it is flagged.
 */
final class Comparison
{
    static final String[] CSV_HEADER = {
        "op", "algorithm", "bytes", "baseline_t_avg_us", "t_avg_us", "ratio", "baseline_spread_percent",
        "spread_percent", "slower_beyond_spread"};

    /** One (op, algorithm, size) measured in both runs. */
    static final class Point
    {
        final String op;
        final String algorithm;
        final long bytes;
        final double baselineUs;
        final double currentUs;
        final double baselineSpreadPercent;
        final double currentSpreadPercent;

        Point(final Measurement baseline, final Measurement current)
        {
            this.op = current.op;
            this.algorithm = current.algorithm;
            this.bytes = current.bytes;
            this.baselineUs = baseline.tAvgUs;
            this.currentUs = current.tAvgUs;
            this.baselineSpreadPercent = baseline.spreadPercent;
            this.currentSpreadPercent = current.spreadPercent;
        }

        /** @return t_avg of this run over t_avg of the baseline: above 1, this run is slower. */
        double ratio()
        {
            return currentUs / baselineUs;
        }

        /** @return whether this run is slower by more than both runs' spreads added. */
        boolean slowerBeyondSpread()
        {
            return ratio() - 1 > (baselineSpreadPercent + currentSpreadPercent) / 100;
        }
    }

    /** A run read back from its {@code results.json}. */
    static final class Run
    {
        final String jdk;
        final String kernels;
        /** Rank 0 &lt;-&gt; rank 1's cache-line round trip in microseconds; NaN where the run has none (one rank, older runs). */
        final double roundTripUs;
        final List<Measurement> results;

        Run(final String jdk, final String kernels, final double roundTripUs, final List<Measurement> results)
        {
            this.jdk = jdk;
            this.kernels = kernels;
            this.roundTripUs = roundTripUs;
            this.results = results;
        }

        /** @return JDK, kernels, ranks, datatype, rounds and the round trip where known, in one phrase. */
        String describe()
        {
            final Set<String> setups = results.stream().map(m -> m.ranks + " ranks, " + m.datatype)
                .collect(Collectors.toCollection(LinkedHashSet::new));
            final int rounds = results.stream().mapToInt(m -> m.rounds).max().orElse(0);
            return jdk + ", kernels " + kernels + ", " + String.join("; ", setups) + ", " + rounds +
                (rounds == 1 ? " round" : " rounds") +
                (Double.isNaN(roundTripUs) ? "" : String.format(Locale.ROOT, ", round trip %.2f usec", roundTripUs));
        }
    }

    private final Path baselineFile;
    private final Run baseline;
    private final Run current;
    private final List<Point> points = new ArrayList<>();
    private final int onlyInBaseline;
    private final int onlyInCurrent;

    /**
     * @param baselineFile the baseline's {@code results.json} (named in the output).
     * @param baseline     the baseline run.
     * @param current      this run.
     */
    Comparison(final Path baselineFile, final Run baseline, final Run current)
    {
        this.baselineFile = baselineFile;
        this.baseline = baseline;
        this.current = current;
        int matched = 0;
        for (final Measurement m : current.results)
        {
            final Measurement before = baseline.results.stream()
                .filter(b -> b.op.equals(m.op) && b.algorithm.equals(m.algorithm) && b.bytes == m.bytes)
                .findFirst().orElse(null);
            if (before != null)
            {
                points.add(new Point(before, m));
                matched++;
            }
        }
        this.onlyInCurrent = current.results.size() - matched;
        this.onlyInBaseline = baseline.results.size() - matched;
    }

    /**
     * Read a run's {@code results.json} as this runner writes it.
     *
     * @param file the file.
     * @return the run.
     * @throws IllegalArgumentException if the file cannot be read or holds no results.
     */
    static Run read(final Path file)
    {
        final JsonNode root;
        try
        {
            root = new ObjectMapper().readTree(file.toFile());
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read results.json: file=" + file + ", reason=" + ex.getMessage());
        }
        final JsonNode rows = root == null ? null : root.get("results");
        if (rows == null || !rows.isArray() || rows.isEmpty())
        {
            throw new IllegalArgumentException("not a results.json of smartmap-bench (no results): file=" + file);
        }
        final List<Measurement> results = new ArrayList<>();
        for (final JsonNode row : rows)
        {
            final Measurement m = new Measurement(row.path("op").asText(), row.path("algorithm").asText(),
                row.path("ranks").asInt(), row.path("datatype").asText(), row.path("bytes").asLong(),
                row.path("t_min_us").asDouble(), row.path("t_avg_us").asDouble(), row.path("t_max_us").asDouble(),
                row.path("rounds").asInt(), row.path("spread_percent").asDouble(0));
            m.speedupVsTwoCopy = row.has("speedup_vs_two_copy") ? row.get("speedup_vs_two_copy").asDouble() : Double.NaN;
            if (m.op.isEmpty() || m.algorithm.isEmpty() || !(m.tAvgUs > 0))
            {
                throw new IllegalArgumentException("results.json row without op, algorithm or t_avg_us: file=" + file +
                    ", row=" + row);
            }
            results.add(m);
        }
        final JsonNode machine = root.path("machine");
        // written since the round trip is measured, and only for runs of more than one rank
        final JsonNode roundTrip = machine.path("round_trip_us");
        return new Run(machine.path("jdk").asText("unknown JDK"), machine.path("kernels").asText("unknown"),
            roundTrip.isNumber() ? roundTrip.asDouble() : Double.NaN, results);
    }

    /** @return every point measured in both runs, in this run's order. */
    List<Point> points()
    {
        return points;
    }

    /** @return the points at which this run is slower by more than both spreads added. */
    List<Point> flagged()
    {
        return points.stream().filter(Point::slowerBeyondSpread).collect(Collectors.toList());
    }

    /**
     * Per op a table of ratios, a row per size and a column per algorithm, {@code *} marking a
     * point slower beyond the spread, then the count and the largest of those.
     *
     * @param out where to print.
     */
    void print(final PrintStream out)
    {
        out.println(Report.RULE);
        out.println("# Compare: t_avg of this run / t_avg of the baseline (> 1: slower); * slower by more than both spreads added");
        out.println("# baseline      : " + baselineFile + ": " + baseline.describe());
        out.println("# this run      : " + current.describe());
        out.println("# spread        : (max - min) / median of t_avg over a point's rounds; a 1-round point has none");
        out.println(Report.RULE);
        final Set<String> ops = new LinkedHashSet<>();
        points.forEach(p -> ops.add(p.op));
        for (final String op : ops)
        {
            final Set<String> algorithms = new LinkedHashSet<>();
            final Set<Long> sizes = new LinkedHashSet<>();
            points.stream().filter(p -> p.op.equals(op)).forEach(p ->
            {
                algorithms.add(p.algorithm);
                sizes.add(p.bytes);
            });
            final StringBuilder heading = new StringBuilder(String.format(Locale.ROOT, "%-10s", "# " + op));
            algorithms.forEach(a -> heading.append(String.format(Locale.ROOT, "%" + width(a) + "s", a)));
            out.println(heading);
            for (final long bytes : sizes)
            {
                final StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%10d", bytes));
                for (final String algorithm : algorithms)
                {
                    final Point p = points.stream()
                        .filter(q -> q.op.equals(op) && q.algorithm.equals(algorithm) && q.bytes == bytes)
                        .findFirst().orElse(null);
                    row.append(String.format(Locale.ROOT, "%" + width(algorithm) + "s", p == null ? "- " :
                        String.format(Locale.ROOT, "%.2f%s", p.ratio(), p.slowerBeyondSpread() ? "*" : " ")));
                }
                out.println(row.toString().stripTrailing());
            }
        }
        final List<Point> flagged = new ArrayList<>(flagged());
        flagged.sort(Comparator.comparingDouble(Point::ratio).reversed());
        out.printf(Locale.ROOT, "# %d of %d points slower beyond the spread%s%n", flagged.size(), points.size(),
            onlyInBaseline + onlyInCurrent == 0 ? "" :
                " (" + onlyInCurrent + " only in this run, " + onlyInBaseline + " only in the baseline: not compared)");
        for (final Point p : flagged.subList(0, Math.min(5, flagged.size())))
        {
            out.printf(Locale.ROOT, "#   %-10s %-18s %8s %6.2fx slower (%.2f against %.2f usec; spreads %.1f%% + %.1f%%)%n",
                p.op, p.algorithm, Report.formatBytes(p.bytes), p.ratio(), p.currentUs, p.baselineUs,
                p.currentSpreadPercent, p.baselineSpreadPercent);
        }
    }

    private static int width(final String algorithm)
    {
        return Math.max(11, algorithm.length() + 2);
    }

    /**
     * @param file where to write {@link #CSV_HEADER} and a row per point.
     * @throws IOException if the file cannot be written.
     */
    void writeCsv(final Path file) throws IOException
    {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            CSVPrinter csv = new CSVPrinter(writer, CSVFormat.DEFAULT.builder().setHeader(CSV_HEADER).build()))
        {
            for (final Point p : points)
            {
                csv.printRecord(p.op, p.algorithm, p.bytes, round(p.baselineUs), round(p.currentUs), round(p.ratio()),
                    round(p.baselineSpreadPercent), round(p.currentSpreadPercent), p.slowerBeyondSpread());
            }
        }
    }

    private static double round(final double value)
    {
        return Math.round(value * 10_000) / 10_000.0;
    }

    /**
     * Per op (the barrier, which has no size, aside) {@code <op>-compare.png} and {@code .svg}: the
     * ratio against size, a line per algorithm in its colour, the flagged points marked with a black cross.
     *
     * @param dir where to write.
     * @throws IOException if a file cannot be written.
     */
    void writeCharts(final Path dir) throws IOException
    {
        final Set<String> ops = new LinkedHashSet<>();
        points.stream().filter(p -> p.bytes > 0).forEach(p -> ops.add(p.op));
        for (final String op : ops)
        {
            final XYChart chart = Report.chart(op + ": t_avg this run / baseline (> 1: slower)", "ratio", false);
            final Set<String> algorithms = new LinkedHashSet<>();
            points.stream().filter(p -> p.op.equals(op) && p.bytes > 0).forEach(p -> algorithms.add(p.algorithm));
            final List<Double> one = new ArrayList<>();
            final List<Double> sizes = new ArrayList<>();
            for (final String algorithm : algorithms)
            {
                final List<Double> x = new ArrayList<>();
                final List<Double> y = new ArrayList<>();
                for (final Point p : points)
                {
                    if (p.op.equals(op) && p.algorithm.equals(algorithm) && p.bytes > 0)
                    {
                        x.add((double)p.bytes);
                        y.add(p.ratio());
                        if (!sizes.contains((double)p.bytes))
                        {
                            sizes.add((double)p.bytes);
                            one.add(1.0);
                        }
                    }
                }
                Report.style(chart.addSeries(algorithm, x, y), algorithm);
            }
            final List<Double> flaggedX = new ArrayList<>();
            final List<Double> flaggedY = new ArrayList<>();
            for (final Point p : flagged())
            {
                if (p.op.equals(op) && p.bytes > 0)
                {
                    flaggedX.add((double)p.bytes);
                    flaggedY.add(p.ratio());
                }
            }
            sizes.sort(Comparator.naturalOrder());
            final XYSeries same = chart.addSeries("same as baseline", sizes, one);
            same.setLineColor(Color.LIGHT_GRAY);
            same.setMarker(SeriesMarkers.NONE);
            if (!flaggedX.isEmpty())
            {
                final XYSeries slower = chart.addSeries("slower beyond spread", flaggedX, flaggedY);
                slower.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                slower.setMarker(SeriesMarkers.CROSS);
                slower.setMarkerColor(Color.BLACK);
            }
            final String base = dir.resolve(op + "-compare").toString();
            BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
            VectorGraphicsEncoder.saveVectorGraphic(chart, base, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        }
    }
}
