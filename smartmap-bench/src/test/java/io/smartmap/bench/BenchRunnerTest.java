package io.smartmap.bench;

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
            {"--ops", "scatter"},
            {"--algorithms", "fast"},
            {"--sizes", "7:64"},
            {"--sizes", "64:8"},
            {"--datatype", "double_int"},
            {"--ranks", "0"},
            {"--repetitions", "zero"}};
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
            "--dir", segments.toString(), "--out", results.toString(), "--repetitions", "50"));
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
    void shouldMeasureVerifyAndWriteCsvJsonAndCharts() throws IOException
    {
        final Path results = dir.resolve("results");
        final int code = BenchRunner.run(new String[] {"--ops", "allreduce,bcast", "--sizes", "1024:2048",
            "--repetitions", "1", "--out", results.toString()}, new PrintStream(out), new PrintStream(err));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        final List<String> csv = Files.readAllLines(results.resolve("results.csv"));
        assertEquals(String.join(",", Report.CSV_HEADER), csv.get(0));
        // allreduce: 5 algorithms, bcast: 3, at 2 sizes
        assertEquals(1 + 2 * (5 + 3), csv.size(), csv.toString());
        for (final String row : csv.subList(1, csv.size()))
        {
            final String[] fields = row.split(",", -1);
            assertEquals("2", fields[2], row);
            assertTrue(Double.parseDouble(fields[6]) > 0, row);
            assertTrue(Double.parseDouble(fields[9]) > 0, row);
        }
        final String json = Files.readString(results.resolve("results.json"));
        assertTrue(json.contains("\"cpu_model\"") && json.contains("\"copy_limit_mbps\""), json);
        final String kernels = "\"kernels\" : \"" + io.smartmap.collectives.KernelProvider.instance().name() + "\"";
        assertTrue(json.contains(kernels), kernels + " in " + json);
        assertTrue(Files.size(results.resolve("allreduce.png")) > 0);
        assertTrue(Files.size(results.resolve("bcast.svg")) > 0);
    }
}
