package io.smartmap.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code --mpi} outside an MPI job and with options it has no use for: one clear line, nothing measured (any JDK). */
class BenchRunnerMpiTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void shouldRefuseOptionsThatTheLauncherOrTheTwoAlgorithmsFix()
    {
        for (final String option : new String[] {"--ranks=4", "--algorithms=auto", "--buffers=array", "--dir=/tmp"})
        {
            err.reset();
            assertEquals(2, BenchRunner.run(new String[] {"--mpi", option, "--out", dir.toString()}, new PrintStream(out),
                new PrintStream(err)), option);
            final String message = err.toString(StandardCharsets.UTF_8).strip();
            assertTrue(message.startsWith("smartmap-bench: " + option.substring(0, option.indexOf('=')) +
                " makes no sense with --mpi: the MPI launcher starts the ranks (mpirun -n N)"), message);
            assertEquals(1, message.lines().count(), message);
        }
    }

    @Test
    void shouldRefuseIterationsWithoutMpi()
    {
        assertEquals(2, BenchRunner.run(new String[] {"--iterations", "5"}, new PrintStream(out), new PrintStream(err)));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("smartmap-bench: --iterations works with --mpi only"),
            err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseAnOpTheHierarchicalWorldLacks()
    {
        assertEquals(2, BenchRunner.run(new String[] {"--mpi", "--ops", "allreduce,scan"}, new PrintStream(out),
            new PrintStream(err)));
        assertEquals("smartmap-bench: --mpi measures allreduce, bcast, allgather, alltoall, reduce, barrier (the " +
            "hierarchical world's collectives): op=scan", err.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void shouldSayHowToStartItWhenNoMpiLauncherStartedTheProcess()
    {
        assertEquals(1, BenchRunner.run(new String[] {"--mpi", "--out", dir.resolve("never").toString()},
            new PrintStream(out), new PrintStream(err)));
        final String message = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(message.startsWith("smartmap-bench: --mpi: this process was not started by an MPI launcher (none of " +
            "OMPI_COMM_WORLD_RANK, PMI_RANK, PMIX_RANK is set)"), message);
        assertTrue(message.contains("mpirun -n 4 -x SMARTMAP_RANKS_PER_NODE=2 bin/smartmap-bench --mpi"), message);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(dir.resolve("never")), "nothing written");
    }

    @Test
    void shouldRefuseARankOfSmartmapRun()
    {
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> MpiBench.requireMpiLauncher(Map.of("SMARTMAP_RANK", "0", "OMPI_COMM_WORLD_RANK", "0")));
        assertTrue(ex.getMessage().startsWith("--mpi: this process is a rank of bin/smartmap-run"), ex.getMessage());
    }

    @Test
    void shouldGiveSimulatedNodesTheirShareOfTheCoresOnlyWhenRanksOutnumberThem()
    {
        // 4 ranks in 2 nodes of 2 on 2 cores: each node waits as oversubscribed (2 ranks > 1 core)
        assertEquals(1, MpiBench.coresPerNode(Map.of("SMARTMAP_RANKS_PER_NODE", "2", "OMPI_COMM_WORLD_LOCAL_SIZE", "4"), 2));
        assertEquals(2, MpiBench.coresPerNode(Map.of("SMARTMAP_RANKS_PER_NODE", "4", "MPI_LOCALNRANKS", "8"), 4));
        // every rank has a core, real nodes, or nothing known: left alone
        assertEquals(0, MpiBench.coresPerNode(Map.of("SMARTMAP_RANKS_PER_NODE", "2", "OMPI_COMM_WORLD_LOCAL_SIZE", "2"), 2));
        assertEquals(0, MpiBench.coresPerNode(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "4"), 2));
        assertEquals(0, MpiBench.coresPerNode(Map.of("SMARTMAP_RANKS_PER_NODE", "2"), 2));
    }
}
