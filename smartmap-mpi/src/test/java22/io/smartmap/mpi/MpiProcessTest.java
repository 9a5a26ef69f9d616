package io.smartmap.mpi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link MpiRankProgram} under each MPI library's own {@code mpirun}, as real processes: every bound call
 * with exact values, MPI errors as {@link MpiException}s, and NullPointerExceptions in compiled code and a
 * StackOverflowError after {@code MPI_Init} (the JVM's SIGSEGV handler must have survived). A missing
 * {@code mpirun} fails the test with the install line; it never passes silently.
 */
class MpiProcessTest
{
    private static final String INSTALL = "apt-get install -y openmpi-bin libopenmpi3 mpich libmpich12";
    private static final long TIMEOUT_S = 240;
    /** What {@link FabricEnvironment#prepare()} sets in a rank whose environment has neither variable. */
    private static final String BINDING_ENVIRONMENT =
        "[UCX_ERROR_SIGNALS=\"\", UCX_MEM_MMAP_HOOK_MODE=none, OMPI_MCA_memory=^patcher]";

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
    void shouldRunEveryCallAndSurviveNullPointersAndStackOverflowOnFourRanks(final Launcher launcher,
        @TempDir final Path dir) throws Exception
    {
        final Result result = run(launcher, 4, Map.of(), List.of(), dir);
        assertEquals(0, result.exitCode, result.output);
        for (int rank = 0; rank < 4; rank++)
        {
            final String ok = result.line("ok rank=" + rank + " size=4 abi=" + launcher.abi + " ");
            assertTrue(ok.contains("npes=20000"), ok);
            // UCX_ERROR_SIGNALS="" alone keeps both libraries off the JVM's handlers: the guard had nothing to restore;
            // with the memory hooks off UCX (loaded by MPICH) leaves libc's code alone
            assertTrue(ok.contains("environmentSet=" + BINDING_ENVIRONMENT), ok);
            assertTrue(ok.contains("signalsRestored=[]"), ok);
            assertTrue(ok.contains("libcPatched=[]"), ok);
        }
        assertTrue(result.output.contains("MPI_Bcast failed: "), result.output);
        assertFalse(result.output.contains("FAIL"), result.output);
    }

    /**
     * A user who sets {@code UCX_ERROR_SIGNALS} to UCX's default keeps it (the binding does not override a
     * setting), so UCX under MPICH replaces the JVM's SIGSEGV, SIGBUS, SIGFPE and SIGILL handlers when the
     * library is opened; the guard puts them back and the ranks survive the null checks.
     */
    @Test
    void shouldRestoreTheJvmHandlersUcxReplacesWhenTheUserAsksForUcxSignals(@TempDir final Path dir) throws Exception
    {
        final Result result = run(Launcher.MPICH, 2, Map.of("UCX_ERROR_SIGNALS", "SIGILL,SIGSEGV,SIGBUS,SIGFPE"),
            List.of(), dir);
        assertEquals(0, result.exitCode, result.output);
        for (int rank = 0; rank < 2; rank++)
        {
            final String ok = result.line("ok rank=" + rank + " size=2 abi=MPICH ");
            assertTrue(ok.contains("environmentSet=[UCX_MEM_MMAP_HOOK_MODE=none, OMPI_MCA_memory=^patcher]"), ok);
            assertTrue(ok.contains("SIGSEGV replaced during dlopen libmpich.so.12, restored"), ok);
            assertTrue(ok.contains("libcPatched=[]"), ok);
        }
    }

    /**
     * Open MPI with its UCX components allowed (Debian's /etc/openmpi/openmpi-mca-params.conf disables them with
     * {@code pml = ^ucx} and {@code osc = ^ucx}; upstream builds on InfiniBand clusters prefer them): {@code libucs}
     * is then loaded inside {@code MPI_Init_thread}. With the binding's {@code UCX_ERROR_SIGNALS=""} nothing is
     * replaced; with the user's UCX default the handlers are replaced during {@code MPI_Init_thread} and put back.
     */
    @Test
    void shouldKeepTheJvmHandlersWhenOpenMpiLoadsUcx(@TempDir final Path dir) throws Exception
    {
        final List<String> ucx = List.of("--mca", "pml", "ob1,ucx", "--mca", "osc", "ucx,rdma", "-x", "UCX_ERROR_SIGNALS");
        final Result quiet = run(Launcher.OPEN_MPI, 2, Map.of(), ucx, List.of(), dir);
        assertEquals(0, quiet.exitCode, quiet.output);
        final Result loud = run(Launcher.OPEN_MPI, 2, Map.of("UCX_ERROR_SIGNALS", "SIGILL,SIGSEGV,SIGBUS,SIGFPE"), ucx,
            List.of(), dir);
        assertEquals(0, loud.exitCode, loud.output);
        for (int rank = 0; rank < 2; rank++)
        {
            final String okQuiet = quiet.line("ok rank=" + rank + " size=2 abi=Open MPI ");
            assertTrue(okQuiet.contains("environmentSet=" + BINDING_ENVIRONMENT) &&
                okQuiet.contains("signalsRestored=[]") && okQuiet.contains("libcPatched=[]"), okQuiet);
            final String okLoud = loud.line("ok rank=" + rank + " size=2 abi=Open MPI ");
            assertTrue(okLoud.contains("SIGSEGV replaced during MPI_Init_thread, restored"), okLoud);
            // neither UCX nor Open MPI's memory/patcher rewrote libc beneath the JVM's threads (FabricEnvironment)
            assertTrue(okLoud.contains("libcPatched=[]"), okLoud);
        }
    }

    private static Result run(final Launcher launcher, final int ranks, final Map<String, String> environment,
        final List<String> jvmOptions, final Path dir) throws IOException, InterruptedException
    {
        return run(launcher, ranks, environment, List.of(), jvmOptions, dir);
    }

    private static Result run(final Launcher launcher, final int ranks, final Map<String, String> environment,
        final List<String> launcherOptions, final List<String> jvmOptions, final Path dir)
        throws IOException, InterruptedException
    {
        final String mpirun = onPath(launcher.executable);
        final List<String> command = new ArrayList<>(List.of(mpirun));
        if (launcher == Launcher.OPEN_MPI)
        {
            if ("root".equals(System.getProperty("user.name")))
            {
                command.add("--allow-run-as-root");
            }
            command.add("--oversubscribe"); // 4 ranks on a 2-core machine
        }
        command.addAll(launcherOptions);
        command.addAll(List.of("-n", Integer.toString(ranks)));
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MpiRankProgram.class.getName(),
            Integer.toString(ranks)));

        final Path log = Files.createTempFile(dir, "mpirun", ".log");
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // the launcher decides the library (Mpi.libraryCandidates): no leftover from the surrounding shell
        builder.environment().remove(Mpi.LIBRARY_PROPERTY);
        builder.environment().remove(FabricEnvironment.UCX_ERROR_SIGNALS);
        builder.environment().remove(FabricEnvironment.UCX_MEM_MMAP_HOOK_MODE);
        builder.environment().remove(FabricEnvironment.OMPI_MCA_MEMORY);
        builder.environment().putAll(environment);
        final Process process = builder.start();
        if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS))
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail(launcher.executable + " did not finish in " + TIMEOUT_S + " s:\n" + Files.readString(log));
        }
        final Result result = new Result(process.exitValue(), Files.readString(log));
        System.out.println(launcher.executable + " -n " + ranks + " exit " + result.exitCode + ":\n" + result.output);
        return result;
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
        return fail(executable + " not found on PATH: the MPI process tests need Open MPI and MPICH; install them with " +
            INSTALL);
    }

    private static final class Result
    {
        final int exitCode;
        final String output;

        Result(final int exitCode, final String output)
        {
            this.exitCode = exitCode;
            this.output = output;
        }

        String line(final String prefix)
        {
            return output.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseGet(() -> fail("no line starting with '" + prefix + "':\n" + output));
        }
    }
}
