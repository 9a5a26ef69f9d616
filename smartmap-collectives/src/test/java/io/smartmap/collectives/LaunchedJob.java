package io.smartmap.collectives;

import io.smartmap.core.SmartMapOptions;
import io.smartmap.core.launch.Launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A job of real rank processes started in this JVM through the launcher, its output captured. */
final class LaunchedJob
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** @return the launcher's exit code for {@code command} on {@code ranks} ranks (16 MiB regions, 30 s timeout). */
    int run(final int ranks, final List<String> command)
    {
        return run(ranks, 16L << 20, 30, command);
    }

    /** @return the launcher's exit code for {@code command} on {@code ranks} ranks with the given regions and wait timeout. */
    int run(final int ranks, final long regionBytes, final long timeoutSeconds, final List<String> command)
    {
        final List<String> args = new ArrayList<>(List.of("-n", Integer.toString(ranks), "--dir",
            SmartMapOptions.DEFAULT_DIR.toString(), "--region-size", Long.toString(regionBytes),
            "--timeout", Long.toString(timeoutSeconds)));
        args.addAll(command);
        return Launcher.run(args.toArray(new String[0]), new PrintStream(out, true), new PrintStream(err, true));
    }

    /** @return the ranks' standard output, each line prefixed {@code [rank] }. */
    String stdout()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** @return stdout and stderr, for assertion messages. */
    String output()
    {
        return "stdout:\n" + stdout() + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8);
    }
}
