package io.smartmap.bench;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The ranks' output on its way to the console, less the notes every rank JVM prints at start:
 * {@code NOTE: Picked up JDK_JAVA_OPTIONS: ...} (the launcher passes the JVM flags there) and
 * {@code WARNING: Using incubator modules: jdk.incubator.vector} (the vector kernels' module).
 * Lines arrive with the launcher's {@code [rank] } prefix; every other line passes unchanged, so
 * a failing rank's message still reaches the user. Not thread-safe: the launcher writes each
 * line under the target stream's lock.
 */
final class JvmNoteFilter extends OutputStream
{
    /** A rank's JVM start-up note, after the launcher's {@code [rank] } prefix. */
    static final Pattern JVM_NOTE = Pattern.compile(
        "^\\[\\d+] (NOTE: Picked up (JDK_JAVA_OPTIONS|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS): .*|" +
        "WARNING: Using incubator modules: .*)$");

    private final PrintStream target;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    private JvmNoteFilter(final PrintStream target)
    {
        this.target = target;
    }

    /**
     * @param target where the lines that are not JVM notes go.
     * @return a stream to hand to the launcher in place of {@code target}.
     */
    static PrintStream filtering(final PrintStream target)
    {
        return new PrintStream(new JvmNoteFilter(target), true, StandardCharsets.UTF_8);
    }

    @Override
    public void write(final int b)
    {
        if (b == '\n')
        {
            final String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (!JVM_NOTE.matcher(text).matches())
            {
                target.println(text);
            }
        }
        else
        {
            line.write(b);
        }
    }

    @Override
    public void flush()
    {
        target.flush();
    }

    @Override
    public void close()
    {
        if (line.size() > 0)
        {
            write('\n');
        }
        flush();
    }
}
