package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.ServiceLoader;

/**
 * The hierarchical collectives of a world communicator that spans several nodes (issue 15, DESIGN.md
 * section 3b, Open MPI {@code coll/han} in spirit): an intra-node phase by smartmap on the node's own
 * {@link Communicator} (the {@link Algorithm} the caller passes selects that phase's algorithm), an
 * inter-node phase between the node leaders through {@link InterNode} (the system MPI), and the
 * intra-node phase again. A wrapper family: it owns the node communicator and calls its public
 * collectives, so every intra-node phase keeps that communicator's checks, staging and selection.
 * No chunk pipelining yet: each phase ends before the next starts.
 * <ul>
 * <li>barrier: node barrier, leader barrier, node barrier.</li>
 * <li>bcast: node bcast on the root's node from the root; leader bcast from the root's node; node bcast
 *     from the leader on the other nodes.</li>
 * <li>reduce, allreduce, reproducible (issue 15 part 4): a chain along the leaders in node order. The
 *     leader of node k receives the fold A of nodes 0..k-1, folds its own contribution onto it
 *     ({@code A op x}) and enters the node reduce with that as its send buffer, so the node reduce,
 *     which folds node ranks in order from node rank 0, continues the same fold: the last leader holds
 *     the fold of every rank in node-major order, which is rank order 0..size-1 when each node holds a
 *     contiguous block of ranks (the default placement): the same bits as one node. Node partials
 *     folded together ({@code (x0 op x1) op (x2 op x3)}) would not be, for floating point. Reduce: the
 *     last leader sends the result to the root; allreduce: leader bcast from the last node, node bcast.</li>
 * <li>allgather: node gather to the leader, leader allgatherv of the node blocks, reorder into rank
 *     order (placements other than contiguous blocks), node bcast of the whole result.</li>
 * <li>alltoall: {@code MPI_Alltoall} over all world ranks (correct for any placement, and simple; the
 *     caller's algorithm is checked as on one node but has no phase to select).</li>
 * </ul>
 * One node ({@link InterNode#nodeCount()} 1) runs every collective on the node communicator alone.
 * Scratch for the inter-node phase lives in this rank's region of the node segment (native memory MPI
 * can address); region and direct buffers of the caller are used in place where MPI only reads or writes them.
 */
final class Hierarchy implements AutoCloseable
{
    /** Scratch slots: each one grows to the largest size asked for and is reused. */
    private static final int ACC = 0;
    private static final int STAGE = 1;
    private static final int PARTIAL = 2;
    private static final int GATHERED = 3;
    private static final int ORDERED = 4;

    private final InterNode inter;
    private final Communicator node;
    private final CollectiveConfig config;
    /** World rank of each node's leader, by node index. */
    private final int[] leaderOf;
    /** World ranks of each node, ascending (node rank order). */
    private final int[][] members;
    /** Node rank of each world rank. */
    private final int[] nodeRankOf;
    /** Whether node-major order is rank order (every node a contiguous block, nodes in rank order). */
    private final boolean blocks;
    private final RegionBuffer[] scratch = new RegionBuffer[5];

    private Hierarchy(final InterNode inter, final CollectiveConfig config)
    {
        this.inter = inter;
        this.config = config;
        final int size = inter.worldSize();
        final int nodes = inter.nodeCount();
        final int[] counts = new int[nodes];
        this.nodeRankOf = new int[size];
        for (int r = 0; r < size; r++)
        {
            nodeRankOf[r] = counts[inter.nodeOf(r)]++;
        }
        this.members = new int[nodes][];
        this.leaderOf = new int[nodes];
        boolean contiguous = true;
        int next = 0;
        for (int j = 0; j < nodes; j++)
        {
            members[j] = new int[counts[j]];
        }
        for (int r = 0; r < size; r++)
        {
            members[inter.nodeOf(r)][nodeRankOf[r]] = r;
        }
        for (int j = 0; j < nodes; j++)
        {
            leaderOf[j] = members[j][0];
            for (final int r : members[j])
            {
                contiguous &= r == next++;
            }
        }
        this.blocks = contiguous;
        this.node = new Communicator(inter.node(), config);
    }

    /**
     * Find the inter-node provider ({@code smartmap-mpi}) and join the MPI job.
     *
     * @throws IllegalStateException if no provider is on the class path.
     */
    static Hierarchy join(final CollectiveConfig config)
    {
        final Iterator<InterNodeProvider> providers = ServiceLoader.load(InterNodeProvider.class).iterator();
        if (!providers.hasNext())
        {
            throw new IllegalStateException("started by an MPI launcher but no inter-node provider is on the class path: " +
                "add smartmap-mpi (JDK 22+, run with --enable-native-access=ALL-UNNAMED), or start the job with " +
                "bin/smartmap-run: launcherEnvironment=" + Arrays.toString(InterNode.LAUNCHER_RANK_ENV));
        }
        final InterNode inter = providers.next().join();
        try
        {
            return new Hierarchy(inter, config);
        }
        catch (final RuntimeException ex)
        {
            inter.close();
            throw ex;
        }
    }

    int worldRank()
    {
        return inter.worldRank();
    }

    int worldSize()
    {
        return inter.worldSize();
    }

    InterNode interNode()
    {
        return inter;
    }

    /** @return the node communicator (this rank's node, smartmap only). */
    Communicator node()
    {
        return node;
    }

    void barrier(final Algorithm algorithm)
    {
        node.barrier(algorithm);
        if (inter.nodeCount() == 1)
        {
            return;
        }
        if (inter.isLeader())
        {
            inter.leaderBarrier();
        }
        node.barrier(algorithm);
    }

    void bcast(final Object buffer, final int count, final Datatype datatype, final int root, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.bcast(buffer, count, datatype, root, algorithm);
            return;
        }
        final long bytes = (long)count * datatype.extent();
        final int rootNode = inter.nodeOf(root);
        final boolean rootHere = rootNode == inter.nodeIndex();
        if (rootHere)
        {
            node.bcast(buffer, count, datatype, nodeRankOf[root], algorithm);
        }
        if (inter.isLeader())
        {
            final long direct = writableAddress(buffer);
            final long at = direct != 0 ? direct : scratch(STAGE, bytes).memoryAddress();
            if (direct == 0 && rootHere)
            {
                Staging.copy(buffer, at, bytes, true);
            }
            inter.leaderBcast(at, bytes, rootNode);
            if (direct == 0 && !rootHere)
            {
                Staging.copy(buffer, at, bytes, false);
            }
        }
        if (!rootHere)
        {
            node.bcast(buffer, count, datatype, 0, algorithm);
        }
    }

    void reduce(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final Op op,
        final int root, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.reduce(sendBuf, recvBuf, count, datatype, op, root, algorithm);
            return;
        }
        final long bytes = (long)count * datatype.extent();
        final long result = chain(sendBuf, count, datatype, op, algorithm);
        final int last = leaderOf[inter.nodeCount() - 1];
        final int self = inter.worldRank();
        if (self == last)
        {
            if (root == self)
            {
                Staging.copy(recvBuf, result, bytes, false);
            }
            else
            {
                inter.send(result, bytes, root);
            }
        }
        else if (self == root)
        {
            final long direct = writableAddress(recvBuf);
            final long at = direct != 0 ? direct : scratch(STAGE, bytes).memoryAddress();
            inter.recv(at, bytes, last);
            if (direct == 0)
            {
                Staging.copy(recvBuf, at, bytes, false);
            }
        }
    }

    void allReduce(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final Op op,
        final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.allReduce(sendBuf, recvBuf, count, datatype, op, algorithm);
            return;
        }
        final long bytes = (long)count * datatype.extent();
        final long result = chain(sendBuf, count, datatype, op, algorithm);
        final Algorithm bcast = movePhase(algorithm);
        if (inter.isLeader())
        {
            inter.leaderBcast(result, bytes, inter.nodeCount() - 1);
            node.bcast(scratch[PARTIAL], count, datatype, 0, bcast); // peers copy from the region buffer in place
            Staging.copy(recvBuf, result, bytes, false);
        }
        else
        {
            node.bcast(recvBuf, count, datatype, 0, bcast);
        }
    }

    /**
     * The reproducible fold along the leaders (class javadoc).
     *
     * @return on the leaders, the address of the fold of nodes 0..this one (slot {@link #PARTIAL}); 0 elsewhere.
     */
    private long chain(final Object sendBuf, final int count, final Datatype datatype, final Op op,
        final Algorithm algorithm)
    {
        if (!inter.isLeader())
        {
            node.reduce(sendBuf, null, count, datatype, op, 0, algorithm);
            return 0;
        }
        final long bytes = (long)count * datatype.extent();
        final int k = inter.nodeIndex();
        Object contribution = sendBuf;
        if (k > 0)
        {
            // node k's fold starts from the fold of the lower nodes: A op x_leader, then the node reduce folds on
            final RegionBuffer acc = scratch(ACC, bytes);
            inter.leaderRecv(acc.memoryAddress(), bytes, k - 1);
            long mine = readableAddress(sendBuf);
            if (mine == 0)
            {
                mine = scratch(STAGE, bytes).memoryAddress();
                Staging.copy(sendBuf, mine, bytes, true);
            }
            config.kernels().kernel(datatype, op).combine(acc.memoryAddress(), acc.memoryAddress(), mine, count);
            contribution = acc;
        }
        final RegionBuffer partial = scratch(PARTIAL, bytes);
        node.reduce(contribution, partial, count, datatype, op, 0, algorithm);
        if (k < inter.nodeCount() - 1)
        {
            inter.leaderSend(partial.memoryAddress(), bytes, k + 1);
        }
        return partial.memoryAddress();
    }

    void allGather(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.allGather(sendBuf, recvBuf, count, datatype, algorithm);
            return;
        }
        final long block = (long)count * datatype.extent();
        final int size = inter.worldSize();
        final int total = Math.multiplyExact(count, size);
        final Algorithm phase = movePhase(algorithm);
        if (!inter.isLeader())
        {
            node.gather(sendBuf, null, count, datatype, 0, phase);
            node.bcast(recvBuf, total, datatype, 0, phase);
            return;
        }
        final RegionBuffer gathered = scratch(GATHERED, block * inter.nodeSize());
        node.gather(sendBuf, gathered, count, datatype, 0, phase);
        final long[] bytesPerNode = new long[inter.nodeCount()];
        for (int j = 0; j < bytesPerNode.length; j++)
        {
            bytesPerNode[j] = block * members[j].length;
        }
        final RegionBuffer nodeMajor = scratch(ORDERED, block * size);
        inter.leaderAllGatherv(gathered.memoryAddress(), block * inter.nodeSize(), nodeMajor.memoryAddress(), bytesPerNode);
        RegionBuffer ordered = nodeMajor;
        if (!blocks)
        {
            ordered = scratch(ACC, block * size);
            long at = nodeMajor.memoryAddress();
            for (final int[] ranks : members)
            {
                for (final int r : ranks)
                {
                    Exchange.copy(at, ordered.memoryAddress() + r * block, block);
                    at += block;
                }
            }
        }
        node.bcast(ordered, total, datatype, 0, phase);
        Staging.copy(recvBuf, ordered.memoryAddress(), block * size, false);
    }

    void allToAll(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype)
    {
        if (inter.nodeCount() == 1)
        {
            throw new IllegalStateException("one node: the world communicator runs alltoall on the node communicator");
        }
        final long block = (long)count * datatype.extent();
        final long bytes = block * inter.worldSize();
        long send = readableAddress(sendBuf);
        if (send == 0)
        {
            send = scratch(STAGE, bytes).memoryAddress();
            Staging.copy(sendBuf, send, bytes, true);
        }
        final long direct = writableAddress(recvBuf);
        final long recv = direct != 0 ? direct : scratch(ACC, bytes).memoryAddress();
        inter.allToAll(send, recv, block);
        if (direct == 0)
        {
            Staging.copy(recvBuf, recv, bytes, false);
        }
    }

    /** Alltoall with one node: the node communicator's, with the caller's algorithm. */
    void allToAll(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.allToAll(sendBuf, recvBuf, count, datatype, algorithm);
            return;
        }
        allToAll(sendBuf, recvBuf, count, datatype);
    }

    /**
     * The node communicator closed, the scratch given back, then {@link InterNode#close()} (node barrier,
     * segment deleted by the leader, MPI finalized).
     */
    @Override
    public void close()
    {
        try
        {
            if (!node.isClosed() && !inter.node().isClosed())
            {
                for (final RegionBuffer buffer : scratch)
                {
                    if (buffer != null)
                    {
                        inter.node().arena().release(buffer);
                    }
                }
            }
            node.close();
        }
        finally
        {
            inter.close();
        }
    }

    /**
     * The algorithm of a data-movement phase (gather, bcast) of a collective whose caller asked for
     * {@code algorithm}: the serial/threaded choice is a reduction's, and an inline slot may not hold the
     * grown payload, so those become {@link Algorithm#SMARTMAP} and {@link Algorithm#AUTO}.
     */
    private static Algorithm movePhase(final Algorithm algorithm)
    {
        switch (algorithm)
        {
            case SMARTMAP_SERIAL:
            case SMARTMAP_THREADED:
                return Algorithm.SMARTMAP;
            case INLINE:
                return Algorithm.AUTO;
            default:
                return algorithm;
        }
    }

    /** @return a scratch region buffer of this rank of at least {@code bytes}. */
    private RegionBuffer scratch(final int slot, final long bytes)
    {
        if (bytes > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("too large for one inter-node phase: bytes=" + bytes +
                ", max=" + Integer.MAX_VALUE);
        }
        final RegionBuffer current = scratch[slot];
        if (current != null && current.capacity() >= bytes)
        {
            return current;
        }
        if (current != null)
        {
            scratch[slot] = null;
            inter.node().arena().release(current);
        }
        scratch[slot] = inter.node().allocate((int)Math.max(bytes, 64));
        return scratch[slot];
    }

    /** @return the native address of a region or direct buffer's first byte, or 0 for the Java heap. */
    private static long readableAddress(final Object buffer)
    {
        if (buffer instanceof RegionBuffer || buffer instanceof ByteBuffer && ((ByteBuffer)buffer).isDirect())
        {
            return Staging.offsetOf(buffer);
        }
        return 0;
    }

    /** As {@link #readableAddress}, 0 also for a read-only direct buffer. */
    private static long writableAddress(final Object buffer)
    {
        return buffer instanceof ByteBuffer && ((ByteBuffer)buffer).isReadOnly() ? 0 : readableAddress(buffer);
    }
}
