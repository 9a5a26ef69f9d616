package io.smartmap.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the JVM's own signal handlers in place across the MPI library's start-up. HotSpot uses
 * SIGSEGV for implicit null checks, stack banging and safepoint polls, SIGBUS for mapped files, SIGFPE
 * for integer division, SIGILL in some stubs, SIGQUIT for thread dumps and SIGUSR2 to suspend threads;
 * a library that replaces one of them turns the next such event into a crash of the JVM.
 * <p>
 * What the libraries do (measured with Debian 12's packages, see the module README): UCX (under
 * MPICH 4.0's ch4:ucx, and Open MPI's UCX components when they load) installs its error handler on
 * SIGILL, SIGSEGV, SIGBUS and SIGFPE unless {@code UCX_ERROR_SIGNALS} says otherwise; Open MPI's own
 * {@code opal_signal} handlers (6,7,8,11 by default) are installed only where no handler is in place,
 * so they leave the JVM alone. {@link FabricEnvironment#prepare()} therefore sets
 * {@code UCX_ERROR_SIGNALS=""} before the library is opened, unless the user set it; and as a second
 * line, {@link #restoreChanged} puts back any JVM handler that was replaced anyway (a library we do
 * not know of, or a user's explicit {@code UCX_ERROR_SIGNALS}), with a warning. System property
 * {@value #PROPERTY}{@code =false} turns the restoring off (to reproduce a crash).
 */
final class SignalGuard
{
    static final String PROPERTY = "smartmap.mpi.signalGuard";
    /** {@code sa_flags} in {@code struct sigaction}: after the 8-byte handler and the 128-byte {@code sigset_t}. */
    private static final long SA_FLAGS_OFFSET = 136;

    /** Linux signal numbers (the same on x86_64 and aarch64) of the handlers HotSpot installs. */
    private static final Map<String, Integer> JVM_SIGNALS = new LinkedHashMap<>();

    static
    {
        JVM_SIGNALS.put("SIGSEGV", 11);
        JVM_SIGNALS.put("SIGBUS", 7);
        JVM_SIGNALS.put("SIGFPE", 8);
        JVM_SIGNALS.put("SIGILL", 4);
        JVM_SIGNALS.put("SIGQUIT", 3);
        JVM_SIGNALS.put("SIGUSR2", 12);
    }

    private SignalGuard()
    {
    }

    /** @return the current handlers of the JVM's signals (opaque {@code struct sigaction} copies). */
    static Map<String, MemorySegment> snapshot()
    {
        final Map<String, MemorySegment> handlers = new LinkedHashMap<>();
        JVM_SIGNALS.forEach((name, signal) ->
        {
            final MemorySegment action = Arena.ofAuto().allocate(Libc.SIGACTION_BYTES, 16);
            if (Libc.sigaction(signal, MemorySegment.NULL, action))
            {
                handlers.put(name, action);
            }
        });
        return handlers;
    }

    /**
     * The handler (offset 0) and {@code sa_flags} (after the 128-byte {@code sa_mask}: offset 136 in glibc and
     * musl on 64-bit Linux). Not the whole struct: glibc fills only the kernel's 8 bytes of the mask and
     * leaves stack garbage in the rest of the copy it returns, so two reads of an unchanged handler differ there.
     */
    private static boolean sameHandler(final MemorySegment a, final MemorySegment b)
    {
        return a.get(ValueLayout.JAVA_LONG, 0) == b.get(ValueLayout.JAVA_LONG, 0) &&
            a.get(ValueLayout.JAVA_INT, SA_FLAGS_OFFSET) == b.get(ValueLayout.JAVA_INT, SA_FLAGS_OFFSET);
    }

    /**
     * Compare the JVM's handlers with {@code before}; restore every one that changed unless the guard is off.
     *
     * @param before a {@link #snapshot()} from before the library touched them.
     * @param stage  what ran in between, for the record, e.g. {@code MPI_Init_thread}.
     * @return one line per changed handler, e.g. {@code "SIGSEGV replaced during MPI_Init_thread, restored"}.
     */
    static List<String> restoreChanged(final Map<String, MemorySegment> before, final String stage)
    {
        final boolean restore = !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
        final List<String> changed = new ArrayList<>();
        final Map<String, MemorySegment> now = snapshot();
        before.forEach((name, action) ->
        {
            final MemorySegment current = now.get(name);
            if (current != null && !sameHandler(current, action))
            {
                if (restore)
                {
                    Libc.sigaction(JVM_SIGNALS.get(name), action, MemorySegment.NULL);
                }
                changed.add(name + " replaced during " + stage + (restore ? ", restored" : ", kept (" + PROPERTY + "=false)"));
            }
        });
        if (!changed.isEmpty())
        {
            System.getLogger(SignalGuard.class.getName()).log(System.Logger.Level.WARNING,
                "smartmap: the MPI library replaced JVM signal handlers: " + String.join("; ", changed));
        }
        return changed;
    }
}
