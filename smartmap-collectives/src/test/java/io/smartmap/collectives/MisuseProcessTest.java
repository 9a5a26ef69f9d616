package io.smartmap.collectives;

import io.smartmap.core.Jvm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Misuse is refused with a clear exception (issue 16), on real rank processes started by the
 * launcher ({@link MisuseRank}); the pinned and the namespaced rank start through a wrapper
 * script, as a job script would.
 */
class MisuseProcessTest
{
    private final LaunchedJob job = new LaunchedJob();

    @Test
    void shouldRefuseASecondThreadInACollectiveAndStayCorrect()
    {
        assertEquals(0, job.run(2, Jvm.command(MisuseRank.class, "threads")), job.output());
        assertTrue(job.stdout().contains("[0] refused: another thread is in a collective on this communicator"), job.output());
        assertOkOnEveryRank(2, "ok reduce 1024 doubles");
    }

    @Test
    void shouldRefuseEveryCallAfterCloseWithoutCrashing()
    {
        assertEquals(0, job.run(2, Jvm.command(MisuseRank.class, "closed")), job.output());
        for (int r = 0; r < 2; r++)
        {
            final String prefix = "[" + r + "] refused: ";
            assertEquals(4, job.stdout().lines().filter(l -> l.startsWith(prefix)).count(), job.output());
            assertTrue(job.stdout().contains(prefix + "communicator is closed: rank=" + r), job.output());
            assertTrue(job.stdout().contains(prefix + "this rank's handle is closed: rank=" + r), job.output());
            assertTrue(job.stdout().contains("[" + r + "] ok read after close: " + (42.0 + r)), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
    }

    /** Rank 0 pinned to one core (taskset, as a binding wrapper does): AUTO must still agree with rank 1. */
    @Test
    void shouldChooseTheSameAlgorithmOnEveryRankWhateverItsAffinity()
    {
        // 16 KiB: two-copy for a rank that thinks ranks outnumber cores, single copy for one that does not
        final int code = job.run(2, wrapped(0, List.of("taskset", "-c", "0"), Jvm.command(MisuseRank.class, "reduce", "16384")));
        assertEquals(0, code, job.output());
        assertTrue(job.stdout().contains("[0] cores seen by this rank: 1"), "rank 0 really was pinned: " + job.output());
        assertOkOnEveryRank(2, "ok reduce 2048 doubles");
    }

    /** Rank 1 in its own pid namespace (it sees itself as pid 1): liveness must not depend on its pid. */
    @Test
    void shouldWorkWithARankInAnotherPidNamespace()
    {
        final int code = job.run(2, wrapped(1, List.of("unshare", "--pid", "--fork"), Jvm.command(MisuseRank.class, "reduce", "65536")));
        assertEquals(0, code, job.output());
        assertOkOnEveryRank(2, "ok reduce 8192 doubles");
    }

    /** Rank 1 fails before it enters (no scratch for its array): rank 0 learns at once, and both stay failed. */
    @Test
    void shouldReachEveryRankPromptlyAndRevokeTheCommunicatorAfterAFailure()
    {
        assertEquals(0, job.run(2, Jvm.command(MisuseRank.class, "failure")), job.output());
        final Matcher failed = Pattern.compile("\\[0] failed after (\\d+) ms: PeerAbortedException: .*").matcher(job.stdout());
        assertTrue(failed.find(), job.output());
        assertTrue(Long.parseLong(failed.group(1)) < 2000, "rank 0 learned within 2 s, not at the 30 s timeout: " + job.output());
        assertTrue(job.stdout().contains("[1] failed after"), job.output());
        for (int r = 0; r < 2; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] refused: communicator unusable after a failed collective"), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
    }

    private void assertOkOnEveryRank(final int ranks, final String ok)
    {
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] " + ok), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
    }

    /** The command through a wrapper for one rank only: {@code sh -c 'if rank = R; then exec WRAPPER "$@"; else exec "$@"'}. */
    private static List<String> wrapped(final int rank, final List<String> wrapper, final List<String> command)
    {
        final List<String> script = new ArrayList<>(List.of("sh", "-c",
            "if [ \"$SMARTMAP_RANK\" = " + rank + " ]; then exec " + String.join(" ", wrapper) + " \"$@\"; else exec \"$@\"; fi",
            "sh"));
        script.addAll(command);
        return script;
    }
}
