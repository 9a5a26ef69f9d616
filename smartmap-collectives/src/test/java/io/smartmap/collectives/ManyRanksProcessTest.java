package io.smartmap.collectives;

import io.smartmap.core.Jvm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 9: a job of 128 rank processes with 1 MiB regions starts through the launcher, runs barriers
 * (the dissemination algorithm at this size) and an allreduce, and every rank checks the sum. Small
 * JVMs (24 MiB heap, C1 only, one compiler thread): about 5 GiB of memory in all, 22-52 s on a 2-core
 * VM shared with other jobs. {@code -Dsmartmap.manyRanks=N} runs it with N ranks instead.
 */
class ManyRanksProcessTest
{
    @Test
    void shouldRunBarriersAndAnAllReduceOn128RankProcessesWithOneMebibyteRegions()
    {
        final int ranks = Integer.getInteger("smartmap.manyRanks", 128);
        final LaunchedJob job = new LaunchedJob();
        final long start = System.nanoTime();
        final int code = job.run(ranks, 1L << 20, 120, Jvm.command(List.of("-Xmx24m", "-Xss256k",
            "-XX:CICompilerCount=1", "-XX:TieredStopAtLevel=1"), ManyRanksRank.class, "20", "4096"));
        final double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, code, job.output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(job.stdout().contains("[" + r + "] many ranks ok=true: rank=" + r + " size=" + ranks + " dissemination=true"),
                job.output());
        }
        System.out.printf("128 rank processes: %.1f s; %s%n", seconds,
            job.stdout().lines().filter(l -> l.startsWith("[0] many ranks")).findFirst().orElse(""));
    }
}
