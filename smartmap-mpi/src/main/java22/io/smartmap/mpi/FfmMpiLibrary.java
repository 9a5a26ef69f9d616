package io.smartmap.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The calls, argument checks and error handling both ABIs share. An ABI class supplies its handles
 * (communicators, datatypes, operators, the error handler, {@code MPI_INFO_NULL},
 * {@code MPI_STATUS_IGNORE}, {@code MPI_COMM_TYPE_SHARED}) and the C type of a handle: every handle
 * travels through Java as a {@code long} and every downcall is adapted to take it that way, so one
 * {@code invokeExact} per call serves both ABIs (Open MPI: a pointer, passed as a 64-bit integer,
 * which the LP64 calling conventions pass the same way; MPICH: an {@code int}, narrowed from the long).
 */
abstract class FfmMpiLibrary implements MpiLibrary
{
    private static final int NOT_STARTED = 0;
    private static final int RUNNING = 1;
    private static final int FINALIZED = 2;
    /** Larger than any library's {@code MPI_MAX_ERROR_STRING} (Open MPI 256, MPICH 512). */
    private static final int ERROR_STRING_BYTES = 1024;

    /** MPI may be initialised once per process, whichever {@link MpiLibrary#load()} instance asks. */
    private static final AtomicBoolean INIT_CALLED = new AtomicBoolean();
    /** The instance whose {@link #initThread} succeeded: what {@link #initialised()} gives to the process's other users. */
    private static volatile FfmMpiLibrary initialised;

    /** Marks a handle parameter in {@link #downcall}. */
    private static final Object H = new Object();
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final java.lang.foreign.AddressLayout P = ValueLayout.ADDRESS;

    private final String library;
    private final SymbolLookup lookup;
    private final ValueLayout handleLayout;
    private final List<String> environmentSet;
    private final List<String> signalsRestored = new CopyOnWriteArrayList<>();
    private final Map<String, MemorySegment> jvmSignals;
    private volatile int state = NOT_STARTED;
    private volatile ThreadLevel granted;
    private MpiComm world;

    private final MethodHandle initThread;
    private final MethodHandle finalizeMpi;
    private final MethodHandle commRank;
    private final MethodHandle commSize;
    private final MethodHandle commSplitType;
    private final MethodHandle commSplit;
    private final MethodHandle commFree;
    private final MethodHandle commSetErrhandler;
    private final MethodHandle bcast;
    private final MethodHandle reduce;
    private final MethodHandle allreduce;
    private final MethodHandle reduceScatterBlock;
    private final MethodHandle allgather;
    private final MethodHandle allgatherv;
    private final MethodHandle alltoall;
    private final MethodHandle alltoallv;
    private final MethodHandle send;
    private final MethodHandle recv;
    private final MethodHandle barrier;
    private final MethodHandle abort;
    private final MethodHandle errorString;

    /**
     * @param library        what was opened.
     * @param lookup         its symbols.
     * @param handleLayout   the C type of a handle as passed: {@code JAVA_LONG} (a pointer) or {@code JAVA_INT}.
     * @param environmentSet what {@link FabricEnvironment#prepare()} set before opening.
     * @param jvmSignals     the JVM's handlers from before opening.
     */
    FfmMpiLibrary(final String library, final SymbolLookup lookup, final ValueLayout handleLayout,
        final List<String> environmentSet, final Map<String, MemorySegment> jvmSignals)
    {
        this.library = library;
        this.lookup = lookup;
        this.handleLayout = handleLayout;
        this.environmentSet = List.copyOf(environmentSet);
        this.jvmSignals = jvmSignals;
        initThread = downcall("MPI_Init_thread", P, P, I, P);
        finalizeMpi = downcall("MPI_Finalize");
        commRank = downcall("MPI_Comm_rank", H, P);
        commSize = downcall("MPI_Comm_size", H, P);
        commSplitType = downcall("MPI_Comm_split_type", H, I, I, H, P);
        commSplit = downcall("MPI_Comm_split", H, I, I, P);
        commFree = downcall("MPI_Comm_free", P);
        commSetErrhandler = downcall("MPI_Comm_set_errhandler", H, H);
        bcast = downcall("MPI_Bcast", P, I, H, I, H);
        reduce = downcall("MPI_Reduce", P, P, I, H, H, I, H);
        allreduce = downcall("MPI_Allreduce", P, P, I, H, H, H);
        reduceScatterBlock = downcall("MPI_Reduce_scatter_block", P, P, I, H, H, H);
        allgather = downcall("MPI_Allgather", P, I, H, P, I, H, H);
        allgatherv = downcall("MPI_Allgatherv", P, I, H, P, P, P, H, H);
        alltoall = downcall("MPI_Alltoall", P, I, H, P, I, H, H);
        alltoallv = downcall("MPI_Alltoallv", P, P, P, H, P, P, P, H, H);
        send = downcall("MPI_Send", P, I, H, I, I, H);
        recv = downcall("MPI_Recv", P, I, H, I, I, H, P);
        barrier = downcall("MPI_Barrier", H);
        abort = downcall("MPI_Abort", H, I);
        errorString = downcall("MPI_Error_string", I, P, P);
    }

    /** @return {@code MPI_COMM_WORLD}. */
    abstract long commWorldHandle();

    /** @return {@code MPI_COMM_NULL}. */
    abstract long commNullHandle();

    abstract long datatypeHandle(MpiDatatype datatype);

    abstract long opHandle(MpiOp op);

    /** @return {@code MPI_ERRORS_RETURN}. */
    abstract long errorsReturnHandle();

    /** @return {@code MPI_INFO_NULL}. */
    abstract long infoNullHandle();

    /** @return {@code MPI_STATUS_IGNORE} (Open MPI: NULL; MPICH: 1). */
    abstract MemorySegment statusIgnore();

    /** @return {@code MPI_COMM_TYPE_SHARED} (Open MPI: 0; MPICH: 1). */
    abstract int commTypeShared();

    /** @return the symbol's address, or an exception naming it and the library. */
    final long symbol(final String name)
    {
        return lookup.find(name).orElseThrow(() -> new MpiUnavailableException(
            "the MPI library does not export " + name + ": library=" + library + ", abi=" + abi())).address();
    }

    private MethodHandle downcall(final String name, final Object... parameters)
    {
        final MemoryLayout[] layouts = new MemoryLayout[parameters.length];
        final Class<?>[] javaTypes = new Class<?>[parameters.length];
        for (int i = 0; i < parameters.length; i++)
        {
            final ValueLayout layout = parameters[i] == H ? handleLayout : (ValueLayout)parameters[i];
            layouts[i] = layout;
            javaTypes[i] = parameters[i] == H ? long.class : layout.carrier();
        }
        final MemorySegment address = lookup.find(name).orElseThrow(() -> new MpiUnavailableException(
            "the MPI library does not export " + name + ": library=" + library + ", abi=" + abi()));
        final MethodHandle handle = Linker.nativeLinker().downcallHandle(address, FunctionDescriptor.of(I, layouts));
        // an MPICH handle parameter is an int: narrow the long every caller passes (explicitCastArguments
        // does long -> int); an Open MPI one is already a long
        return MethodHandles.explicitCastArguments(handle, MethodType.methodType(int.class, javaTypes));
    }

    @Override
    public final String library()
    {
        return library;
    }

    /** @return what the binding set in the C environment before opening the library, {@code NAME=value}. */
    final List<String> environmentSet()
    {
        return environmentSet;
    }

    /** @return one line per JVM signal handler the library replaced (and the binding put back). */
    final List<String> signalsRestored()
    {
        return List.copyOf(signalsRestored);
    }

    /** Record the handlers the library replaced while it was opened (the loader calls it once). */
    final void checkSignals(final String stage)
    {
        signalsRestored.addAll(SignalGuard.restoreChanged(jvmSignals, stage));
    }

    @Override
    public final synchronized ThreadLevel initThread(final ThreadLevel required)
    {
        if (required == null)
        {
            throw new IllegalArgumentException("required thread level is null");
        }
        if (state != NOT_STARTED || !INIT_CALLED.compareAndSet(false, true))
        {
            throw new IllegalStateException("MPI_Init_thread already called in this process (MPI allows it once): library=" +
                library);
        }
        final int provided;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(I);
            final int rc = (int)initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required.value(), out);
            if (rc != 0)
            {
                // MPI's default handler would normally have aborted; the error string may not work before init
                throw new MpiException("MPI_Init_thread", rc, "initialisation failed", "library=" + library);
            }
            provided = out.get(I, 0);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
        checkSignals("MPI_Init_thread");
        granted = ThreadLevel.of(provided);
        world = new MpiComm(commWorldHandle(), this, "world");
        setErrorsReturn(world);
        // the volatile write publishes granted and world to every thread that sees RUNNING
        state = RUNNING;
        initialised = this;
        return granted;
    }

    /**
     * @return the library this process initialised (MPI allows one {@code MPI_Init_thread} per process), for
     *         code that calls MPI beside its first user, e.g. the benchmark's baseline beside the hierarchical world.
     * @throws IllegalStateException if no instance has initialised MPI yet, or MPI is finalized.
     */
    static MpiLibrary initialised()
    {
        final FfmMpiLibrary library = initialised;
        if (library == null)
        {
            throw new IllegalStateException("MPI is not initialised in this process (nothing called initThread yet)");
        }
        library.requireRunning();
        return library;
    }

    @Override
    public final ThreadLevel threadLevel()
    {
        requireRunning();
        return granted;
    }

    @Override
    public final synchronized void finalizeMpi()
    {
        if (state != RUNNING)
        {
            state = FINALIZED;
            return;
        }
        state = FINALIZED;
        try
        {
            check("MPI_Finalize", (int)finalizeMpi.invokeExact(), "");
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final MpiComm world()
    {
        requireRunning();
        return world;
    }

    @Override
    public final int rank(final MpiComm comm)
    {
        final long c = comm(comm);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(I);
            check("MPI_Comm_rank", (int)commRank.invokeExact(c, out), comm);
            return out.get(I, 0);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final int size(final MpiComm comm)
    {
        final long c = comm(comm);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(I);
            check("MPI_Comm_size", (int)commSize.invokeExact(c, out), comm);
            return out.get(I, 0);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final MpiComm splitShared(final MpiComm comm, final int key)
    {
        final long c = comm(comm);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            check("MPI_Comm_split_type",
                (int)commSplitType.invokeExact(c, commTypeShared(), key, infoNullHandle(), out), comm);
            return newComm(readHandle(out), "shared");
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final MpiComm split(final MpiComm comm, final int color, final int key)
    {
        if (color < 0 && color != UNDEFINED)
        {
            throw new IllegalArgumentException("color must be non-negative or UNDEFINED: color=" + color);
        }
        final long c = comm(comm);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            check("MPI_Comm_split", (int)commSplit.invokeExact(c, color, key, out), comm);
            final long handle = readHandle(out);
            return handle == commNullHandle() ? null : newComm(handle, "split");
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void free(final MpiComm comm)
    {
        final long c = comm(comm);
        if (comm.equals(world))
        {
            throw new IllegalArgumentException("MPI_COMM_WORLD cannot be freed: comm=" + comm);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment inOut = arena.allocate(ValueLayout.JAVA_LONG);
            writeHandle(inOut, c);
            check("MPI_Comm_free", (int)commFree.invokeExact(inOut), comm);
            comm.markFreed();
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void barrier(final MpiComm comm)
    {
        final long c = comm(comm);
        try
        {
            check("MPI_Barrier", (int)barrier.invokeExact(c), comm);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void bcast(final MemorySegment buffer, final int count, final MpiDatatype datatype, final int root,
        final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        fitsWritable("buffer", buffer, count, datatype);
        try
        {
            check("MPI_Bcast", (int)bcast.invokeExact(buffer, count, type, root, c),
                comm, "count=" + count + ", datatype=" + datatype + ", root=" + root);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void reduce(final MemorySegment send, final MemorySegment recv, final int count,
        final MpiDatatype datatype, final MpiOp op, final int root, final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        final long o = op(op, datatype);
        fits("send", send, count, datatype);
        final MemorySegment r;
        if (recv == null)
        {
            if (root == rank(comm))
            {
                throw new IllegalArgumentException("recv is null at the root: root=" + root);
            }
            r = MemorySegment.NULL;
        }
        else
        {
            fitsWritable("recv", recv, count, datatype);
            r = recv;
        }
        try
        {
            check("MPI_Reduce", (int)reduce.invokeExact(send, r, count, type, o, root, c),
                comm, "count=" + count + ", datatype=" + datatype + ", op=" + op + ", root=" + root);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void allReduce(final MemorySegment send, final MemorySegment recv, final int count,
        final MpiDatatype datatype, final MpiOp op, final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        final long o = op(op, datatype);
        fits("send", send, count, datatype);
        fitsWritable("recv", recv, count, datatype);
        try
        {
            check("MPI_Allreduce", (int)allreduce.invokeExact(send, recv, count, type, o, c),
                comm, "count=" + count + ", datatype=" + datatype + ", op=" + op);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void reduceScatterBlock(final MemorySegment send, final MemorySegment recv, final int recvCount,
        final MpiDatatype datatype, final MpiOp op, final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        final long o = op(op, datatype);
        fits("send", send, (long)recvCount * size(comm), datatype);
        fitsWritable("recv", recv, recvCount, datatype);
        try
        {
            check("MPI_Reduce_scatter_block", (int)reduceScatterBlock.invokeExact(send, recv, recvCount, type, o, c),
                comm, "recvCount=" + recvCount + ", datatype=" + datatype + ", op=" + op);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void allGather(final MemorySegment send, final MemorySegment recv, final int count,
        final MpiDatatype datatype, final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        fits("send", send, count, datatype);
        fitsWritable("recv", recv, (long)count * size(comm), datatype);
        try
        {
            check("MPI_Allgather", (int)allgather.invokeExact(send, count, type, recv, count, type, c),
                comm, "count=" + count + ", datatype=" + datatype);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void allGatherv(final MemorySegment send, final int sendCount, final MemorySegment recv,
        final int[] recvCounts, final int[] displs, final MpiDatatype datatype, final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        final int size = size(comm);
        fits("send", send, sendCount, datatype);
        fitsBlocks("recv", recv, recvCounts, displs, size, datatype);
        writable("recv", recv);
        try (Arena arena = Arena.ofConfined())
        {
            check("MPI_Allgatherv", (int)allgatherv.invokeExact(send, sendCount, type, recv,
                    arena.allocateFrom(I, recvCounts), arena.allocateFrom(I, displs), type, c),
                comm, "sendCount=" + sendCount + ", datatype=" + datatype);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void allToAll(final MemorySegment send, final MemorySegment recv, final int count,
        final MpiDatatype datatype, final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        final long total = (long)count * size(comm);
        fits("send", send, total, datatype);
        fitsWritable("recv", recv, total, datatype);
        try
        {
            check("MPI_Alltoall", (int)alltoall.invokeExact(send, count, type, recv, count, type, c),
                comm, "count=" + count + ", datatype=" + datatype);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void allToAllv(final MemorySegment send, final int[] sendCounts, final int[] sendDispls,
        final MemorySegment recv, final int[] recvCounts, final int[] recvDispls, final MpiDatatype datatype,
        final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        final int size = size(comm);
        fitsBlocks("send", send, sendCounts, sendDispls, size, datatype);
        fitsBlocks("recv", recv, recvCounts, recvDispls, size, datatype);
        writable("recv", recv);
        try (Arena arena = Arena.ofConfined())
        {
            check("MPI_Alltoallv", (int)alltoallv.invokeExact(send, arena.allocateFrom(I, sendCounts),
                    arena.allocateFrom(I, sendDispls), type, recv, arena.allocateFrom(I, recvCounts),
                    arena.allocateFrom(I, recvDispls), type, c),
                comm, "datatype=" + datatype);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void send(final MemorySegment buffer, final int count, final MpiDatatype datatype, final int dest,
        final int tag, final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        fits("buffer", buffer, count, datatype);
        try
        {
            check("MPI_Send", (int)send.invokeExact(buffer, count, type, dest, tag, c),
                comm, "count=" + count + ", datatype=" + datatype + ", dest=" + dest + ", tag=" + tag);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void recv(final MemorySegment buffer, final int count, final MpiDatatype datatype, final int source,
        final int tag, final MpiComm comm)
    {
        final long c = comm(comm);
        final long type = datatype(datatype);
        fitsWritable("buffer", buffer, count, datatype);
        try
        {
            check("MPI_Recv", (int)recv.invokeExact(buffer, count, type, source, tag, c, statusIgnore()),
                comm, "count=" + count + ", datatype=" + datatype + ", source=" + source + ", tag=" + tag);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final void abort(final MpiComm comm, final int errorCode)
    {
        final long c = comm(comm);
        try
        {
            check("MPI_Abort", (int)abort.invokeExact(c, errorCode), comm, "errorCode=" + errorCode);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public final String errorString(final int errorCode)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment text = arena.allocate(ERROR_STRING_BYTES);
            final MemorySegment length = arena.allocate(I);
            final int rc = (int)errorString.invokeExact(errorCode, text, length);
            if (rc != 0)
            {
                return "unknown MPI error " + errorCode + " (MPI_Error_string returned " + rc + ")";
            }
            final int n = Math.max(0, Math.min(length.get(I, 0), ERROR_STRING_BYTES - 1));
            return new String(text.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), java.nio.charset.StandardCharsets.UTF_8)
                .trim();
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    @Override
    public String toString()
    {
        return abi() + " (" + library + ")";
    }

    private MpiComm newComm(final long handle, final String name)
    {
        final MpiComm comm = new MpiComm(handle, this, name);
        setErrorsReturn(comm);
        return comm;
    }

    private void setErrorsReturn(final MpiComm comm)
    {
        try
        {
            check("MPI_Comm_set_errhandler", (int)commSetErrhandler.invokeExact(comm.handle(), errorsReturnHandle()), comm);
        }
        catch (final Throwable ex)
        {
            throw Libc.rethrow(ex);
        }
    }

    private long readHandle(final MemorySegment out)
    {
        // an MPICH int handle sign-extends, as the constants do
        return handleLayout.byteSize() == 4 ? out.get(I, 0) : out.get(ValueLayout.JAVA_LONG, 0);
    }

    private void writeHandle(final MemorySegment out, final long handle)
    {
        if (handleLayout.byteSize() == 4)
        {
            out.set(I, 0, (int)handle);
        }
        else
        {
            out.set(ValueLayout.JAVA_LONG, 0, handle);
        }
    }

    private void requireRunning()
    {
        final int s = state;
        if (s != RUNNING)
        {
            throw new IllegalStateException((s == NOT_STARTED ? "MPI is not initialised (call initThread first)" :
                "MPI is finalized") + ": library=" + library);
        }
    }

    /** @return the handle of a live communicator of this library. */
    private long comm(final MpiComm comm)
    {
        requireRunning();
        if (comm == null)
        {
            throw new IllegalArgumentException("comm is null");
        }
        if (!comm.belongsTo(this))
        {
            throw new IllegalArgumentException("comm belongs to another MPI library: comm=" + comm + ", library=" + this);
        }
        if (comm.isFreed())
        {
            throw new IllegalArgumentException("comm was freed: comm=" + comm);
        }
        return comm.handle();
    }

    private long datatype(final MpiDatatype datatype)
    {
        if (datatype == null)
        {
            throw new IllegalArgumentException("datatype is null");
        }
        return datatypeHandle(datatype);
    }

    private long op(final MpiOp op, final MpiDatatype datatype)
    {
        if (op == null || !op.appliesTo(datatype))
        {
            throw new IllegalArgumentException("op does not apply to datatype: op=" + op + ", datatype=" + datatype);
        }
        return opHandle(op);
    }

    /**
     * A native segment of at least {@code count} elements. A negative count is refused here, not left to MPI:
     * MPICH 4.0's MPI_Allreduce takes count=-1 into an internal assertion and aborts the job.
     */
    private static void fits(final String name, final MemorySegment buffer, final long count, final MpiDatatype datatype)
    {
        if (count < 0)
        {
            throw new IllegalArgumentException("count is negative: count=" + count + ", buffer=" + name);
        }
        if (buffer == null)
        {
            throw new IllegalArgumentException(name + " is null");
        }
        if (!buffer.isNative())
        {
            throw new IllegalArgumentException(name + " is not native memory (MPI reads and writes it from C): " +
                name + "=" + buffer);
        }
        if (count > 0 && count * datatype.extent() > buffer.byteSize())
        {
            throw new IllegalArgumentException("count exceeds " + name + ": count=" + count + ", capacity=" +
                buffer.byteSize() / datatype.extent() + ", datatype=" + datatype);
        }
    }

    /** {@link #fits}, and MPI may write it: a read-only segment would be a SIGSEGV inside MPI, a JVM crash. */
    private static void fitsWritable(final String name, final MemorySegment buffer, final long count,
        final MpiDatatype datatype)
    {
        fits(name, buffer, count, datatype);
        writable(name, buffer);
    }

    private static void writable(final String name, final MemorySegment buffer)
    {
        if (buffer.isReadOnly())
        {
            throw new IllegalArgumentException(name + " is read-only and MPI writes it: " + name + "=" + buffer);
        }
    }

    /** One block per rank: arrays of length {@code size}, every non-empty block inside the buffer. */
    private static void fitsBlocks(final String name, final MemorySegment buffer, final int[] counts, final int[] displs,
        final int size, final MpiDatatype datatype)
    {
        if (counts == null || displs == null || counts.length != size || displs.length != size)
        {
            throw new IllegalArgumentException(name + " counts and displacements need one entry per rank: size=" + size +
                ", counts=" + (counts == null ? null : counts.length) + ", displs=" + (displs == null ? null : displs.length));
        }
        long end = 0;
        for (int i = 0; i < size; i++)
        {
            if (counts[i] < 0 || displs[i] < 0)
            {
                throw new IllegalArgumentException(name + " count and displacement must be non-negative: rank=" + i +
                    ", count=" + counts[i] + ", displ=" + displs[i]);
            }
            if (counts[i] > 0)
            {
                end = Math.max(end, (long)displs[i] + counts[i]);
            }
        }
        fits(name, buffer, end, datatype);
    }

    private void check(final String call, final int rc, final MpiComm comm)
    {
        check(call, rc, comm, "");
    }

    private void check(final String call, final int rc, final MpiComm comm, final String context)
    {
        if (rc != 0)
        {
            throw new MpiException(call, rc, errorString(rc), "comm=" + comm.name() + (context.isEmpty() ? "" : ", " + context));
        }
    }

    private void check(final String call, final int rc, final String context)
    {
        if (rc != 0)
        {
            throw new MpiException(call, rc, errorString(rc), context);
        }
    }
}
