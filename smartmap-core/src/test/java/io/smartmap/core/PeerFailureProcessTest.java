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

/**
 * SIGKILL one of four rank processes while the others wait in a barrier: they must throw, fast,
 * also when nobody reaps the dead rank (a zombie) and when its recorded pid belongs to another
 * live process (a recycled pid): liveness is the rank's kernel-held lock, not its pid.
 */
class PeerFailureProcessTest
{
    /** A parent shell that reaps the rank only when its stdin closes. */
    private static final List<String> UNREAPED = List.of("sh", "-c", "\"$@\" & read line; kill -9 $! 2>/dev/null; wait", "sh");

    @TempDir
    Path dir;

    @Test
    void shouldMakeSurvivorsThrowWithinTwoSecondsWhenAnUnreapedPeerIsKilled() throws Exception
    {
        killOneAndExpectSurvivorsToThrow("zombie", 3, 1, UNREAPED);
    }

    /** The killed rank ran in its own pid namespace (it saw itself as pid 1): the lock still tells. */
    @Test
    void shouldMakeSurvivorsThrowWithinTwoSecondsWhenAPeerInAnotherPidNamespaceIsKilled() throws Exception
    {
        killOneAndExpectSurvivorsToThrow("namespace", 3, 2, List.of("unshare", "--pid", "--fork"));
    }

    @Test
    void shouldTreatARankWhosePidIsAliveButWhoHoldsNoLockAsDead() throws Exception
    {
        final Process stranger = new ProcessBuilder("sleep", "30").start(); // alive, and not rank 1
        try (Segment ignored = Segment.create(dir, "recycled", 2, 4L << 20);
            SmartMap rank0 = SmartMap.join(new SmartMapOptions().dir(dir).jobId("recycled").rank(0).size(2)
                .regionSizeBytes(4L << 20).timeoutNs(TimeUnit.SECONDS.toNanos(20))))
        {
            // rank 1 published a pid and died; the pid now belongs to another live process
            rank0.controlBlock(1).markAlive(stranger.pid());
            final long start = System.nanoTime();
            final PeerDeadException ex = assertThrows(PeerDeadException.class, rank0::barrier);
            assertEquals(1, ex.peerRank());
            assertTrue(ex.getMessage().contains("pid " + stranger.pid()), ex.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "detected within 2 s");
        }
        finally
        {
            stranger.destroyForcibly();
        }
    }

    @Test
    void shouldRefuseASecondHandleForARankThatIsHeldAndFreeItOnClose()
    {
        final SmartMapOptions rank0 = new SmartMapOptions().dir(dir).jobId("twice").rank(0).size(2).regionSizeBytes(4L << 20);
        try (Segment ignored = Segment.create(dir, "twice", 2, 4L << 20))
        {
            try (SmartMap first = SmartMap.join(rank0))
            {
                final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> SmartMap.join(rank0));
                assertTrue(ex.getMessage().startsWith("rank 0 already has a live handle in this process"), ex.getMessage());
                assertEquals(0, first.rank());
            }
            try (SmartMap again = SmartMap.join(rank0))
            {
                assertEquals(0, again.rank(), "closing the first handle gave the rank back");
            }
        }
    }

    /** Two processes started with the same rank: the second is refused, naming the holder's pid. */
    @Test
    void shouldRefuseASecondProcessWithTheSameRank() throws Exception
    {
        Process first = null;
        try (Segment ignored = Segment.create(dir, "same", 2, 4L << 20))
        {
            first = Jvm.startRank(dir, "same", 0, 2, 4L << 20, Jvm.command(VictimRank.class, "1", "wait"));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ignored.region(0).getLong(ControlBlockDescriptor.PID_OFFSET) == 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(10); // until the first one has joined (its pid is published after its lock is taken)
            }
            final Process second = Jvm.startRank(dir, "same", 0, 2, 4L << 20, Jvm.command(VictimRank.class, "1", "wait"));
            final String output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(second.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(0, second.exitValue(), output);
            assertTrue(output.contains("rank 0 is held by another live process") &&
                output.contains("holder pid=" + first.pid()), output);
            assertTrue(first.isAlive(), "the first holder is untouched");
        }
        finally
        {
            if (first != null)
            {
                first.destroyForcibly();
            }
        }
    }

    @Test
    void shouldMakeSurvivorsThrowWithinTwoSecondsWhenAPeerIsKilled() throws Exception
    {
        killOneAndExpectSurvivorsToThrow("kill", 4, 2, List.of());
    }

    /** The dissemination barrier waits on one peer per round: the kill reaches every survivor anyway. */
    @Test
    void shouldMakeSurvivorsOfADisseminationBarrierThrowWithinTwoSecondsWhenAPeerIsKilled() throws Exception
    {
        killOneAndExpectSurvivorsToThrow("kill-dissemination", 5, 3, List.of(), List.of("-Dsmartmap.disseminationMinRanks=2"));
    }

    /**
     * Start {@code size} rank processes, SIGKILL {@code victim} while the others wait in a barrier, and
     * check that each survivor throws a peer failure naming it within 2 s. The victim runs under
     * {@code victimWrapper} when one is given: {@link #UNREAPED} (a shell parent that does not call
     * wait() until its stdin closes, so the dead rank stays a zombie while the survivors look for it),
     * or e.g. {@code unshare --pid --fork}.
     */
    private void killOneAndExpectSurvivorsToThrow(final String job, final int size, final int victim,
        final List<String> victimWrapper) throws Exception
    {
        killOneAndExpectSurvivorsToThrow(job, size, victim, victimWrapper, List.of());
    }

    private void killOneAndExpectSurvivorsToThrow(final String job, final int size, final int victim,
        final List<String> victimWrapper, final List<String> jvmOptions) throws Exception
    {
        final boolean unreaped = victimWrapper == UNREAPED;
        final List<Process> ranks = new ArrayList<>();
        final List<BufferedReader> outputs = new ArrayList<>();
        try (Segment ignored = Segment.create(dir, job, size, 4L << 20))
        {
            for (int r = 0; r < size; r++)
            {
                final List<String> command = new ArrayList<>();
                if (r == victim)
                {
                    command.addAll(victimWrapper);
                }
                final List<String> options = new ArrayList<>(List.of("-Xmx128m"));
                options.addAll(jvmOptions);
                command.addAll(Jvm.command(options, VictimRank.class, Integer.toString(victim), "wait"));
                final Process process = Jvm.startRank(dir, job, r, size, 4L << 20, command);
                ranks.add(process);
                outputs.add(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
            }
            for (int r = 0; r < size; r++)
            {
                assertEquals("ready", Jvm.awaitLine(outputs.get(r), "ready"), "rank " + r + " passed the first barrier");
            }
            final ProcessHandle rank = victimWrapper.isEmpty() ? ranks.get(victim).toHandle() :
                ranks.get(victim).toHandle().children().findFirst().orElseThrow();
            Thread.sleep(200); // the survivors are now blocked in the second barrier

            final long killedAt = System.nanoTime();
            assertTrue(rank.destroyForcibly(), "SIGKILL sent to rank " + victim);
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
            if (unreaped)
            {
                assertTrue(ranks.get(victim).isAlive(), "the non-reaping parent still holds the dead rank as a zombie");
                ranks.get(victim).getOutputStream().close(); // now it reaps the rank and exits
                assertTrue(ranks.get(victim).waitFor(5, TimeUnit.SECONDS));
            }
        }
        finally
        {
            ranks.forEach(Process::destroyForcibly);
        }
    }
}
