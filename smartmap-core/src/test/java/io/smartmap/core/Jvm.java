package io.smartmap.core;

import java.util.ArrayList;
import java.util.List;

/** Command lines that start a fresh JVM on the test class path (real processes for process tests). */
public final class Jvm
{
    public static final String AGRONA_FLAG = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    private Jvm()
    {
    }

    public static String javaExecutable()
    {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * @param main the main class (on the test class path).
     * @param args its arguments.
     * @return {@code java -cp <classpath> <main> args...} with the Agrona flag and a small heap.
     */
    public static List<String> command(final Class<?> main, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(
            javaExecutable(), AGRONA_FLAG, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
