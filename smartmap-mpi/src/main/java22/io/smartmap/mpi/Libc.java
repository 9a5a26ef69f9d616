package io.smartmap.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C library calls the binding needs before and around {@code MPI_Init_thread}:
 * {@code getenv}/{@code setenv} (MPI and fabric libraries read their settings from the C
 * environment, which {@link System#getenv()} only snapshots at JVM start and cannot change) and
 * {@code sigaction} (to see and restore the JVM's signal handlers). All from the native linker's
 * default lookup (libc).
 */
final class Libc
{
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETENV = downcall("getenv",
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle SETENV = downcall("setenv",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SIGACTION = downcall("sigaction",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    /**
     * Bytes reserved for a {@code struct sigaction}: glibc's is 152 on 64-bit Linux (handler, 128-byte
     * mask, flags, restorer), musl's 152 too.
     */
    static final int SIGACTION_BYTES = 256;

    private Libc()
    {
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        final MemorySegment symbol = LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new MpiUnavailableException("libc does not export " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /** @return the C environment's value of {@code name}, or null if unset. */
    static String getenv(final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment value = (MemorySegment)GETENV.invokeExact(arena.allocateFrom(name));
            return value.equals(MemorySegment.NULL) ? null : value.reinterpret(Long.MAX_VALUE).getString(0);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** Set {@code name=value} in the C environment, replacing any value. */
    static void setenv(final String name, final String value)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int rc = (int)SETENV.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 1);
            if (rc != 0)
            {
                throw new IllegalStateException("setenv failed: name=" + name + ", value=" + value);
            }
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * {@code sigaction(signal, install, previous)}: either may be {@link MemorySegment#NULL}.
     *
     * @return whether it succeeded (false for a signal the kernel refuses).
     */
    static boolean sigaction(final int signal, final MemorySegment install, final MemorySegment previous)
    {
        try
        {
            return (int)SIGACTION.invokeExact(signal, install, previous) == 0;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    static RuntimeException rethrow(final Throwable ex)
    {
        if (ex instanceof RuntimeException)
        {
            return (RuntimeException)ex;
        }
        if (ex instanceof Error)
        {
            throw (Error)ex;
        }
        return new IllegalStateException(ex);
    }
}
