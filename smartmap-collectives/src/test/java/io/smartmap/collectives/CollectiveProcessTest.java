package io.smartmap.collectives;

import io.smartmap.core.Jvm;
import org.junit.jupiter.api.Tag;
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
        assertEveryRankChecked(ranks);
    }

    /** 1, 3 (not a power of two) and 8 ranks (four per core here), at the sizes that decide a path. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8})
    void shouldComputeEveryCollectiveCorrectlyWithEveryAlgorithmAtTheThresholds(final int ranks)
    {
        assertEveryRankChecked(ranks, "quick");
    }

    /** Gather, scatter and the v-variants on the rank counts the runs above leave out (1-8 in all). */
    @ParameterizedTest
    @ValueSource(ints = {5, 6, 7})
    void shouldComputeGatherScatterAndTheVectorVariantsCorrectlyOnFiveToSevenRanks(final int ranks)
    {
        assertEveryRankChecked(ranks, "quick", "new");
    }

    /** Run {@link CollectiveCheckRank} with {@code args}: every rank reports its checks, none wrong. */
    private void assertEveryRankChecked(final int ranks, final String... args)
    {
        final int code = job.run(ranks, Jvm.command(CollectiveCheckRank.class, args));
        assertEquals(0, code, job.output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] checked "), job.output());
        }
        assertFalse(job.stdout().contains("WRONG"), job.output());
        assertTrue(job.stdout().contains("failures=0"), job.output());
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
    @Tag("soak")
    void shouldRunOneHundredThousandMixedCollectivesOnFourProcesses()
    {
        assertSoak(4, Integer.getInteger("smartmap.soak.iterations", 100_000), "20261122");
    }

    /** Sixteen ranks on two cores: every wait yields to a peer that can run; nothing hangs, every result right. */
    @Test
    @Tag("soak")
    void shouldRunTenThousandMixedCollectivesOnSixteenOversubscribedProcesses()
    {
        assertSoak(16, 10_000, "20261124");
    }

    /** Two ranks on two cores: the split broadcast and the dedicated-core waits, with every buffer path mixed. */
    @Test
    @Tag("soak")
    void shouldRunTwentyThousandMixedCollectivesOnTwoProcesses()
    {
        assertSoak(2, 20_000, "20261123");
    }

    /** Run {@link MixedSoakRank} for {@code iterations} collectives from {@code seed}: every rank finishes, every result right. */
    private void assertSoak(final int ranks, final int iterations, final String seed)
    {
        final int code = job.run(ranks, Jvm.command(MixedSoakRank.class, Integer.toString(iterations), seed));
        assertEquals(0, code, job.output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] soak ok: iterations=" + iterations + " ranks=" + ranks),
                job.output());
        }
        System.out.println(job.stdout().lines().filter(l -> l.startsWith("[0] soak ok")).findFirst().orElse(""));
    }
}
