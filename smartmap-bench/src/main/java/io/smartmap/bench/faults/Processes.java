package io.smartmap.bench.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * Process state from Linux's {@code /proc/<pid>/stat}, which {@link ProcessHandle} does not give:
 * {@link ProcessHandle#isAlive()} is true for a zombie (a dead process its parent has not reaped), so a
 * process counts as running here only when it is alive and not a zombie, and a zombie's exit status is
 * read from the {@code exit_code} field (Linux 3.5+).
 */
final class Processes
{
    /** Returned by {@link #zombieExitCode(long)} when the process is not a zombie or cannot be read. */
    static final int NOT_A_ZOMBIE = -1;
    /** Returned by {@link #state(long)} when the process is gone or its state unreadable. */
    static final char GONE = '?';

    private Processes()
    {
    }

    /** @return whether the process exists and is neither a zombie nor dead (stopped counts as running). */
    static boolean isRunning(final ProcessHandle process)
    {
        if (!process.isAlive())
        {
            return false;
        }
        final char state = state(process.pid());
        return state != 'Z' && state != 'X' && state != 'x';
    }

    /** @return the state letter of {@code /proc/<pid>/stat} (R, S, D, T, t, Z, X...), or {@link #GONE}. */
    static char state(final long pid)
    {
        final String[] fields = fields(pid);
        return fields == null || fields.length == 0 || fields[0].isEmpty() ? GONE : fields[0].charAt(0);
    }

    /**
     * The exit code of a zombie, in the shell's convention.
     *
     * @return the code the process passed to exit, 128+signal if a signal killed it, or {@link #NOT_A_ZOMBIE}.
     */
    static int zombieExitCode(final long pid)
    {
        final String[] fields = fields(pid);
        // fields after "pid (comm) ": state is field 3 of stat(5), exit_code field 52
        if (fields == null || fields.length < 50 || !fields[0].equals("Z"))
        {
            return NOT_A_ZOMBIE;
        }
        try
        {
            final int status = Integer.parseInt(fields[49]);
            final int signal = status & 0x7f;
            return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
        }
        catch (final NumberFormatException ex)
        {
            return NOT_A_ZOMBIE;
        }
    }

    /**
     * Wait until none of the processes is running.
     *
     * @param timeoutNs how long to wait.
     * @return how many are still running at the deadline.
     */
    static int awaitNotRunning(final Collection<ProcessHandle> processes, final long timeoutNs)
    {
        final long deadline = System.nanoTime() + timeoutNs;
        while (true)
        {
            int running = 0;
            for (final ProcessHandle process : processes)
            {
                running += isRunning(process) ? 1 : 0;
            }
            if (running == 0 || System.nanoTime() - deadline >= 0)
            {
                return running;
            }
            sleepMs(10);
        }
    }

    static void sleepMs(final long millis)
    {
        try
        {
            TimeUnit.MILLISECONDS.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the fields of {@code /proc/<pid>/stat} after {@code "pid (comm) "}, or null if unreadable. */
    private static String[] fields(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            final int end = stat.lastIndexOf(')'); // comm may hold spaces and parentheses
            return end < 0 || end + 2 > stat.length() ? null : stat.substring(end + 2).trim().split(" ");
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }
}
