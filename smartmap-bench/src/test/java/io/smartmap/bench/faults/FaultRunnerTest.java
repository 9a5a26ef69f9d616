package io.smartmap.bench.faults;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class FaultRunnerTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void shouldRejectBadArgumentsWithOneLineAndExitCodeTwo()
    {
        final String[][] bad = {
            {"--signals", "term"},
            {"--modes", "remote"},
            {"--reaping", "sometimes"},
            {"--min-ranks", "1"},
            {"--max-ranks", "65"},
            {"--min-ranks", "5", "--max-ranks", "3"},
            {"--trials", "0"},
            {"--trials", "many"},
            {"--timeout-ms", "0"},
            {"--dir", dir.resolve("missing").toString()},
            {"--no-such-option"}};
        for (final String[] args : bad)
        {
            err.reset();
            final int code = FaultRunner.run(args, new PrintStream(out), new PrintStream(err));
            final String message = err.toString(StandardCharsets.UTF_8).strip();
            assertEquals(2, code, String.join(" ", args) + ": " + message);
            assertTrue(message.startsWith("smartmap-faults: "), message);
            assertEquals(1, message.lines().count(), message);
        }
    }

    @Test
    void shouldReportEveryKilledRankAndLeaveNoProcessOrSegment() throws IOException
    {
        final int code = run("--trials", "3", "--signals", "kill", "--modes", "direct", "--reaping", "reaped",
            "--max-ranks", "3", "--seed", "7", "--dir", dir.toString());
        final String summary = summary();
        assertEquals(0, code, summary + "\n" + err.toString(StandardCharsets.UTF_8));
        final Matcher matcher = Pattern.compile("smartmap-faults: 3 trials \\(kill 3, stop 0; direct 3: reaped 3, " +
            "unreaped 0; launcher 0\\), survivors detected (\\d+)/(\\d+), worst detection \\d+\\.\\d{3} s after kill, " +
            "n/a after stop \\(timeout 1\\.000 s\\), leftover processes 0, leftover segments 0, seed 7").matcher(summary);
        assertTrue(matcher.matches(), summary);
        assertEquals(matcher.group(2), matcher.group(1), summary);
        assertTrue(Integer.parseInt(matcher.group(1)) >= 3, "at least one survivor per trial: " + summary);
        assertNothingLeft();
    }

    @Test
    void shouldReportAStoppedRankAsATimeout() throws IOException
    {
        final int code = run("--trials", "1", "--signals", "stop", "--modes", "direct", "--reaping", "reaped",
            "--max-ranks", "2", "--timeout-ms", "500", "--seed", "3", "--dir", dir.toString());
        final String summary = summary();
        assertEquals(0, code, summary + "\n" + err.toString(StandardCharsets.UTF_8));
        assertTrue(summary.contains("1 trials (kill 0, stop 1;") && summary.contains("survivors detected 1/1") &&
            summary.contains("(timeout 0.500 s), leftover processes 0, leftover segments 0, seed 3"), summary);
        assertNothingLeft();
    }

    private int run(final String... args)
    {
        return FaultRunner.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** @return the last line of stdout: the summary. */
    private String summary()
    {
        final List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private void assertNothingLeft() throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            assertEquals(List.of(), files.toList(), "no file left in the segment directory");
        }
        final String rank = FaultRank.class.getName();
        assertEquals(List.of(), ProcessHandle.current().descendants()
            .filter(p -> p.info().arguments().map(a -> List.of(a).contains(rank)).orElse(false))
            .filter(Processes::isRunning)
            .toList(), "no rank process left running");
    }
}
