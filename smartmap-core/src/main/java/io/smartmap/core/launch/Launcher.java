package io.smartmap.core.launch;

import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.Segment;
import io.smartmap.core.SmartMapOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code bin/smartmap-run}: an {@code mpirun} for smartmap jobs. Creates the job's segment, runs
 * COMMAND once per rank with {@code SMARTMAP_RANK}, {@code SMARTMAP_SIZE}, {@code SMARTMAP_JOB}
 * (and the directory, region size and timeout) in the environment and the JVM flags of
 * {@link JvmFlags} (Agrona's export, the vector kernels' module and native access) added to
 * {@code JDK_JAVA_OPTIONS}, prefixes every output line with {@code [rank]}, and waits. When a rank
 * exits non-zero or dies by a signal it kills the others and exits with that rank's code
 * (128+signal for a signal). SIGINT/SIGTERM are forwarded. The segment file is removed in every case.
 */
@Command(
    name = "smartmap-run",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = "Run COMMAND as N ranks of one smartmap job on this machine.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:all ranks exited 0",
        "2:bad arguments",
        "N:the exit code of the first rank that failed (128+signal if killed)"})
public final class Launcher implements Callable<Integer>
{
    /** The JVM flag Agrona 2.x needs, in its {@code =} form: {@link JvmFlags#ADD_EXPORTS}. */
    public static final String AGRONA_FLAG = JvmFlags.ADD_EXPORTS;
    /** How long ranks (and their descendants) get to exit after SIGTERM before SIGKILL. */
    static final long KILL_GRACE_MS = 2000;
    /** How often the launcher records the ranks' descendants while they run. */
    static final long TREE_POLL_MS = 50;
    /** How long the output of finished ranks may still drain before the launcher returns. */
    static final long DRAIN_MS = 1000;

    @Option(names = {"-n", "--np"}, required = true, paramLabel = "N", description = "number of ranks (1.." + ControlBlockDescriptor.MAX_RANKS + ")")
    int ranks;

    @Option(names = "--dir", paramLabel = "DIR", description = "segment directory (default: ${DEFAULT-VALUE})")
    Path dir = SmartMapOptions.DEFAULT_DIR;

    @Option(names = "--region-size", paramLabel = "BYTES",
        description = "bytes per rank region, rounded up to a power of two (default: ${DEFAULT-VALUE})")
    long regionSizeBytes = SmartMapOptions.DEFAULT_REGION_SIZE_BYTES;

    @Option(names = "--timeout", paramLabel = "S", description = "seconds a rank waits for a peer (default: ${DEFAULT-VALUE})")
    long timeoutSeconds = TimeUnit.NANOSECONDS.toSeconds(SmartMapOptions.DEFAULT_TIMEOUT_NS);

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "the rank program and its arguments")
    List<String> command;

    private final PrintStream out;
    private final PrintStream err;
    private final List<Process> processes = new ArrayList<>();
    /** Every descendant of a rank seen while the job ran: orphans of a dead wrapper are stopped too. */
    private final Set<ProcessHandle> descendants = ConcurrentHashMap.newKeySet();
    private volatile boolean shuttingDown;

    Launcher(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Parse the arguments and run the job.
     *
     * @return the exit code: 0, 2 for bad arguments, or the failing rank's code.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final Launcher launcher = new Launcher(out, err);
        final CommandLine commandLine = new CommandLine(launcher)
            .setStopAtPositional(true)
            .setOut(new java.io.PrintWriter(out, true))
            .setErr(new java.io.PrintWriter(err, true))
            .setParameterExceptionHandler((ex, arguments) ->
            {
                err.println("smartmap-run: " + ex.getMessage() + " (try smartmap-run -h)");
                return CommandLine.ExitCode.USAGE;
            });
        return commandLine.execute(args);
    }

    @Override
    public Integer call()
    {
        if (ranks < 1 || ranks > ControlBlockDescriptor.MAX_RANKS)
        {
            return usageError("-n must be in 1.." + ControlBlockDescriptor.MAX_RANKS + ": n=" + ranks);
        }
        if (timeoutSeconds <= 0)
        {
            return usageError("--timeout must be positive: timeout=" + timeoutSeconds);
        }
        final String jobId = ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
        final Segment segment;
        try
        {
            segment = Segment.create(dir, jobId, ranks, regionSizeBytes);
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            return usageError(ex.getMessage());
        }
        segment.close(); // the launcher only owns the file; ranks map it themselves

        final Thread cleanup = new Thread(() -> shutdown(dir, jobId), "smartmap-run-shutdown");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try
        {
            return runRanks(jobId);
        }
        finally
        {
            shutdown(dir, jobId);
            try
            {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
            catch (final IllegalStateException ignore)
            {
                // already shutting down: the hook does the same cleanup
            }
        }
    }

    private int runRanks(final String jobId)
    {
        final List<CompletableFuture<Process>> exits = new ArrayList<>();
        final List<Thread> pumps = new ArrayList<>();
        for (int rank = 0; rank < ranks; rank++)
        {
            final ProcessBuilder builder = new ProcessBuilder(command);
            final Map<String, String> env = builder.environment();
            env.put(SmartMapOptions.RANK_ENV, Integer.toString(rank));
            env.put(SmartMapOptions.SIZE_ENV, Integer.toString(ranks));
            env.put(SmartMapOptions.JOB_ENV, jobId);
            env.put(SmartMapOptions.DIR_ENV, dir.toString());
            env.put(SmartMapOptions.REGION_SIZE_ENV, Long.toString(regionSizeBytes));
            env.put(SmartMapOptions.TIMEOUT_MS_ENV, Long.toString(TimeUnit.SECONDS.toMillis(timeoutSeconds)));
            env.put("JDK_JAVA_OPTIONS", JvmFlags.withFlags(env.get("JDK_JAVA_OPTIONS")));
            final Process process;
            try
            {
                synchronized (processes)
                {
                    if (shuttingDown)
                    {
                        return 130;
                    }
                    process = builder.start();
                    processes.add(process);
                }
            }
            catch (final IOException ex)
            {
                err.println("smartmap-run: cannot start rank " + rank + ": " + ex.getMessage());
                killAll();
                return 127;
            }
            pumps.add(pump(process.getInputStream(), out, rank));
            pumps.add(pump(process.getErrorStream(), err, rank));
            exits.add(process.onExit());
        }

        int exitCode = 0;
        final List<CompletableFuture<Process>> pending = new ArrayList<>(exits);
        while (!pending.isEmpty())
        {
            try
            {
                CompletableFuture.anyOf(pending.toArray(new CompletableFuture<?>[0])).get(TREE_POLL_MS, TimeUnit.MILLISECONDS);
            }
            catch (final TimeoutException ex)
            {
                rememberDescendants();
                continue;
            }
            catch (final InterruptedException | ExecutionException ex)
            {
                Thread.currentThread().interrupt();
                killAll();
                return 130;
            }
            for (final Iterator<CompletableFuture<Process>> it = pending.iterator(); it.hasNext(); )
            {
                final CompletableFuture<Process> exit = it.next();
                if (!exit.isDone())
                {
                    continue;
                }
                it.remove();
                final Process done = exit.join();
                final int code = done.exitValue();
                if (code != 0 && exitCode == 0)
                {
                    exitCode = code;
                    err.println("smartmap-run: rank " + exits.indexOf(exit) + " exited with code " + code +
                        (code > 128 ? " (signal " + (code - 128) + ")" : "") + "; stopping the other ranks");
                    killAll();
                }
            }
        }
        // the ranks are gone: stop what they left behind (it may hold the output pipes), then drain
        killAll();
        final long drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MS);
        for (final Thread pump : pumps)
        {
            try
            {
                pump.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainDeadline - System.nanoTime())));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return exitCode;
    }

    private Thread pump(final InputStream stream, final PrintStream target, final int rank)
    {
        final String prefix = "[" + rank + "] ";
        final Thread thread = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    synchronized (target)
                    {
                        target.println(prefix + line);
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the rank closed its stream or died: nothing more to forward
            }
        }, "smartmap-run-pump-" + rank);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Add the current descendants of every rank to {@link #descendants}. */
    private void rememberDescendants()
    {
        final List<Process> snapshot;
        synchronized (processes)
        {
            snapshot = new ArrayList<>(processes);
        }
        for (final Process process : snapshot)
        {
            process.descendants().forEach(descendants::add);
        }
    }

    /**
     * Stop every rank's whole process tree: SIGTERM to the ranks and to every descendant seen (a
     * rank that is a wrapper script around {@code java}, and what it started), then SIGKILL to
     * whatever is still alive after {@link #KILL_GRACE_MS}. {@link ProcessHandle} checks a process's
     * start time before signalling it, so a recycled pid is never hit.
     */
    private void killAll()
    {
        rememberDescendants();
        final List<ProcessHandle> tree = new ArrayList<>();
        synchronized (processes)
        {
            processes.forEach(process -> tree.add(process.toHandle()));
        }
        tree.addAll(descendants);
        for (final ProcessHandle process : tree)
        {
            process.destroy(); // SIGTERM: lets a rank's own shutdown hooks run
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILL_GRACE_MS);
        for (final ProcessHandle process : tree)
        {
            try
            {
                final long leftNs = Math.max(0, deadline - System.nanoTime());
                process.onExit().get(leftNs, TimeUnit.NANOSECONDS);
            }
            catch (final TimeoutException | ExecutionException ex)
            {
                process.destroyForcibly();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private void shutdown(final Path dir, final String jobId)
    {
        synchronized (processes)
        {
            shuttingDown = true;
        }
        killAll();
        try
        {
            Segment.delete(dir, jobId);
        }
        catch (final RuntimeException ex)
        {
            err.println("smartmap-run: " + ex.getMessage());
        }
    }

    private int usageError(final String message)
    {
        err.println("smartmap-run: " + message);
        return CommandLine.ExitCode.USAGE;
    }
}
