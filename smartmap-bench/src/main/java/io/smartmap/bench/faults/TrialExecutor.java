package io.smartmap.bench.faults;

import io.smartmap.core.RegionDescriptor;
import io.smartmap.core.Segment;
import io.smartmap.core.SmartMapOptions;
import io.smartmap.core.launch.JvmFlags;
import io.smartmap.core.launch.Launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one {@link Trial}: starts its ranks ({@link FaultRank}) directly or through the {@link Launcher},
 * waits until all are ready, signals the victim, checks what the survivors report and when, and then
 * kills every process of the trial and deletes its segment whatever happened, counting what is left.
 * <p>
 * The signal time is taken just before the signal is sent, so detection times are upper bounds (a
 * {@code kill -STOP} is a fork and exec). Detection times compare the ranks' {@code System.nanoTime()}
 * with the runner's: both are CLOCK_MONOTONIC on Linux, one clock for every process of the machine.
 * <p>
 * One trial at a time; {@link #emergencyCleanup()} may be called from a shutdown hook meanwhile.
 */
final class TrialExecutor
{
    /** How long every rank gets to print {@code ready}. */
    static final long READY_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    /** A SIGKILLed victim must be reported by every survivor within this time. */
    static final long KILL_WINDOW_NS = TimeUnit.SECONDS.toNanos(2);
    /** A SIGSTOPped victim must be reported within the collectives' timeout plus this time. */
    static final long STOP_EXTRA_NS = TimeUnit.SECONDS.toNanos(2);
    /** A survivor that reported in time gets this long past the window to finish exiting. */
    static final long EXIT_GRACE_NS = TimeUnit.SECONDS.toNanos(1);
    /** The launcher's SIGTERM-to-SIGKILL grace (its {@code KILL_GRACE_MS}). */
    static final long LAUNCHER_GRACE_NS = TimeUnit.SECONDS.toNanos(2);
    /** How long cleanup waits for killed processes to be gone. */
    static final long CLEANUP_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    /** The rank's exit code when it was killed by SIGKILL, as the launcher reports it. */
    static final int SIGKILL_EXIT = 128 + 9;
    /** Sentinel exit code of a process still running. */
    private static final int RUNNING = Integer.MIN_VALUE;
    /** Margin above the largest buffers a rank allocates, in bytes. */
    private static final long REGION_MARGIN_BYTES = 256 * 1024;
    /**
     * Unreaped mode: the shell starts the rank in the background and then does not wait for it (dash
     * reaps a background child only in {@code wait}), so a dead rank stays a zombie while the shell
     * blocks reading its stdin. At the end of the trial, or if the runner dies, stdin closes: the
     * shell kills the rank if it still runs and reaps it, so no zombie outlives the trial (init does
     * not reap orphans on every machine).
     */
    private static final String UNREAPED_WRAPPER = "\"$@\" & read line; kill -9 $! 2>/dev/null; wait";
    private static final Pattern RANK_LINE = Pattern.compile("^\\[(\\d+)\\] (.*)$");

    private final Path dir;
    private final long timeoutMs;
    private final long runnerPid = ProcessHandle.current().pid();
    private final Set<ProcessHandle> tracked = ConcurrentHashMap.newKeySet();
    private volatile String currentJobId;

    /**
     * @param dir       segment directory, existing.
     * @param timeoutMs the collectives' wait deadline in milliseconds ({@code SMARTMAP_TIMEOUT_MS}).
     */
    TrialExecutor(final Path dir, final long timeoutMs)
    {
        this.dir = dir;
        this.timeoutMs = timeoutMs;
    }

    /** Run the trial and record its outcome in it; never throws for a failed check. */
    void run(final Trial trial)
    {
        if (trial.mode == Trial.Mode.DIRECT)
        {
            runDirect(trial);
        }
        else
        {
            runLauncher(trial);
        }
    }

    /** Kill every process this executor started and delete the current segment (shutdown hook). */
    void emergencyCleanup()
    {
        tracked.forEach(ProcessHandle::destroyForcibly);
        faultRankDescendants().forEach(ProcessHandle::destroyForcibly);
        final String jobId = currentJobId;
        if (jobId != null)
        {
            Segment.delete(dir, jobId);
        }
    }

    private void runDirect(final Trial trial)
    {
        final String jobId = "faults-" + runnerPid + "-" + trial.index + "-" + Long.toHexString(System.nanoTime() & 0xffffffL);
        final boolean unreaped = trial.reaping == Trial.Reaping.UNREAPED;
        final RankWatch[] watches = newWatches(trial.ranks);
        final Process[] processes = new Process[trial.ranks];
        final List<Thread> pumps = new ArrayList<>();
        currentJobId = jobId;
        try
        {
            Segment.create(dir, jobId, trial.ranks, regionBytes(trial.ranks)).close(); // the file stays for the ranks
            final List<String> command = rankCommand(trial);
            for (int r = 0; r < trial.ranks; r++)
            {
                final List<String> line = new ArrayList<>();
                if (unreaped)
                {
                    line.addAll(List.of("sh", "-c", UNREAPED_WRAPPER, "sh"));
                }
                line.addAll(command);
                final ProcessBuilder builder = new ProcessBuilder(line);
                rankEnvironment(builder.environment(), r, trial.ranks, jobId);
                processes[r] = builder.start();
                tracked.add(processes[r].toHandle());
                final RankWatch watch = watches[r];
                pumps.add(RankWatch.pump(processes[r].getInputStream(), watch::onOutLine, "faults-out-" + r));
                pumps.add(RankWatch.pump(processes[r].getErrorStream(), watch::onErrLine, "faults-err-" + r));
            }
            final IntPredicate ended = r -> !processes[r].isAlive() ||
                (watches[r].handle() != null && !Processes.isRunning(watches[r].handle()));
            if (!awaitReady(trial, watches, ended))
            {
                return;
            }
            Arrays.stream(watches).forEach(w -> tracked.add(w.handle()));
            Processes.sleepMs(trial.delayMs);
            final ProcessHandle victim = watches[trial.victim].handle();
            final long signalNs = signal(trial, victim);
            if (unreaped && trial.signal == Trial.Signal.KILL)
            {
                checkLeftAZombie(trial, victim);
            }

            final long windowNs = trial.signal == Trial.Signal.KILL ? KILL_WINDOW_NS :
                TimeUnit.MILLISECONDS.toNanos(timeoutMs) + STOP_EXTRA_NS;
            final long endNs = signalNs + windowNs + EXIT_GRACE_NS;
            while (System.nanoTime() - endNs < 0 && !allSurvivorsEnded(trial, ended))
            {
                Processes.sleepMs(5);
            }
            for (int r = 0; r < trial.ranks; r++)
            {
                final RankWatch watch = watches[r];
                checkError(trial, watch);
                if (r == trial.victim)
                {
                    checkVictimQuiet(trial, watch, signalNs);
                    continue;
                }
                final int exitCode = unreaped ? zombieExitCode(watch.handle()) : exitCode(processes[r], endNs);
                if (!watch.detected())
                {
                    trial.survivorChecked(false);
                    trial.fail("rank " + r + ": no detection within " + FaultRunner.seconds(windowNs) + " s" +
                        describeExit(exitCode) + tail(watch));
                    continue;
                }
                final String problem = checkDetection(trial, watch, signalNs, windowNs);
                trial.survivorChecked(problem == null);
                if (problem != null)
                {
                    trial.fail("rank " + r + ": " + problem);
                }
                if (exitCode != FaultRank.EXIT_DETECTED)
                {
                    trial.fail("rank " + r + ": " + (exitCode == RUNNING ? "still running " +
                        FaultRunner.seconds(EXIT_GRACE_NS) + " s after the detection window" :
                        "exit code " + exitCode + " after its detection, expected " + FaultRank.EXIT_DETECTED));
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            trial.fail("trial error: " + ex);
        }
        finally
        {
            cleanUpDirect(trial, watches, processes, pumps, jobId);
        }
    }

    private void cleanUpDirect(
        final Trial trial,
        final RankWatch[] watches,
        final Process[] processes,
        final List<Thread> pumps,
        final String jobId)
    {
        final Set<ProcessHandle> all = new LinkedHashSet<>();
        final Set<Long> wrappers = new LinkedHashSet<>();
        for (final Process process : processes)
        {
            if (process != null)
            {
                all.add(process.toHandle());
                wrappers.add(process.pid());
                process.descendants().forEach(all::add);
            }
        }
        for (final RankWatch watch : watches)
        {
            if (watch.handle() != null)
            {
                all.add(watch.handle());
            }
        }
        all.addAll(faultRankDescendants());
        // the rank JVMs first (SIGKILL also ends a stopped one), then the wrappers, which reap them
        all.stream().filter(h -> !wrappers.contains(h.pid()) || trial.reaping == Trial.Reaping.REAPED)
            .forEach(ProcessHandle::destroyForcibly);
        for (final Process process : processes)
        {
            if (process != null && trial.reaping == Trial.Reaping.UNREAPED)
            {
                closeQuietly(process.getOutputStream()); // EOF: the wrapper kills and reaps its rank, then exits
            }
        }
        final long deadline = System.nanoTime() + CLEANUP_TIMEOUT_NS;
        for (final Process process : processes)
        {
            if (process != null && !waitFor(process, deadline))
            {
                process.destroyForcibly();
                waitFor(process, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            }
        }
        final int leftoverProcesses = Processes.awaitNotRunning(all, CLEANUP_TIMEOUT_NS);
        joinPumps(pumps);
        Segment.delete(dir, jobId);
        currentJobId = null;
        trial.leftovers(leftoverProcesses, segmentsLeft(Set.of("smartmap-" + jobId)));
        tracked.removeAll(all);
    }

    private void runLauncher(final Trial trial)
    {
        final RankWatch[] watches = newWatches(trial.ranks);
        final List<String> launcherLines = Collections.synchronizedList(new ArrayList<>());
        final PrintStream out = new PrintStream(new LineSink(line -> route(line, watches, true, launcherLines)), true,
            StandardCharsets.UTF_8);
        final PrintStream err = new PrintStream(new LineSink(line -> route(line, watches, false, launcherLines)), true,
            StandardCharsets.UTF_8);
        // the launcher's deadline is in whole seconds
        final long launcherTimeoutS = Math.max(1, (timeoutMs + 999) / 1000);
        final List<String> args = new ArrayList<>(List.of("-n", Integer.toString(trial.ranks), "--dir", dir.toString(),
            "--region-size", Long.toString(regionBytes(trial.ranks)), "--timeout", Long.toString(launcherTimeoutS)));
        args.addAll(rankCommand(trial));
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        final Thread launcher = new Thread(() ->
        {
            try
            {
                exit.complete(Launcher.run(args.toArray(new String[0]), out, err));
            }
            catch (final Throwable ex)
            {
                exit.completeExceptionally(ex);
            }
        }, "faults-launcher-" + trial.index);
        launcher.setDaemon(true);
        launcher.start();
        try
        {
            if (!awaitReady(trial, watches, r -> exit.isDone()))
            {
                return;
            }
            Arrays.stream(watches).forEach(w -> tracked.add(w.handle()));
            Processes.sleepMs(trial.delayMs);
            final long signalNs = signal(trial, watches[trial.victim].handle());

            final long windowNs = trial.signal == Trial.Signal.KILL ? KILL_WINDOW_NS :
                TimeUnit.SECONDS.toNanos(launcherTimeoutS) + STOP_EXTRA_NS;
            // KILL: the launcher sees the victim exit at once and stops the others (SIGTERM, then SIGKILL);
            // STOP: the first survivor to time out exits 3 and the launcher stops the others, the victim by SIGKILL
            final long returnLimitNs = (trial.signal == Trial.Signal.KILL ? KILL_WINDOW_NS : windowNs) +
                LAUNCHER_GRACE_NS + EXIT_GRACE_NS;
            final int expected = trial.signal == Trial.Signal.KILL ? SIGKILL_EXIT : FaultRank.EXIT_DETECTED;
            final Integer code = await(exit, signalNs + returnLimitNs);
            if (code == null)
            {
                trial.fail("launcher did not return within " + FaultRunner.seconds(returnLimitNs) + " s of the signal");
            }
            else if (code != expected)
            {
                trial.fail("launcher returned " + code + ", expected " + expected + " " + launcherLines);
            }
            int detections = 0;
            for (int r = 0; r < trial.ranks; r++)
            {
                final RankWatch watch = watches[r];
                checkError(trial, watch);
                if (r == trial.victim)
                {
                    checkVictimQuiet(trial, watch, signalNs);
                }
                else if (watch.detected())
                {
                    // survivors the launcher stopped first print nothing: only printed detections are checked
                    detections++;
                    final String problem = checkDetection(trial, watch, signalNs, windowNs);
                    trial.survivorChecked(problem == null);
                    if (problem != null)
                    {
                        trial.fail("rank " + r + ": " + problem);
                    }
                }
            }
            if (trial.signal == Trial.Signal.STOP && detections == 0)
            {
                trial.fail("no survivor reported the stopped victim before the launcher ended the job " + launcherLines);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            trial.fail("trial error: " + ex);
        }
        finally
        {
            cleanUpLauncher(trial, watches, exit);
        }
    }

    private void cleanUpLauncher(final Trial trial, final RankWatch[] watches, final CompletableFuture<Integer> exit)
    {
        final Set<ProcessHandle> all = new LinkedHashSet<>();
        final Set<String> prefixes = new LinkedHashSet<>();
        prefixes.add("smartmap-" + runnerPid + "-"); // the launcher's job ids: <its pid>-<hex>, one job at a time
        for (final RankWatch watch : watches)
        {
            if (watch.handle() != null)
            {
                all.add(watch.handle());
            }
            if (watch.jobId() != null && !watch.jobId().isEmpty())
            {
                prefixes.add("smartmap-" + watch.jobId());
            }
        }
        all.addAll(faultRankDescendants());
        all.forEach(ProcessHandle::destroyForcibly);
        if (!awaitDone(exit, System.nanoTime() + CLEANUP_TIMEOUT_NS * 2))
        {
            trial.fail("launcher did not return after its ranks were killed");
        }
        final int leftoverProcesses = Processes.awaitNotRunning(all, CLEANUP_TIMEOUT_NS);
        trial.leftovers(leftoverProcesses, segmentsLeft(prefixes));
        tracked.removeAll(all);
    }

    /** Route one launcher output line ({@code [rank] text}) to its rank; keep the launcher's own lines. */
    private static void route(final String line, final RankWatch[] watches, final boolean stdout, final List<String> other)
    {
        final Matcher matcher = RANK_LINE.matcher(line);
        if (matcher.matches())
        {
            final int rank = Integer.parseInt(matcher.group(1));
            if (rank >= 0 && rank < watches.length)
            {
                if (stdout)
                {
                    watches[rank].onOutLine(matcher.group(2));
                }
                else
                {
                    watches[rank].onErrLine(matcher.group(2));
                }
                return;
            }
        }
        other.add(line);
    }

    /**
     * Wait until every rank printed {@code ready}.
     *
     * @param ended whether rank r (or the whole job) has ended.
     * @return whether all are ready; if not, the trial records why.
     */
    private boolean awaitReady(final Trial trial, final RankWatch[] watches, final IntPredicate ended)
    {
        final long deadline = System.nanoTime() + READY_TIMEOUT_NS;
        while (true)
        {
            boolean allReady = true;
            for (final RankWatch watch : watches)
            {
                if (!watch.ready() && ended.test(watch.rank))
                {
                    trial.fail("rank " + watch.rank + " ended before it was ready" +
                        (watch.error() == null ? "" : ": " + watch.error()) + tail(watch));
                    return false;
                }
                allReady &= watch.ready() && watch.handle() != null;
            }
            if (allReady)
            {
                return true;
            }
            if (System.nanoTime() - deadline >= 0)
            {
                final List<Integer> late = new ArrayList<>();
                Arrays.stream(watches).filter(w -> !w.ready()).forEach(w -> late.add(w.rank));
                trial.fail("ranks " + late + " not ready after " + FaultRunner.seconds(READY_TIMEOUT_NS) + " s");
                return false;
            }
            Processes.sleepMs(5);
        }
    }

    /**
     * Send the trial's signal to the victim.
     *
     * @return {@code System.nanoTime()} just before the signal was sent.
     */
    private static long signal(final Trial trial, final ProcessHandle victim) throws IOException
    {
        final long signalNs = System.nanoTime();
        if (trial.signal == Trial.Signal.KILL)
        {
            if (!victim.destroyForcibly())
            {
                throw new IllegalStateException("SIGKILL not sent: pid=" + victim.pid());
            }
            return signalNs;
        }
        final Process kill = new ProcessBuilder("kill", "-STOP", Long.toString(victim.pid()))
            .redirectErrorStream(true).start();
        try
        {
            final int code = kill.waitFor();
            if (code != 0)
            {
                throw new IllegalStateException("kill -STOP failed: pid=" + victim.pid() + ", exitCode=" + code);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping pid " + victim.pid());
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (Processes.state(victim.pid()) != 'T' && System.nanoTime() - deadline < 0)
        {
            Processes.sleepMs(1);
        }
        if (Processes.state(victim.pid()) != 'T')
        {
            trial.fail("victim pid " + victim.pid() + " not stopped after kill -STOP: state=" + Processes.state(victim.pid()));
        }
        return signalNs;
    }

    /** Unreaped mode: make sure the killed victim really stays a zombie (otherwise the case was not tested). */
    private static void checkLeftAZombie(final Trial trial, final ProcessHandle victim)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        char state;
        while ((state = Processes.state(victim.pid())) != 'Z' && state != Processes.GONE &&
            System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
        if (state != 'Z')
        {
            trial.fail("victim pid " + victim.pid() + " is not a zombie after SIGKILL (state " + state +
                "): the unreaped case was not tested");
        }
    }

    /**
     * Check one printed detection: after the signal, within the window, naming the victim ({@code rank <victim>},
     * or {@code any peer} in a job of two ranks), and of the
     * kind the signal calls for: a death for SIGKILL (a {@code PeerDeadException}, or a cascade whose
     * reason is {@code rank <victim> died}), a timeout for SIGSTOP (a stopped process is alive).
     *
     * @return null if it passes, else what is wrong.
     */
    private static String checkDetection(final Trial trial, final RankWatch watch, final long signalNs, final long windowNs)
    {
        final long latencyNs = watch.detectedNs() - signalNs;
        final String what = watch.detectedKind() + " \"" + watch.detectedMessage() + "\"";
        if (latencyNs < 0)
        {
            return "detected " + FaultRunner.seconds(-latencyNs) + " s before the signal: " + what;
        }
        trial.detectionLatency(latencyNs);
        if (latencyNs > windowNs)
        {
            return "detected " + FaultRunner.seconds(latencyNs) + " s after the signal, limit " +
                FaultRunner.seconds(windowNs) + " s: " + what;
        }
        final String message = watch.detectedMessage();
        // "any peer" identifies the victim only where it is the survivor's one peer
        final boolean namesVictim = Pattern.compile("\\brank " + trial.victim + "\\b").matcher(message).find() ||
            trial.ranks == 2 && message.contains("any peer");
        if (!namesVictim)
        {
            return "detection does not name rank " + trial.victim + ": " + what;
        }
        final String kind = watch.detectedKind();
        if (trial.signal == Trial.Signal.KILL)
        {
            final boolean death = kind.equals("PeerDeadException") || kind.equals("PeerAbortedException") &&
                Pattern.compile("\\brank " + trial.victim + " died\\b").matcher(message).find();
            if (!death)
            {
                return "expected a death report (PeerDeadException, or a cascade naming \"rank " + trial.victim +
                    " died\") " + FaultRunner.seconds(latencyNs) + " s after SIGKILL, got " + what;
            }
        }
        else
        {
            final boolean timeout = kind.equals("PeerTimeoutException") || kind.equals("PeerAbortedException") &&
                message.contains("timed out");
            if (!timeout)
            {
                return "expected a timeout for a stopped (live) victim, got " + what;
            }
        }
        return null;
    }

    private static void checkError(final Trial trial, final RankWatch watch)
    {
        if (watch.error() != null)
        {
            trial.fail("rank " + watch.rank + ": error " + watch.error());
        }
    }

    private static void checkVictimQuiet(final Trial trial, final RankWatch watch, final long signalNs)
    {
        if (watch.detected() && watch.detectedNs() < signalNs)
        {
            trial.fail("victim rank " + watch.rank + " detected a failure before the signal: " + watch.detectedKind() +
                " \"" + watch.detectedMessage() + "\"");
        }
    }

    private static boolean allSurvivorsEnded(final Trial trial, final IntPredicate ended)
    {
        for (int r = 0; r < trial.ranks; r++)
        {
            if (r != trial.victim && !ended.test(r))
            {
                return false;
            }
        }
        return true;
    }

    /** The rank's java command line: this JVM's java, the smartmap flags, a small serial-GC heap. */
    private List<String> rankCommand(final Trial trial)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(JvmFlags.all());
        command.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            FaultRank.class.getName(), Long.toString(trial.streamSeed), Long.toString(rankLifetimeMs()),
            Long.toString(runnerPid)));
        return command;
    }

    /** How long a rank may live before its watchdog ends it: longer than any trial. */
    private long rankLifetimeMs()
    {
        return TimeUnit.NANOSECONDS.toMillis(READY_TIMEOUT_NS + STOP_EXTRA_NS + EXIT_GRACE_NS + CLEANUP_TIMEOUT_NS) +
            timeoutMs + TimeUnit.SECONDS.toMillis(60);
    }

    /** The environment {@code Launcher.runRanks} gives each rank. */
    private void rankEnvironment(final Map<String, String> env, final int rank, final int ranks, final String jobId)
    {
        env.put(SmartMapOptions.RANK_ENV, Integer.toString(rank));
        env.put(SmartMapOptions.SIZE_ENV, Integer.toString(ranks));
        env.put(SmartMapOptions.JOB_ENV, jobId);
        env.put(SmartMapOptions.DIR_ENV, dir.toString());
        env.put(SmartMapOptions.REGION_SIZE_ENV, Long.toString(regionBytes(ranks)));
        env.put(SmartMapOptions.TIMEOUT_MS_ENV, Long.toString(timeoutMs));
        env.put("JDK_JAVA_OPTIONS", JvmFlags.withFlags(env.get("JDK_JAVA_OPTIONS")));
    }

    /** Bytes per region: full-size rings, the two largest buffers of {@link FaultRank} and a margin. */
    static long regionBytes(final int ranks)
    {
        final long buffers = 2L * FaultRank.MAX_COUNT * ranks * Double.BYTES;
        return Segment.strideFor(RegionDescriptor.regionBytesFor(ranks, buffers + REGION_MARGIN_BYTES));
    }

    /** FaultRank processes (and wrappers) below this JVM, found by their command line. */
    private static List<ProcessHandle> faultRankDescendants()
    {
        final String name = FaultRank.class.getName();
        final List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.current().descendants()
            .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(name)).orElse(false))
            .forEach(found::add);
        return found;
    }

    /** @return how many files of the directory start with one of the prefixes. */
    private int segmentsLeft(final Set<String> prefixes)
    {
        int left = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                left += prefixes.stream().anyMatch(name::startsWith) ? 1 : 0;
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot list the segment directory: dir=" + dir + ", error=" + ex.getMessage());
        }
        return left;
    }

    private static RankWatch[] newWatches(final int ranks)
    {
        final RankWatch[] watches = new RankWatch[ranks];
        for (int r = 0; r < ranks; r++)
        {
            watches[r] = new RankWatch(r);
        }
        return watches;
    }

    /** @return the exit code, waiting until {@code deadlineNs} (the JVM reaps a process a little after it ends). */
    private static int exitCode(final Process process, final long deadlineNs)
    {
        return waitFor(process, deadlineNs) ? process.exitValue() : RUNNING;
    }

    private static int zombieExitCode(final ProcessHandle rank)
    {
        return Processes.isRunning(rank) ? RUNNING : Processes.zombieExitCode(rank.pid());
    }

    private static String describeExit(final int exitCode)
    {
        if (exitCode == RUNNING)
        {
            return " (still running)";
        }
        return exitCode == Processes.NOT_A_ZOMBIE ? " (exited)" : " (exit code " + exitCode + ")";
    }

    private static String tail(final RankWatch watch)
    {
        final String tail = watch.tail();
        return tail.isEmpty() ? "" : "; output: " + tail;
    }

    /** @return the result, or null if not done by {@code deadlineNs} ({@code System.nanoTime()}). */
    private static Integer await(final CompletableFuture<Integer> future, final long deadlineNs)
    {
        try
        {
            return future.get(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException ex)
        {
            return null;
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException("launcher failed: " + ex.getCause(), ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** @return whether the future completed (normally or not) by {@code deadlineNs}. */
    private static boolean awaitDone(final CompletableFuture<Integer> future, final long deadlineNs)
    {
        try
        {
            future.get(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException | ExecutionException ignore)
        {
            // done or not, as isDone says: a launcher that threw was already reported
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return future.isDone();
    }

    private static boolean waitFor(final Process process, final long deadlineNs)
    {
        try
        {
            return process.waitFor(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static void joinPumps(final List<Thread> pumps)
    {
        for (final Thread pump : pumps)
        {
            try
            {
                pump.join(TimeUnit.SECONDS.toMillis(1));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(final OutputStream stream)
    {
        try
        {
            stream.close();
        }
        catch (final IOException ignore)
        {
            // the wrapper is gone already: nothing to tell it
        }
    }

    /** Splits what the launcher prints into lines (UTF-8, {@code \n}-terminated) for a consumer. */
    private static final class LineSink extends OutputStream
    {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final Consumer<String> sink;

        LineSink(final Consumer<String> sink)
        {
            this.sink = sink;
        }

        @Override
        public synchronized void write(final int b)
        {
            if (b == '\n')
            {
                final String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                sink.accept(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
            }
            else
            {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(final byte[] bytes, final int offset, final int length)
        {
            for (int i = offset; i < offset + length; i++)
            {
                write(bytes[i]);
            }
        }
    }
}
