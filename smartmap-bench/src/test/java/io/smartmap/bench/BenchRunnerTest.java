package io.smartmap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BenchRunnerTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void shouldRejectBadOptionsWithOneLineAndExitCodeTwo()
    {
        final String[][] bad = {
            {"--ops", "alltoallw"},
            {"--algorithms", "fast"},
            {"--sizes", "7:64"},
            {"--sizes", "64:8"},
            {"--datatype", "double_int"},
            {"--ranks", "0"},
            {"--repetitions", "zero"},
            {"--compare", "/nonexistent/results.json"}};
        for (final String[] args : bad)
        {
            err.reset();
            assertEquals(2, BenchRunner.run(args, new PrintStream(out), new PrintStream(err)), String.join(" ", args));
            final String message = err.toString(StandardCharsets.UTF_8).strip();
            assertTrue(message.startsWith("smartmap-bench: "), message);
            assertEquals(1, message.lines().count(), message);
        }
    }

    @Test
    void shouldLeaveNoSegmentAndNoRankBehindWhenInterrupted() throws Exception
    {
        final Path segments = Files.createDirectory(dir.resolve("segments"));
        final Path results = dir.resolve("interrupted");
        final List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(io.smartmap.core.launch.JvmFlags.all());
        command.addAll(List.of("-Djava.awt.headless=true",
            "-cp", System.getProperty("java.class.path"), BenchRunner.class.getName(),
            "--dir", segments.toString(), "--out", results.toString(), "--quick", "--ops", "reduce", "--repetitions", "50",
            "--verbose"));
        final Process runner = new ProcessBuilder(command).redirectErrorStream(true).start();
        final java.io.BufferedReader output = new java.io.BufferedReader(
            new java.io.InputStreamReader(runner.getInputStream(), StandardCharsets.UTF_8));
        try
        {
            String line;
            while ((line = output.readLine()) != null && !line.startsWith("[0] reduce"))
            {
                // wait for the first measurement: ranks running, segment mapped
            }
            assertNotNull(line, "the run printed progress");
            try (var files = Files.list(segments))
            {
                assertEquals(1, files.filter(f -> f.toString().endsWith(".seg")).count(), "segment exists while the ranks run");
            }
        }
        finally
        {
            runner.destroy(); // SIGTERM, like Ctrl-C (and never a runner left behind by a failed assertion)
        }
        assertTrue(runner.waitFor(15, java.util.concurrent.TimeUnit.SECONDS), "runner exits");
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (ranksAlive(results) && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        assertFalse(ranksAlive(results), "no orphan rank processes");
        try (var files = Files.list(segments))
        {
            assertEquals(0, files.count(), "no segment files left");
        }
    }

    /** Rank JVMs carry the raw results path, under the run's output directory, in their arguments. */
    private static boolean ranksAlive(final Path results)
    {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments()
            .map(args -> java.util.Arrays.stream(args).anyMatch(a -> a.startsWith(results.toString()))).orElse(false));
    }

    @Test
    void shouldMeasureNoRoundTripWithOneRank() throws IOException
    {
        final Path results = dir.resolve("one-rank");
        final List<String> lines = runBarrierOnly(1, results);
        assertTrue(lines.contains("# round trip    : n/a (1 rank)"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("# barrier    t_avg [0-9.]+ usec \\(auto\\): .* on 1 ranks")),
            "no RTT without a round trip: " + lines);
        final JsonNode machine = new ObjectMapper().readTree(results.resolve("results.json").toFile()).get("machine");
        assertFalse(machine.has("round_trip_us"), machine.toString());
        assertFalse(machine.has("round_trip_us_per_peer"), machine.toString());
        assertFalse(Files.exists(results.resolve("round-trip.csv")), "hand-off file removed");
    }

    @Test
    void shouldMeasureTheRoundTripToEveryPeerInTurn() throws IOException
    {
        // 3 ranks: two peers take their turn one after the other (on 2 cores the ranks also wait by yielding)
        final Path results = dir.resolve("three-ranks");
        final List<String> lines = runBarrierOnly(3, results);
        final JsonNode machine = new ObjectMapper().readTree(results.resolve("results.json").toFile()).get("machine");
        final JsonNode perPeer = machine.get("round_trip_us_per_peer");
        assertEquals(2, perPeer.size(), machine.toString());
        for (int peer = 1; peer <= 2; peer++)
        {
            final double us = perPeer.get(peer - 1).get("us").asDouble();
            assertEquals(peer, perPeer.get(peer - 1).get("peer").asInt(), machine.toString());
            assertTrue(us > 0 && Double.isFinite(us), machine.toString());
        }
        assertEquals(perPeer.get(0).get("us").asDouble(), machine.get("round_trip_us").asDouble(), machine.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("# round trip    : [0-9.]+ usec \\(rank 0 <-> 1, .*\\); " +
            "rank 0 <-> 2: [0-9.]+ usec")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("# barrier    t_avg [0-9.]+ usec \\(auto, [0-9.]+ RTT\\): .* on 3 ranks")),
            lines.toString());
    }

    /** @return the output lines of a quick run of the barrier alone on {@code ranks} ranks, which must succeed. */
    private List<String> runBarrierOnly(final int ranks, final Path results)
    {
        out.reset();
        err.reset();
        final int code = BenchRunner.run(new String[] {"--ranks", Integer.toString(ranks), "--quick", "--ops", "barrier",
                "--sizes", "8:8", "--repetitions", "1", "--out", results.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8).lines().collect(java.util.stream.Collectors.toList());
    }

    @Test
    void shouldRunQuickWithTablesAndFilesInPlaceInUnder30Seconds() throws IOException
    {
        final Path results = dir.resolve("quick");
        final long start = System.nanoTime();
        final int code = BenchRunner.run(new String[] {"--quick", "--out", results.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        final double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        final List<String> lines = out.toString(StandardCharsets.UTF_8).lines().collect(java.util.stream.Collectors.toList());
        // the bound, about twice what a quick run takes on the 2-core machine (12-15 s) when nothing else runs
        assertTrue(seconds < 30, "--quick took " + seconds + " s");
        assertTrue(lines.contains("# run           : quick: reduce,bcast,allreduce,alltoall,allgather,barrier; double; " +
            "8 B..4 MiB, every factor of 4; 3 rounds; region buffers"), lines.toString());
        final List<Long> sizes = Preset.QUICK.sizes(BenchOp.REDUCE, 8, 4 << 20, 8);
        assertEquals(List.of(8L, 32L, 128L, 512L, 2048L, 8192L, 32768L, 131072L, 524288L, 2097152L, 4194304L), sizes);
        int rows = 0;
        for (final BenchOp op : BenchOp.DEFAULT)
        {
            assertTrue(lines.contains("# Benchmarking " + op.label() + ", 2 ranks, double"), op + " table in " + lines);
            for (final long bytes : op == BenchOp.BARRIER ? List.of(0L) : sizes)
            {
                rows += (int)op.algorithms().stream().filter(a -> op.measures(a, bytes, 2)).count(); // INLINE where it fits
            }
            if (op != BenchOp.BARRIER)
            {
                assertTrue(Files.size(results.resolve(op.label() + ".png")) > 0, op.label() + ".png");
                assertTrue(lines.stream().anyMatch(l -> l.startsWith(String.format("# %-10s auto ", op.label()))),
                    op + " summary in " + lines);
            }
        }
        assertEquals(1 + rows, Files.readAllLines(results.resolve("results.csv")).size());
        assertTrue(Files.readString(results.resolve("results.json")).contains("\"preset\" : \"quick\""));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("# round trip    : ") && l.contains(" usec (rank 0 <-> 1, ")),
            lines.toString());
        assertTrue(lines.size() < 200, lines.size() + " lines");
        assertEquals(BenchOp.DEFAULT.size(), err.toString(StandardCharsets.UTF_8).lines().count(),
            "one progress line per collective: " + err);
    }
}
