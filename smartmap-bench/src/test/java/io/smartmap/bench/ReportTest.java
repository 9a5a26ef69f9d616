package io.smartmap.bench;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Datatype;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

class ReportTest
{
    @Test
    void shouldPrintAFullDefaultRunInAbout150Lines()
    {
        // the README's main job: 2 ranks, every op and algorithm, 8 B..4 MiB, every power of two (149 lines)
        final List<Measurement> results = new ArrayList<>();
        final Map<Long, double[]> bandwidth = new TreeMap<>();
        for (final BenchOp op : BenchOp.DEFAULT)
        {
            for (final long bytes : Preset.FULL.sizes(op, 8, 4 << 20, 8))
            {
                bandwidth.put(Math.max(8, bytes), new double[] {10_000, 5_000});
                for (final Algorithm algorithm : op.algorithms())
                {
                    if (!op.measures(algorithm, bytes, 2))
                    {
                        continue;
                    }
                    final double t = 1 + bytes / (algorithm == Algorithm.TWO_COPY ? 1000.0 : 4000.0);
                    final Measurement m = new Measurement(op.label(), BenchOp.label(algorithm), 2, "double", bytes,
                        t * 0.9, t, t * 1.1, 5, 3.0);
                    m.speedupVsTwoCopy = op == BenchOp.BARRIER ? Double.NaN : (1 + bytes / 1000.0) / t;
                    results.add(m);
                }
            }
        }
        // 20 sizes of each algorithm but INLINE, which carries 8 B..1 KiB (8 sizes; alltoall on 2 ranks: 7), and 3 barriers
        assertEquals(20 * (5 + 3 + 5 + 3 + 3) + 4 * 8 + 7 + 3, results.size());
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Report.printHeader(out, Machine.current(), 2, "full: every op; double; 8 B..4 MiB, every power of two; 5 rounds");
        Report.printLimits(out, bandwidth, Datatype.DOUBLE, "scalar");
        Report.printRoundTrip(out, new double[] {0.5}, 2);
        final Report report = new Report(results, bandwidth, new double[] {0.5}, 2, Datatype.DOUBLE);
        report.printTables(out);
        report.printSummary(out);
        out.println("smartmap-bench: wrote bench-results/results.csv, results.json and charts");
        final List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().collect(java.util.stream.Collectors.toList());
        assertTrue(lines.size() < 160, lines.size() + " lines");
        assertTrue(lines.contains("# reduce     auto faster than two-copy at 8 B..4 MiB (20 of 20 sizes); best 4.00x at 4 MiB; " +
            "8 B in 2.0 RTT"), String.join("\n", lines));
        assertTrue(lines.contains("# barrier    t_avg 1.00 usec (auto, 2.0 RTT): the synchronisation floor under every " +
            "collective on 2 ranks"), String.join("\n", lines));
    }

    @Test
    void shouldNameRunsOfConsecutiveSizes()
    {
        final List<Long> sizes = List.of(8L, 16L, 32L, 64L, 128L, 256L);
        assertEquals("8 B, 32 B..64 B, 256 B", Report.ranges(sizes, List.of(8L, 32L, 64L, 256L)));
        assertEquals("8 B..256 B", Report.ranges(sizes, sizes));
        assertEquals("", Report.ranges(sizes, List.of()));
    }

    @Test
    void shouldFormatSizesInTheLargestUnitThatDividesThem()
    {
        assertEquals("0 B", Report.formatBytes(0));
        assertEquals("512 B", Report.formatBytes(512));
        assertEquals("1536 B", Report.formatBytes(1536));
        assertEquals("2 KiB", Report.formatBytes(2048));
        assertEquals("4 MiB", Report.formatBytes(4 << 20));
        assertEquals("1 GiB", Report.formatBytes(1L << 30));
    }

    @Test
    void shouldSayWhenAutoIsNeverFasterAndWhenThereIsNoBaseline()
    {
        final List<Measurement> results = new ArrayList<>();
        for (final long bytes : List.of(8L, 16L))
        {
            final Measurement twoCopy = new Measurement("reduce", "two-copy", 2, "double", bytes, 1, 1, 1, 1, 0);
            twoCopy.speedupVsTwoCopy = 1;
            final Measurement auto = new Measurement("reduce", "auto", 2, "double", bytes, 2, 2, 2, 1, 0);
            auto.speedupVsTwoCopy = 0.5;
            results.add(twoCopy);
            results.add(auto);
            results.add(new Measurement("bcast", "smartmap", 2, "double", bytes, 1, 1, 1, 1, 0));
        }
        // no round trip measured (the ranks failed before it): no RTT anywhere
        final Report report = new Report(results, Map.of(), null, 2, Datatype.DOUBLE);
        assertEquals("# reduce     auto never faster than two-copy (0 of 2 sizes); best 0.50x at 8 B", report.summary("reduce"));
        assertEquals("# bcast      no two-copy measured to compare with", report.summary("bcast"));
    }

    @Test
    void shouldGiveSmallMessageTimesInRoundTripsOfRankZeroAndOne()
    {
        final List<Measurement> results = new ArrayList<>();
        for (final long bytes : List.of(8L, 1024L, 4096L))
        {
            final Measurement twoCopy = new Measurement("bcast", "two-copy", 3, "double", bytes, 2, 2, 2, 1, 0);
            twoCopy.speedupVsTwoCopy = 1;
            final Measurement auto = new Measurement("bcast", "auto", 3, "double", bytes, 1, 1 + bytes / 2048.0, 1, 1, 0);
            auto.speedupVsTwoCopy = 2 / auto.tAvgUs;
            results.add(twoCopy);
            results.add(auto);
        }
        results.add(new Measurement("allgather", "smartmap", 3, "double", 8, 1.2, 1.2, 1.2, 1, 0));
        // rank 0 <-> 1 takes 0.25 usec, rank 0 <-> 2 0.4: every multiple is of the first
        final Report report = new Report(results, Map.of(), new double[] {0.25, 0.4}, 3, Datatype.DOUBLE);
        final List<String> lines = print(report::printTables);
        assertTrue(lines.contains("# xRTT: auto's (the barrier's) t_avg / rank 0 <-> 1's round trip of the same round, up to 1 KiB"), String.join("\n", lines));
        final int heading = lines.indexOf(lines.stream().filter(l -> l.trim().startsWith("#bytes")).findFirst().orElseThrow());
        final List<String> columns = List.of(lines.get(heading).trim().split("\\s+"));
        assertEquals(List.of("#bytes", "two-copy", "auto", "speedup", "xRTT", "%memcpy", "spread%"), columns);
        final int xRtt = columns.indexOf("xRTT");
        assertEquals("4.0", lines.get(heading + 1).trim().split("\\s+")[xRtt], lines.get(heading + 1));
        assertEquals("6.0", lines.get(heading + 2).trim().split("\\s+")[xRtt], lines.get(heading + 2));
        assertEquals("-", lines.get(heading + 3).trim().split("\\s+")[xRtt], "above 1 KiB: " + lines.get(heading + 3));
        assertEquals("# bcast      auto faster than two-copy at 8 B..1 KiB (2 of 3 sizes); best 1.99x at 8 B; 8 B in 4.0 RTT",
            report.summary("bcast"));
        assertEquals("# allgather  no two-copy measured to compare with; 8 B in 4.8 RTT", report.summary("allgather"));
    }

    @Test
    void shouldPrintTheRoundTripInTheHeaderOrSayWhyNot()
    {
        assertEquals(List.of("# round trip    : 0.29 usec (rank 0 <-> 1, one cache line, median of " + RoundTrip.BATCHES + " batches)"),
            print(out -> Report.printRoundTrip(out, new double[] {0.29}, 2)));
        assertEquals(List.of("# round trip    : 0.29 usec (rank 0 <-> 1, one cache line, median of " + RoundTrip.BATCHES +
            " batches); rank 0 <-> 2..4: 0.31..0.52 usec"), print(out -> Report.printRoundTrip(out, new double[] {0.29, 0.52, 0.31, 0.4}, 5)));
        assertEquals(List.of("# round trip    : n/a (1 rank)"), print(out -> Report.printRoundTrip(out, new double[0], 1)));
        assertEquals(List.of("# round trip    : not measured"), print(out -> Report.printRoundTrip(out, null, 2)));
    }

    private static List<String> print(final java.util.function.Consumer<PrintStream> printer)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        printer.accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().collect(java.util.stream.Collectors.toList());
    }
}
