package io.smartmap.core.launch;

import java.lang.module.ModuleFinder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The flags every JVM of a smartmap job needs, in one place: the launcher adds them to each rank's
 * {@code JDK_JAVA_OPTIONS}; the bench, NPB and JMH forks pass them on their command lines; the
 * build's {@code smartmap.jvm.flags} (surefire) and {@code bin/} scripts carry the same list.
 * <ul>
 *   <li>{@link #ADD_EXPORTS}: Agrona 2.x reaches {@code jdk.internal.misc.Unsafe}.</li>
 *   <li>{@link #ADD_VECTOR_MODULE} and {@link #ENABLE_NATIVE_ACCESS}: the vector reduction kernels
 *       (JDK 22+) use the incubating Vector API and one restricted {@code MemorySegment} method.
 *       JDK 17 accepts both (it has the module too, and prints one incubator warning).</li>
 * </ul>
 */
public final class JvmFlags
{
    public static final String ADD_EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    public static final String VECTOR_MODULE = "jdk.incubator.vector";
    public static final String ADD_VECTOR_MODULE = "--add-modules=" + VECTOR_MODULE;
    public static final String ENABLE_NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private static final List<String> ALL = build();

    private JvmFlags()
    {
    }

    /**
     * @return the flags for a JVM of this runtime's JDK: the vector ones only where the runtime has
     * the module (a jlinked runtime without it would refuse to start with {@code --add-modules}).
     */
    public static List<String> all()
    {
        return ALL;
    }

    /**
     * @param javaOptions a {@code JDK_JAVA_OPTIONS} value, or null.
     * @return it with every flag of {@link #all()} it lacks appended (either spelling, {@code =} or space, counts).
     */
    public static String withFlags(final String javaOptions)
    {
        final StringBuilder options = new StringBuilder(javaOptions == null ? "" : javaOptions.strip());
        for (final String flag : ALL)
        {
            if (options.indexOf(flag) < 0 && options.indexOf(flag.replaceFirst("=", " ")) < 0)
            {
                options.append(options.length() == 0 ? "" : " ").append(flag);
            }
        }
        return options.toString();
    }

    private static List<String> build()
    {
        final List<String> flags = new ArrayList<>(List.of(ADD_EXPORTS));
        if (ModuleFinder.ofSystem().find(VECTOR_MODULE).isPresent())
        {
            flags.add(ADD_VECTOR_MODULE);
            flags.add(ENABLE_NATIVE_ACCESS);
        }
        return Collections.unmodifiableList(flags);
    }
}
