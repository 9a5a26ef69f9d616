package io.smartmap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smartmap.collectives.KernelProvider;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The runner's output contract, from two real runs of allreduce and bcast at 256 B, 1 KiB and 4 KiB
 * ({@code --quick}'s sizes, warm-up and measurements, one round): a run without {@code --verbose}
 * (header, tables, summary; progress on stderr; no per-round lines, no JVM notes), and a
 * {@code --verbose --compare} run against the first run's results.json with one point doctored to
 * be 10x faster in the baseline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BenchOutputTest
{
    private static final Pattern PER_ROUND_LINE = Pattern.compile(".*\\bround \\d+: t_avg .*");
    private static final Pattern ROUND_TRIP_LINE = Pattern.compile(
        "# round trip    : ([0-9.]+) usec \\(rank 0 <-> 1, one cache line, median of " + RoundTrip.BATCHES + " batches\\)");
    private static final Pattern IN_ROUND_TRIPS = Pattern.compile(".*; 256 B in ([0-9.]+) RTT");
    private static final String[] RUN = {"--quick", "--ops", "allreduce,bcast", "--sizes", "256:4096", "--repetitions", "1"};

    private Path dir;
    private Path first;
    private List<String> firstOut;
    private List<String> firstErr;
    private Path second;
    private List<String> secondOut;
    private List<String> secondErr;

    @BeforeAll
    void runTwice(@TempDir final Path dir) throws IOException
    {
        this.dir = dir;
        first = dir.resolve("first");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, BenchRunner.run(args("--out", first.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)), err.toString(StandardCharsets.UTF_8));
        firstOut = out.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        firstErr = err.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());

        // the baseline ran allreduce auto at 1 KiB ten times faster than the first run did
        final ObjectMapper mapper = new ObjectMapper();
        final JsonNode baseline = mapper.readTree(first.resolve("results.json").toFile());
        for (final JsonNode row : baseline.get("results"))
        {
            if (isDoctoredPoint(row.get("op").asText(), row.get("algorithm").asText(), row.get("bytes").asLong()))
            {
                for (final String field : new String[] {"t_min_us", "t_avg_us", "t_max_us"})
                {
                    ((ObjectNode)row).put(field, row.get(field).asDouble() / 10);
                }
            }
        }
        final Path doctored = dir.resolve("doctored.json");
        mapper.writeValue(doctored.toFile(), baseline);

        second = dir.resolve("second");
        out.reset();
        err.reset();
        assertEquals(0, BenchRunner.run(args("--out", second.toString(), "--verbose", "--compare", doctored.toString()),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)),
            err.toString(StandardCharsets.UTF_8));
        secondOut = out.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        secondErr = err.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
    }

    private static boolean isDoctoredPoint(final String op, final String algorithm, final long bytes)
    {
        return op.equals("allreduce") && algorithm.equals("auto") && bytes == 1024;
    }

    private static String[] args(final String... more)
    {
        final List<String> args = new ArrayList<>(List.of(RUN));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    @Test
    void shouldWriteCsvJsonAndCharts() throws IOException
    {
        final List<String> csv = Files.readAllLines(first.resolve("results.csv"));
        assertEquals(String.join(",", Report.CSV_HEADER), csv.get(0));
        // allreduce: 6 algorithms, bcast: 4, at 3 sizes, but no INLINE at 4 KiB (larger than a slot)
        assertEquals(1 + 3 * (6 + 4) - 2, csv.size(), csv.toString());
        for (final String row : csv.subList(1, csv.size()))
        {
            final String[] fields = row.split(",", -1);
            assertEquals("2", fields[2], row);
            assertTrue(Double.parseDouble(fields[6]) > 0, row);
            assertTrue(Double.parseDouble(fields[9]) > 0, row);
        }
        final JsonNode json = new ObjectMapper().readTree(first.resolve("results.json").toFile());
        assertEquals("quick", json.get("preset").asText());
        assertEquals(KernelProvider.instance().name(), json.get("machine").get("kernels").asText());
        assertEquals(3, json.get("copy_limit_mbps").size(), json.toString());
        assertEquals(28, json.get("results").size());
        assertTrue(json.get("results").get(0).has("spread_percent"), json.toString());
        final double roundTripUs = json.get("machine").get("round_trip_us").asDouble();
        assertTrue(roundTripUs > 0 && Double.isFinite(roundTripUs), json.get("machine").toString());
        final JsonNode perPeer = json.get("machine").get("round_trip_us_per_peer");
        assertEquals(1, perPeer.size(), perPeer.toString());
        assertEquals(1, perPeer.get(0).get("peer").asInt(), perPeer.toString());
        assertEquals(roundTripUs, perPeer.get(0).get("us").asDouble(), perPeer.toString());
        assertTrue(Files.size(first.resolve("allreduce.png")) > 0);
        assertTrue(Files.size(first.resolve("bcast.svg")) > 0);
        assertFalse(Files.exists(first.resolve("raw.csv")), "raw file removed");
        assertFalse(Files.exists(first.resolve("compare.csv")), "no comparison without --compare");
    }

    @Test
    void shouldPrintHeaderTablesAndSummaryWithoutPerRoundLinesOrJvmNotes() throws IOException
    {
        for (final String line : concat(firstOut, firstErr))
        {
            assertFalse(PER_ROUND_LINE.matcher(line).matches(), line);
            assertFalse(line.contains("NOTE: Picked up"), line);
            assertFalse(line.contains("WARNING: Using incubator modules"), line);
        }
        assertEquals(Report.RULE, firstOut.get(0));
        assertTrue(firstOut.get(3).startsWith("# CPU           : "), firstOut.get(3));
        assertTrue(firstOut.contains("# kernels       : " + KernelProvider.instance().name()), firstOut.toString());
        assertTrue(firstOut.stream().anyMatch(l -> l.matches("# memcpy limit  : [0-9.]+ GB/s peak \\(.*\\), [0-9.]+ GB/s at 4 KiB .*")),
            firstOut.toString());
        assertTrue(firstOut.stream().anyMatch(l -> l.matches("# ranks         : 2 on \\d+ cores: .*")), firstOut.toString());
        // the round trip, below the copy limits: what the header printed is what results.json holds
        final int kernelLimit = firstOut.indexOf(firstOut.stream().filter(l -> l.startsWith("# kernel limit  : "))
            .findFirst().orElseThrow());
        final Matcher roundTrip = ROUND_TRIP_LINE.matcher(firstOut.get(kernelLimit + 1));
        assertTrue(roundTrip.matches(), firstOut.get(kernelLimit + 1));
        assertEquals(roundTripUs(first), Double.parseDouble(roundTrip.group(1)), 0.0051, firstOut.get(kernelLimit + 1));
        final int allreduce = firstOut.indexOf("# Benchmarking allreduce, 2 ranks, double");
        final int bcast = firstOut.indexOf("# Benchmarking bcast, 2 ranks, double");
        final int summary = firstOut.indexOf("# Summary: auto against two-copy, from this run's t_avg");
        assertTrue(0 < allreduce && allreduce < bcast && bcast < summary, firstOut.toString());
        assertEquals(List.of("#bytes", "two-copy", "smartmap-serial", "smartmap-threaded", "smartmap", "inline", "auto", "speedup",
            "xRTT", "%memcpy", "spread%"), List.of(firstOut.get(allreduce + 2).trim().split("\\s+")));
        for (int size = 0; size < 3; size++)
        {
            final String[] row = firstOut.get(allreduce + 3 + size).trim().split("\\s+");
            assertEquals(Long.toString(256L << (2 * size)), row[0], firstOut.get(allreduce + 3 + size));
            assertEquals(11, row.length, firstOut.get(allreduce + 3 + size));
            // auto's t_avg in round trips up to 1 KiB (256 B, 1 KiB), none at 4 KiB
            if (size < 2)
            {
                assertTrue(Double.parseDouble(row[8]) > 0, firstOut.get(allreduce + 3 + size));
            }
            else
            {
                assertEquals("-", row[5], firstOut.get(allreduce + 3 + size)); // INLINE: larger than a slot
                assertEquals("-", row[8], firstOut.get(allreduce + 3 + size));
            }
        }
        assertTrue(firstOut.get(firstOut.size() - 1).startsWith("smartmap-bench: wrote "), firstOut.toString());
        assertTrue(firstOut.size() < 50, firstOut.size() + " lines: " + firstOut);
    }

    @Test
    void shouldReportProgressOnStderrAsOneLinePerCollectiveWhenItIsNotATerminal()
    {
        assertEquals(2, firstErr.size(), firstErr.toString());
        assertTrue(firstErr.get(0).startsWith("smartmap-bench: allreduce done (1 of 2 collectives, 17 of 28 measurements)"),
            firstErr.get(0));
        assertTrue(firstErr.get(1).startsWith("smartmap-bench: bcast done (2 of 2 collectives, 28 of 28 measurements)"),
            firstErr.get(1));
    }

    @Test
    void shouldNameThisRunsFiguresInTheSummary() throws IOException
    {
        final double roundTripUs = roundTripUs(first);
        final List<CSVRecord> rows = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(first.resolve("results.csv")))
        {
            CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(reader).forEach(rows::add);
        }
        for (final String op : List.of("allreduce", "bcast"))
        {
            final List<Long> sizes = new ArrayList<>();
            final List<Long> faster = new ArrayList<>();
            double best = 0;
            long bestBytes = 0;
            double smallestUs = 0;
            for (final CSVRecord row : rows)
            {
                if (row.get("op").equals(op) && row.get("algorithm").equals("auto"))
                {
                    final long bytes = Long.parseLong(row.get("bytes"));
                    final double speedup = Double.parseDouble(row.get("speedup_vs_two_copy"));
                    sizes.add(bytes);
                    smallestUs = sizes.size() == 1 ? Double.parseDouble(row.get("t_avg_us")) : smallestUs;
                    if (speedup > 1)
                    {
                        faster.add(bytes);
                    }
                    if (speedup > best)
                    {
                        best = speedup;
                        bestBytes = bytes;
                    }
                }
            }
            assertEquals(List.of(256L, 1024L, 4096L), sizes);
            final String where = faster.isEmpty() ? "auto never faster than two-copy" :
                "auto faster than two-copy at " + Report.ranges(sizes, faster);
            final String expected = String.format(Locale.ROOT, "# %-10s %s (%d of 3 sizes); best %.2fx at %s", op, where,
                faster.size(), best, Report.formatBytes(bestBytes));
            final String line = firstOut.stream().filter(l -> l.startsWith(expected + "; ")).findFirst()
                .orElseThrow(() -> new AssertionError(expected + " in " + firstOut));
            // then auto's t_avg at the smallest size in round trips: the median over rounds of t_avg over
            // the round trip measured in the same round, which results.json carries beside the point
            final Matcher inRoundTrips = IN_ROUND_TRIPS.matcher(line);
            assertTrue(inRoundTrips.matches(), line);
            final JsonNode point = resultRow(first, op, "auto", 256);
            assertTrue(point.get("round_trip_us").asDouble() > 0, point.toString());
            final double multiple = point.get("t_avg_rtt").asDouble();
            assertTrue(multiple > 0 && Double.isFinite(multiple), point.toString());
            assertEquals(multiple, Double.parseDouble(inRoundTrips.group(1)), 0.051 + multiple * 1e-3, line);
            assertFalse(resultRow(first, op, "auto", 4096).has("t_avg_rtt"), "no round trip measured above 1 KiB");
            assertTrue(smallestUs > 0 && roundTripUs > 0, line);
        }
    }

    private static JsonNode resultRow(final Path run, final String op, final String algorithm, final long bytes)
        throws IOException
    {
        for (final JsonNode row : new ObjectMapper().readTree(run.resolve("results.json").toFile()).get("results"))
        {
            if (row.get("op").asText().equals(op) && row.get("algorithm").asText().equals(algorithm) &&
                row.get("bytes").asLong() == bytes)
            {
                return row;
            }
        }
        throw new AssertionError("no results.json row for " + op + " " + algorithm + " " + bytes);
    }

    @Test
    void shouldPrintEveryMeasurementAndTheDetailedTablesWithVerbose()
    {
        final long perRound = secondOut.stream().filter(l -> l.startsWith("[0] ") && PER_ROUND_LINE.matcher(l).matches()).count();
        assertEquals(28, perRound, secondOut.toString());
        assertTrue(secondOut.stream().anyMatch(l -> l.startsWith("# one-thread copy limit in this JVM")), secondOut.toString());
        assertTrue(secondOut.stream().anyMatch(l -> ROUND_TRIP_LINE.matcher(l).matches()), secondOut.toString());
        assertTrue(secondErr.stream().anyMatch(l -> l.startsWith("smartmap-bench: bcast done (2 of 2 collectives")), secondErr.toString());
    }

    @Test
    void shouldFlagThePointTheBaselineRanTenTimesFaster() throws IOException
    {
        final List<CSVRecord> rows = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(second.resolve("compare.csv")))
        {
            CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(reader).forEach(rows::add);
        }
        assertEquals(28, rows.size());
        final CSVRecord doctored = rows.stream().filter(r -> isDoctoredPoint(r.get("op"), r.get("algorithm"),
            Long.parseLong(r.get("bytes")))).findFirst().orElseThrow();
        assertEquals("true", doctored.get("slower_beyond_spread"), doctored.toString());
        assertTrue(Double.parseDouble(doctored.get("ratio")) > 1, doctored.toString());

        // the printed table marks it: allreduce's row for 1024 bytes, auto's column
        final int table = secondOut.indexOf(secondOut.stream().filter(l -> l.matches("# allreduce +two-copy +smartmap-serial .*"))
            .findFirst().orElseThrow());
        final List<String> columns = List.of(secondOut.get(table).trim().split("\\s+"));
        final String[] row = secondOut.get(table + 2).trim().split("\\s+");
        assertEquals("1024", row[0], secondOut.get(table + 2));
        assertTrue(row[columns.indexOf("auto") - 1].endsWith("*"), secondOut.get(table) + "\n" + secondOut.get(table + 2));
        assertTrue(secondOut.stream().anyMatch(l -> l.matches("# \\d+ of 28 points slower beyond the spread")), secondOut.toString());
        // both runs name their round trip (the baseline's is the first run's)
        final String baselineRoundTrip = String.format(Locale.ROOT, ", round trip %.2f usec", roundTripUs(first));
        assertTrue(secondOut.stream().anyMatch(l -> l.startsWith("# baseline      : ") && l.endsWith(baselineRoundTrip)),
            secondOut.toString());
        assertTrue(secondOut.stream().anyMatch(l -> l.matches("# this run      : .*, round trip [0-9.]+ usec")), secondOut.toString());
        assertTrue(Files.size(second.resolve("allreduce-compare.png")) > 0);
        assertTrue(Files.size(second.resolve("bcast-compare.svg")) > 0);
    }

    @Test
    void shouldFlagNothingAgainstAnIdenticalBaseline()
    {
        final Comparison.Run run = Comparison.read(first.resolve("results.json"));
        final Comparison comparison = new Comparison(first.resolve("results.json"), run, Comparison.read(first.resolve("results.json")));
        assertEquals(28, comparison.points().size());
        comparison.points().forEach(p -> assertEquals(1.0, p.ratio(), 0.0, p.op + " " + p.algorithm + " " + p.bytes));
        assertEquals(List.of(), comparison.flagged());
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        comparison.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("# 0 of 28 points slower beyond the spread"), out.toString());
    }

    @Test
    void shouldReadTheCommittedResultsAsABaseline()
    {
        // written before the round trip was measured (issue 13's runs): the fields --compare needs were there already
        final Comparison.Run old = Comparison.read(Path.of("results", "2-ranks-region", "results.json"));
        assertEquals(260, old.results.size());
        assertEquals("vector 512-bit", old.kernels);
        assertTrue(old.describe().endsWith("2 ranks, float, 5 rounds"), old.describe());
        assertTrue(Double.isNaN(old.roundTripUs), "written before the round trip was measured: " + old.roundTripUs);
        assertTrue(old.results.stream().allMatch(m -> m.tAvgUs > 0 && m.spreadPercent >= 0));
        // the current full run: every algorithm, INLINE where it fits, and its round trip
        final Comparison.Run run = Comparison.read(Path.of("results", "2-ranks", "results.json"));
        assertEquals(422, run.results.size());
        assertTrue(run.roundTripUs > 0, run.describe());
    }

    @Test
    void shouldRefuseABaselineThatIsNotAResultsFile() throws IOException
    {
        final Path notResults = Files.writeString(dir.resolve("other.json"), "{\"results\": []}");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Comparison.read(notResults));
        assertEquals("not a results.json of smartmap-bench (no results): file=" + notResults, ex.getMessage());
    }

    private static double roundTripUs(final Path run) throws IOException
    {
        return new ObjectMapper().readTree(run.resolve("results.json").toFile()).get("machine").get("round_trip_us").asDouble();
    }

    private static List<String> concat(final List<String> a, final List<String> b)
    {
        final List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
