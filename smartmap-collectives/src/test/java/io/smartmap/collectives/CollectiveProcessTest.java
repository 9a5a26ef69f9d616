package io.smartmap.collectives;

import io.smartmap.core.Jvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Every collective and algorithm across real rank processes started by the launcher. */
class CollectiveProcessTest
{
    private final LaunchedJob job = new LaunchedJob();

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void shouldComputeEveryCollectiveCorrectlyWithEveryAlgorithm(final int ranks)
    {
        final int code = job.run(ranks, Jvm.command(CollectiveCheckRank.class));
        assertEquals(0, code, job.output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] checked "), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
        assertTrue(job.stdout().contains("failures=0"), job.output());
    }

    /** 1, 3 (not a power of two) and 8 ranks (four per core here), at the sizes that decide a path. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8})
    void shouldComputeEveryCollectiveCorrectlyWithEveryAlgorithmAtTheThresholds(final int ranks)
    {
        final int code = job.run(ranks, Jvm.command(CollectiveCheckRank.class, "quick"));
        assertEquals(0, code, job.output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] checked "), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
    }

    /** Java arrays and ByteBuffers of every shape, a different kind on each rank, give the region path's bits. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void shouldGiveTheSameBitsForStagedAndRegionBuffers(final int ranks)
    {
        final int code = job.run(ranks, Jvm.command(StagedCheckRank.class));
        assertEquals(0, code, job.output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("rank " + r + " checked "), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
    }

    @Test
    void shouldRunOneHundredThousandMixedCollectivesOnFourProcesses()
    {
        final int iterations = Integer.getInteger("smartmap.soak.iterations", 100_000);
        final int code = job.run(4, Jvm.command(MixedSoakRank.class, Integer.toString(iterations), "20261122"));
        assertEquals(0, code, job.output());
        for (int r = 0; r < 4; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] soak ok: iterations=" + iterations + " ranks=4"), job.output());
        }
        System.out.println(job.stdout().lines().filter(l -> l.startsWith("[0] soak ok")).findFirst().orElse(""));
    }

    /** Sixteen ranks on two cores: every wait yields to a peer that can run; nothing hangs, every result right. */
    @Test
    void shouldRunTenThousandMixedCollectivesOnSixteenOversubscribedProcesses()
    {
        final int iterations = 10_000;
        final int code = job.run(16, Jvm.command(MixedSoakRank.class, Integer.toString(iterations), "20261124"));
        assertEquals(0, code, job.output());
        for (int r = 0; r < 16; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] soak ok: iterations=" + iterations + " ranks=16"), job.output());
        }
        System.out.println(job.stdout().lines().filter(l -> l.startsWith("[0] soak ok")).findFirst().orElse(""));
    }

    /** Two ranks on two cores: the split broadcast and the dedicated-core waits, with every buffer path mixed. */
    @Test
    void shouldRunTwentyThousandMixedCollectivesOnTwoProcesses()
    {
        final int iterations = 20_000;
        final int code = job.run(2, Jvm.command(MixedSoakRank.class, Integer.toString(iterations), "20261123"));
        assertEquals(0, code, job.output());
        for (int r = 0; r < 2; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] soak ok: iterations=" + iterations + " ranks=2"), job.output());
        }
    }
}
