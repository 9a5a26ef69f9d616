package io.smartmap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code mpirun -n 4 bin/smartmap-bench --mpi} under each MPI library's own launcher, on two simulated
 * nodes of two ranks (issue 15 part 6): after {@code package} (the script runs {@code benchmarks.jar}),
 * on JDK 22+ only (the profile {@code mpi-bench} of this module's pom), with this JVM's JDK as the ranks'.
 * Every op of the run has both algorithms ({@value MpiBench#MPI} and {@value MpiBench#HIERARCHICAL}) at
 * every size with positive times; results.csv, results.json (with the MPI library and the nodes) and a
 * chart per op are written by rank 0; no segment is left behind.
 */
class MpiBenchIT
{
    private static final String INSTALL = "apt-get install -y openmpi-bin libopenmpi3 mpich libmpich12";
    private static final long TIMEOUT_S = 120;
    private static final List<Long> SIZES = List.of(8L, 32L, 128L, 512L, 2048L, 4096L);

    enum Launcher
    {
        OPEN_MPI("mpirun.openmpi", "Open MPI"),
        MPICH("mpirun.mpich", "MPICH");

        final String executable;
        final String abi;

        Launcher(final String executable, final String abi)
        {
            this.executable = executable;
            this.abi = abi;
        }
    }

    @ParameterizedTest
    @EnumSource(Launcher.class)
    void shouldReportBothAlgorithmsForEveryOpAndSize(final Launcher launcher, @TempDir final Path dir) throws Exception
    {
        final Path out = dir.resolve("results");
        final Path segments = Files.createDirectory(dir.resolve("segments"));
        final Map<String, String> env = new LinkedHashMap<>();
        env.put("SMARTMAP_RANKS_PER_NODE", "2");
        env.put("SMARTMAP_DIR", segments.toString());
        env.put("SMARTMAP_TIMEOUT_MS", "60000");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        final List<String> command = new ArrayList<>(List.of(onPath(launcher.executable)));
        if (launcher == Launcher.OPEN_MPI)
        {
            if ("root".equals(System.getProperty("user.name")))
            {
                command.add("--allow-run-as-root");
            }
            command.add("--oversubscribe");
            env.forEach((name, value) -> command.addAll(List.of("-x", name + "=" + value)));
        }
        else
        {
            env.forEach((name, value) -> command.addAll(List.of("-genv", name, value)));
        }
        // a few calls per point: MPICH polls without yielding, and 4 ranks on 2 cores make each of its calls
        // wait for a scheduler slice, so --quick's thousands of calls per point take minutes there
        command.addAll(List.of("-n", "4", script().toString(), "--mpi", "--quick", "--sizes", "8:4096", "--repetitions", "1",
            "--iterations", "20", "--out", out.toString()));

        final Path log = dir.resolve("mpirun.log");
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("SMARTMAP_RANK");
        builder.environment().remove("SMARTMAP_PLACEMENT");
        final Process process = builder.start();
        if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS))
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail(launcher.executable + " did not finish in " + TIMEOUT_S + " s:\n" + Files.readString(log));
        }
        final String output = Files.readString(log);
        System.out.println(String.join(" ", command) + "\nexit " + process.exitValue() + ":\n" + output);
        assertEquals(0, process.exitValue(), output);

        final JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(launcher.abi, json.get("run").get("mpi_abi").asText(), json.get("run").toString());
        assertEquals(2, json.get("run").get("nodes").asInt(), json.get("run").toString());
        assertEquals("[2,2]", json.get("run").get("ranks_per_node").toString());
        assertTrue(json.get("run").get("reproducible").asBoolean(), "the default: " + json.get("run"));
        assertTrue(output.contains("# reductions    : reproducible"), output);
        for (final BenchOp op : MpiBench.OPS)
        {
            for (final long bytes : op == BenchOp.BARRIER ? List.of(0L) : SIZES)
            {
                for (final String algorithm : List.of(MpiBench.MPI, MpiBench.HIERARCHICAL))
                {
                    final List<JsonNode> rows = new ArrayList<>();
                    json.get("results").forEach(row ->
                    {
                        if (row.get("op").asText().equals(op.label()) && row.get("algorithm").asText().equals(algorithm) &&
                            row.get("bytes").asLong() == bytes)
                        {
                            rows.add(row);
                        }
                    });
                    assertEquals(1, rows.size(), op.label() + " " + algorithm + " " + bytes + " B in " + json);
                    assertEquals(4, rows.get(0).get("ranks").asInt());
                    assertTrue(rows.get(0).get("t_avg_us").asDouble() > 0, rows.get(0).toString());
                    assertTrue(rows.get(0).get("t_min_us").asDouble() > 0, rows.get(0).toString());
                }
            }
            if (op != BenchOp.BARRIER) // charts are over sizes: the barrier has one point, at 0 B, and none
            {
                assertTrue(Files.size(out.resolve(op.label() + ".png")) > 0, op.label() + ".png");
            }
        }
        final List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertTrue(csv.get(0).endsWith(",speedup_vs_mpi"), csv.get(0));
        assertEquals(1 + 2 * (5 * SIZES.size() + 1), csv.size(), String.join("\n", csv));
        assertTrue(output.contains("# Benchmarking allreduce, 4 ranks"), output);
        assertFalse(Files.exists(out.resolve("raw.csv")), "raw.csv removed");
        try (Stream<Path> left = Files.list(segments))
        {
            final List<Path> files = left.collect(Collectors.toList());
            assertTrue(files.isEmpty(), "segments left behind: " + files + "\n" + output);
        }
    }

    /** @return bin/smartmap-bench of this checkout (failsafe runs in the module's directory). */
    private static Path script()
    {
        final Path script = Path.of("").toAbsolutePath().getParent().resolve("bin").resolve("smartmap-bench");
        assertTrue(Files.isExecutable(script), script + " is executable");
        return script;
    }

    /** @return the executable's path, or a failure saying how to install it. */
    private static String onPath(final String executable)
    {
        for (final String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            final Path candidate = Path.of(directory, executable);
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return fail(executable + " not found on PATH: the --mpi bench test needs Open MPI and MPICH; install them with " +
            INSTALL);
    }
}
