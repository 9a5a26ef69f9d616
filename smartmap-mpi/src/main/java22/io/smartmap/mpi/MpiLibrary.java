package io.smartmap.mpi;

import java.lang.foreign.MemorySegment;

/**
 * The system MPI library, called through {@code java.lang.foreign} (JDK 22+, no JNI, nothing to
 * compile): the few calls smartmap needs to run across nodes. One implementation per ABI, chosen by
 * the symbols the library exports: Open MPI (handles are addresses of exported objects such as
 * {@code ompi_mpi_comm_world}) and the MPICH family (MPICH, Intel MPI, Cray MPICH, MVAPICH: handles
 * are {@code int} constants of its {@code mpi.h}). Callers see neither: communicators are
 * {@link MpiComm}, datatypes {@link MpiDatatype}, operators {@link MpiOp}.
 * <p>
 * Life cycle: {@link #load()}, {@link #initThread} once, calls, {@link #finalizeMpi()} once; a call
 * before {@code initThread} or after {@code finalizeMpi} throws {@link IllegalStateException}. Every
 * communicator, {@link #world()} included, has {@code MPI_ERRORS_RETURN}, so every MPI error is an
 * {@link MpiException} with the library's own message, never an abort.
 * <p>
 * Buffers are native {@link MemorySegment}s (a smartmap region buffer, an {@code Arena} allocation);
 * counts are in elements of the datatype, as in MPI; argument order follows the C functions. The
 * binding checks what would otherwise crash the JVM or abort the job (a heap or too small segment, a
 * negative count, a communicator of another library or already freed) and throws
 * {@link IllegalArgumentException}; everything else (a bad root or rank, a bad tag, mismatched calls) is
 * MPI's to check and comes back as an {@link MpiException}. Thread safety: the binding holds no state per call; whether several threads may
 * call at once is what {@link #initThread} returned.
 * <p>
 * Signals and code patching: before opening the library the binding sets {@code UCX_ERROR_SIGNALS=""},
 * {@code UCX_MEM_MMAP_HOOK_MODE=none} and {@code OMPI_MCA_memory=^patcher} in the C environment where they
 * are not set (UCX otherwise replaces the JVM's SIGSEGV handler, and UCX and Open MPI rewrite libc's
 * {@code munmap} beneath running JVM threads; see
 * {@link FabricEnvironment}), and after opening and after {@code MPI_Init_thread} it puts
 * back any JVM signal handler that was replaced anyway, with a warning.
 */
public interface MpiLibrary
{
    /** {@code MPI_UNDEFINED}: the color of a rank that joins no communicator in {@link #split}. */
    int UNDEFINED = -32766;

    /**
     * Find and open the system MPI library: the path or name in system property
     * {@value Mpi#LIBRARY_PROPERTY} if set, else {@link Mpi#libraryCandidates} in order.
     *
     * @return the library, not yet initialised.
     * @throws MpiUnavailableException if none can be opened (the message names what was searched and the
     *                                 property to set) or it is of an unknown ABI.
     */
    static MpiLibrary load()
    {
        return MpiLoader.load();
    }

    /**
     * Open one library.
     *
     * @param library a path (contains '/') or a name for {@code dlopen}, e.g. {@code libmpich.so.12}.
     * @return the library, not yet initialised.
     * @throws MpiUnavailableException if it cannot be opened or is of an unknown ABI.
     */
    static MpiLibrary load(final String library)
    {
        return MpiLoader.load(library);
    }

    /** @return the ABI: {@code "Open MPI"} or {@code "MPICH"}. */
    String abi();

    /** @return what was opened: the name or path given to {@code dlopen}. */
    String library();

    /**
     * {@code MPI_Init_thread}, then {@code MPI_ERRORS_RETURN} on {@link #world()}.
     *
     * @param required the level asked for (smartmap asks for {@link ThreadLevel#MULTIPLE}).
     * @return the level granted, possibly lower: the caller must serialise its calls accordingly.
     * @throws IllegalStateException if already called.
     */
    ThreadLevel initThread(ThreadLevel required);

    /**
     * @return the level {@link #initThread} granted.
     * @throws IllegalStateException if MPI is not initialised.
     */
    ThreadLevel threadLevel();

    /** {@code MPI_Finalize}; every later call throws {@link IllegalStateException}. Idempotent. */
    void finalizeMpi();

    /** @return {@code MPI_COMM_WORLD}. */
    MpiComm world();

    /** @return {@code MPI_Comm_rank}: this process's rank in {@code comm}. */
    int rank(MpiComm comm);

    /** @return {@code MPI_Comm_size}: the ranks in {@code comm}. */
    int size(MpiComm comm);

    /**
     * {@code MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, key, MPI_INFO_NULL)}: the ranks of
     * {@code comm} that can share memory with this one (one node), ordered by {@code key}, then rank.
     * Collective over {@code comm}. Free it with {@link #free}.
     */
    MpiComm splitShared(MpiComm comm, int key);

    /**
     * {@code MPI_Comm_split}: the ranks of {@code comm} with the same {@code color}, ordered by
     * {@code key}, then rank. Collective over {@code comm}. Free it with {@link #free}.
     *
     * @param color a non-negative color, or {@link #UNDEFINED} to join none.
     * @return the new communicator, or null for {@link #UNDEFINED}.
     */
    MpiComm split(MpiComm comm, int color, int key);

    /**
     * {@code MPI_Comm_free}: collective over {@code comm}; later calls with it throw
     * {@link IllegalArgumentException}.
     *
     * @throws IllegalArgumentException for {@link #world()}, which MPI frees itself.
     */
    void free(MpiComm comm);

    /** {@code MPI_Barrier}. */
    void barrier(MpiComm comm);

    /** {@code MPI_Bcast}: {@code count} elements of {@code buffer} from {@code root} to every rank. */
    void bcast(MemorySegment buffer, int count, MpiDatatype datatype, int root, MpiComm comm);

    /**
     * {@code MPI_Reduce}: the element-wise fold of every rank's {@code send} into {@code recv} of
     * {@code root}. MPI fixes no order of the fold.
     *
     * @param recv significant at the root only; null elsewhere is allowed.
     */
    void reduce(MemorySegment send, MemorySegment recv, int count, MpiDatatype datatype, MpiOp op, int root,
        MpiComm comm);

    /** {@code MPI_Allreduce}: the element-wise fold of every rank's {@code send}, into every rank's {@code recv}. */
    void allReduce(MemorySegment send, MemorySegment recv, int count, MpiDatatype datatype, MpiOp op, MpiComm comm);

    /**
     * {@code MPI_Reduce_scatter_block}: the fold of every rank's {@code send} ({@code size * recvCount}
     * elements), block {@code i} of it into rank {@code i}'s {@code recv}.
     */
    void reduceScatterBlock(MemorySegment send, MemorySegment recv, int recvCount, MpiDatatype datatype, MpiOp op,
        MpiComm comm);

    /** {@code MPI_Allgather}: {@code count} elements from every rank, in rank order, into every rank's {@code recv}. */
    void allGather(MemorySegment send, MemorySegment recv, int count, MpiDatatype datatype, MpiComm comm);

    /**
     * {@code MPI_Allgatherv}: {@code sendCount} elements from each rank; rank {@code i}'s land at
     * element {@code displs[i]} of every rank's {@code recv} and number {@code recvCounts[i]}.
     */
    void allGatherv(MemorySegment send, int sendCount, MemorySegment recv, int[] recvCounts, int[] displs,
        MpiDatatype datatype, MpiComm comm);

    /** {@code MPI_Alltoall}: block {@code j} ({@code count} elements) of {@code send} to rank {@code j}, whose block this rank's is. */
    void allToAll(MemorySegment send, MemorySegment recv, int count, MpiDatatype datatype, MpiComm comm);

    /** {@code MPI_Alltoallv}: counts and displacements in elements, one per rank, as in MPI. */
    void allToAllv(MemorySegment send, int[] sendCounts, int[] sendDispls, MemorySegment recv, int[] recvCounts,
        int[] recvDispls, MpiDatatype datatype, MpiComm comm);

    /** {@code MPI_Send} (blocking, standard mode). */
    void send(MemorySegment buffer, int count, MpiDatatype datatype, int dest, int tag, MpiComm comm);

    /** {@code MPI_Recv} of at most {@code count} elements, status ignored. */
    void recv(MemorySegment buffer, int count, MpiDatatype datatype, int source, int tag, MpiComm comm);

    /** {@code MPI_Abort}: ends every process of {@code comm}'s job (normally does not return). */
    void abort(MpiComm comm, int errorCode);

    /** @return {@code MPI_Error_string} of an error code. */
    String errorString(int errorCode);
}
