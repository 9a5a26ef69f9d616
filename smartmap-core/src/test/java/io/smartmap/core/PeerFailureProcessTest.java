package io.smartmap.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** SIGKILL one of four rank processes while the others wait in a barrier: they must throw, fast. */
class PeerFailureProcessTest
{
    @TempDir
    Path dir;

    @Test
    void shouldMakeSurvivorsThrowWithinTwoSecondsWhenAPeerIsKilled() throws Exception
    {
        final int size = 4;
        final int victim = 2;
        final List<Process> ranks = new ArrayList<>();
        final List<BufferedReader> outputs = new ArrayList<>();
        try (Segment ignored = Segment.create(dir, "kill", size, 4L << 20))
        {
            for (int r = 0; r < size; r++)
            {
                final Process process = Jvm.startRank(dir, "kill", r, size, 4L << 20,
                    Jvm.command(VictimRank.class, Integer.toString(victim), "wait"));
                ranks.add(process);
                outputs.add(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
            }
            for (int r = 0; r < size; r++)
            {
                assertEquals("ready", Jvm.awaitLine(outputs.get(r), "ready"), "rank " + r + " passed the first barrier");
            }
            Thread.sleep(200); // the survivors are now blocked in the second barrier

            final long killedAt = System.nanoTime();
            ranks.get(victim).destroyForcibly(); // SIGKILL
            for (int r = 0; r < size; r++)
            {
                if (r == victim)
                {
                    continue;
                }
                assertTrue(ranks.get(r).waitFor(2, TimeUnit.SECONDS), "rank " + r + " still blocked 2 s after the kill");
                final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                final String line = Jvm.awaitLine(outputs.get(r), "failed: ");
                assertEquals(3, ranks.get(r).exitValue(), "rank " + r + ": " + line);
                assertTrue(line.startsWith("failed: Peer"), line);
                assertTrue(line.contains("rank " + victim), "names the killed rank, directly or as the cause of a cascade: " + line);
                assertTrue(tookMs < 2000, "took " + tookMs + " ms");
            }
        }
        finally
        {
            ranks.forEach(Process::destroyForcibly);
        }
    }
}
