package io.smartmap.core;

import io.smartmap.core.launch.Launcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The launcher with real rank JVMs. */
class LauncherTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void shouldLetEveryRankVerifyEveryPeersRegion(final int ranks) throws IOException
    {
        final int code = launch(ranks, Jvm.command(PatternRank.class));
        assertEquals(0, code, output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(stdout().contains("[" + r + "] verified " + ranks + " regions, mismatches=0"), output());
        }
        assertNoSegmentLeft();
    }

    @Test
    void shouldRunTenThousandBarriersOnFourRanksWithoutHanging() throws IOException
    {
        final int code = launch(4, Jvm.command(BarrierRank.class, "10000"));
        assertEquals(0, code, output());
        assertTrue(stdout().contains("[0] barriers=10000 ranks=4"), output());
        System.out.println(stdout().lines().filter(l -> l.contains("barriers=")).findFirst().orElse(""));
        assertNoSegmentLeft();
    }

    /** The dissemination barrier across real processes, at rank counts that are not powers of two. */
    @ParameterizedTest
    @ValueSource(ints = {5, 9})
    void shouldSynchronizeRankProcessesWithTheDisseminationBarrier(final int ranks) throws IOException
    {
        final int code = launch(ranks, Jvm.command(List.of("-Xmx64m", "-Dsmartmap.disseminationMinRanks=2"),
            BarrierCheckRank.class, "1000"));
        assertEquals(0, code, output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(stdout().contains("[" + r + "] barrier check: rank=" + r + " ranks=" + ranks +
                " dissemination=true barriers=1000 wrong=0"), output());
        }
        assertFalse(stdout().contains("WRONG"), output());
        System.out.println(stdout().lines().filter(l -> l.startsWith("[0] barrier check")).findFirst().orElse(""));
        assertNoSegmentLeft();
    }

    @Test
    void shouldExitWithTheKilledRanksSignalCodeAndRemoveTheSegment() throws IOException
    {
        final long start = System.nanoTime();
        final int code = launch(4, Jvm.command(VictimRank.class, "3", "suicide"));
        assertEquals(128 + 9, code, output());
        assertTrue(stderr().contains("rank 3 exited with code 137 (signal 9)"), output());
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "launcher stopped the job promptly");
        assertNoSegmentLeft();
    }

    @Test
    void shouldPassOnAFailingRanksExitCode() throws IOException
    {
        final int code = launch(3, List.of("sh", "-c", "if [ \"$SMARTMAP_RANK\" = 2 ]; then exit 7; fi; sleep 30"));
        assertEquals(7, code, output());
        assertNoSegmentLeft();
    }

    @Test
    void shouldExportRankSizeJobAndAgronaFlag() throws IOException
    {
        final int code = launch(2, List.of("sh", "-c",
            "echo \"rank=$SMARTMAP_RANK size=$SMARTMAP_SIZE job=$SMARTMAP_JOB opts=$JDK_JAVA_OPTIONS\""));
        assertEquals(0, code, output());
        for (int r = 0; r < 2; r++)
        {
            assertTrue(stdout().contains("[" + r + "] rank=" + r + " size=2 job="), output());
        }
        assertEquals(2, stdout().lines().filter(l -> l.contains("opts=") && l.contains(Launcher.AGRONA_FLAG)).count(), output());
    }

    @Test
    void shouldRejectBadArgumentsWithOneLineAndExitCodeTwo() throws IOException
    {
        assertEquals(2, Launcher.run(new String[] {"-n", "0", "true"}, new PrintStream(out), new PrintStream(err)));
        assertEquals("smartmap-run: -n must be in 1..1024: n=0", stderr().strip());
        err.reset();
        assertEquals(2, Launcher.run(new String[] {"-n", "1025", "true"}, new PrintStream(out), new PrintStream(err)));
        assertEquals("smartmap-run: -n must be in 1..1024: n=1025", stderr().strip());
        err.reset();
        assertEquals(2, Launcher.run(new String[] {"-n", "1024", "--dir", dir.toString(), "--region-size", "262144", "true"},
            new PrintStream(out), new PrintStream(err)));
        assertEquals("smartmap-run: region too small: regionSize=262144 bytes, min=360448 bytes for size=1024 " +
            "(control block 32768 bytes, 1024 two-copy rings of 4 x 64-byte fragments, arena 65536 bytes)", stderr().strip());
        err.reset();
        assertEquals(2, Launcher.run(new String[] {"-n", "two", "true"}, new PrintStream(out), new PrintStream(err)));
        assertEquals(1, stderr().strip().lines().count(), stderr());
        err.reset();
        assertEquals(2, Launcher.run(new String[] {"-n", "2"}, new PrintStream(out), new PrintStream(err)));
        assertTrue(stderr().contains("COMMAND"), stderr());
        err.reset();
        assertEquals(2, Launcher.run(new String[] {"-n", "2", "--dir", dir.resolve("nope").toString(), "true"},
            new PrintStream(out), new PrintStream(err)));
        assertTrue(stderr().startsWith("smartmap-run: segment directory does not exist"), stderr());
    }

    @Test
    void shouldForwardSigtermToRanksAndRemoveTheSegment() throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(Jvm.javaExecutable(), Jvm.AGRONA_FLAG, "-cp",
            System.getProperty("java.class.path"), Launcher.class.getName(), "-n", "2", "--dir", dir.toString(),
            "--region-size", Long.toString(4L << 20), "sh", "-c", "echo pid=$$; exec sleep 60"));
        final Process launcher = new ProcessBuilder(command).redirectErrorStream(true).start();
        final java.io.BufferedReader output = new java.io.BufferedReader(
            new java.io.InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
        final List<Long> rankPids = new ArrayList<>();
        while (rankPids.size() < 2)
        {
            final String line = Jvm.awaitLine(output, "[");
            assertNotNull(line, "launcher output ended early");
            if (line.contains("pid="))
            {
                rankPids.add(Long.parseLong(line.substring(line.indexOf("pid=") + 4).trim()));
            }
        }
        try (var files = Files.list(dir))
        {
            final List<String> names = files.map(f -> f.getFileName().toString().replaceAll("^smartmap-.*\\.", "*."))
                .sorted().collect(java.util.stream.Collectors.toList());
            assertEquals(List.of("*.lock", "*.seg"), names, "the segment and its lock file exist while the job runs");
        }

        launcher.destroy(); // SIGTERM, as from kill or a scheduler
        assertTrue(launcher.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "launcher exits on SIGTERM");
        assertEquals(128 + 15, launcher.exitValue());
        for (final long pid : rankPids)
        {
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "rank pid " + pid + " orphaned");
        }
        assertNoSegmentLeft();
    }

    /**
     * A rank that is a wrapper script: rank 1 exits 7 while the others wait on a child that holds
     * the output pipe. The launcher must stop every rank's whole tree and return at once.
     */
    @Test
    void shouldStopEveryRanksProcessTreeAndReturnWithinThreeSeconds() throws Exception
    {
        final long start = System.nanoTime();
        final int code = launch(3, List.of("sh", "-c",
            "if [ \"$SMARTMAP_RANK\" = 1 ]; then sleep 0.5; exit 7; fi; sleep 100 & echo child=$!; wait"));
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(7, code, output());
        assertTrue(tookMs < 3000, "launcher took " + tookMs + " ms: " + output());
        assertNoDescendantLeft(childPids(stdout()), 2);
        assertNoSegmentLeft();
    }

    @Test
    void shouldStopEveryRanksProcessTreeOnSigterm() throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(Jvm.javaExecutable(), Jvm.AGRONA_FLAG, "-cp",
            System.getProperty("java.class.path"), Launcher.class.getName(), "-n", "2", "--dir", dir.toString(),
            "--region-size", Long.toString(4L << 20), "sh", "-c", "sleep 100 & echo child=$!; wait"));
        final Process launcher = new ProcessBuilder(command).redirectErrorStream(true).start();
        final java.io.BufferedReader output = new java.io.BufferedReader(
            new java.io.InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
        final StringBuilder seen = new StringBuilder();
        while (childPids(seen.toString()).size() < 2)
        {
            final String line = Jvm.awaitLine(output, "[");
            assertNotNull(line, "launcher output ended early: " + seen);
            seen.append(line).append('\n');
        }
        final long start = System.nanoTime();
        launcher.destroy(); // SIGTERM
        assertTrue(launcher.waitFor(3, TimeUnit.SECONDS), "launcher exits within 3 s of SIGTERM");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        assertEquals(128 + 15, launcher.exitValue());
        assertNoDescendantLeft(childPids(seen.toString()), 2);
        assertNoSegmentLeft();
    }

    /** The pids the ranks printed as {@code child=PID}. */
    private static List<Long> childPids(final String output)
    {
        final List<Long> pids = new ArrayList<>();
        output.lines().filter(l -> l.contains("child=")).forEach(l -> pids.add(Long.parseLong(l.substring(l.indexOf("child=") + 6).trim())));
        return pids;
    }

    private static void assertNoDescendantLeft(final List<Long> pids, final int expected) throws InterruptedException
    {
        assertEquals(expected, pids.size(), "children reported: " + pids);
        for (final long pid : pids)
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "rank's child " + pid + " orphaned");
        }
    }

    @Test
    void shouldPrintUsageOnHelp()
    {
        assertEquals(0, Launcher.run(new String[] {"-h"}, new PrintStream(out), new PrintStream(err)));
        assertTrue(stdout().contains("Usage: smartmap-run"), stdout());
        assertTrue(stdout().contains("--region-size"), stdout());
        assertTrue(stdout().contains("number of ranks (1..1024)"), stdout());
    }

    private int launch(final int ranks, final List<String> command)
    {
        final List<String> args = new ArrayList<>(List.of("-n", Integer.toString(ranks), "--dir", dir.toString(),
            "--region-size", Long.toString(4L << 20), "--timeout", "20"));
        args.addAll(command);
        return Launcher.run(args.toArray(new String[0]), new PrintStream(out, true), new PrintStream(err, true));
    }

    private String stdout()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String output()
    {
        return "stdout:\n" + stdout() + "\nstderr:\n" + stderr();
    }

    private void assertNoSegmentLeft() throws IOException
    {
        try (var files = Files.list(dir))
        {
            assertEquals(List.of(), files.map(Path::toString).toList(), "segment files left behind");
        }
    }
}
