package io.smartmap.core;

import java.util.ArrayList;
import java.util.List;

/** Command lines that start a fresh JVM on the test class path (real processes for process tests). */
public final class Jvm
{
    public static final String AGRONA_FLAG = io.smartmap.core.launch.JvmFlags.ADD_EXPORTS;

    private Jvm()
    {
    }

    public static String javaExecutable()
    {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * Start one rank of a job directly (no launcher), as the launcher would: the rank's
     * environment, stdout and stderr merged.
     */
    public static Process startRank(
        final java.nio.file.Path dir, final String job, final int rank, final int size, final long regionBytes,
        final List<String> command) throws java.io.IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(SmartMapOptions.RANK_ENV, Integer.toString(rank));
        builder.environment().put(SmartMapOptions.SIZE_ENV, Integer.toString(size));
        builder.environment().put(SmartMapOptions.JOB_ENV, job);
        builder.environment().put(SmartMapOptions.DIR_ENV, dir.toString());
        builder.environment().put(SmartMapOptions.REGION_SIZE_ENV, Long.toString(regionBytes));
        builder.environment().put(SmartMapOptions.TIMEOUT_MS_ENV, "60000");
        return builder.start();
    }

    /**
     * Read lines until one starts with {@code prefix}, skipping others (e.g. the JVM's
     * "Picked up JDK_JAVA_OPTIONS" note when the environment sets it).
     *
     * @return the first matching line, or {@code null} at end of stream.
     */
    public static String awaitLine(final java.io.BufferedReader reader, final String prefix) throws java.io.IOException
    {
        String line;
        while ((line = reader.readLine()) != null && !line.startsWith(prefix))
        {
            System.out.println("(skipped) " + line);
        }
        return line;
    }

    /**
     * @param main the main class (on the test class path).
     * @param args its arguments.
     * @return {@code java -cp <classpath> <main> args...} with the Agrona flag and a small heap.
     */
    public static List<String> command(final Class<?> main, final String... args)
    {
        return command(List.of("-Xmx128m"), main, args);
    }

    /**
     * @param jvmOptions options for the JVM before the class path, e.g. a heap size or a {@code -D} property;
     *                   without {@code -Xmx} the JVM picks its default heap.
     * @param main       the main class (on the test class path).
     * @param args       its arguments.
     * @return {@code java <flags> <jvmOptions> -cp <classpath> <main> args...} with the Agrona flag.
     */
    public static List<String> command(final List<String> jvmOptions, final Class<?> main, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(javaExecutable()));
        command.addAll(io.smartmap.core.launch.JvmFlags.all());
        command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
