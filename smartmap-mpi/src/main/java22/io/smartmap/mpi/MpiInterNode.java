package io.smartmap.mpi;

import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.InterNode;
import io.smartmap.collectives.Op;
import io.smartmap.core.Segment;
import io.smartmap.core.SmartMap;
import io.smartmap.core.SmartMapOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link InterNode} over the system MPI (issue 15 parts 2 and 5): this process's MPI job grouped into
 * nodes, one smartmap segment per node, the leader operations on {@code MPI_BYTE} buffers.
 * <p>
 * Nodes: {@code MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)}; or, for tests on one machine, simulated
 * nodes of {@value #RANKS_PER_NODE_ENV}{@code =K} consecutive MPI ranks (or
 * {@code -D}{@value #RANKS_PER_NODE_PROPERTY}{@code =K}), with {@value #PLACEMENT_ENV}{@code =round-robin}
 * (or {@code -D}{@value #PLACEMENT_PROPERTY}) node = rank mod nodes instead ({@code ceil(size / K)} nodes).
 * Co-location is then proven, not assumed ({@link #colocated}): a rank that cannot see its node leader's
 * files (another {@code SMARTMAP_DIR}, or the same host in another IPC namespace) falls back to MPI, in a
 * node of the ranks that share its view, or alone, and says so on stderr. Node ranks follow world ranks;
 * node index: the order of the leaders' world ranks (simulated: as placed).
 * <p>
 * Segment: each node's leader creates it ({@link Segment#create}: mode 0600, free-space check) under
 * {@code SMARTMAP_DIR}, {@code SMARTMAP_REGION_SIZE} and {@code SMARTMAP_TIMEOUT_MS} as under
 * {@code bin/smartmap-run}, job id {@code mpi-<leader pid>-n<node>}, and sends its name over the node
 * communicator (or that it failed: every rank of the node then throws); the others attach. Once every rank of
 * the node has attached (a node barrier), the leader deletes the segment and lock files: the mapping and the
 * open lock file outlive their names, so a rank killed under {@code mpirun} (the launcher then ends the job,
 * SIGKILL included) leaves nothing in {@code SMARTMAP_DIR}; a leader that dies before that barrier leaves them
 * only if it gets no shutdown hook. {@link #close()}: a node barrier, every handle closed.
 * <p>
 * Sub-worlds ({@link #split}, for {@code Communicator.split} and {@code dup}): {@code MPI_Comm_split} of the
 * world, and of it the node and leader communicators again; the parent's node segment, no new one.
 * <p>
 * Threads: {@code MPI_THREAD_MULTIPLE} is asked for. Each world communicator (and each split) admits one
 * thread at a time; with {@code MULTIPLE} granted (Open MPI 4.1 and MPICH 4.0 here), different ones may
 * run on different threads at once; with less, MPI's rule holds: one thread at a time in all of them.
 */
final class MpiInterNode implements InterNode
{
    static final String RANKS_PER_NODE_ENV = "SMARTMAP_RANKS_PER_NODE";
    static final String RANKS_PER_NODE_PROPERTY = "smartmap.mpi.ranksPerNode";
    static final String PLACEMENT_ENV = "SMARTMAP_PLACEMENT";
    static final String PLACEMENT_PROPERTY = "smartmap.mpi.placement";
    private static final int JOB_ID_BYTES = 64;
    private static final int TAG = 15;
    /** The predefined ops MPI computes as smartmap's kernels do, on integer types; FLOAT and DOUBLE: SUM and PROD. */
    private static final Map<Op, MpiOp> NATIVE_OPS = Map.of(Op.SUM, MpiOp.SUM, Op.PROD, MpiOp.PROD, Op.MIN, MpiOp.MIN,
        Op.MAX, MpiOp.MAX, Op.BAND, MpiOp.BAND, Op.BOR, MpiOp.BOR, Op.BXOR, MpiOp.BXOR);
    private static final Map<Datatype, MpiDatatype> NATIVE_TYPES = Map.of(Datatype.BYTE, MpiDatatype.BYTE,
        Datatype.INT, MpiDatatype.INT, Datatype.LONG, MpiDatatype.LONG, Datatype.FLOAT, MpiDatatype.FLOAT,
        Datatype.DOUBLE, MpiDatatype.DOUBLE);

    private final MpiLibrary mpi;
    private final MpiComm world;
    private final MpiComm nodeComm;
    /** The leaders, ranked by node index; null on the other ranks. */
    private final MpiComm leaderComm;
    private final int worldRank;
    private final int worldSize;
    private final int nodeRank;
    private final int nodeSize;
    private final int nodeIndex;
    private final int nodeCount;
    private final int[] nodeOf;
    private final Path dir;
    private final String jobId;
    private final SmartMap node;
    /** Whether this is the world that initialised MPI and joined the node segment (not a {@link #split}). */
    private final boolean owner;
    private boolean closed;

    /** Called by {@link MpiInterNodeProvider}: MPI initialised, nodes formed, the node segment joined. */
    static InterNode join()
    {
        final MpiLibrary mpi = MpiLibrary.load();
        mpi.initThread(ThreadLevel.MULTIPLE);
        try
        {
            return new MpiInterNode(mpi);
        }
        catch (final RuntimeException | Error ex)
        {
            // the other ranks may be inside a collective this rank never reaches: end the job, do not hang it
            System.err.println("smartmap: rank " + mpi.rank(mpi.world()) + " cannot join the MPI job, aborting it: " + ex);
            ex.printStackTrace();
            mpi.abort(mpi.world(), 1);
            throw ex;
        }
    }

    private MpiInterNode(final MpiLibrary mpi)
    {
        this.mpi = mpi;
        this.world = mpi.world();
        this.worldRank = mpi.rank(world);
        this.worldSize = mpi.size(world);
        final int ranksPerNode = ranksPerNode();
        final MpiComm candidates;
        if (ranksPerNode > 0)
        {
            final int nodes = (worldSize + ranksPerNode - 1) / ranksPerNode;
            candidates = mpi.split(world, roundRobin() ? worldRank % nodes : worldRank / ranksPerNode, worldRank);
        }
        else
        {
            candidates = mpi.splitShared(world, worldRank);
        }
        this.nodeComm = colocated(candidates, segmentDir());
        this.nodeRank = mpi.rank(nodeComm);
        // node index: the order of the leaders' world ranks (simulated nodes as placed: node j's lowest rank is
        // j * K, or j round robin)
        this.leaderComm = mpi.split(world, nodeRank == 0 ? 0 : MpiLibrary.UNDEFINED, worldRank);
        this.nodeIndex = bcastInt(leaderComm == null ? 0 : mpi.rank(leaderComm), nodeComm);
        this.nodeSize = mpi.size(nodeComm);
        this.nodeOf = nodeOfEveryRank();
        this.nodeCount = Arrays.stream(nodeOf).max().orElse(0) + 1;
        this.owner = true;
        final SmartMapOptions options = options();
        this.dir = options.dir();
        this.jobId = agreeOnSegment(options);
        // a leader that exits before the files go (an exception, System.exit, SIGTERM) still removes them
        final Thread cleanup = new Thread(() -> Segment.delete(dir, jobId), "smartmap-segment-cleanup");
        if (nodeRank == 0)
        {
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        this.node = SmartMap.join(options.jobId(jobId));
        // every rank of the node has mapped the segment and opened the lock file: their names can go now, so that
        // a node whose ranks mpirun kills (SIGKILL: no close, no shutdown hook) leaves nothing in SMARTMAP_DIR;
        // the memory lives on while a rank maps it, and the record locks on the open lock file still tell liveness
        mpi.barrier(nodeComm);
        if (nodeRank == 0)
        {
            Segment.delete(dir, jobId);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /**
     * A sub-world of {@code parent} ({@link #split}): its ranks those of {@code subWorld}; its nodes the
     * parent's nodes' members in it, ranked by sub-world rank; node index: the order of the sub-world ranks
     * of the nodes' leaders (so contiguous blocks stay rank order). It uses the parent's node handle and
     * owns its three MPI communicators only.
     */
    private MpiInterNode(final MpiInterNode parent, final MpiComm subWorld)
    {
        this.mpi = parent.mpi;
        this.world = subWorld;
        this.worldRank = mpi.rank(subWorld);
        this.worldSize = mpi.size(subWorld);
        this.nodeComm = mpi.split(subWorld, parent.nodeIndex, worldRank);
        this.nodeRank = mpi.rank(nodeComm);
        this.leaderComm = mpi.split(subWorld, nodeRank == 0 ? 0 : MpiLibrary.UNDEFINED, worldRank);
        this.nodeIndex = bcastInt(leaderComm == null ? 0 : mpi.rank(leaderComm), nodeComm);
        this.nodeSize = mpi.size(nodeComm);
        this.nodeOf = nodeOfEveryRank();
        this.nodeCount = Arrays.stream(nodeOf).max().orElse(0) + 1;
        this.dir = parent.dir;
        this.jobId = parent.jobId;
        this.node = parent.node;
        this.owner = false;
    }

    /** @return every world rank's node index (an allgather over the world). */
    private int[] nodeOfEveryRank()
    {
        final int[] nodes = new int[worldSize];
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment mine = arena.allocate(ValueLayout.JAVA_INT);
            mine.set(ValueLayout.JAVA_INT, 0, nodeIndex);
            final MemorySegment all = arena.allocate(ValueLayout.JAVA_INT, worldSize);
            mpi.allGather(mine, all, 1, MpiDatatype.INT, world);
            for (int r = 0; r < worldSize; r++)
            {
                nodes[r] = all.getAtIndex(ValueLayout.JAVA_INT, r);
            }
        }
        return nodes;
    }

    @Override
    public InterNode split(final int color, final int key)
    {
        if (closed)
        {
            throw new IllegalStateException("this inter-node world is closed: worldRank=" + worldRank);
        }
        final MpiComm sub = mpi.split(world, color == Communicator.UNDEFINED ? MpiLibrary.UNDEFINED : color, key);
        return sub == null ? null : new MpiInterNode(this, sub);
    }

    /**
     * Co-location proven, not assumed: the lowest rank of {@code candidates} (the ranks that MPI, or the
     * simulation, puts on one node) creates a probe file in its {@code SMARTMAP_DIR}; a rank that does not see
     * it there (another directory, or the same host in another IPC namespace, e.g. another container) says so
     * on stderr, and the ranks split into those that see it and those that do not, which try again among
     * themselves, until every group sees its leader's file (a rank alone always does). The groups are the
     * nodes; ranks in different groups reach each other through MPI. Collective over {@code candidates},
     * which it frees.
     *
     * @return the node communicator: the ranks of this rank's group.
     * @throws IllegalStateException on every rank of a group whose leader cannot create the probe file.
     */
    private MpiComm colocated(final MpiComm candidates, final Path dir)
    {
        MpiComm group = candidates;
        while (true)
        {
            final int rank = mpi.rank(group);
            String probe = null;
            RuntimeException failure = null;
            if (rank == 0)
            {
                probe = "smartmap-mpi-" + ProcessHandle.current().pid() + ".probe";
                try
                {
                    Files.createFile(dir.resolve(probe),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                }
                catch (final IOException ex)
                {
                    failure = new IllegalStateException("cannot create the node probe file: dir=" + dir + ", " + ex, ex);
                }
            }
            final String name = bcastName(probe, failure, group, "create the node probe file in its SMARTMAP_DIR");
            final Path file = dir.resolve(name);
            final boolean sees = rank == 0 || Files.exists(file);
            final boolean all = allReduceMin(sees ? 1 : 0, group) == 1;
            if (rank == 0)
            {
                try
                {
                    Files.deleteIfExists(file);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException("cannot delete the node probe file: path=" + file, ex);
                }
            }
            if (all)
            {
                return group;
            }
            if (!sees)
            {
                System.err.println("smartmap: world rank " + worldRank + " does not see its node leader's file " + file +
                    " (another SMARTMAP_DIR, or another IPC namespace on the same host): it joins the ranks that do " +
                    "not see it either, or forms a node of its own, and reaches the others through MPI");
            }
            final MpiComm next = mpi.split(group, sees ? 0 : 1, rank);
            mpi.free(group);
            group = next;
        }
    }

    /** The leader creates the node's segment and sends its job id (or -1 for a failure) to the node. */
    private String agreeOnSegment(final SmartMapOptions options)
    {
        RuntimeException failure = null;
        String id = null;
        if (nodeRank == 0)
        {
            id = "mpi-" + ProcessHandle.current().pid() + "-n" + nodeIndex;
            try
            {
                options.jobId(id).validate();
                Segment.create(options.dir(), id, nodeSize, options.regionSizeBytes()).close();
            }
            catch (final RuntimeException ex)
            {
                failure = ex;
            }
        }
        return bcastName(id, failure, nodeComm, "create the node's segment");
    }

    /**
     * Rank 0's {@code name} (at most {@value #JOB_ID_BYTES} bytes), or that it failed, to every rank of
     * {@code comm}.
     *
     * @param failure rank 0's exception, or null; {@code name} is unread elsewhere.
     * @return the name.
     * @throws RuntimeException on rank 0, its own {@code failure}; elsewhere an IllegalStateException saying
     *                          that the leader could not {@code what}.
     */
    private String bcastName(final String name, final RuntimeException failure, final MpiComm comm, final String what)
    {
        final boolean leader = mpi.rank(comm) == 0;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment message = arena.allocate(4 + JOB_ID_BYTES);
            if (leader)
            {
                final byte[] bytes = failure == null ? name.getBytes(StandardCharsets.UTF_8) : new byte[0];
                message.set(ValueLayout.JAVA_INT, 0, failure == null ? bytes.length : -1);
                MemorySegment.copy(bytes, 0, message, ValueLayout.JAVA_BYTE, 4, Math.min(bytes.length, JOB_ID_BYTES));
            }
            mpi.bcast(message, 4 + JOB_ID_BYTES, MpiDatatype.BYTE, 0, comm);
            if (failure != null)
            {
                throw failure;
            }
            final int length = message.get(ValueLayout.JAVA_INT, 0);
            if (length < 0)
            {
                throw new IllegalStateException("the node's leader could not " + what + " (its own exception says " +
                    "why): worldRank=" + worldRank);
            }
            final byte[] bytes = new byte[length];
            MemorySegment.copy(message, ValueLayout.JAVA_BYTE, 4, bytes, 0, length);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** @return the least {@code value} over {@code comm} ({@code MPI_Allreduce}, {@code MPI_MIN}). */
    private int allReduceMin(final int value, final MpiComm comm)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment mine = arena.allocate(ValueLayout.JAVA_INT);
            final MemorySegment least = arena.allocate(ValueLayout.JAVA_INT);
            mine.set(ValueLayout.JAVA_INT, 0, value);
            mpi.allReduce(mine, least, 1, MpiDatatype.INT, MpiOp.MIN, comm);
            return least.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** @return {@code SMARTMAP_DIR}, or the default ({@code /dev/shm}). */
    private static Path segmentDir()
    {
        final String dirValue = System.getenv(SmartMapOptions.DIR_ENV);
        return dirValue != null ? Path.of(dirValue) : SmartMapOptions.DEFAULT_DIR;
    }

    /** Options as {@code bin/smartmap-run} passes them ({@code SMARTMAP_DIR} etc.), rank and size the node's. */
    private SmartMapOptions options()
    {
        final SmartMapOptions options = new SmartMapOptions().rank(nodeRank).size(nodeSize).dir(segmentDir());
        final String region = System.getenv(SmartMapOptions.REGION_SIZE_ENV);
        if (region != null)
        {
            options.regionSizeBytes(parse(SmartMapOptions.REGION_SIZE_ENV, region));
        }
        final String timeout = System.getenv(SmartMapOptions.TIMEOUT_MS_ENV);
        if (timeout != null)
        {
            options.timeoutNs(TimeUnit.MILLISECONDS.toNanos(parse(SmartMapOptions.TIMEOUT_MS_ENV, timeout)));
        }
        return options;
    }

    /** @return K of simulated nodes (property first, then environment), or 0 for nodes by shared memory. */
    static int ranksPerNode()
    {
        final String property = System.getProperty(RANKS_PER_NODE_PROPERTY);
        final String name = property != null ? RANKS_PER_NODE_PROPERTY : RANKS_PER_NODE_ENV;
        final String value = property != null ? property : System.getenv(RANKS_PER_NODE_ENV);
        if (value == null || value.isBlank())
        {
            return 0;
        }
        final long k = parse(name, value);
        if (k < 1 || k > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("ranks per node must be positive: " + name + "=" + value);
        }
        return (int)k;
    }

    /** @return whether simulated nodes take ranks round robin (node = rank mod nodes) instead of in blocks. */
    static boolean roundRobin()
    {
        final String property = System.getProperty(PLACEMENT_PROPERTY);
        final String name = property != null ? PLACEMENT_PROPERTY : PLACEMENT_ENV;
        final String value = property != null ? property : System.getenv(PLACEMENT_ENV);
        if (value == null || value.isBlank() || value.trim().toLowerCase(Locale.ROOT).equals("block"))
        {
            return false;
        }
        if (value.trim().toLowerCase(Locale.ROOT).equals("round-robin"))
        {
            return true;
        }
        throw new IllegalArgumentException("placement must be block or round-robin: " + name + "=" + value);
    }

    private static long parse(final String name, final String value)
    {
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not an integer: " + name + "=" + value);
        }
    }

    private int bcastInt(final int value, final MpiComm comm)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment buffer = arena.allocate(ValueLayout.JAVA_INT);
            buffer.set(ValueLayout.JAVA_INT, 0, value);
            mpi.bcast(buffer, 1, MpiDatatype.INT, 0, comm);
            return buffer.get(ValueLayout.JAVA_INT, 0);
        }
    }

    @Override
    public int worldRank()
    {
        return worldRank;
    }

    @Override
    public int worldSize()
    {
        return worldSize;
    }

    @Override
    public int nodeIndex()
    {
        return nodeIndex;
    }

    @Override
    public int nodeCount()
    {
        return nodeCount;
    }

    @Override
    public int nodeRank()
    {
        return nodeRank;
    }

    @Override
    public int nodeSize()
    {
        return nodeSize;
    }

    @Override
    public int nodeOf(final int rank)
    {
        return nodeOf[rank];
    }

    @Override
    public SmartMap node()
    {
        return node;
    }

    @Override
    public void leaderBarrier()
    {
        mpi.barrier(leaders());
    }

    @Override
    public void leaderBcast(final long address, final long bytes, final int rootNode)
    {
        mpi.bcast(memory(address, bytes), count(bytes), MpiDatatype.BYTE, rootNode, leaders());
    }

    @Override
    public void leaderSend(final long address, final long bytes, final int toNode)
    {
        mpi.send(memory(address, bytes), count(bytes), MpiDatatype.BYTE, toNode, TAG, leaders());
    }

    @Override
    public void leaderRecv(final long address, final long bytes, final int fromNode)
    {
        mpi.recv(memory(address, bytes), count(bytes), MpiDatatype.BYTE, fromNode, TAG, leaders());
    }

    @Override
    public void leaderAllGatherv(final long sendAddress, final long sendBytes, final long recvAddress,
        final long[] bytesPerNode)
    {
        final int[] counts = new int[bytesPerNode.length];
        final int[] displs = new int[bytesPerNode.length];
        long total = 0;
        for (int j = 0; j < counts.length; j++)
        {
            displs[j] = count(total);
            counts[j] = count(bytesPerNode[j]);
            total += bytesPerNode[j];
        }
        mpi.allGatherv(memory(sendAddress, sendBytes), count(sendBytes), memory(recvAddress, total), counts, displs,
            MpiDatatype.BYTE, leaders());
    }

    @Override
    public boolean reducesNatively(final Datatype datatype, final Op op)
    {
        final MpiDatatype type = NATIVE_TYPES.get(datatype);
        final MpiOp mpiOp = NATIVE_OPS.get(op);
        return type != null && mpiOp != null && mpiOp.appliesTo(type) &&
            (type.isInteger() || mpiOp == MpiOp.SUM || mpiOp == MpiOp.PROD);
    }

    @Override
    public void leaderAllReduce(final long sendAddress, final long recvAddress, final int count, final Datatype datatype,
        final Op op)
    {
        final long bytes = (long)count * datatype.extent();
        mpi.allReduce(memory(sendAddress, bytes), memory(recvAddress, bytes), count, nativeType(datatype, op),
            NATIVE_OPS.get(op), leaders());
    }

    @Override
    public void leaderReduce(final long sendAddress, final long recvAddress, final int count, final Datatype datatype,
        final Op op, final int rootNode)
    {
        final long bytes = (long)count * datatype.extent();
        mpi.reduce(memory(sendAddress, bytes), memory(recvAddress, bytes), count, nativeType(datatype, op),
            NATIVE_OPS.get(op), rootNode, leaders());
    }

    /** @throws IllegalArgumentException unless {@link #reducesNatively}: a caller's bug, never the user's. */
    private MpiDatatype nativeType(final Datatype datatype, final Op op)
    {
        if (!reducesNatively(datatype, op))
        {
            throw new IllegalArgumentException("the MPI library does not reduce this as smartmap does: datatype=" +
                datatype + ", op=" + op);
        }
        return NATIVE_TYPES.get(datatype);
    }

    @Override
    public void send(final long address, final long bytes, final int toRank)
    {
        mpi.send(memory(address, bytes), count(bytes), MpiDatatype.BYTE, toRank, TAG, world);
    }

    @Override
    public void recv(final long address, final long bytes, final int fromRank)
    {
        mpi.recv(memory(address, bytes), count(bytes), MpiDatatype.BYTE, fromRank, TAG, world);
    }

    @Override
    public void allToAll(final long sendAddress, final long recvAddress, final long bytesPerRank)
    {
        final long total = bytesPerRank * worldSize;
        count(total);
        mpi.allToAll(memory(sendAddress, total), memory(recvAddress, total), count(bytesPerRank), MpiDatatype.BYTE, world);
    }

    @Override
    public void allGatherv(final long sendAddress, final long sendBytes, final long recvAddress, final long recvSpan,
        final long[] bytesPerRank, final long[] displs)
    {
        mpi.allGatherv(memory(sendAddress, sendBytes), count(sendBytes), memory(recvAddress, recvSpan),
            counts(bytesPerRank), counts(displs), MpiDatatype.BYTE, world);
    }

    @Override
    public void allToAllv(final long sendAddress, final long sendSpan, final long[] sendBytes, final long[] sendDispls,
        final long recvAddress, final long recvSpan, final long[] recvBytes, final long[] recvDispls)
    {
        mpi.allToAllv(memory(sendAddress, sendSpan), counts(sendBytes), counts(sendDispls), memory(recvAddress, recvSpan),
            counts(recvBytes), counts(recvDispls), MpiDatatype.BYTE, world);
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (!owner)
        {
            // a split: its communicators only (MPI_Comm_free is collective over each); MPI and the node stay
            if (leaderComm != null)
            {
                mpi.free(leaderComm);
            }
            mpi.free(nodeComm);
            mpi.free(world);
            return;
        }
        try
        {
            mpi.barrier(nodeComm); // nobody on this node reads or writes the segment any more
        }
        finally
        {
            node.close(); // the files went at join
            if (leaderComm != null)
            {
                mpi.free(leaderComm);
            }
            mpi.free(nodeComm);
            mpi.finalizeMpi();
        }
    }

    @Override
    public String toString()
    {
        return "MpiInterNode{worldRank=" + worldRank + ", worldSize=" + worldSize + ", node=" + nodeIndex + "/" +
            nodeCount + ", nodeRank=" + nodeRank + "/" + nodeSize + ", job=" + jobId + ", abi=" + mpi.abi() + '}';
    }

    private MpiComm leaders()
    {
        if (leaderComm == null)
        {
            throw new IllegalStateException("not a node leader: worldRank=" + worldRank + ", nodeRank=" + nodeRank);
        }
        return leaderComm;
    }

    private static MemorySegment memory(final long address, final long bytes)
    {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    /** @return byte counts or displacements, one per rank, as MPI counts of {@code MPI_BYTE}s. */
    private static int[] counts(final long[] bytes)
    {
        final int[] counts = new int[bytes.length];
        for (int i = 0; i < counts.length; i++)
        {
            counts[i] = count(bytes[i]);
        }
        return counts;
    }

    /** @return bytes as an MPI count of {@code MPI_BYTE}s. */
    private static int count(final long bytes)
    {
        if (bytes < 0 || bytes > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("too many bytes for one MPI call: bytes=" + bytes + ", max=" +
                Integer.MAX_VALUE);
        }
        return (int)bytes;
    }
}
