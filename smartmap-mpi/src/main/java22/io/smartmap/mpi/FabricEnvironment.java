package io.smartmap.mpi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The C environment that keeps fabric libraries from breaking a JVM, set before the MPI library is
 * opened (UCX reads its settings when {@code libucs} and {@code libucm} are loaded), each variable only
 * where the user has not set it (a user's value is kept, and {@link SignalGuard} is the second line).
 * <ul>
 * <li>{@code UCX_ERROR_SIGNALS=""}: UCX (under MPICH 4.0's ch4:ucx, and Open MPI's UCX components where
 * they load) otherwise installs its error handler on SIGILL, SIGSEGV, SIGBUS and SIGFPE, and the JVM's
 * next implicit null check ends in UCX's "Caught signal 11" and an abort.</li>
 * <li>{@code UCX_MEM_MMAP_HOOK_MODE=none} and {@code OMPI_MCA_memory=^patcher}: the memory hooks of UCX
 * (mode {@code bistro}, its default) and of Open MPI (its {@code memory/patcher} component, which loads
 * with Open MPI's UCX components) rewrite the first bytes of libc's {@code mmap}, {@code munmap},
 * {@code mremap}, {@code madvise}, {@code shmat}, {@code shmdt}, {@code brk} (and {@code sbrk}) while
 * the process runs. A JVM thread inside {@code munmap} at that moment (C2 compiler and GC threads free
 * memory at any time) returns onto half-written instructions and the JVM dies with SIGSEGV in
 * {@code __munmap} (seen here under Open MPI with {@code --mca pml ucx}; UCX's tracker knows the race:
 * openucx/ucx PR 5855 and its hook stress test). UCX's other mode, {@code reloc}, left MPICH 4.0 hanging
 * in {@code MPI_Init} here, so the binding turns the hooks off. What it costs: on an RDMA fabric UCX and
 * Open MPI then register memory per transfer instead of caching registrations (slower large messages
 * between nodes, never wrong data); shared memory and TCP do not use them. A user who wants the hooks
 * sets the variable (e.g. {@code mpirun -x UCX_MEM_MMAP_HOOK_MODE=bistro}) and takes the race.</li>
 * </ul>
 */
final class FabricEnvironment
{
    static final String UCX_ERROR_SIGNALS = "UCX_ERROR_SIGNALS";
    static final String UCX_MEM_MMAP_HOOK_MODE = "UCX_MEM_MMAP_HOOK_MODE";
    static final String OMPI_MCA_MEMORY = "OMPI_MCA_memory";

    /** Each variable and the value the binding sets when the user has not. */
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static
    {
        DEFAULTS.put(UCX_ERROR_SIGNALS, "");
        DEFAULTS.put(UCX_MEM_MMAP_HOOK_MODE, "none");
        DEFAULTS.put(OMPI_MCA_MEMORY, "^patcher");
    }

    private FabricEnvironment()
    {
    }

    /**
     * Set every variable above that is not set, through libc {@code setenv}.
     *
     * @return what was set, {@code NAME=value} (an empty value as {@code ""}), in the order above, for the record.
     */
    static List<String> prepare()
    {
        final List<String> set = new ArrayList<>();
        DEFAULTS.forEach((name, value) ->
        {
            if (Libc.getenv(name) == null)
            {
                Libc.setenv(name, value);
                set.add(name + "=" + (value.isEmpty() ? "\"\"" : value));
            }
        });
        return set;
    }
}
