package io.smartmap.collectives;

import io.smartmap.core.Jvm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/** Sub-communicators across real rank processes started by the launcher. */
class SubCommunicatorProcessTest
{
    private final LaunchedJob job = new LaunchedJob();

    /**
     * Even and odd ranks each run their own mixed collectives, then every collective x algorithm check,
     * at the same time; then all but rank 0.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 5, 8})
    void shouldRunEachHalfsCollectivesOnItsOwnSplitCommunicator(final int ranks)
    {
        final int code = job.run(ranks, Jvm.command(SplitRank.class, "2000", "20261123"));
        assertEquals(0, code, job.output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] split ok: ranks=" + ranks), job.output());
            assertTrue(job.stdout().contains("[" + r + "] soak ok: iterations=2000"), job.output());
            assertTrue(job.stdout().contains("[" + r + "] half checked "), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
    }

    /** Two threads per rank, each running 10,000 allreduces on its own dup of the world. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void shouldRunTwoThreadsPerRankOnTheirOwnDupsAtTheSameTime(final int ranks)
    {
        final int code = job.run(ranks, Jvm.command(DupThreadsRank.class, "10000"));
        assertEquals(0, code, job.output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] dup threads ok: iterations=10000 ranks=" + ranks), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
    }
}
