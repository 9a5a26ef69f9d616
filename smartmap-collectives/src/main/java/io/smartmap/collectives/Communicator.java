package io.smartmap.collectives;

import io.smartmap.core.Address;
import io.smartmap.core.CollectiveKind;
import io.smartmap.core.Context;
import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.PeerFailureException;
import io.smartmap.core.RegionBuffer;
import io.smartmap.core.SmartMap;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A communicator: the world over all ranks of a job (MPI_COMM_WORLD, {@link #world()}), or a
 * sub-communicator made from one by {@link #split} or {@link #dup}, with MPI-style collectives run
 * directly on the ranks' buffers. It holds the public API and the argument checks; the algorithm
 * families ({@code Inline}, {@code SingleCopy}, {@code TwoCopy}) run the collectives, and the
 * selection table ({@code Selection}, configured by {@link CollectiveConfig}) picks the family.
 * Method names and argument order follow the Open MPI Java bindings: send buffer, receive buffer,
 * count in elements, datatype, operator, root.
 * <p>
 * Buffers: a {@link RegionBuffer} allocated from this rank's region ({@link #allocate}) takes the
 * single-copy path in place, and so does a direct {@link java.nio.ByteBuffer} whose bytes lie in
 * one of this rank's region buffers (a view from {@link RegionBuffer#byteBuffer()}, sliced or not).
 * Java arrays ({@code byte[]} for BYTE, {@code int[]} for INT and INT_INT, {@code long[]},
 * {@code float[]}, {@code double[]}) and other ByteBuffers (from position to limit, native byte
 * order; position and limit are left unchanged) are accepted too: copied to or from in place where
 * the algorithm lets only this rank touch that buffer, staged through a scratch region buffer
 * otherwise (copied in before the collective, out after it; a single-copy bcast root copies in
 * chunk by chunk while the receivers read). Peers can never read the Java heap, so each such
 * argument costs at least one extra copy per call.
 * <p>
 * Contract (DESIGN.md section 4): every reduction folds contributions in rank order 0..size-1,
 * so all algorithms give the same bits on every rank. Arguments are checked before any shared
 * state is touched ({@link IllegalArgumentException} naming the argument and values); count 0
 * returns at once (the v-variants always run: each rank's counts are checked against its peers'). Ranks
 * that call different collectives, roots, counts, datatypes, operators or
 * algorithms get a {@link io.smartmap.core.CollectiveMismatchException} (or, on the peers of the
 * rank that found it, a {@link io.smartmap.core.PeerAbortedException}); a dead peer gives a
 * {@link io.smartmap.core.PeerDeadException}. After any such failure the communicator is
 * revoked (MPI's errors are fatal): every later call on any rank throws
 * {@link IllegalStateException} with the first failure as its cause. One thread per communicator
 * at a time (a second thread inside a collective gets {@link IllegalStateException}); different
 * communicators of one rank (the world and those split from it) are independent and may be used at
 * the same time from different threads. One world communicator per {@link SmartMap}, nothing after
 * {@link #close()} (every call throws {@link IllegalStateException}). README "Rules and errors" lists
 * what each exception means.
 */
public final class Communicator implements AutoCloseable
{
    /**
     * The color of a rank that joins no new communicator in {@link #split} (MPI_UNDEFINED, Open MPI's
     * value): it gets null.
     */
    public static final int UNDEFINED = -32766;
    /** A member's context address in {@link #split}'s second allgather when its arena had no room. */
    private static final long CONTEXT_ALLOCATION_FAILED = -2;

    private final SmartMap smartMap;
    /** This communicator's collective state: the world's, or a sub-communicator's own. */
    private final Context context;
    private final boolean ownsSmartMap;
    private final CollectiveConfig config;
    private final Exchange exchange;
    private final Inline inline;
    private final SingleCopy singleCopy;
    private final TwoCopy twoCopy;
    private final Selection selection;
    private final Operation operation = new Operation();
    private final Staging staging;
    /** The world of a job started by an MPI launcher, across nodes; null on one node ({@code bin/smartmap-run}). */
    private final Hierarchy hierarchy;
    /** This rank's counts and displacements block for the v-variants ({@link VectorBlock}), allocated at first use. */
    private RegionBuffer vectorBlock;
    /** Set while a thread is inside a collective of this communicator: a second thread is refused. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private boolean closed;
    /** The first failure of a collective on this rank: every later call rethrows it (a revoked communicator). */
    private RuntimeException failure;

    /**
     * @param smartMap this rank's handle (not closed by {@link #close()}).
     * @param config   algorithm selection, the same on every rank.
     */
    public Communicator(final SmartMap smartMap, final CollectiveConfig config)
    {
        this(smartMap, config, false);
    }

    /** @param smartMap this rank's handle (not closed by {@link #close()}); default configuration. */
    public Communicator(final SmartMap smartMap)
    {
        this(smartMap, new CollectiveConfig(), false);
    }

    private Communicator(final SmartMap smartMap, final CollectiveConfig config, final boolean ownsSmartMap)
    {
        this(checked(smartMap, config), smartMap.world(), config, ownsSmartMap);
        smartMap.claim(this);
    }

    private static SmartMap checked(final SmartMap smartMap, final CollectiveConfig config)
    {
        if (smartMap == null || config == null)
        {
            throw new IllegalArgumentException("smartMap and config must not be null: smartMap=" + smartMap +
                ", config=" + config);
        }
        return smartMap;
    }

    /** A communicator over {@code context}: the world's, or a sub-communicator's from {@link #split}. */
    private Communicator(final SmartMap smartMap, final Context context, final CollectiveConfig config,
        final boolean ownsSmartMap)
    {
        this(smartMap, context, config, ownsSmartMap, null);
    }

    /**
     * A world across nodes (or a split of one): checks here, collectives in {@code hierarchy}, which owns
     * the node's own communicator; this one's families over that communicator's context stay idle, and its
     * abort checks watch the node.
     */
    private Communicator(final Hierarchy hierarchy, final CollectiveConfig config)
    {
        this(hierarchy.node().smartMap(), hierarchy.node().context, config, false, hierarchy);
    }

    private Communicator(final SmartMap smartMap, final Context context, final CollectiveConfig config,
        final boolean ownsSmartMap, final Hierarchy hierarchy)
    {
        this.hierarchy = hierarchy;
        this.smartMap = smartMap;
        this.context = context;
        this.ownsSmartMap = ownsSmartMap;
        this.config = config;
        this.exchange = new Exchange(smartMap.segment(), context);
        this.inline = new Inline(exchange);
        this.singleCopy = new SingleCopy(exchange);
        this.twoCopy = new TwoCopy(exchange);
        this.staging = new Staging(smartMap);
        // the job's cores, from the segment, so every rank decides the same way whatever its own CPU affinity
        this.selection = new Selection(config, exchange.size, smartMap.size(),
            config.cores() > 0 ? config.cores() : Math.max(1, smartMap.segment().cores()));
    }

    /**
     * Join the job started by {@code bin/smartmap-run} ({@link SmartMap#join()}) and return its
     * world communicator, which closes the handle on {@link #close()}.
     * <p>
     * In a process started by an MPI launcher ({@code mpirun}, {@code srun}: {@link InterNode#launchedByMpi},
     * and no {@code SMARTMAP_RANK}) the world spans every MPI rank, across nodes: ranks are grouped into
     * nodes, each node shares one segment, and every collective runs hierarchically (smartmap inside each
     * node, the system MPI between node leaders; needs {@code smartmap-mpi} on the class path and JDK 22+).
     * {@link #split} and {@link #dup} give sub-worlds that are hierarchical the same way (an
     * {@code MPI_Comm_split} between nodes, a node communicator split inside each). Reductions there give
     * the same bits on every rank, and the single-node rank-order fold
     * when each node holds a contiguous block of ranks; otherwise the fold runs in node-major order; with
     * {@link CollectiveConfig#reproducible()} false the MPI library combines the node partials where it can.
     * {@link #close()} is then collective over all ranks (it ends MPI).
     */
    public static Communicator world()
    {
        return world(new CollectiveConfig());
    }

    /** Same as {@link #world()} with a configuration. */
    public static Communicator world(final CollectiveConfig config)
    {
        if (config == null)
        {
            throw new IllegalArgumentException("config must not be null: config=null");
        }
        if (InterNode.launchedByMpi(System.getenv()))
        {
            final Hierarchy hierarchy = Hierarchy.join(config);
            try
            {
                return new Communicator(hierarchy, config);
            }
            catch (final RuntimeException ex)
            {
                hierarchy.close();
                throw ex;
            }
        }
        return new Communicator(SmartMap.join(), config, true);
    }

    /** @return this rank, {@code [0, getSize())}. */
    public int getRank()
    {
        return hierarchy == null ? exchange.rank : hierarchy.worldRank();
    }

    /** @return ranks in the communicator. */
    public int getSize()
    {
        return hierarchy == null ? exchange.size : hierarchy.worldSize();
    }

    /** @return the underlying handle. */
    public SmartMap smartMap()
    {
        return smartMap;
    }

    /** @return the configuration. */
    public CollectiveConfig config()
    {
        return config;
    }

    /**
     * Allocate a single-copy buffer of {@code count} elements in this rank's region.
     *
     * @throws IllegalArgumentException if {@code count < 0} or the datatype is null.
     * @throws IllegalStateException    if the region's arena lacks the space.
     */
    public RegionBuffer allocate(final int count, final Datatype datatype)
    {
        if (datatype == null)
        {
            throw new IllegalArgumentException("datatype must not be null: datatype=null");
        }
        if (count < 0)
        {
            throw new IllegalArgumentException("count must not be negative: count=" + count);
        }
        final long bytes = (long)count * datatype.extent();
        if (bytes > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("buffer too large: count=" + count + ", datatype=" + datatype);
        }
        return smartMap.allocate((int)bytes);
    }

    /** Give a buffer from {@link #allocate} back to this rank's arena. */
    public void free(final RegionBuffer buffer)
    {
        smartMap.arena().release(buffer);
    }

    /** {@link #barrier(Algorithm)} with the configured default algorithm. */
    public void barrier()
    {
        barrier(config.defaultAlgorithm());
    }

    /**
     * MPI_Barrier: returns when every rank has called it.
     *
     * @param algorithm {@link Algorithm#INLINE} (every rank publishes its arrival in its inline slot and
     *                  reads every peer's), any other algorithm for the control-line barrier of
     *                  {@link SmartMap#barrier()}, or {@link Algorithm#AUTO} (inline up to
     *                  {@link CollectiveConfig#inlineMaxRanks()} ranks).
     */
    public void barrier(final Algorithm algorithm)
    {
        begin();
        try
        {
            checkUsable();
            if (algorithm == null)
            {
                throw new IllegalArgumentException("algorithm must not be null: algorithm=null");
            }
            final Algorithm resolved = selection.select(CollectiveKind.BARRIER, algorithm, 0, null);
            if (hierarchy != null)
            {
                acrossNodes(() -> hierarchy.barrier(algorithm));
                return;
            }
            prepare(CollectiveKind.BARRIER, -1, 0, null, null, resolved, null, null);
            execute();
        }
        finally
        {
            end();
        }
    }

    /** {@link #bcast(Object, int, Datatype, int, Algorithm)} with the configured default algorithm. */
    public void bcast(final Object buffer, final int count, final Datatype datatype, final int root)
    {
        bcast(buffer, count, datatype, root, config.defaultAlgorithm());
    }

    /**
     * MPI_Bcast: the root's {@code count} elements of {@code buffer} are copied into {@code buffer}
     * on every other rank. Single copy (paper, section 4.3): non-roots copy straight from the root's buffer.
     *
     * @param buffer    read at the root, written at the others.
     * @param algorithm {@link Algorithm#AUTO}, {@link Algorithm#SMARTMAP}, {@link Algorithm#TWO_COPY} or
     *                  {@link Algorithm#INLINE} (the root's data through its inline slot, up to
     *                  {@code ControlBlockDescriptor.INLINE_PAYLOAD_BYTES}).
     * @throws IllegalArgumentException for a bad argument, or INLINE with a larger payload; nothing is touched.
     */
    public void bcast(final Object buffer, final int count, final Datatype datatype, final int root,
        final Algorithm algorithm)
    {
        checkCommon(count, datatype, root, algorithm);
        final boolean isRoot = getRank() == root;
        staging.check(buffer, "buffer", count, datatype);
        if (count == 0)
        {
            return;
        }
        // the algorithm must apply to the collective (the same test on every rank, before any phase)
        final Algorithm resolved = selection.select(CollectiveKind.BCAST, algorithm, bytes(count, datatype), null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.bcast(buffer, count, datatype, root, algorithm));
            return;
        }
        // one buffer: copied in at the root, out at the others
        runStaged(CollectiveKind.BCAST, root, count, datatype, null, resolved,
            isRoot ? buffer : null, count, isRoot ? null : buffer, count);
    }

    /** {@link #reduce(Object, Object, int, Datatype, Op, int, Algorithm)} with the configured default algorithm. */
    public void reduce(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Op op, final int root)
    {
        reduce(sendBuf, recvBuf, count, datatype, op, root, config.defaultAlgorithm());
    }

    /**
     * MPI_Reduce: at the root, {@code recvBuf[i] = send_0[i] op send_1[i] op ... op send_{size-1}[i]},
     * folded in rank order. {@code recvBuf} is only used at the root (may be null elsewhere).
     *
     * @param algorithm {@link Algorithm#AUTO}, {@link Algorithm#SMARTMAP}, {@link Algorithm#SMARTMAP_SERIAL},
     *                  {@link Algorithm#SMARTMAP_THREADED}, {@link Algorithm#TWO_COPY} or {@link Algorithm#INLINE}
     *                  (every rank's data through its inline slot; the root folds the slots in rank order).
     */
    public void reduce(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Op op, final int root, final Algorithm algorithm)
    {
        checkCommon(count, datatype, root, algorithm);
        checkOp(op, datatype);
        final boolean isRoot = getRank() == root;
        staging.check(sendBuf, "sendBuf", count, datatype);
        if (isRoot)
        {
            staging.check(recvBuf, "recvBuf", count, datatype);
            staging.checkNoOverlap(sendBuf, recvBuf);
        }
        if (count == 0)
        {
            return;
        }
        // the algorithm must apply to the collective (the same test on every rank, before any phase)
        final Algorithm resolved = selection.select(CollectiveKind.REDUCE, algorithm, bytes(count, datatype), op);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.reduce(sendBuf, recvBuf, count, datatype, op, root, algorithm));
            return;
        }
        runStaged(CollectiveKind.REDUCE, root, count, datatype, op, resolved, sendBuf, count,
            isRoot ? recvBuf : null, count);
    }

    /** {@link #allReduce(Object, Object, int, Datatype, Op, Algorithm)} with the configured default algorithm. */
    public void allReduce(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Op op)
    {
        allReduce(sendBuf, recvBuf, count, datatype, op, config.defaultAlgorithm());
    }

    /**
     * MPI_Allreduce: on every rank, {@code recvBuf[i] = send_0[i] op ... op send_{size-1}[i]},
     * folded in rank order, the same bits everywhere. {@link Algorithm#SMARTMAP_SERIAL} is the
     * paper's reduce then broadcast (section 4.5); {@link Algorithm#SMARTMAP_THREADED} folds
     * slices in parallel and copies each slice into every rank's receive buffer.
     */
    public void allReduce(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Op op, final Algorithm algorithm)
    {
        checkCommon(count, datatype, 0, algorithm);
        checkOp(op, datatype);
        staging.check(sendBuf, "sendBuf", count, datatype);
        staging.check(recvBuf, "recvBuf", count, datatype);
        staging.checkNoOverlap(sendBuf, recvBuf);
        if (count == 0)
        {
            return;
        }
        // the algorithm must apply to the collective (the same test on every rank, before any phase)
        final Algorithm resolved = selection.select(CollectiveKind.ALLREDUCE, algorithm, bytes(count, datatype), op);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.allReduce(sendBuf, recvBuf, count, datatype, op, algorithm));
            return;
        }
        runStaged(CollectiveKind.ALLREDUCE, -1, count, datatype, op, resolved, sendBuf, count, recvBuf, count);
    }

    /** {@link #allToAll(Object, Object, int, Datatype, Algorithm)} with the configured default algorithm. */
    public void allToAll(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype)
    {
        allToAll(sendBuf, recvBuf, count, datatype, config.defaultAlgorithm());
    }

    /**
     * MPI_Alltoall: block j ({@code count} elements) of this rank's {@code sendBuf} lands in block
     * {@code rank} of rank j's {@code recvBuf}. Both buffers hold {@code count * size} elements.
     * Single copy (paper, section 4.4): each rank writes straight into the peers' receive buffers.
     */
    public void allToAll(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Algorithm algorithm)
    {
        checkCommon(count, datatype, 0, algorithm);
        final long total = (long)count * getSize();
        staging.check(sendBuf, "sendBuf", total, datatype);
        staging.check(recvBuf, "recvBuf", total, datatype);
        staging.checkNoOverlap(sendBuf, recvBuf);
        if (count == 0)
        {
            return;
        }
        // the algorithm must apply to the collective (the same test on every rank, before any phase)
        final Algorithm resolved = selection.select(CollectiveKind.ALLTOALL, algorithm, bytes(count, datatype), null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.allToAll(sendBuf, recvBuf, count, datatype, algorithm));
            return;
        }
        runStaged(CollectiveKind.ALLTOALL, -1, count, datatype, null, resolved, sendBuf, total, recvBuf, total);
    }

    /** {@link #allGather(Object, Object, int, Datatype, Algorithm)} with the configured default algorithm. */
    public void allGather(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype)
    {
        allGather(sendBuf, recvBuf, count, datatype, config.defaultAlgorithm());
    }

    /**
     * MPI_Allgather: every rank's {@code count} elements of {@code sendBuf} land in block
     * {@code rank} of every rank's {@code recvBuf} ({@code count * size} elements).
     */
    public void allGather(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Algorithm algorithm)
    {
        checkCommon(count, datatype, 0, algorithm);
        final long total = (long)count * getSize();
        staging.check(sendBuf, "sendBuf", count, datatype);
        staging.check(recvBuf, "recvBuf", total, datatype);
        staging.checkNoOverlap(sendBuf, recvBuf);
        if (count == 0)
        {
            return;
        }
        // the algorithm must apply to the collective (the same test on every rank, before any phase)
        final Algorithm resolved = selection.select(CollectiveKind.ALLGATHER, algorithm, bytes(count, datatype), null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.allGather(sendBuf, recvBuf, count, datatype, algorithm));
            return;
        }
        runStaged(CollectiveKind.ALLGATHER, -1, count, datatype, null, resolved, sendBuf, count, recvBuf, total);
    }

    /** {@link #gather(Object, Object, int, Datatype, int, Algorithm)} with the configured default algorithm. */
    public void gather(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final int root)
    {
        gather(sendBuf, recvBuf, count, datatype, root, config.defaultAlgorithm());
    }

    /**
     * MPI_Gather (MPI 4.0, section 6.5): rank r's {@code count} elements of {@code sendBuf} land in block r
     * (elements {@code [r * count, (r + 1) * count)}) of the root's {@code recvBuf}, which holds
     * {@code count * size} elements; nothing else of it is written. Single copy: every rank copies its
     * send buffer straight into its block of the root's receive buffer.
     *
     * @param sendBuf   read on every rank, the root too.
     * @param recvBuf   written at the root only; may be null elsewhere (ignored there).
     * @param count     elements per rank.
     * @param algorithm {@link Algorithm#AUTO}, {@link Algorithm#SMARTMAP} or {@link Algorithm#TWO_COPY}.
     * @throws IllegalArgumentException for a bad argument or {@link Algorithm#INLINE}; nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException if the ranks disagree on the collective, root,
     *                                  count, datatype or algorithm (a peer then gets a PeerAbortedException).
     */
    public void gather(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final int root,
        final Algorithm algorithm)
    {
        checkCommon(count, datatype, root, algorithm);
        final boolean isRoot = getRank() == root;
        final long total = (long)count * getSize();
        staging.check(sendBuf, "sendBuf", count, datatype);
        if (isRoot)
        {
            staging.check(recvBuf, "recvBuf", total, datatype);
            staging.checkNoOverlap(sendBuf, recvBuf);
        }
        if (count == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.GATHER, algorithm, bytes(count, datatype), null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.gather(sendBuf, recvBuf, count, datatype, root, algorithm));
            return;
        }
        runStaged(CollectiveKind.GATHER, root, count, datatype, null, resolved, sendBuf, count,
            isRoot ? recvBuf : null, total);
    }

    /** {@link #scatter(Object, Object, int, Datatype, int, Algorithm)} with the configured default algorithm. */
    public void scatter(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final int root)
    {
        scatter(sendBuf, recvBuf, count, datatype, root, config.defaultAlgorithm());
    }

    /**
     * MPI_Scatter (MPI 4.0, section 6.6): block r (elements {@code [r * count, (r + 1) * count)}) of the
     * root's {@code sendBuf}, which holds {@code count * size} elements, lands in rank r's {@code recvBuf}
     * ({@code count} elements). Single copy: every rank copies its block straight from the root's send buffer.
     *
     * @param sendBuf   read at the root only; may be null elsewhere (ignored there).
     * @param recvBuf   written on every rank, the root too.
     * @param count     elements per rank.
     * @param algorithm {@link Algorithm#AUTO}, {@link Algorithm#SMARTMAP} or {@link Algorithm#TWO_COPY}.
     * @throws IllegalArgumentException for a bad argument or {@link Algorithm#INLINE}; nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException if the ranks disagree on the collective, root,
     *                                  count, datatype or algorithm (a peer then gets a PeerAbortedException).
     */
    public void scatter(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final int root,
        final Algorithm algorithm)
    {
        checkCommon(count, datatype, root, algorithm);
        final boolean isRoot = getRank() == root;
        final long total = (long)count * getSize();
        if (isRoot)
        {
            staging.check(sendBuf, "sendBuf", total, datatype);
            staging.checkNoOverlap(sendBuf, recvBuf);
        }
        staging.check(recvBuf, "recvBuf", count, datatype);
        if (count == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.SCATTER, algorithm, bytes(count, datatype), null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.scatter(sendBuf, recvBuf, count, datatype, root, algorithm));
            return;
        }
        runStaged(CollectiveKind.SCATTER, root, count, datatype, null, resolved, isRoot ? sendBuf : null, total,
            recvBuf, count);
    }

    /** {@link #gatherv(Object, int, Object, int[], int[], Datatype, int, Algorithm)} with the configured default algorithm. */
    public void gatherv(final Object sendBuf, final int sendCount, final Object recvBuf, final int[] recvCounts,
        final int[] displs, final Datatype datatype, final int root)
    {
        gatherv(sendBuf, sendCount, recvBuf, recvCounts, displs, datatype, root, config.defaultAlgorithm());
    }

    /**
     * MPI_Gatherv (MPI 4.0, section 6.5): rank r's {@code sendCount} elements of {@code sendBuf} land in
     * the root's {@code recvBuf} at element {@code displs[r]}; nothing else of it is written. Single copy:
     * every rank reads its count and displacement from the root's counts in shared memory and copies its
     * send buffer straight into the root's receive buffer.
     *
     * @param sendBuf    read on every rank, the root too ({@code sendCount} elements).
     * @param recvBuf    written at the root only; may be null elsewhere (ignored there).
     * @param recvCounts elements from each rank; significant at the root only (may be null elsewhere).
     * @param displs     elements from {@code recvBuf}'s start of each rank's block; at the root only.
     *                   Blocks must not overlap; they may leave gaps and come in any order.
     * @param algorithm  {@link Algorithm#AUTO} (single copy: no size is known to every rank),
     *                   {@link Algorithm#SMARTMAP} or {@link Algorithm#TWO_COPY}.
     * @throws IllegalArgumentException for a bad argument (a negative count or displacement, an array
     *                                  shorter than the communicator, a block past the buffer's end,
     *                                  overlapping receive blocks, aliased buffers) or {@link Algorithm#INLINE};
     *                                  nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException on the rank that finds a rank's {@code sendCount}
     *                                  differing from the root's {@code recvCounts[rank]} (or another
     *                                  disagreement); its peers get a PeerAbortedException, in this call or,
     *                                  for a rank that already left, at its next one.
     */
    public void gatherv(final Object sendBuf, final int sendCount, final Object recvBuf, final int[] recvCounts,
        final int[] displs, final Datatype datatype, final int root, final Algorithm algorithm)
    {
        checkCommon(0, datatype, root, algorithm);
        checkCount("sendCount", sendCount);
        final boolean isRoot = getRank() == root;
        staging.check(sendBuf, "sendBuf", sendCount, datatype);
        long recvElements = 0;
        if (isRoot)
        {
            recvElements = checkBlocks(recvBuf, "recvBuf", recvCounts, "recvCounts", displs, "displs", datatype, true);
            staging.checkNoOverlap(sendBuf, recvBuf);
        }
        final Algorithm resolved = selection.select(CollectiveKind.GATHERV, algorithm, 0, null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.gatherv(sendBuf, sendCount, recvBuf, recvCounts, displs, datatype, root,
                algorithm));
            return;
        }
        runStaged(CollectiveKind.GATHERV, root, datatype, resolved, sendBuf, sendCount, isRoot ? recvBuf : null,
            recvElements, sendCount, null, null, isRoot ? recvCounts : null, isRoot ? displs : null);
    }

    /** {@link #scatterv(Object, int[], int[], Object, int, Datatype, int, Algorithm)} with the configured default algorithm. */
    public void scatterv(final Object sendBuf, final int[] sendCounts, final int[] displs, final Object recvBuf,
        final int recvCount, final Datatype datatype, final int root)
    {
        scatterv(sendBuf, sendCounts, displs, recvBuf, recvCount, datatype, root, config.defaultAlgorithm());
    }

    /**
     * MPI_Scatterv (MPI 4.0, section 6.6): {@code sendCounts[r]} elements of the root's {@code sendBuf} from
     * element {@code displs[r]} land in rank r's {@code recvBuf}. Single copy: every rank reads its count
     * and displacement from the root's counts in shared memory and copies straight from the root's send buffer.
     *
     * @param sendBuf    read at the root only; may be null elsewhere (ignored there).
     * @param sendCounts elements to each rank; significant at the root only (may be null elsewhere).
     * @param displs     elements from {@code sendBuf}'s start of each rank's block; at the root only
     *                   (blocks may overlap: they are only read).
     * @param recvBuf    written on every rank, the root too ({@code recvCount} elements).
     * @param algorithm  {@link Algorithm#AUTO} (single copy: no size is known to every rank),
     *                   {@link Algorithm#SMARTMAP} or {@link Algorithm#TWO_COPY}.
     * @throws IllegalArgumentException for a bad argument (a negative count or displacement, an array
     *                                  shorter than the communicator, a block past the buffer's end,
     *                                  aliased buffers) or {@link Algorithm#INLINE}; nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException on the rank that finds a rank's {@code recvCount}
     *                                  differing from the root's {@code sendCounts[rank]} (or another
     *                                  disagreement); its peers get a PeerAbortedException.
     */
    public void scatterv(final Object sendBuf, final int[] sendCounts, final int[] displs, final Object recvBuf,
        final int recvCount, final Datatype datatype, final int root, final Algorithm algorithm)
    {
        checkCommon(0, datatype, root, algorithm);
        checkCount("recvCount", recvCount);
        final boolean isRoot = getRank() == root;
        long sendElements = 0;
        if (isRoot)
        {
            sendElements = checkBlocks(sendBuf, "sendBuf", sendCounts, "sendCounts", displs, "displs", datatype, false);
            staging.checkNoOverlap(sendBuf, recvBuf);
        }
        staging.check(recvBuf, "recvBuf", recvCount, datatype);
        final Algorithm resolved = selection.select(CollectiveKind.SCATTERV, algorithm, 0, null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.scatterv(sendBuf, sendCounts, displs, recvBuf, recvCount, datatype, root,
                algorithm));
            return;
        }
        runStaged(CollectiveKind.SCATTERV, root, datatype, resolved, isRoot ? sendBuf : null, sendElements, recvBuf,
            recvCount, recvCount, isRoot ? sendCounts : null, isRoot ? displs : null, null, null);
    }

    /** {@link #allGatherv(Object, int, Object, int[], int[], Datatype, Algorithm)} with the configured default algorithm. */
    public void allGatherv(final Object sendBuf, final int sendCount, final Object recvBuf, final int[] recvCounts,
        final int[] displs, final Datatype datatype)
    {
        allGatherv(sendBuf, sendCount, recvBuf, recvCounts, displs, datatype, config.defaultAlgorithm());
    }

    /**
     * MPI_Allgatherv (MPI 4.0, section 6.7): rank r's {@code sendCount} elements of {@code sendBuf} land in
     * every rank's {@code recvBuf} at element {@code displs[r]} (each rank's own displacements); nothing
     * else of it is written. Single copy: every rank copies each peer's block straight from the peer's
     * send buffer.
     *
     * @param recvCounts elements from each rank: the same on every rank, and {@code recvCounts[r]} rank r's
     *                   {@code sendCount}.
     * @param displs     elements from {@code recvBuf}'s start of each rank's block; blocks must not overlap.
     * @param algorithm  {@link Algorithm#AUTO} (single copy from
     *                   {@link CollectiveConfig#allGathervSingleCopyMinBytes()} of mean block up),
     *                   {@link Algorithm#SMARTMAP} or {@link Algorithm#TWO_COPY}.
     * @throws IllegalArgumentException for a bad argument (as {@link #gatherv}) or {@link Algorithm#INLINE};
     *                                  nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException on the rank that finds a rank's {@code sendCount}
     *                                  differing from its own {@code recvCounts} entry (receive counts that
     *                                  differ between ranks); its peers get a PeerAbortedException.
     */
    public void allGatherv(final Object sendBuf, final int sendCount, final Object recvBuf, final int[] recvCounts,
        final int[] displs, final Datatype datatype, final Algorithm algorithm)
    {
        checkCommon(0, datatype, 0, algorithm);
        checkCount("sendCount", sendCount);
        staging.check(sendBuf, "sendBuf", sendCount, datatype);
        final long recvElements = checkBlocks(recvBuf, "recvBuf", recvCounts, "recvCounts", displs, "displs", datatype, true);
        staging.checkNoOverlap(sendBuf, recvBuf);
        long total = 0;
        for (int r = 0; r < getSize(); r++)
        {
            total += recvCounts[r];
        }
        final Algorithm resolved = selection.select(CollectiveKind.ALLGATHERV, algorithm,
            total * datatype.extent() / getSize(), null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.allGatherv(sendBuf, sendCount, recvBuf, recvElements, recvCounts, displs, datatype, algorithm));
            return;
        }
        runStaged(CollectiveKind.ALLGATHERV, -1, datatype, resolved, sendBuf, sendCount, recvBuf, recvElements,
            sendCount, null, null, recvCounts, displs);
    }

    /**
     * {@link #allToAllv(Object, int[], int[], Object, int[], int[], Datatype, Algorithm)} with the configured
     * default algorithm.
     */
    public void allToAllv(final Object sendBuf, final int[] sendCounts, final int[] sDispls, final Object recvBuf,
        final int[] recvCounts, final int[] rDispls, final Datatype datatype)
    {
        allToAllv(sendBuf, sendCounts, sDispls, recvBuf, recvCounts, rDispls, datatype, config.defaultAlgorithm());
    }

    /**
     * MPI_Alltoallv (MPI 4.0, section 6.8): {@code sendCounts[j]} elements of this rank's {@code sendBuf}
     * from element {@code sDispls[j]} land in rank j's {@code recvBuf} at its {@code rDispls[rank]}; nothing
     * else of a receive buffer is written. Single copy: every rank reads each peer's receive displacement
     * from shared memory and writes its blocks straight into the peers' receive buffers.
     *
     * @param sendCounts elements to each rank; {@code sendCounts[j]} must be rank j's {@code recvCounts[rank]}.
     * @param sDispls    elements from {@code sendBuf}'s start of each block (blocks may overlap).
     * @param recvCounts elements from each rank.
     * @param rDispls    elements from {@code recvBuf}'s start of each block; blocks must not overlap.
     * @param algorithm  {@link Algorithm#AUTO} (single copy: no size is known to every rank),
     *                   {@link Algorithm#SMARTMAP} or {@link Algorithm#TWO_COPY}.
     * @throws IllegalArgumentException for a bad argument (as {@link #gatherv}) or {@link Algorithm#INLINE};
     *                                  nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException on the rank that finds its {@code sendCounts[j]}
     *                                  differing from rank j's {@code recvCounts[rank]}; its peers get a
     *                                  PeerAbortedException.
     */
    public void allToAllv(final Object sendBuf, final int[] sendCounts, final int[] sDispls, final Object recvBuf,
        final int[] recvCounts, final int[] rDispls, final Datatype datatype, final Algorithm algorithm)
    {
        checkCommon(0, datatype, 0, algorithm);
        final long sendElements = checkBlocks(sendBuf, "sendBuf", sendCounts, "sendCounts", sDispls, "sDispls", datatype,
            false);
        final long recvElements = checkBlocks(recvBuf, "recvBuf", recvCounts, "recvCounts", rDispls, "rDispls", datatype,
            true);
        staging.checkNoOverlap(sendBuf, recvBuf);
        final Algorithm resolved = selection.select(CollectiveKind.ALLTOALLV, algorithm, 0, null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.allToAllv(sendBuf, sendElements, sendCounts, sDispls, recvBuf, recvElements, recvCounts,
                rDispls, datatype, algorithm));
            return;
        }
        runStaged(CollectiveKind.ALLTOALLV, -1, datatype, resolved, sendBuf, sendElements, recvBuf, recvElements, 0,
            sendCounts, sDispls, recvCounts, rDispls);
    }

    /** {@link #reduceScatterBlock(Object, Object, int, Datatype, Op, Algorithm)} with the configured default algorithm. */
    public void reduceScatterBlock(final Object sendBuf, final Object recvBuf, final int recvCount,
        final Datatype datatype, final Op op)
    {
        reduceScatterBlock(sendBuf, recvBuf, recvCount, datatype, op, config.defaultAlgorithm());
    }

    /**
     * MPI_Reduce_scatter_block (MPI 4.0, section 6.10.1): the element-wise fold of every rank's
     * {@code sendBuf} ({@code recvCount * size} elements), in rank order 0..size-1, is cut into
     * {@code size} blocks of {@code recvCount} elements, and block i lands in rank i's {@code recvBuf}
     * ({@code recvCount} elements): the same bits as {@link #reduce} of the whole vector followed by a
     * scatter. Every rank's {@code sendBuf} is read, only its own {@code recvBuf} written.
     *
     * @param algorithm {@link Algorithm#SMARTMAP} (rank i folds block i straight from every rank's send
     *                  buffer into its receive buffer: the paper's threaded reduce without the gather),
     *                  {@link Algorithm#TWO_COPY} (every rank sends block d to rank d through the fragment
     *                  rings; rank d folds them out of the slots), or {@link Algorithm#AUTO} (single copy
     *                  from {@link CollectiveConfig#reduceScatterSingleCopyMinBytes()} bytes of send buffer).
     * @throws IllegalArgumentException for a bad argument (negative count, a buffer too small or of the
     *                                  wrong type, overlapping buffers, an op that does not apply to the
     *                                  datatype, INLINE or another algorithm that does not apply); nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException if ranks disagree on the collective, count,
     *                                  datatype, op or algorithm ({@link io.smartmap.core.PeerAbortedException} on
     *                                  the peers of the rank that found it); see the class comment.
     */
    public void reduceScatterBlock(final Object sendBuf, final Object recvBuf, final int recvCount,
        final Datatype datatype, final Op op, final Algorithm algorithm)
    {
        checkCommon(recvCount, datatype, 0, algorithm);
        checkOp(op, datatype);
        final long total = (long)recvCount * getSize();
        staging.check(sendBuf, "sendBuf", total, datatype);
        staging.check(recvBuf, "recvBuf", recvCount, datatype);
        staging.checkNoOverlap(sendBuf, recvBuf);
        if (recvCount == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.REDUCE_SCATTER_BLOCK, algorithm,
            total * datatype.extent(), op);
        if (hierarchy != null)
        {
            final int[] recvCounts = new int[getSize()];
            java.util.Arrays.fill(recvCounts, recvCount);
            acrossNodesBegun(() -> hierarchy.reduceScatter(sendBuf, recvBuf, recvCounts, (int)total, datatype, op,
                algorithm));
            return;
        }
        runStaged(CollectiveKind.REDUCE_SCATTER_BLOCK, -1, recvCount, datatype, op, resolved, sendBuf, total,
            recvBuf, recvCount);
    }

    /** {@link #reduceScatter(Object, Object, int[], Datatype, Op, Algorithm)} with the configured default algorithm. */
    public void reduceScatter(final Object sendBuf, final Object recvBuf, final int[] recvCounts,
        final Datatype datatype, final Op op)
    {
        reduceScatter(sendBuf, recvBuf, recvCounts, datatype, op, config.defaultAlgorithm());
    }

    /**
     * MPI_Reduce_scatter (MPI 4.0, section 6.10.2): the element-wise fold of every rank's {@code sendBuf}
     * ({@code sum(recvCounts)} elements), in rank order 0..size-1, is cut into blocks of
     * {@code recvCounts[i]} elements, and block i (the elements from {@code sum(recvCounts[0..i-1])} on)
     * lands in rank i's {@code recvBuf} ({@code recvCounts[i]} elements; it may be null where that is 0).
     * Every rank must pass the same {@code recvCounts}: a 64-bit hash of the array travels in the
     * operation descriptor's {@code COUNT} word, so ranks that disagree get a mismatch before any data moves. Algorithms as in {@link #reduceScatterBlock}.
     *
     * @param recvCounts elements per rank's block, at least {@code size} entries (only the first
     *                   {@code size} are used), none negative; read during the call, not kept.
     * @throws IllegalArgumentException for a bad argument (null, short or negative {@code recvCounts}, a
     *                                  total beyond {@link Integer#MAX_VALUE}, a buffer too small or of the
     *                                  wrong type, overlapping buffers, an op that does not apply to the
     *                                  datatype, an algorithm that does not apply); nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException if ranks disagree on the collective,
     *                                  {@code recvCounts}, datatype, op or algorithm
     *                                  ({@link io.smartmap.core.PeerAbortedException} on the peers of the rank that
     *                                  found it).
     */
    public void reduceScatter(final Object sendBuf, final Object recvBuf, final int[] recvCounts,
        final Datatype datatype, final Op op, final Algorithm algorithm)
    {
        checkCommon(0, datatype, 0, algorithm);
        final long total = checkCounts(recvCounts, "recvCounts");
        checkOp(op, datatype);
        final int own = recvCounts[getRank()];
        staging.check(sendBuf, "sendBuf", total, datatype);
        if (recvBuf != null || own > 0)
        {
            staging.check(recvBuf, "recvBuf", own, datatype);
            staging.checkNoOverlap(sendBuf, recvBuf);
        }
        final Object recv = own == 0 ? null : recvBuf; // nothing to write: published as no buffer
        if (total == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.REDUCE_SCATTER, algorithm,
            total * datatype.extent(), op);
        if (hierarchy != null)
        {
            final int[] counts = java.util.Arrays.copyOf(recvCounts, getSize()); // read during the call, not kept
            acrossNodesBegun(() -> hierarchy.reduceScatter(sendBuf, recv, counts, (int)total, datatype, op, algorithm));
            return;
        }
        runStaged(CollectiveKind.REDUCE_SCATTER, -1, (int)total, datatype, op, resolved,
            sendBuf, -1, total, recv, own, recvCounts);
    }

    /** {@link #scan(Object, Object, int, Datatype, Op, Algorithm)} with the configured default algorithm. */
    public void scan(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final Op op)
    {
        scan(sendBuf, recvBuf, count, datatype, op, config.defaultAlgorithm());
    }

    /**
     * MPI_Scan (MPI 4.0, section 6.11.1): rank i's {@code recvBuf} ({@code count} elements) receives the
     * element-wise fold of the {@code sendBuf}s of ranks 0..i in rank order (an inclusive prefix; rank
     * 0 receives its own data). Rank i reads the send buffers of ranks 0..i and writes only its own
     * receive buffer. Non-commutative operators fold the lower ranks on the left.
     *
     * @param algorithm {@link Algorithm#SMARTMAP} (every rank folds ranks 0..i straight from their send
     *                  buffers into its receive buffer, all ranks at once), {@link Algorithm#TWO_COPY} (a
     *                  pipeline through the fragment rings: rank i combines its data onto rank i-1's prefix
     *                  and passes it to rank i+1), or {@link Algorithm#AUTO} (single copy from
     *                  {@link CollectiveConfig#scanSingleCopyMinBytes()} bytes up).
     * @throws IllegalArgumentException as {@link #reduceScatterBlock}; nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException if ranks disagree (see the class comment).
     */
    public void scan(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final Op op,
        final Algorithm algorithm)
    {
        checkCommon(count, datatype, 0, algorithm);
        checkOp(op, datatype);
        staging.check(sendBuf, "sendBuf", count, datatype);
        staging.check(recvBuf, "recvBuf", count, datatype);
        staging.checkNoOverlap(sendBuf, recvBuf);
        if (count == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.SCAN, algorithm, bytes(count, datatype), op);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.scan(sendBuf, recvBuf, count, datatype, op, algorithm, false));
            return;
        }
        runStaged(CollectiveKind.SCAN, -1, count, datatype, op, resolved, sendBuf, count, recvBuf, count);
    }

    /** {@link #exScan(Object, Object, int, Datatype, Op, Algorithm)} with the configured default algorithm. */
    public void exScan(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final Op op)
    {
        exScan(sendBuf, recvBuf, count, datatype, op, config.defaultAlgorithm());
    }

    /**
     * MPI_Exscan (MPI 4.0, section 6.11.2): rank i &gt; 0's {@code recvBuf} ({@code count} elements) receives
     * the element-wise fold of the {@code sendBuf}s of ranks 0..i-1 in rank order (an exclusive prefix;
     * rank 1 receives rank 0's data as it is). Rank 0's {@code recvBuf} is neither checked nor touched
     * and may be null (MPI leaves it undefined). Algorithms as in {@link #scan}.
     *
     * @throws IllegalArgumentException as {@link #reduceScatterBlock}; nothing is touched.
     * @throws io.smartmap.core.CollectiveMismatchException if ranks disagree (see the class comment).
     */
    public void exScan(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Op op, final Algorithm algorithm)
    {
        checkCommon(count, datatype, 0, algorithm);
        checkOp(op, datatype);
        staging.check(sendBuf, "sendBuf", count, datatype);
        final boolean receives = getRank() > 0;
        if (receives)
        {
            staging.check(recvBuf, "recvBuf", count, datatype);
            staging.checkNoOverlap(sendBuf, recvBuf);
        }
        if (count == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.EXSCAN, algorithm, bytes(count, datatype), op);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.scan(sendBuf, receives ? recvBuf : null, count, datatype, op, algorithm, true));
            return;
        }
        runStaged(CollectiveKind.EXSCAN, -1, count, datatype, op, resolved, sendBuf, count,
            receives ? recvBuf : null, count);
    }

    /** {@link #allReduce(Object, int, Datatype, Op, Algorithm)} with the configured default algorithm. */
    public void allReduce(final Object buf, final int count, final Datatype datatype, final Op op)
    {
        allReduce(buf, count, datatype, op, config.defaultAlgorithm());
    }

    /**
     * MPI_Allreduce with MPI_IN_PLACE (MPI 4.0, section 6.9.6): {@code buf} ({@code count} elements) is
     * this rank's input and receives the rank-order fold, the same bits as
     * {@link #allReduce(Object, Object, int, Datatype, Op, Algorithm)}. Every algorithm reads the send
     * buffers of the peers while results are written, so the input is first copied into a scratch
     * buffer of this rank's region (one copy of {@code count} elements; the region must have the room).
     *
     * @throws IllegalArgumentException as the out-of-place call; nothing is touched.
     */
    public void allReduce(final Object buf, final int count, final Datatype datatype, final Op op,
        final Algorithm algorithm)
    {
        checkCommon(count, datatype, 0, algorithm);
        checkOp(op, datatype);
        staging.check(buf, "buf", count, datatype);
        if (count == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.ALLREDUCE, algorithm, bytes(count, datatype), op);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.allReduce(buf, count, datatype, op, algorithm));
            return;
        }
        runStaged(CollectiveKind.ALLREDUCE, -1, count, datatype, op, resolved, buf, 0, count, buf, count, null);
    }

    /** {@link #reduce(Object, int, Datatype, Op, int, Algorithm)} with the configured default algorithm. */
    public void reduce(final Object buf, final int count, final Datatype datatype, final Op op, final int root)
    {
        reduce(buf, count, datatype, op, root, config.defaultAlgorithm());
    }

    /**
     * MPI_Reduce with MPI_IN_PLACE at the root (MPI 4.0, section 6.9.1): at the root {@code buf}
     * ({@code count} elements) is its input and receives the rank-order fold; elsewhere it is only
     * input, as the send buffer of the out-of-place call (and read in place). The same bits as
     * {@link #reduce(Object, Object, int, Datatype, Op, int, Algorithm)}. The root's input is first copied
     * into a scratch buffer of its region (the peers fold into the result while reading the inputs).
     *
     * @throws IllegalArgumentException as the out-of-place call; nothing is touched.
     */
    public void reduce(final Object buf, final int count, final Datatype datatype, final Op op, final int root,
        final Algorithm algorithm)
    {
        checkCommon(count, datatype, root, algorithm);
        checkOp(op, datatype);
        staging.check(buf, "buf", count, datatype);
        if (count == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.REDUCE, algorithm, bytes(count, datatype), op);
        final boolean isRoot = getRank() == root;
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.reduce(buf, count, datatype, op, root, algorithm));
            return;
        }
        runStaged(CollectiveKind.REDUCE, root, count, datatype, op, resolved, buf, isRoot ? 0 : -1, count,
            isRoot ? buf : null, count, null);
    }

    /** {@link #allGather(Object, int, Datatype, Algorithm)} with the configured default algorithm. */
    public void allGather(final Object buf, final int count, final Datatype datatype)
    {
        allGather(buf, count, datatype, config.defaultAlgorithm());
    }

    /**
     * MPI_Allgather with MPI_IN_PLACE (MPI 4.0, section 6.7): {@code buf} holds {@code count * size}
     * elements, this rank's contribution already in block {@code rank}; every rank's block lands in
     * block {@code rank} of every rank's {@code buf}. This rank's block is first copied into a scratch
     * buffer of its region ({@code count} elements), which the peers read while {@code buf} is written.
     *
     * @throws IllegalArgumentException as the out-of-place call; nothing is touched.
     */
    public void allGather(final Object buf, final int count, final Datatype datatype, final Algorithm algorithm)
    {
        checkCommon(count, datatype, 0, algorithm);
        final long total = (long)count * getSize();
        staging.check(buf, "buf", total, datatype);
        if (count == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.ALLGATHER, algorithm, bytes(count, datatype), null);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.allGather(buf, count, datatype, algorithm));
            return;
        }
        runStaged(CollectiveKind.ALLGATHER, -1, count, datatype, null, resolved, buf, (long)count * getRank(), count,
            buf, total, null);
    }

    /** {@link #scan(Object, int, Datatype, Op, Algorithm)} with the configured default algorithm. */
    public void scan(final Object buf, final int count, final Datatype datatype, final Op op)
    {
        scan(buf, count, datatype, op, config.defaultAlgorithm());
    }

    /**
     * MPI_Scan with MPI_IN_PLACE (MPI 4.0, section 6.11.1): {@code buf} ({@code count} elements) is this
     * rank's input and receives the fold of ranks 0..rank, the same bits as
     * {@link #scan(Object, Object, int, Datatype, Op, Algorithm)}. The input is first copied into a
     * scratch buffer of this rank's region (higher ranks read it while the result is written).
     *
     * @throws IllegalArgumentException as the out-of-place call; nothing is touched.
     */
    public void scan(final Object buf, final int count, final Datatype datatype, final Op op, final Algorithm algorithm)
    {
        checkCommon(count, datatype, 0, algorithm);
        checkOp(op, datatype);
        staging.check(buf, "buf", count, datatype);
        if (count == 0)
        {
            return;
        }
        final Algorithm resolved = selection.select(CollectiveKind.SCAN, algorithm, bytes(count, datatype), op);
        if (hierarchy != null)
        {
            acrossNodesBegun(() -> hierarchy.scan(buf, count, datatype, op, algorithm));
            return;
        }
        runStaged(CollectiveKind.SCAN, -1, count, datatype, op, resolved, buf, 0, count, buf, count, null);
    }

    @Override
    public String toString()
    {
        return "Communicator{rank=" + getRank() + ", size=" + getSize() + ", context=" + context.id() +
            ", segment=" + smartMap.segment().path() + '}';
    }

    /**
     * MPI_Comm_split: a new communicator of the ranks that pass the same {@code color}, ordered by
     * {@code key} and, for equal keys, by their rank here. Collective over this communicator: every
     * rank calls it, {@code color} {@link #UNDEFINED} to join none. The new communicator has its own
     * context (a control block and two-copy rings that each member allocates in its own arena), so
     * its collectives never interfere with this communicator's or any other's, and it may be used
     * from another thread than this one. It shares this communicator's configuration. Free it with
     * {@link #close()} (collective over its ranks). MPI 4.0, section 7.4.2.
     * <p>
     * Steps: an allgather over this communicator of (color, key, proposed context id); each member
     * allocates and zeroes its context memory; a second allgather of the members' context addresses.
     *
     * @param color ranks with equal colors form one communicator; non-negative, or {@link #UNDEFINED}.
     * @param key   the rank order inside the new communicator (ties: the rank here).
     * @return the new communicator, or null for {@link #UNDEFINED}.
     * @throws IllegalArgumentException if {@code color} is negative and not {@link #UNDEFINED}; nothing is touched.
     * @throws IllegalStateException    if this communicator is closed or failed, or a member's arena lacks
     *                                  the space for its context (on every member; nothing is kept).
     */
    public Communicator split(final int color, final int key)
    {
        checkUsable();
        if (color < 0 && color != UNDEFINED)
        {
            throw new IllegalArgumentException("color must be non-negative or UNDEFINED: color=" + color);
        }
        if (hierarchy != null)
        {
            final Hierarchy[] sub = new Hierarchy[1];
            acrossNodesBegun(() -> sub[0] = hierarchy.split(color, key));
            return sub[0] == null ? null : new Communicator(sub[0], config);
        }
        final int size = getSize();
        final long[] proposals = new long[3 * size];
        allGather(new long[] {color, key, smartMap.reserveContextId()}, proposals, 3, Datatype.LONG);
        final int[] members = members(proposals, color);
        RegionBuffer memory = null;
        RuntimeException allocationFailure = null;
        long address = -1;
        if (color != UNDEFINED)
        {
            try
            {
                memory = smartMap.allocateContext(members.length);
                address = SmartMap.contextAddress(memory);
            }
            catch (final IllegalStateException ex)
            {
                allocationFailure = ex;
                address = CONTEXT_ALLOCATION_FAILED;
            }
        }
        final long[] addresses = new long[size];
        allGather(new long[] {address}, addresses, 1, Datatype.LONG);
        if (color == UNDEFINED)
        {
            return null;
        }
        final int[] worldRanks = new int[members.length];
        final long[] memberAddresses = new long[members.length];
        long id = 0;
        int newRank = -1;
        for (int i = 0; i < members.length; i++)
        {
            worldRanks[i] = context.worldRank(members[i]);
            memberAddresses[i] = addresses[members[i]];
            id = Math.max(id, proposals[3 * members[i] + 2]);
            newRank = members[i] == getRank() ? i : newRank;
            if (memberAddresses[i] == CONTEXT_ALLOCATION_FAILED && allocationFailure == null)
            {
                allocationFailure = new IllegalStateException("split: rank " + members[i] + " could not allocate its " +
                    "part of the new communicator (control block and rings in its arena): color=" + color);
            }
        }
        if (allocationFailure != null)
        {
            if (memory != null)
            {
                smartMap.arena().release(memory); // no peer learnt of it: every member fails here
            }
            throw allocationFailure;
        }
        smartMap.contextIdAgreed(id);
        final Context sub = smartMap.openContext(id, newRank, worldRanks, memberAddresses, memory);
        return new Communicator(smartMap, sub, config, false);
    }

    /**
     * MPI_Comm_dup: a new communicator of the same ranks in the same order, with a context of its own
     * ({@link #split} with one color and this rank as the key). Collective over this communicator.
     *
     * @return the new communicator.
     * @throws IllegalStateException as {@link #split}.
     */
    public Communicator dup()
    {
        return split(0, getRank());
    }

    /** This communicator's ranks (indices into {@code proposals}) with {@code color}, in (key, rank) order. */
    private static int[] members(final long[] proposals, final int color)
    {
        if (color == UNDEFINED)
        {
            return new int[0];
        }
        final int size = proposals.length / 3;
        return java.util.stream.IntStream.range(0, size)
            .filter(r -> proposals[3 * r] == color)
            .boxed()
            .sorted((a, b) -> proposals[3 * a + 1] != proposals[3 * b + 1] ?
                Long.compare(proposals[3 * a + 1], proposals[3 * b + 1]) : Integer.compare(a, b))
            .mapToInt(Integer::intValue)
            .toArray();
    }

    /**
     * Free this communicator. A sub-communicator ({@link #split}, {@link #dup}) is freed collectively
     * over its ranks (MPI_Comm_free: every rank calls it; it returns once no peer can touch this rank's
     * context any more, and gives the context's memory back to the arena); a failed one, or one whose
     * {@link SmartMap} is closed, is only marked closed (its peers may be gone). The world communicator
     * closes the {@link SmartMap} if it came from {@link #world()}. Idempotent; every later call on
     * this communicator throws {@link IllegalStateException}.
     *
     * @throws io.smartmap.core.PeerFailureException        if a peer of a sub-communicator fails while freeing it.
     * @throws io.smartmap.core.CollectiveMismatchException if a peer called another collective instead.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        if (hierarchy != null)
        {
            closed = true;
            hierarchy.close();
            return;
        }
        if (context == smartMap.world())
        {
            closed = true;
            if (ownsSmartMap)
            {
                smartMap.close();
            }
            return;
        }
        begin();
        try
        {
            if (failure == null && !smartMap.isClosed())
            {
                try
                {
                    context.free();
                    if (vectorBlock != null)
                    {
                        smartMap.arena().release(vectorBlock); // after the free: no peer reads it any more
                    }
                }
                catch (final RuntimeException ex)
                {
                    throw abortOn(ex, CollectiveKind.BARRIER);
                }
            }
        }
        finally
        {
            closed = true;
            end();
        }
    }

    /** @return whether {@link #close()} was called. */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * The algorithm a call would use, after {@link Algorithm#AUTO} and {@link Algorithm#SMARTMAP}
     * are resolved; what the benchmark reports and the descriptor carries.
     */
    public Algorithm resolve(final CollectiveKind kind, final Algorithm algorithm, final int count,
        final Datatype datatype, final Op op)
    {
        return selection.select(kind, algorithm, kind == CollectiveKind.BARRIER ? 0 : bytes(count, datatype), op);
    }

    /**
     * Stage the buffers that are not in this rank's region, run the collective, copy the receive
     * side out, and give the scratch back (or abandon it after a failure). Where the algorithm
     * alone touches a buffer ({@link #ownsSend}, {@link #ownsReceive}) a Java array or ByteBuffer is
     * copied to or from in place, with no scratch; a single-copy broadcast root copies its buffer in
     * chunk by chunk while the receivers read the chunks already in. Scratch of a call that failed
     * after this rank published its descriptor is abandoned, never reused (a peer may still touch it).
     *
     * @param sendBuf send argument, or null where this rank sends nothing (bcast non-root).
     * @param recvBuf receive argument, or null where this rank receives nothing (reduce non-root, bcast root).
     */
    private void runStaged(
        final CollectiveKind kind,
        final int root,
        final int count,
        final Datatype datatype,
        final Op op,
        final Algorithm resolved,
        final Object sendBuf,
        final long sendElements,
        final Object recvBuf,
        final long recvElements)
    {
        runStaged(kind, root, count, datatype, op, resolved, sendBuf, -1, sendElements, recvBuf, recvElements, null);
    }

    /**
     * {@link #runStaged(CollectiveKind, int, int, Datatype, Op, Algorithm, Object, long, Object, long)}, with
     * the send side a scratch copy of elements {@code [sendCopyFrom, sendCopyFrom + sendElements)} of
     * {@code sendBuf} where {@code sendCopyFrom >= 0} (the in-place calls, MPI_IN_PLACE), and a
     * reduce-scatter's {@code recvCounts} for the families ({@link Operation#recvCounts}), else null.
     */
    private void runStaged(
        final CollectiveKind kind,
        final int root,
        final int count,
        final Datatype datatype,
        final Op op,
        final Algorithm resolved,
        final Object sendArg,
        final long sendCopyFrom,
        final long sendElements,
        final Object recvBuf,
        final long recvElements,
        final int[] recvCounts)
    {
        begin(); // refused before anything is staged or published: nothing to abort
        operation.recvCounts = recvCounts; // after begin: the operation is this thread's now; prepare keeps it
        runStagedBegun(kind, root, count, datatype, op, resolved, sendArg, sendCopyFrom, sendElements, recvBuf,
            recvElements);
    }

    /**
     * {@link #runStaged} for the vector (v) variants: the per-rank counts and displacements go into the
     * operation (once this thread holds the communicator) and, from there, into this rank's counts block
     * ({@link #publishVectors}). The descriptor's count is 0 on every rank; the families compare the counts.
     *
     * @param ownCount this rank's one count (gatherv, allgatherv: send; scatterv: receive).
     */
    private void runStaged(
        final CollectiveKind kind,
        final int root,
        final Datatype datatype,
        final Algorithm resolved,
        final Object sendBuf,
        final long sendElements,
        final Object recvBuf,
        final long recvElements,
        final int ownCount,
        final int[] sendCounts,
        final int[] sendDispls,
        final int[] recvCounts,
        final int[] recvDispls)
    {
        begin(); // refused before anything is staged or published: nothing to abort
        final Operation o = operation;
        o.ownCount = ownCount;
        o.sendCounts = sendCounts;
        o.sendDispls = sendDispls;
        o.recvCounts = recvCounts;
        o.recvDispls = recvDispls;
        runStagedBegun(kind, root, 0, datatype, null, resolved, sendBuf, -1, sendElements, recvBuf, recvElements);
    }

    /** {@link #runStaged} once this thread holds the communicator ({@link #begin()}); ends it. */
    private void runStagedBegun(
        final CollectiveKind kind,
        final int root,
        final int count,
        final Datatype datatype,
        final Op op,
        final Algorithm resolved,
        final Object sendArg,
        final long sendCopyFrom,
        final long sendElements,
        final Object recvBuf,
        final long recvElements)
    {
        boolean done = false;
        operation.entered = false;
        try
        {
            final Object sendBuf = sendCopyFrom < 0 || sendArg == null ? sendArg :
                staging.copyOf(sendArg, sendCopyFrom, sendElements, datatype);
            if (resolved == Algorithm.INLINE)
            {
                runInline(kind, root, count, datatype, op, sendBuf, sendElements, recvBuf, recvElements);
            }
            else if ((sendBuf == null || sendBuf instanceof RegionBuffer) && (recvBuf == null || recvBuf instanceof RegionBuffer))
            {
                run(kind, root, count, datatype, op, resolved, (RegionBuffer)sendBuf, (RegionBuffer)recvBuf, null, null, null);
            }
            else
            {
                runStagedArguments(kind, root, count, datatype, op, resolved, sendBuf, sendElements, recvBuf, recvElements);
            }
            done = true;
        }
        catch (final RuntimeException ex)
        {
            throw abortOn(ex, kind); // e.g. no scratch left: the peers must not wait for this rank until the timeout
        }
        finally
        {
            if (done || !operation.entered)
            {
                staging.release(); // done, or failed before any peer could learn the scratch's address
            }
            else
            {
                staging.abandon(); // peers may still read or write the scratch of a failed collective
            }
            operation.forgetBuffers(); // hold no reference to the caller's arrays between calls
            end();
        }
    }

    /**
     * The inline path copies every argument in place (only this rank touches its buffers): a region
     * buffer, Java array or ByteBuffer alike; only a buffer with no address (a read-only heap
     * ByteBuffer) goes through scratch.
     */
    private void runInline(
        final CollectiveKind kind,
        final int root,
        final int count,
        final Datatype datatype,
        final Op op,
        final Object sendBuf,
        final long sendElements,
        final Object recvBuf,
        final long recvElements)
    {
        Object send = sendBuf;
        if (send != null && !Staging.addressable(send))
        {
            send = staging.stage(send, sendElements, datatype, true, false);
        }
        Object recv = recvBuf;
        if (recv != null && !Staging.writableInPlace(recv))
        {
            recv = staging.stage(recv, recvElements, datatype, false, true); // refuses a read-only buffer
        }
        run(kind, root, count, datatype, op, Algorithm.INLINE, null, null, send, recv, null);
        staging.copyOut();
    }

    /** The arguments that are not region buffers: in place where the algorithm allows, else through scratch. */
    private void runStagedArguments(
        final CollectiveKind kind,
        final int root,
        final int count,
        final Datatype datatype,
        final Op op,
        final Algorithm resolved,
        final Object sendBuf,
        final long sendElements,
        final Object recvBuf,
        final long recvElements)
    {
        RegionBuffer send = sendBuf == null ? null : staging.inRegion(sendBuf);
        RegionBuffer recv = recvBuf == null ? null : staging.inRegion(recvBuf);
        final boolean sendInPlace = sendBuf != null && send == null && ownsSend(kind, resolved, root) &&
            Staging.addressable(sendBuf);
        final boolean stageProgressively = sendBuf != null && send == null && !sendInPlace &&
            kind == CollectiveKind.BCAST && resolved == Algorithm.SMARTMAP && Staging.addressable(sendBuf);
        final boolean receiveInPlace = recvBuf != null && recv == null && ownsReceive(kind, resolved) &&
            Staging.writableInPlace(recvBuf);
        if (sendBuf != null && send == null && !sendInPlace)
        {
            send = stageProgressively ? staging.scratch(sendBuf, sendElements, datatype, false) :
                staging.stage(sendBuf, sendElements, datatype, true, false);
        }
        if (recvBuf != null && recv == null && !receiveInPlace)
        {
            // the v-variants' receive blocks may leave gaps: copied in, so the copy-out keeps them as they were
            recv = staging.stage(recvBuf, recvElements, datatype, receivesInBlocks(kind), true);
        }
        run(kind, root, count, datatype, op, resolved, send, recv, sendInPlace ? sendBuf : null,
            receiveInPlace ? recvBuf : null, stageProgressively ? sendBuf : null);
        staging.copyOut();
    }

    /**
     * Prepare and execute the collective on region buffers, with the send or receive side replaced
     * by a Java array or ByteBuffer copied in place ({@code sendInPlace}, {@code recvInPlace}), and
     * the send side copied into its scratch by the algorithm ({@code stageFrom}), where not null.
     */
    private void run(
        final CollectiveKind kind,
        final int root,
        final int count,
        final Datatype datatype,
        final Op op,
        final Algorithm resolved,
        final RegionBuffer sendRegion,
        final RegionBuffer recvRegion,
        final Object sendInPlace,
        final Object recvInPlace,
        final Object stageFrom)
    {
        RegionBuffer send = sendRegion;
        RegionBuffer recv = recvRegion;
        if (kind == CollectiveKind.BCAST)
        {
            send = recv = send != null ? send : recv; // bcast publishes its one buffer both ways
        }
        if (kind == CollectiveKind.ALLREDUCE && resolved == Algorithm.SMARTMAP_SERIAL)
        {
            // the paper's allreduce (section 4.5): serial reduce to rank 0, then broadcast from rank 0
            prepare(CollectiveKind.REDUCE, 0, count, datatype, op, resolved, send, recv);
            execute();
            prepare(CollectiveKind.BCAST, 0, count, datatype, null, Algorithm.SMARTMAP, recv, recv);
            execute();
            return;
        }
        prepare(kind, root, count, datatype, op, resolved, send, recv);
        final Operation o = operation;
        if (VectorBlock.publishedBy(kind))
        {
            publishVectors(o);
        }
        if (sendInPlace != null)
        {
            o.sendBase = Staging.baseOf(sendInPlace);
            o.sendOffset = Staging.offsetOf(sendInPlace);
        }
        if (recvInPlace != null)
        {
            o.recvBase = Staging.baseOf(recvInPlace);
            o.recvOffset = Staging.offsetOf(recvInPlace);
        }
        if (stageFrom != null)
        {
            o.stagePending = true;
            o.stageBase = Staging.baseOf(stageFrom);
            o.stageOffset = Staging.offsetOf(stageFrom);
        }
        execute();
    }

    /**
     * Whether only this rank touches its send buffer in the algorithm (it copies from it; no peer
     * reads it and no kernel folds it), so a Java array or ByteBuffer is read in place.
     */
    private boolean ownsSend(final CollectiveKind kind, final Algorithm resolved, final int root)
    {
        if (resolved == Algorithm.TWO_COPY)
        {
            // the sender copies into its ring (allreduce folds its own fragment from there); a reduce's
            // root, and every rank of a reduce-scatter, scan or exscan, folds its own data with the
            // kernels, straight from its send buffer
            switch (kind)
            {
                case REDUCE:
                    return getRank() != root;
                case REDUCE_SCATTER_BLOCK:
                case REDUCE_SCATTER:
                case SCAN:
                case EXSCAN:
                    return false;
                default:
                    return true;
            }
        }
        // each rank writes its blocks into the peers' (alltoall) or the root's (gather) receive buffer
        return resolved == Algorithm.SMARTMAP && (kind == CollectiveKind.ALLTOALL || kind == CollectiveKind.ALLTOALLV ||
            kind == CollectiveKind.GATHER || kind == CollectiveKind.GATHERV);
    }

    /** Whether only this rank writes its receive buffer in the algorithm (it copies into it from the peers). */
    private static boolean ownsReceive(final CollectiveKind kind, final Algorithm resolved)
    {
        if (resolved == Algorithm.TWO_COPY)
        {
            return kind == CollectiveKind.BCAST || kind == CollectiveKind.ALLTOALL || kind == CollectiveKind.ALLGATHER ||
                kind == CollectiveKind.GATHER || kind == CollectiveKind.SCATTER || kind == CollectiveKind.GATHERV ||
                kind == CollectiveKind.SCATTERV || kind == CollectiveKind.ALLGATHERV || kind == CollectiveKind.ALLTOALLV;
        }
        // a single-copy bcast receiver that publishes no receive buffer copies everything itself; a scatter
        // receiver copies its block from the root's send buffer
        return resolved == Algorithm.SMARTMAP && (kind == CollectiveKind.BCAST || kind == CollectiveKind.ALLGATHER ||
            kind == CollectiveKind.SCATTER || kind == CollectiveKind.SCATTERV || kind == CollectiveKind.ALLGATHERV);
    }

    /** Whether the collective writes the receive buffer in blocks that may leave gaps (the v-variants'). */
    private static boolean receivesInBlocks(final CollectiveKind kind)
    {
        return kind == CollectiveKind.GATHERV || kind == CollectiveKind.ALLGATHERV || kind == CollectiveKind.ALLTOALLV;
    }

    /**
     * Write the operation's counts and displacements into this rank's counts block and publish its
     * address with the descriptor. Reuse is safe: every peer that reads the block bumps this rank's
     * {@code FINISHED} after its last read, and the previous collective left only when all had.
     */
    private void publishVectors(final Operation o)
    {
        if (vectorBlock == null)
        {
            vectorBlock = smartMap.allocate(VectorBlock.bytes(getSize()));
        }
        VectorBlock.write(vectorBlock.memoryAddress(), o, getSize());
        o.vectorAddress = vectorBlock.address();
    }

    private static long bytes(final int count, final Datatype datatype)
    {
        return (long)count * datatype.extent();
    }

    private void checkCommon(final int count, final Datatype datatype, final int root, final Algorithm algorithm)
    {
        checkUsable();
        if (count < 0)
        {
            throw new IllegalArgumentException("count must not be negative: count=" + count);
        }
        if (datatype == null)
        {
            throw new IllegalArgumentException("datatype must not be null: datatype=null");
        }
        if (root < 0 || root >= getSize())
        {
            throw new IllegalArgumentException("root out of range: root=" + root + ", size=" + getSize());
        }
        if (algorithm == null)
        {
            throw new IllegalArgumentException("algorithm must not be null: algorithm=null");
        }
    }

    /**
     * Check a per-rank counts argument: at least {@code size} entries, none negative, a total that fits an int.
     *
     * @return the total of the first {@code size} entries.
     */
    private long checkCounts(final int[] counts, final String name)
    {
        if (counts == null)
        {
            throw new IllegalArgumentException(name + " must not be null: " + name + "=null");
        }
        if (counts.length < getSize())
        {
            throw new IllegalArgumentException(name + " shorter than size: " + name + ".length=" + counts.length +
                ", size=" + getSize());
        }
        long total = 0;
        for (int r = 0; r < getSize(); r++)
        {
            if (counts[r] < 0)
            {
                throw new IllegalArgumentException(name + " must not be negative: " + name + "[" + r + "]=" + counts[r]);
            }
            total += counts[r];
        }
        if (total > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException(name + " total exceeds Integer.MAX_VALUE: total=" + total);
        }
        return total;
    }

    /**
     * A 64-bit hash of the first {@code size} counts (a SplitMix64 mix of each, position included),
     * published in the descriptor's {@code COUNT} word instead of the count ({@link Operation#descriptorCount}),
     * so ranks that pass different reduce-scatter layouts get a mismatch from the arrival checks.
     */
    static long layoutHash(final int[] counts, final int size)
    {
        long h = 0x9E3779B97F4A7C15L * (size + 1);
        for (int r = 0; r < size; r++)
        {
            h = mix64(h + 0x9E3779B97F4A7C15L + (counts[r] & 0xFFFF_FFFFL));
        }
        return h;
    }

    /** The finaliser of SplitMix64 (Steele, Lea, Flood, 2014). */
    private static long mix64(final long z0)
    {
        long z = (z0 ^ z0 >>> 30) * 0xBF58476D1CE4E5B9L;
        z = (z ^ z >>> 27) * 0x94D049BB133111EBL;
        return z ^ z >>> 31;
    }

    private static void checkCount(final String name, final int count)
    {
        if (count < 0)
        {
            throw new IllegalArgumentException(name + " must not be negative: " + name + "=" + count);
        }
    }

    /**
     * Check a v-variant's buffer and its per-rank blocks: arrays present and at least {@code size} long,
     * counts and displacements not negative, every non-empty block inside the buffer, and (receive side)
     * no two ranks' blocks overlapping (MPI 4.0, 6.5: no location of the receive buffer written twice).
     *
     * @return the elements the blocks span from the buffer's start (what staging copies).
     */
    private long checkBlocks(
        final Object buffer,
        final String bufferName,
        final int[] counts,
        final String countsName,
        final int[] displs,
        final String displsName,
        final Datatype datatype,
        final boolean receive)
    {
        final int size = getSize();
        checkArray(counts, countsName, size);
        checkArray(displs, displsName, size);
        final long capacity = staging.capacityBytes(buffer, bufferName, datatype) / datatype.extent();
        long span = 0;
        int blocks = 0;
        // (displacement, rank) of the non-empty blocks, sorted for the overlap check; per call, not a field:
        // the checks run before this thread takes the communicator (begin), so a second thread must not share it
        final long[] blockOrder = receive ? new long[size] : null;
        for (int r = 0; r < size; r++)
        {
            if (counts[r] < 0 || displs[r] < 0)
            {
                final boolean count = counts[r] < 0;
                throw new IllegalArgumentException((count ? countsName : displsName) + "[" + r + "] must not be negative: " +
                    (count ? countsName : displsName) + "[" + r + "]=" + (count ? counts[r] : displs[r]));
            }
            if (counts[r] == 0)
            {
                continue; // an empty block runs past nothing and overlaps nothing
            }
            final long end = (long)displs[r] + counts[r];
            if (end > capacity)
            {
                throw new IllegalArgumentException("block runs past the end of " + bufferName + ": rank=" + r + ", " +
                    countsName + "[" + r + "]=" + counts[r] + ", " + displsName + "[" + r + "]=" + displs[r] + ", capacity=" +
                    capacity + ", datatype=" + datatype);
            }
            span = Math.max(span, end);
            if (receive)
            {
                blockOrder[blocks++] = (long)displs[r] << 32 | r;
            }
        }
        if (receive && blocks > 1)
        {
            java.util.Arrays.sort(blockOrder, 0, blocks);
            for (int i = 1; i < blocks; i++)
            {
                final int a = (int)blockOrder[i - 1];
                final int b = (int)blockOrder[i];
                if ((long)displs[a] + counts[a] > displs[b])
                {
                    throw new IllegalArgumentException("receive blocks overlap in " + bufferName + ": rank " + a + " " +
                        countsName + "[" + a + "]=" + counts[a] + ", " + displsName + "[" + a + "]=" + displs[a] + "; rank " + b +
                        " " + countsName + "[" + b + "]=" + counts[b] + ", " + displsName + "[" + b + "]=" + displs[b]);
                }
            }
        }
        return span;
    }

    private static void checkArray(final int[] values, final String name, final int size)
    {
        if (values == null)
        {
            throw new IllegalArgumentException(name + " must not be null: " + name + "=null");
        }
        if (values.length < size)
        {
            throw new IllegalArgumentException(name + " shorter than the communicator: " + name + ".length=" +
                values.length + ", size=" + size);
        }
    }

    private static void checkOp(final Op op, final Datatype datatype)
    {
        if (op == null)
        {
            throw new IllegalArgumentException("op must not be null: op=null");
        }
        if (!op.appliesTo(datatype))
        {
            throw new IllegalArgumentException("op does not apply to datatype: op=" + op + ", datatype=" + datatype);
        }
    }

    /**
     * Refuse a call on a closed communicator, after a failed collective (rethrowing that failure as
     * the cause, on every later call), and as soon as any peer has aborted: a failure reaches every
     * rank at its next call, not at its next wait (a revoked communicator, as in MPI's ULFM).
     *
     * @throws IllegalStateException if closed or failed before.
     * @throws io.smartmap.core.PeerAbortedException if a peer aborted; this rank is then marked aborted too.
     */
    private void checkUsable()
    {
        if (closed)
        {
            throw new IllegalStateException("communicator is closed: rank=" + getRank());
        }
        if (failure != null)
        {
            throw new IllegalStateException("communicator unusable after a failed collective: rank=" + getRank() +
                ", failure=" + failure, failure);
        }
        if (!exchange.waiter.anyRankAborted()) // the healthy job's whole check: one load of a line nobody writes
        {
            return;
        }
        if (smartMap.isAborted())
        {
            throw new IllegalStateException("communicator unusable: this rank was aborted: rank=" + getRank());
        }
        try
        {
            exchange.waiter.checkNoPeerAborted("the start of its next collective");
        }
        catch (final PeerFailureException ex)
        {
            failure = ex;
            throw ex;
        }
    }

    /** {@link #acrossNodes} holding this communicator for the calling thread ({@link #begin()}, {@link #end()}). */
    private void acrossNodesBegun(final Runnable collective)
    {
        begin();
        try
        {
            acrossNodes(collective);
        }
        finally
        {
            end();
        }
    }

    /**
     * Run a hierarchical collective (the caller holds {@link #begin()}); a failure is this communicator's
     * first failure (every later call rethrows it): the node communicator has already told its peers, and
     * the MPI launcher ends the other nodes' ranks when this process exits with it.
     */
    private void acrossNodes(final Runnable collective)
    {
        try
        {
            collective.run();
        }
        catch (final RuntimeException ex)
        {
            if (failure == null)
            {
                failure = ex;
            }
            throw ex;
        }
    }

    private void prepare(
        final CollectiveKind kind,
        final int root,
        final int count,
        final Datatype datatype,
        final Op op,
        final Algorithm algorithm,
        final RegionBuffer send,
        final RegionBuffer recv)
    {
        final Operation o = operation;
        o.kind = kind;
        o.root = root;
        o.count = count;
        // reduce-scatter's ranks must agree on every block's size, not only on the total
        o.descriptorCount = kind == CollectiveKind.REDUCE_SCATTER ? layoutHash(o.recvCounts, getSize()) : count;
        o.datatype = datatype;
        o.op = op;
        o.algorithm = algorithm;
        o.sendAddress = send == null ? Address.NULL : send.address();
        o.recvAddress = recv == null ? Address.NULL : recv.address();
        o.sendMemory = send == null ? 0 : send.memoryAddress();
        o.recvMemory = recv == null ? 0 : recv.memoryAddress();
        o.sendBase = null;
        o.sendOffset = o.sendMemory;
        o.recvBase = null;
        o.recvOffset = o.recvMemory;
        o.stagePending = false;
        o.stageBase = null;
        o.vectorAddress = Address.NULL;
        o.kernel = op == null ? null : config.kernels().kernel(datatype, op);
        // the root helps copy only when every rank has a core: oversubscribed, receivers would wait for a
        // root that is not running (4 ranks on 2 cores: 8-64 KiB 11-17 us split vs 3.3-6.3 us not)
        final boolean splitBcast = kind == CollectiveKind.BCAST && algorithm == Algorithm.SMARTMAP && getSize() > 1 &&
            !selection.oversubscribed() && o.bytes() >= config.bcastSplitMinBytes();
        o.variant = splitBcast ? Operation.BCAST_SPLIT : Operation.PLAIN;
    }

    /**
     * Enter the prepared collective and run it in its algorithm's family; any failure inside marks
     * this rank aborted so that its peers fail fast instead of waiting for it.
     */
    private void execute()
    {
        final Operation o = operation;
        try
        {
            familyOf(o.algorithm).run(o);
        }
        catch (final RuntimeException ex)
        {
            throw abortOn(ex, o.kind);
        }
    }

    private CollectiveFamily familyOf(final Algorithm resolved)
    {
        switch (resolved)
        {
            case INLINE:
                return inline;
            case TWO_COPY:
                return twoCopy;
            case SMARTMAP:
            case SMARTMAP_SERIAL:
            case SMARTMAP_THREADED:
                return singleCopy;
            default:
                throw new IllegalStateException("not a resolved algorithm: " + resolved);
        }
    }

    /**
     * Record the first failure (every later call rethrows it) and mark this rank aborted, so peers
     * waiting on it fail fast; a peer failure already marked it with the cascading reason.
     */
    private RuntimeException abortOn(final RuntimeException ex, final CollectiveKind kind)
    {
        if (failure == null)
        {
            failure = ex;
        }
        smartMap.abort(ControlBlockDescriptor.ABORT_ERROR, "rank " + getRank() + " failed in " + kind + ": " + ex);
        return ex;
    }

    /** Take this communicator for the calling thread (one atomic operation). */
    private void begin()
    {
        if (!busy.compareAndSet(false, true))
        {
            throw new IllegalStateException("another thread is in a collective on this communicator: rank=" + getRank() +
                "; a communicator serves one thread at a time (as in MPI): call it from one thread, or serialise the calls");
        }
    }

    private void end()
    {
        busy.lazySet(false); // release: the next caller sees everything this call did
    }
}
