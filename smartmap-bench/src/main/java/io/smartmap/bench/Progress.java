package io.smartmap.bench;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a run is doing, on stderr while it measures: a progress bar over the measurements
 * ({@code me.tongfei:progressbar}) when stderr is a terminal, otherwise one line per collective as
 * it finishes. It counts the lines rank 0 appends to the raw file (one per measurement, the op's
 * label first), read every {@value #POLL_MS} ms by a daemon thread. The bar is given its width, so
 * the library never opens a terminal of its own (JLine would take over SIGINT, and the launcher's
 * cleanup needs the JVM's own handler).
 */
final class Progress implements AutoCloseable
{
    private static final long POLL_MS = 200;
    private static final int DEFAULT_COLUMNS = 80;

    private final PrintStream err;
    private final Path raw;
    private final Map<String, Integer> expected;
    private final int total;
    private final ProgressBar bar;
    private final Map<String, Integer> counted = new HashMap<>();
    private final StringBuilder partialLine = new StringBuilder();
    private final long startNs = System.nanoTime();
    private long offset;
    private int measured;
    private int collectivesDone;
    private Thread poller;
    private boolean closed;

    /**
     * @param err      where progress goes (stderr).
     * @param useBar   a progress bar (for a terminal) rather than a line per collective.
     * @param raw      the raw file rank 0 appends to.
     * @param expected per op label, in the order the ranks measure them: the measurements to come.
     */
    Progress(final PrintStream err, final boolean useBar, final Path raw, final Map<String, Integer> expected)
    {
        this.err = err;
        this.raw = raw;
        this.expected = new LinkedHashMap<>(expected);
        this.total = expected.values().stream().mapToInt(Integer::intValue).sum();
        this.bar = useBar ? new ProgressBarBuilder()
            .setTaskName("smartmap-bench")
            .setInitialMax(total)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis((int)POLL_MS)
            .continuousUpdate()
            .setConsumer(new ConsoleProgressBarConsumer(err, terminalColumns() - 1))
            .build() : null;
    }

    /**
     * @return whether this process' stderr is a terminal: {@code /proc/self/fd/2} names a tty (Linux),
     * else {@link System#console()} exists; never with {@code TERM=dumb}.
     */
    static boolean stderrIsTerminal()
    {
        if ("dumb".equals(System.getenv("TERM")))
        {
            return false;
        }
        try
        {
            final String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return System.console() != null;
        }
    }

    /** @return the controlling terminal's width in columns ({@code stty size}), else {@code $COLUMNS}, else 80. */
    private static int terminalColumns()
    {
        try
        {
            final Process stty = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final String[] size = new String(stty.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+");
            if (stty.waitFor(2, TimeUnit.SECONDS) && stty.exitValue() == 0 && size.length == 2)
            {
                return Math.max(40, Integer.parseInt(size[1]));
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            // no terminal to ask: fall back
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        try
        {
            return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "")));
        }
        catch (final NumberFormatException ex)
        {
            return DEFAULT_COLUMNS;
        }
    }

    /** The ranks are starting: follow the raw file until {@link #close()}. */
    void ranksStarted()
    {
        message("ranks warming up");
        poller = new Thread(() ->
        {
            while (!Thread.currentThread().isInterrupted())
            {
                poll();
                try
                {
                    Thread.sleep(POLL_MS);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }, "smartmap-bench-progress");
        poller.setDaemon(true);
        poller.start();
    }

    private void message(final String message)
    {
        if (bar != null)
        {
            bar.setExtraMessage(message);
        }
    }

    /** Read what rank 0 appended since the last poll and report the collectives it finished. */
    private synchronized void poll()
    {
        final StringBuilder text = new StringBuilder();
        try (SeekableByteChannel channel = Files.newByteChannel(raw))
        {
            channel.position(offset);
            final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            int read;
            while ((read = channel.read(buffer)) > 0)
            {
                offset += read;
                text.append(new String(buffer.array(), 0, read, StandardCharsets.US_ASCII));
                buffer.clear();
            }
        }
        catch (final NoSuchFileException ex)
        {
            return; // rank 0 has not opened it yet
        }
        catch (final IOException ex)
        {
            return; // try again at the next poll
        }
        partialLine.append(text);
        int newline;
        while ((newline = partialLine.indexOf("\n")) >= 0)
        {
            final String line = partialLine.substring(0, newline);
            partialLine.delete(0, newline + 1);
            final int comma = line.indexOf(',');
            if (comma > 0)
            {
                count(line.substring(0, comma));
            }
        }
    }

    private void count(final String op)
    {
        measured++;
        final int n = counted.merge(op, 1, Integer::sum);
        if (bar != null)
        {
            bar.stepTo(measured);
            message(op);
        }
        if (n == expected.getOrDefault(op, -1))
        {
            collectivesDone++;
            if (bar == null)
            {
                err.printf(Locale.ROOT, "smartmap-bench: %s done (%d of %d collectives, %d of %d measurements), %.1f s%n",
                    op, collectivesDone, expected.size(), measured, total, (System.nanoTime() - startNs) / 1e9);
            }
        }
    }

    /** Stop following the raw file (reading what is left) and close the bar. Idempotent. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (poller != null)
        {
            poller.interrupt();
            try
            {
                poller.join(TimeUnit.SECONDS.toMillis(5));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            poll();
        }
        if (bar != null)
        {
            message(measured == total ? "done" : "stopped");
            bar.close();
        }
    }
}
