package io.smartmap.bench.faults;

import io.smartmap.bench.Cli;
import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.SmartMapOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/smartmap-faults}: fault injection at scale (issue 10). Runs N trials; each starts a job of
 * 2..64 {@link FaultRank} processes (through the launcher or directly, a dead rank reaped by its parent
 * or left a zombie) running a random stream of collectives, SIGKILLs or SIGSTOPs a random rank, and
 * checks that every survivor reports that rank's failure (a death after SIGKILL within 2 s, a timeout
 * after SIGSTOP within the timeout plus 2 s) and exits, and that no process and no segment file of the
 * trial is left. Every choice comes from one seeded random ({@code --seed}, printed), so a failing run
 * can be replayed. Prints one summary line; with {@code --verbose} one line per trial too.
 */
@Command(
    name = "smartmap-faults",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = "Kill or stop a random rank of running smartmap jobs and check that the survivors report it in time.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every check of every trial passed",
        "1:a check failed (each failed trial is listed on stderr)",
        "2:bad arguments"})
public final class FaultRunner implements Callable<Integer>
{
    static final String NAME = "smartmap-faults";
    /**
     * Most ranks in one trial: the job limit of smartmap before issue 9 raised it to
     * {@link ControlBlockDescriptor#MAX_RANKS}. The trials' deadlines (a survivor reports a kill within
     * 2 s) assume a job the machine can run in a few seconds, and every survivor of a kill is waited
     * for in turn; a trial of hundreds of ranks on a few cores would measure the scheduler.
     */
    static final int MAX_TRIAL_RANKS = 64;

    @Option(names = "--trials", paramLabel = "N", description = "trials to run (default: ${DEFAULT-VALUE})")
    int trials = 20;

    @Option(names = "--min-ranks", paramLabel = "P", description = "fewest ranks per trial, 2..64 (default: ${DEFAULT-VALUE})")
    int minRanks = 2;

    @Option(names = "--max-ranks", paramLabel = "P", description = "most ranks per trial, 2..64 (default: ${DEFAULT-VALUE})")
    int maxRanks = 8;

    @Option(names = "--signals", split = ",", paramLabel = "SIG", description = "kill,stop (default: both)")
    List<String> signals = List.of("kill", "stop");

    @Option(names = "--modes", split = ",", paramLabel = "MODE", description = "launcher,direct (default: both)")
    List<String> modes = List.of("launcher", "direct");

    @Option(names = "--reaping", split = ",", paramLabel = "R",
        description = "direct mode: reaped,unreaped (default: both)")
    List<String> reaping = List.of("reaped", "unreaped");

    @Option(names = "--timeout-ms", paramLabel = "MS",
        description = "the ranks' wait deadline, SMARTMAP_TIMEOUT_MS (launcher mode: rounded up to seconds) " +
            "(default: ${DEFAULT-VALUE})")
    long timeoutMs = 1000;

    @Option(names = "--seed", paramLabel = "SEED", description = "seed of every random choice (default: random, printed)")
    Long seed;

    @Option(names = "--dir", paramLabel = "DIR", description = "segment directory (default: /dev/shm)")
    Path dir = SmartMapOptions.DEFAULT_DIR;

    @Option(names = "--verbose", description = "print one line per trial")
    boolean verbose;

    private final PrintStream stdout;
    private final PrintStream stderr;

    FaultRunner(final PrintStream stdout, final PrintStream stderr)
    {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Parse the arguments and run the trials.
     *
     * @return 0 if every check passed, 1 if one failed, 2 for bad arguments.
     */
    public static int run(final String[] args, final PrintStream stdout, final PrintStream stderr)
    {
        return Cli.execute(NAME, new FaultRunner(stdout, stderr), args, stdout, stderr);
    }

    @Override
    public Integer call()
    {
        final List<Trial.Signal> signalList = parse(Trial.Signal.class, "--signals", signals);
        final List<Trial.Mode> modeList = parse(Trial.Mode.class, "--modes", modes);
        final List<Trial.Reaping> reapingList = parse(Trial.Reaping.class, "--reaping", reaping);
        if (trials < 1)
        {
            throw new IllegalArgumentException("--trials must be at least 1: trials=" + trials);
        }
        final int limit = MAX_TRIAL_RANKS;
        if (minRanks < 2 || minRanks > limit || maxRanks < 2 || maxRanks > limit || minRanks > maxRanks)
        {
            throw new IllegalArgumentException("ranks must satisfy 2 <= --min-ranks <= --max-ranks <= " + limit +
                ": minRanks=" + minRanks + ", maxRanks=" + maxRanks);
        }
        if (timeoutMs < 1)
        {
            throw new IllegalArgumentException("--timeout-ms must be positive: timeoutMs=" + timeoutMs);
        }
        if (!Files.isDirectory(dir))
        {
            throw new IllegalArgumentException("--dir is not a directory: dir=" + dir);
        }
        final long runSeed = seed != null ? seed : new SplittableRandom().nextLong(Long.MAX_VALUE);
        final SplittableRandom random = new SplittableRandom(runSeed);
        if (verbose)
        {
            stdout.println(NAME + ": " + trials + " trials, " + minRanks + ".." + maxRanks + " ranks, timeout " +
                seconds(TimeUnit.MILLISECONDS.toNanos(timeoutMs)) + " s, dir " + dir + ", seed " + runSeed);
        }

        final TrialExecutor executor = new TrialExecutor(dir, timeoutMs);
        final Thread cleanup = new Thread(executor::emergencyCleanup, "smartmap-faults-shutdown");
        Runtime.getRuntime().addShutdownHook(cleanup);
        final List<Trial> done = new ArrayList<>();
        try
        {
            for (int i = 1; i <= trials; i++)
            {
                final Trial trial = Trial.draw(i, random, minRanks, maxRanks, signalList, modeList, reapingList);
                executor.run(trial);
                done.add(trial);
                if (verbose)
                {
                    stdout.println(trial.outcome());
                }
            }
        }
        finally
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
            catch (final IllegalStateException ignore)
            {
                // shutting down already: the hook does the cleanup
            }
        }
        boolean passed = true;
        for (final Trial trial : done)
        {
            if (!trial.passed())
            {
                passed = false;
                stderr.println(NAME + ": FAILED " + trial.describe() + ": " + String.join("; ", trial.failures()));
            }
        }
        stdout.println(summary(done, runSeed));
        return passed ? 0 : 1;
    }

    /**
     * The summary line, e.g. {@code smartmap-faults: 100 trials (kill 52, stop 48; direct 70: reaped 35,
     * unreaped 35; launcher 30), survivors detected 412/412, worst detection 0.153 s after kill, 1.204 s
     * after stop (timeout 1.000 s), leftover processes 0, leftover segments 0, seed 12345}.
     */
    String summary(final List<Trial> done, final long runSeed)
    {
        int kill = 0;
        int direct = 0;
        int reaped = 0;
        int checked = 0;
        int detected = 0;
        int leftoverProcesses = 0;
        int leftoverSegments = 0;
        long worstKillNs = -1;
        long worstStopNs = -1;
        for (final Trial trial : done)
        {
            final boolean isKill = trial.signal == Trial.Signal.KILL;
            kill += isKill ? 1 : 0;
            direct += trial.mode == Trial.Mode.DIRECT ? 1 : 0;
            reaped += trial.reaping == Trial.Reaping.REAPED ? 1 : 0;
            checked += trial.survivorsChecked();
            detected += trial.survivorsDetected();
            leftoverProcesses += trial.leftoverProcesses();
            leftoverSegments += trial.leftoverSegments();
            if (isKill)
            {
                worstKillNs = Math.max(worstKillNs, trial.worstDetectionNs());
            }
            else
            {
                worstStopNs = Math.max(worstStopNs, trial.worstDetectionNs());
            }
        }
        return NAME + ": " + done.size() + " trials (kill " + kill + ", stop " + (done.size() - kill) + "; direct " +
            direct + ": reaped " + reaped + ", unreaped " + (direct - reaped) + "; launcher " + (done.size() - direct) +
            "), survivors detected " + detected + "/" + checked + ", worst detection " + worstOrNa(worstKillNs) +
            " after kill, " + worstOrNa(worstStopNs) + " after stop (timeout " +
            seconds(TimeUnit.MILLISECONDS.toNanos(timeoutMs)) + " s), leftover processes " + leftoverProcesses +
            ", leftover segments " + leftoverSegments + ", seed " + runSeed;
    }

    /** @return nanoseconds as seconds with three decimals, e.g. {@code 0.153}. */
    static String seconds(final long nanos)
    {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
    }

    private static String worstOrNa(final long nanos)
    {
        return nanos < 0 ? "n/a" : seconds(nanos) + " s";
    }

    /** Parse a comma-separated option into enum constants (case-insensitive, no duplicates needed). */
    private static <E extends Enum<E>> List<E> parse(final Class<E> type, final String option, final List<String> values)
    {
        final List<E> parsed = new ArrayList<>();
        for (final String value : values)
        {
            try
            {
                parsed.add(Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT)));
            }
            catch (final IllegalArgumentException ex)
            {
                final List<String> allowed = new ArrayList<>();
                for (final E constant : type.getEnumConstants())
                {
                    allowed.add(Trial.lower(constant));
                }
                throw new IllegalArgumentException(option + " accepts " + String.join(",", allowed) + ": " +
                    option.substring(2) + "=" + value);
            }
        }
        if (parsed.isEmpty())
        {
            throw new IllegalArgumentException(option + " must name at least one value");
        }
        return parsed;
    }
}
