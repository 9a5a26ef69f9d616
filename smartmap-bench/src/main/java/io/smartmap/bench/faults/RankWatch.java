package io.smartmap.bench.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * What one {@link FaultRank} process said: its pid (with a {@link ProcessHandle} taken while it ran, so a
 * reused pid is never mistaken for it), its job id, {@code ready}, its {@code detected} line and any
 * {@code error} line, plus the last lines of anything else (stderr) for failure reports. Fed by pump
 * threads, read by the trial's thread: every method is synchronized.
 */
final class RankWatch
{
    private static final int TAIL_LINES = 4;

    final int rank;
    private ProcessHandle handle;
    private String jobId;
    private boolean ready;
    private boolean detected;
    private long detectedNs;
    private String detectedKind;
    private String detectedMessage;
    private String error;
    private final ArrayDeque<String> tail = new ArrayDeque<>();

    RankWatch(final int rank)
    {
        this.rank = rank;
    }

    /** Parse one line of the rank's stdout. */
    synchronized void onOutLine(final String line)
    {
        if (line.startsWith("pid ") && handle == null)
        {
            try
            {
                handle = ProcessHandle.of(Long.parseLong(line.substring(4).trim())).orElse(null);
            }
            catch (final NumberFormatException ex)
            {
                addTail(line);
            }
        }
        else if (line.startsWith("job "))
        {
            jobId = line.substring(4).trim();
        }
        else if (line.equals("ready"))
        {
            ready = true;
        }
        else if (line.startsWith("detected ") && !detected)
        {
            final String[] parts = line.split(" ", 4);
            try
            {
                detectedNs = Long.parseLong(parts[1]);
                detectedKind = parts.length > 2 ? parts[2] : "";
                detectedMessage = parts.length > 3 ? parts[3] : "";
                detected = true;
            }
            catch (final NumberFormatException ex)
            {
                addTail(line);
            }
        }
        else if (line.startsWith("error ") && error == null)
        {
            error = line.substring(6);
        }
        else
        {
            addTail(line);
        }
    }

    /** Keep one line of the rank's stderr (JVM notes and warnings included) for failure reports. */
    synchronized void onErrLine(final String line)
    {
        if (!line.startsWith("NOTE: Picked up JDK_JAVA_OPTIONS") && !line.startsWith("WARNING: Using incubator modules"))
        {
            addTail(line);
        }
    }

    private void addTail(final String line)
    {
        if (tail.size() == TAIL_LINES)
        {
            tail.removeFirst();
        }
        tail.addLast(line);
    }

    /** @return the rank's process, or null before its {@code pid} line. */
    synchronized ProcessHandle handle()
    {
        return handle;
    }

    synchronized String jobId()
    {
        return jobId;
    }

    synchronized boolean ready()
    {
        return ready;
    }

    synchronized boolean detected()
    {
        return detected;
    }

    /** @return the rank's {@code System.nanoTime()} when it caught the failure. */
    synchronized long detectedNs()
    {
        return detectedNs;
    }

    /** @return the exception's simple name, e.g. {@code PeerDeadException}. */
    synchronized String detectedKind()
    {
        return detectedKind;
    }

    synchronized String detectedMessage()
    {
        return detectedMessage;
    }

    /** @return the rank's {@code error} line without the prefix, or null. */
    synchronized String error()
    {
        return error;
    }

    /** @return the last other output lines, joined with {@code " | "}, or empty. */
    synchronized String tail()
    {
        return String.join(" | ", tail);
    }

    /**
     * Start a daemon thread that feeds every line of {@code stream} to {@code sink} until the stream ends.
     *
     * @param name the thread's name.
     * @return the started thread.
     */
    static Thread pump(final InputStream stream, final Consumer<String> sink, final String name)
    {
        final Thread thread = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    sink.accept(line);
                }
            }
            catch (final IOException ignore)
            {
                // the stream was closed at the end of the trial: nothing more to read
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
