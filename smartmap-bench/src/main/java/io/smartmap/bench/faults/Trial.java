package io.smartmap.bench.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One fault-injection trial of {@link FaultRunner}: what is drawn (ranks, victim, signal, mode, reaping,
 * delay before the signal, the ranks' collective stream seed) and what was seen (detections, failed
 * checks, leftovers). Not thread-safe: filled by the one thread that runs the trial.
 */
final class Trial
{
    /** The signal sent to the victim. */
    enum Signal
    {
        /** SIGKILL: the victim is gone; survivors must report a death. */
        KILL,
        /** SIGSTOP: the victim is alive but never progresses; survivors must time out. */
        STOP
    }

    /** How the ranks are started. */
    enum Mode
    {
        /** Through {@code io.smartmap.core.launch.Launcher}, which stops the job when a rank dies. */
        LAUNCHER,
        /** By the runner itself, with the launcher's environment. */
        DIRECT
    }

    /** Direct mode: whether a dead rank is reaped by its parent. */
    enum Reaping
    {
        /** The runner's JVM is the parent and reaps the rank when it dies. */
        REAPED,
        /** The parent is a shell that does not wait while the trial runs: a dead rank stays a zombie. */
        UNREAPED
    }

    /** Shortest random delay between "every rank ready" and the signal. */
    static final int MIN_DELAY_MS = 20;
    /** Longest random delay between "every rank ready" and the signal. */
    static final int MAX_DELAY_MS = 300;

    final int index;
    final int ranks;
    final int victim;
    final Signal signal;
    final Mode mode;
    final Reaping reaping;
    final int delayMs;
    final long streamSeed;

    private final List<String> failures = new ArrayList<>();
    private int survivorsChecked;
    private int survivorsDetected;
    private long worstDetectionNs = -1;
    private int leftoverProcesses;
    private int leftoverSegments;

    private Trial(
        final int index,
        final int ranks,
        final int victim,
        final Signal signal,
        final Mode mode,
        final Reaping reaping,
        final int delayMs,
        final long streamSeed)
    {
        this.index = index;
        this.ranks = ranks;
        this.victim = victim;
        this.signal = signal;
        this.mode = mode;
        this.reaping = reaping;
        this.delayMs = delayMs;
        this.streamSeed = streamSeed;
    }

    /**
     * Draw a trial. Every field is drawn on every call, in a fixed order, so a seed gives the same
     * sequence of trials whatever the options filter out.
     *
     * @param index    1-based trial number.
     * @param random   the run's random, seeded with {@code --seed}.
     * @param minRanks fewest ranks, at least 2.
     * @param maxRanks most ranks, at least {@code minRanks}.
     */
    static Trial draw(
        final int index,
        final SplittableRandom random,
        final int minRanks,
        final int maxRanks,
        final List<Signal> signals,
        final List<Mode> modes,
        final List<Reaping> reapings)
    {
        final int ranks = random.nextInt(minRanks, maxRanks + 1);
        final int victim = random.nextInt(ranks);
        final Signal signal = signals.get(random.nextInt(signals.size()));
        final Mode mode = modes.get(random.nextInt(modes.size()));
        final Reaping reaping = reapings.get(random.nextInt(reapings.size()));
        final int delayMs = random.nextInt(MIN_DELAY_MS, MAX_DELAY_MS + 1);
        final long streamSeed = random.nextLong();
        return new Trial(index, ranks, victim, signal, mode, mode == Mode.DIRECT ? reaping : null, delayMs, streamSeed);
    }

    /** Record a failed check. */
    void fail(final String problem)
    {
        failures.add(problem);
    }

    /** Record a survivor whose detection was checked, and whether it passed. */
    void survivorChecked(final boolean detected)
    {
        survivorsChecked++;
        if (detected)
        {
            survivorsDetected++;
        }
    }

    /** Record a printed detection's latency after the signal, in nanoseconds (valid or not). */
    void detectionLatency(final long latencyNs)
    {
        worstDetectionNs = Math.max(worstDetectionNs, latencyNs);
    }

    void leftovers(final int processes, final int segments)
    {
        leftoverProcesses += processes;
        leftoverSegments += segments;
        if (processes > 0)
        {
            fail(processes + " process(es) of the trial still running after cleanup");
        }
        if (segments > 0)
        {
            fail(segments + " segment file(s) of the trial left in the directory");
        }
    }

    boolean passed()
    {
        return failures.isEmpty();
    }

    List<String> failures()
    {
        return failures;
    }

    int survivorsChecked()
    {
        return survivorsChecked;
    }

    int survivorsDetected()
    {
        return survivorsDetected;
    }

    /** @return the latest printed detection after the signal in nanoseconds, or -1 if none. */
    long worstDetectionNs()
    {
        return worstDetectionNs;
    }

    int leftoverProcesses()
    {
        return leftoverProcesses;
    }

    int leftoverSegments()
    {
        return leftoverSegments;
    }

    /** @return e.g. {@code trial 3: 5 ranks, victim 2, kill, direct unreaped, delay 57 ms}. */
    String describe()
    {
        return "trial " + index + ": " + ranks + " ranks, victim " + victim + ", " + lower(signal) + ", " + lower(mode) +
            (reaping == null ? "" : " " + lower(reaping)) + ", delay " + delayMs + " ms";
    }

    /** @return the verbose line: {@link #describe()} and the outcome. */
    String outcome()
    {
        final String worst = worstDetectionNs < 0 ? "none" : FaultRunner.seconds(worstDetectionNs) + " s";
        return describe() + ": " + (passed() ? "ok" : "FAILED") + ", survivors detected " + survivorsDetected + "/" +
            survivorsChecked + ", worst detection " + worst;
    }

    static String lower(final Enum<?> value)
    {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
