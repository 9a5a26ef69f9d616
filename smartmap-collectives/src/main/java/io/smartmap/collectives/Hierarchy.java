package io.smartmap.collectives;

import io.smartmap.core.CollectiveMismatchException;
import io.smartmap.core.RegionBuffer;
import org.agrona.UnsafeApi;

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
 * <li>reduce, allreduce, reduce-scatter with {@code -Dsmartmap.reproducible=false}
 *     ({@link CollectiveConfig#reproducible()}) and an op the MPI library computes as smartmap does
 *     ({@link InterNode#reducesNatively}; others keep the chain): node reduce to the leader, then the
 *     node partials reduced by the library's own {@code MPI_Allreduce} ({@code MPI_Reduce} to the root's
 *     leader) over the leaders, in its order (tree, recursive doubling, reduce-scatter and allgather: no
 *     serial chain), then as above. The bits are MPI's business.</li>
 * <li>allgather: node gather to the leader, leader allgatherv of the node blocks, reorder into rank
 *     order (placements other than contiguous blocks), node bcast of the whole result.</li>
 * <li>gather: node gather to the leader; every other leader sends its node's blocks to the root's leader,
 *     which receives them in node order, reorders them into rank order and sends the whole to the root
 *     (world send; none when the root leads its node).</li>
 * <li>scatter: the root sends its buffer to its leader (none when it leads); that leader reorders it into
 *     node-major order and sends each leader its node's blocks; node scatter from the leader.</li>
 * <li>reduce-scatter (block and not): the chain of allreduce over the whole send buffer, leader bcast of
 *     the result from the last node, node scatterv from the leader (each rank's block at its world offset),
 *     so the bits are allreduce's. Simple rather than fast: every leader holds the whole result.</li>
 * <li>scan, exscan, reproducible, rank order 0..i for every placement. Contiguous node blocks: a chain
 *     along the nodes: the last rank of node k-1 sends its prefix (the fold of every rank below node k) to
 *     the leader of node k, which folds its own contribution onto it ({@code A op x}; exscan: {@code A} is
 *     its own result) and enters the node scan (exscan) with that. Other placements, where world ranks
 *     0..i cross nodes back and forth: allgather of every input, then each rank folds ranks 0..i itself
 *     ({@code size * count} elements of scratch and traffic per rank).</li>
 * <li>in place: allreduce and reduce run the out-of-place phases with {@code buf} as both buffers (each
 *     phase has read its input before the result is written); allgather and scan copy this rank's input
 *     into scratch first.</li>
 * <li>alltoall, alltoallv, allgatherv: {@code MPI_Alltoall}, {@code MPI_Alltoallv}, {@code MPI_Allgatherv}
 *     over all world ranks (correct for any placement, and simple; the caller's algorithm is checked as on
 *     one node but has no phase to select). A heap receive buffer of a v-variant is staged over its blocks'
 *     span, copied in first so that the gaps between blocks keep their contents.</li>
 * <li>gatherv: every rank's count to its leader (node gather of one int), node gatherv to the leader packed
 *     in node-rank order, each other leader sends its counts then its data to the root's leader, which sends
 *     all counts and the node-major data on to the root (none when the root leads); the root checks every
 *     count against its {@code recvCounts} before it writes anything, then places each block.
 *     scatterv: the root packs its blocks in node-major order and sends counts and pack to its leader, which
 *     sends each leader its node's counts and pack; node scatterv from the leader (which checks each
 *     {@code recvCount} as on one node). The counts travel because MPI gives them to the root only.</li>
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
    private static final int INPUT = 5;
    private static final int RESULT = 6;
    private static final int ALL = 7;
    private static final int COUNTS = 8;

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
    private final RegionBuffer[] scratch = new RegionBuffer[9];
    /** {@link CollectiveConfig#reproducible()} as this world joined, the same on every rank. */
    private final boolean reproducible;

    /**
     * @param node this rank's node communicator: the node's world for the world, the parent's node
     *             communicator split the same way for a {@link #split} (node ranks by world rank either way).
     */
    private Hierarchy(final InterNode inter, final CollectiveConfig config, final Communicator node)
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
        this.node = node;
        this.reproducible = config.reproducible();
        checkSameReproducibleEverywhere();
    }

    /**
     * Every rank's {@link CollectiveConfig#reproducible()} to every rank (one world allgatherv of a byte):
     * ranks that disagree would enter different inter-node phases and hang in MPI.
     *
     * @throws IllegalStateException on every rank if any two disagree, naming each rank's setting.
     */
    private void checkSameReproducibleEverywhere()
    {
        final int size = inter.worldSize();
        final long mine = scratch(ACC, 1).memoryAddress();
        final long all = scratch(ALL, size).memoryAddress();
        UnsafeApi.putByte(mine, (byte)(reproducible ? 1 : 0));
        final long[] bytesPerRank = new long[size];
        final long[] displs = new long[size];
        for (int r = 0; r < size; r++)
        {
            bytesPerRank[r] = 1;
            displs[r] = r;
        }
        inter.allGatherv(mine, 1, all, size, bytesPerRank, displs);
        final boolean[] settings = new boolean[size];
        boolean same = true;
        for (int r = 0; r < size; r++)
        {
            settings[r] = UnsafeApi.getByte(all + r) != 0;
            same &= settings[r] == reproducible;
        }
        if (!same)
        {
            throw new IllegalStateException("smartmap.reproducible differs between ranks (it must be the same on " +
                "every rank): reproducibleByRank=" + Arrays.toString(settings));
        }
    }

    /**
     * @return whether this reduction takes the unordered path: {@code -Dsmartmap.reproducible=false} and an op
     *         the MPI library computes as smartmap does ({@link InterNode#reducesNatively}).
     */
    private boolean unordered(final Datatype datatype, final Op op)
    {
        return !reproducible && inter.reducesNatively(datatype, op);
    }

    /**
     * The unordered path's node phase: the node reduce to the leader (node ranks in order).
     *
     * @return on the leaders, the address of this node's partial (slot {@link #ACC}); 0 elsewhere.
     */
    private long nodePartial(final Object sendBuf, final int count, final Datatype datatype, final Op op,
        final Algorithm algorithm)
    {
        if (!inter.isLeader())
        {
            node.reduce(sendBuf, null, count, datatype, op, 0, algorithm);
            return 0;
        }
        final RegionBuffer partial = scratch(ACC, (long)count * datatype.extent());
        node.reduce(sendBuf, partial, count, datatype, op, 0, algorithm);
        return partial.memoryAddress();
    }

    /**
     * The whole reduction on every leader, in slot {@link #PARTIAL}: the reproducible {@link #chain} and a
     * leader bcast from the last node, or, unordered, the node partials reduced by the MPI library's
     * {@code MPI_Allreduce} over the leaders.
     *
     * @return on the leaders, the result's address; 0 elsewhere.
     */
    private long leaderResult(final Object sendBuf, final int count, final Datatype datatype, final Op op,
        final Algorithm algorithm)
    {
        final long bytes = (long)count * datatype.extent();
        if (unordered(datatype, op))
        {
            final long partial = nodePartial(sendBuf, count, datatype, op, algorithm);
            if (partial == 0)
            {
                return 0;
            }
            final long result = scratch(PARTIAL, bytes).memoryAddress();
            inter.leaderAllReduce(partial, result, count, datatype, op);
            return result;
        }
        final long result = chain(sendBuf, count, datatype, op, algorithm);
        if (result != 0)
        {
            inter.leaderBcast(result, bytes, inter.nodeCount() - 1);
        }
        return result;
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
            return new Hierarchy(inter, config, new Communicator(inter.node(), config));
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

    /**
     * {@link Communicator#split} across nodes: the MPI sub-world ({@link InterNode#split}), then this node's
     * communicator split by the same color with the sub-world rank as key, so its node ranks follow the
     * sub-world's as in any world. Collective over this world.
     *
     * @return the sub-world's hierarchy, or null for {@link Communicator#UNDEFINED}.
     */
    Hierarchy split(final int color, final int key)
    {
        final InterNode sub = inter.split(color, key);
        final Communicator subNode;
        try
        {
            subNode = node.split(color, sub == null ? 0 : sub.worldRank());
        }
        catch (final RuntimeException ex)
        {
            if (sub != null)
            {
                sub.close();
            }
            throw ex;
        }
        if (sub == null)
        {
            return null;
        }
        try
        {
            return new Hierarchy(sub, config, subNode);
        }
        catch (final RuntimeException ex)
        {
            subNode.close();
            sub.close();
            throw ex;
        }
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
        final long result;
        final int holder; // the leader that holds the result
        if (unordered(datatype, op))
        {
            final int rootNode = inter.nodeOf(root);
            holder = leaderOf[rootNode];
            final long partial = nodePartial(sendBuf, count, datatype, op, algorithm);
            result = partial == 0 ? 0 : scratch(PARTIAL, bytes).memoryAddress();
            if (partial != 0)
            {
                inter.leaderReduce(partial, result, count, datatype, op, rootNode);
            }
        }
        else
        {
            holder = leaderOf[inter.nodeCount() - 1];
            result = chain(sendBuf, count, datatype, op, algorithm);
        }
        final int self = inter.worldRank();
        if (self == holder)
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
            inter.recv(at, bytes, holder);
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
        final long result = leaderResult(sendBuf, count, datatype, op, algorithm);
        final Algorithm bcast = movePhase(algorithm);
        if (inter.isLeader())
        {
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
        final RegionBuffer ordered = rankOrder(nodeMajor, block);
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
     * Allreduce with MPI_IN_PLACE: the out-of-place phases with {@code buf} as both buffers (the node reduce
     * has read it before anything writes it); one node: the node communicator's in-place allreduce.
     */
    void allReduce(final Object buf, final int count, final Datatype datatype, final Op op, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.allReduce(buf, count, datatype, op, algorithm);
            return;
        }
        allReduce(buf, buf, count, datatype, op, algorithm);
    }

    /** Reduce with MPI_IN_PLACE at the root: as {@link #allReduce(Object, int, Datatype, Op, Algorithm)}. */
    void reduce(final Object buf, final int count, final Datatype datatype, final Op op, final int root,
        final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.reduce(buf, count, datatype, op, root, algorithm);
            return;
        }
        reduce(buf, inter.worldRank() == root ? buf : null, count, datatype, op, root, algorithm);
    }

    /** Allgather with MPI_IN_PLACE: this rank's block of {@code buf} copied into scratch, then the out-of-place phases. */
    void allGather(final Object buf, final int count, final Datatype datatype, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.allGather(buf, count, datatype, algorithm);
            return;
        }
        final long block = (long)count * datatype.extent();
        final RegionBuffer input = scratch(INPUT, block);
        copyAt(buf, block * inter.worldRank(), input.memoryAddress(), block, true);
        allGather(input, buf, count, datatype, algorithm);
    }

    void gather(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final int root,
        final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.gather(sendBuf, recvBuf, count, datatype, nodeRankOf[root], algorithm);
            return;
        }
        final long block = (long)count * datatype.extent();
        final int size = inter.worldSize();
        final int self = inter.worldRank();
        final int rootNode = inter.nodeOf(root);
        final Algorithm phase = movePhase(algorithm);
        if (inter.isLeader())
        {
            final RegionBuffer gathered = scratch(GATHERED, block * inter.nodeSize());
            node.gather(sendBuf, gathered, count, datatype, 0, phase);
            if (inter.nodeIndex() != rootNode)
            {
                inter.leaderSend(gathered.memoryAddress(), block * inter.nodeSize(), rootNode);
            }
            else
            {
                // the root's leader receives the node blocks in node order (each leader sends one message)
                final RegionBuffer nodeMajor = scratch(ORDERED, block * size);
                long at = nodeMajor.memoryAddress();
                for (int j = 0; j < members.length; j++)
                {
                    final long bytes = block * members[j].length;
                    if (j == rootNode)
                    {
                        Exchange.copy(gathered.memoryAddress(), at, bytes);
                    }
                    else
                    {
                        inter.leaderRecv(at, bytes, j);
                    }
                    at += bytes;
                }
                final RegionBuffer ordered = rankOrder(nodeMajor, block);
                if (self == root)
                {
                    Staging.copy(recvBuf, ordered.memoryAddress(), block * size, false);
                }
                else
                {
                    inter.send(ordered.memoryAddress(), block * size, root);
                }
            }
        }
        else
        {
            node.gather(sendBuf, null, count, datatype, 0, phase);
            if (self == root)
            {
                receive(recvBuf, block * size, leaderOf[rootNode]);
            }
        }
    }

    void scatter(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final int root,
        final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.scatter(sendBuf, recvBuf, count, datatype, nodeRankOf[root], algorithm);
            return;
        }
        final long block = (long)count * datatype.extent();
        final long total = block * inter.worldSize();
        final int self = inter.worldRank();
        final int rootNode = inter.nodeOf(root);
        final Algorithm phase = movePhase(algorithm);
        if (!inter.isLeader())
        {
            if (self == root)
            {
                inter.send(sendAddress(sendBuf, total), total, leaderOf[rootNode]);
            }
            node.scatter(null, recvBuf, count, datatype, 0, phase);
            return;
        }
        final RegionBuffer mine = scratch(GATHERED, block * inter.nodeSize());
        if (inter.nodeIndex() == rootNode)
        {
            final long ordered;
            if (self == root)
            {
                ordered = sendAddress(sendBuf, total);
            }
            else
            {
                ordered = scratch(STAGE, total).memoryAddress();
                inter.recv(ordered, total, root);
            }
            final long nodeMajor = nodeMajorOrder(ordered, block);
            long at = nodeMajor;
            for (int j = 0; j < members.length; j++)
            {
                final long bytes = block * members[j].length;
                if (j == rootNode)
                {
                    Exchange.copy(at, mine.memoryAddress(), bytes);
                }
                else
                {
                    inter.leaderSend(at, bytes, j);
                }
                at += bytes;
            }
        }
        else
        {
            inter.leaderRecv(mine.memoryAddress(), block * inter.nodeSize(), rootNode);
        }
        node.scatter(mine, recvBuf, count, datatype, 0, phase);
    }

    /**
     * Reduce-scatter (block or not): {@link #allReduce}'s inter-node phases over the whole send buffer
     * ({@link #leaderResult}: the reproducible chain and a leader bcast, or the unordered leader allreduce),
     * then a node scatterv from the leader: every rank's block (at its world offset) straight out of the
     * leader's copy of the result.
     *
     * @param recvCounts elements of each world rank's block; {@code total} their sum.
     */
    void reduceScatter(final Object sendBuf, final Object recvBuf, final int[] recvCounts, final int total,
        final Datatype datatype, final Op op, final Algorithm algorithm)
    {
        final int[] ranks = members[inter.nodeIndex()];
        final int own = recvCounts[inter.worldRank()];
        // nothing to write here: a scratch buffer stands in for the absent receive buffer of an empty block
        final Object recv = recvBuf != null ? recvBuf : scratch(RESULT, 0);
        final Algorithm phase = movePhase(algorithm);
        leaderResult(sendBuf, total, datatype, op, algorithm);
        if (!inter.isLeader())
        {
            node.scatterv(null, null, null, recv, own, datatype, 0, phase);
            return;
        }
        final int[] offsets = new int[inter.worldSize()];
        for (int r = 1; r < offsets.length; r++)
        {
            offsets[r] = offsets[r - 1] + recvCounts[r - 1];
        }
        final int[] counts = new int[ranks.length];
        final int[] displs = new int[ranks.length];
        for (int i = 0; i < ranks.length; i++)
        {
            counts[i] = recvCounts[ranks[i]];
            displs[i] = offsets[ranks[i]];
        }
        node.scatterv(scratch[PARTIAL], counts, displs, recv, own, datatype, 0, phase);
    }

    /**
     * Scan or exscan: rank i gets the fold of ranks 0..i (exclusive: 0..i-1) in rank order. Contiguous node
     * blocks: a chain along the nodes; the last rank of node k-1 sends its prefix (the fold of every rank
     * below node k) to the leader of node k, which folds its own contribution onto it ({@code A op x}) and
     * enters the node scan with that, so the node scan continues the one left fold of ranks 0..i. Other
     * placements: {@link #scanByAllGather}.
     */
    void scan(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype, final Op op,
        final Algorithm algorithm, final boolean exclusive)
    {
        if (inter.nodeCount() == 1)
        {
            if (exclusive)
            {
                node.exScan(sendBuf, recvBuf, count, datatype, op, algorithm);
            }
            else
            {
                node.scan(sendBuf, recvBuf, count, datatype, op, algorithm);
            }
            return;
        }
        if (!blocks)
        {
            scanByAllGather(sendBuf, recvBuf, count, datatype, op, algorithm, exclusive);
            return;
        }
        final long bytes = (long)count * datatype.extent();
        final int k = inter.nodeIndex();
        final ReductionKernel kernel = config.kernels().kernel(datatype, op);
        Object contribution = sendBuf;
        if (inter.isLeader() && k > 0)
        {
            final RegionBuffer acc = scratch(ACC, bytes);
            inter.recv(acc.memoryAddress(), bytes, members[k - 1][members[k - 1].length - 1]);
            if (exclusive)
            {
                Staging.copy(recvBuf, acc.memoryAddress(), bytes, false); // the leader's exclusive prefix: A itself
            }
            kernel.combine(acc.memoryAddress(), acc.memoryAddress(), sendAddress(sendBuf, bytes), count);
            contribution = acc;
        }
        if (exclusive)
        {
            node.exScan(contribution, inter.isLeader() ? null : recvBuf, count, datatype, op, algorithm);
        }
        else
        {
            node.scan(contribution, recvBuf, count, datatype, op, algorithm);
        }
        if (inter.nodeRank() == inter.nodeSize() - 1 && k < inter.nodeCount() - 1)
        {
            // the fold of every rank of nodes 0..k, for the next node's leader
            final long prefix;
            if (!exclusive)
            {
                prefix = sendAddress(recvBuf, bytes);
            }
            else if (inter.isLeader())
            {
                prefix = sendAddress(contribution, bytes); // a node of one: its contribution is the fold
            }
            else
            {
                final RegionBuffer fold = scratch(RESULT, bytes);
                Staging.copy(recvBuf, fold.memoryAddress(), bytes, true);
                kernel.combine(fold.memoryAddress(), fold.memoryAddress(), sendAddress(sendBuf, bytes), count);
                prefix = fold.memoryAddress();
            }
            inter.send(prefix, bytes, leaderOf[k + 1]);
        }
    }

    /**
     * Scan for placements other than contiguous node blocks (the prefix of world ranks 0..i crosses nodes
     * back and forth): {@link #allGather} of every rank's input in rank order, then each rank folds ranks 0..i
     * (exclusive: 0..i-1) itself, left to right. Cost: {@code size * count} elements of scratch and of
     * allgather traffic per rank, and up to {@code size - 1} local folds of {@code count} elements.
     */
    private void scanByAllGather(final Object sendBuf, final Object recvBuf, final int count, final Datatype datatype,
        final Op op, final Algorithm algorithm, final boolean exclusive)
    {
        final long bytes = (long)count * datatype.extent();
        final RegionBuffer all = scratch(ALL, bytes * inter.worldSize());
        allGather(sendBuf, all, count, datatype, algorithm);
        final int last = exclusive ? inter.worldRank() - 1 : inter.worldRank();
        if (last < 0)
        {
            return; // exscan on rank 0: nothing to write
        }
        final RegionBuffer fold = scratch(RESULT, bytes);
        Exchange.copy(all.memoryAddress(), fold.memoryAddress(), bytes);
        final ReductionKernel kernel = config.kernels().kernel(datatype, op);
        for (int r = 1; r <= last; r++)
        {
            kernel.combine(fold.memoryAddress(), fold.memoryAddress(), all.memoryAddress() + r * bytes, count);
        }
        Staging.copy(recvBuf, fold.memoryAddress(), bytes, false);
    }

    /** Scan with MPI_IN_PLACE: {@code buf} copied into scratch (the node scan reads inputs while writing results). */
    void scan(final Object buf, final int count, final Datatype datatype, final Op op, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.scan(buf, count, datatype, op, algorithm);
            return;
        }
        final long bytes = (long)count * datatype.extent();
        final RegionBuffer input = scratch(INPUT, bytes);
        Staging.copy(buf, input.memoryAddress(), bytes, true);
        scan(input, buf, count, datatype, op, algorithm, false);
    }

    /**
     * Allgatherv: {@code MPI_Allgatherv} over all world ranks (every rank knows every count and displacement;
     * correct for any placement; the caller's algorithm is checked as on one node but selects no phase).
     * A receive buffer on the Java heap is staged over the span of its blocks, copied in first so that
     * the gaps between blocks keep their contents.
     */
    void allGatherv(final Object sendBuf, final int sendCount, final Object recvBuf, final long recvElements,
        final int[] recvCounts, final int[] displs, final Datatype datatype, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.allGatherv(sendBuf, sendCount, recvBuf, recvCounts, displs, datatype, algorithm);
            return;
        }
        final int extent = datatype.extent();
        final long sendBytes = (long)sendCount * extent;
        final long span = recvElements * extent;
        final long send = sendAddress(sendBuf, sendBytes);
        final long direct = writableAddress(recvBuf);
        final long recv = direct != 0 ? direct : scratch(ACC, span).memoryAddress();
        if (direct == 0)
        {
            Staging.copy(recvBuf, recv, span, true);
        }
        final int size = inter.worldSize();
        final long[] bytes = new long[size];
        final long[] at = new long[size];
        for (int r = 0; r < size; r++)
        {
            bytes[r] = (long)recvCounts[r] * extent;
            at[r] = (long)displs[r] * extent;
        }
        inter.allGatherv(send, sendBytes, recv, span, bytes, at);
        if (direct == 0)
        {
            Staging.copy(recvBuf, recv, span, false);
        }
    }

    /**
     * Alltoallv: {@code MPI_Alltoallv} over all world ranks, as {@link #allToAll}; a heap receive buffer is
     * staged over its blocks' span, copied in first (gaps keep their contents).
     */
    void allToAllv(final Object sendBuf, final long sendElements, final int[] sendCounts, final int[] sDispls,
        final Object recvBuf, final long recvElements, final int[] recvCounts, final int[] rDispls,
        final Datatype datatype, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.allToAllv(sendBuf, sendCounts, sDispls, recvBuf, recvCounts, rDispls, datatype, algorithm);
            return;
        }
        final int extent = datatype.extent();
        final long sendSpan = sendElements * extent;
        final long recvSpan = recvElements * extent;
        final long send = sendAddress(sendBuf, sendSpan);
        final long direct = writableAddress(recvBuf);
        final long recv = direct != 0 ? direct : scratch(ACC, recvSpan).memoryAddress();
        if (direct == 0)
        {
            Staging.copy(recvBuf, recv, recvSpan, true);
        }
        final int size = inter.worldSize();
        final long[] sendBytes = new long[size];
        final long[] sendAt = new long[size];
        final long[] recvBytes = new long[size];
        final long[] recvAt = new long[size];
        for (int r = 0; r < size; r++)
        {
            sendBytes[r] = (long)sendCounts[r] * extent;
            sendAt[r] = (long)sDispls[r] * extent;
            recvBytes[r] = (long)recvCounts[r] * extent;
            recvAt[r] = (long)rDispls[r] * extent;
        }
        inter.allToAllv(send, sendSpan, sendBytes, sendAt, recv, recvSpan, recvBytes, recvAt);
        if (direct == 0)
        {
            Staging.copy(recvBuf, recv, recvSpan, false);
        }
    }

    /**
     * Gatherv: every rank's count to its leader (node gather of one int), node gatherv of the data to the
     * leader, packed in node-rank order; every other leader sends its node's counts, then its data, to the
     * root's leader, which sends all counts (world rank order) and the data (node-major) on to the root
     * (none when the root leads its node). The root checks every rank's count against its
     * {@code recvCounts} before it writes anything, then copies each block to its displacement.
     *
     * @throws CollectiveMismatchException at the root if a rank's {@code sendCount} is not its {@code recvCounts} entry.
     */
    void gatherv(final Object sendBuf, final int sendCount, final Object recvBuf, final int[] recvCounts,
        final int[] displs, final Datatype datatype, final int root, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.gatherv(sendBuf, sendCount, recvBuf, recvCounts, displs, datatype, nodeRankOf[root], algorithm);
            return;
        }
        final int extent = datatype.extent();
        final int size = inter.worldSize();
        final int self = inter.worldRank();
        final int rootNode = inter.nodeOf(root);
        final int rootLeader = leaderOf[rootNode];
        final Algorithm phase = movePhase(algorithm);
        final int[] nodeCounts = inter.isLeader() ? new int[inter.nodeSize()] : null;
        node.gather(new int[] {sendCount}, nodeCounts, 1, Datatype.INT, 0, phase);
        if (!inter.isLeader())
        {
            node.gatherv(sendBuf, sendCount, null, null, null, datatype, 0, phase);
        }
        else
        {
            final int[] packed = new int[nodeCounts.length];
            for (int i = 1; i < packed.length; i++)
            {
                packed[i] = packed[i - 1] + nodeCounts[i - 1];
            }
            final long nodeBytes = sum(nodeCounts) * extent;
            final RegionBuffer gathered = scratch(GATHERED, nodeBytes);
            node.gatherv(sendBuf, sendCount, gathered, nodeCounts, packed, datatype, 0, phase);
            if (inter.nodeIndex() != rootNode)
            {
                final long counts = ints(nodeCounts);
                inter.leaderSend(counts, 4L * nodeCounts.length, rootNode);
                inter.leaderSend(gathered.memoryAddress(), nodeBytes, rootNode);
            }
            else
            {
                // the counts of every node first (each leader sends its counts, then its data), then the data
                final int[] counts = new int[size];
                final int[][] countsOf = new int[members.length][];
                long total = 0;
                for (int j = 0; j < members.length; j++)
                {
                    countsOf[j] = j == rootNode ? nodeCounts : new int[members[j].length];
                    if (j != rootNode)
                    {
                        final long at = scratch(COUNTS, 4L * members[j].length).memoryAddress();
                        inter.leaderRecv(at, 4L * members[j].length, j);
                        copyAt(countsOf[j], 0, at, 4L * members[j].length, false);
                    }
                    for (int i = 0; i < members[j].length; i++)
                    {
                        counts[members[j][i]] = countsOf[j][i];
                        total += countsOf[j][i];
                    }
                }
                final long nodeMajor = scratch(ORDERED, total * extent).memoryAddress();
                long at = nodeMajor;
                for (int j = 0; j < members.length; j++)
                {
                    final long bytes = sum(countsOf[j]) * extent;
                    if (j == rootNode)
                    {
                        Exchange.copy(gathered.memoryAddress(), at, bytes);
                    }
                    else
                    {
                        inter.leaderRecv(at, bytes, j);
                    }
                    at += bytes;
                }
                if (self == root)
                {
                    place(recvBuf, recvCounts, displs, extent, counts, nodeMajor);
                }
                else
                {
                    inter.send(ints(counts), 4L * size, root);
                    inter.send(nodeMajor, total * extent, root);
                }
            }
        }
        if (self == root && self != rootLeader)
        {
            final int[] counts = new int[size];
            final long at = scratch(COUNTS, 4L * size).memoryAddress();
            inter.recv(at, 4L * size, rootLeader);
            copyAt(counts, 0, at, 4L * size, false);
            final long bytes = sum(counts) * extent;
            final long nodeMajor = scratch(STAGE, bytes).memoryAddress();
            inter.recv(nodeMajor, bytes, rootLeader);
            place(recvBuf, recvCounts, displs, extent, counts, nodeMajor);
        }
    }

    /** At the root of gatherv: every rank's count checked against {@code recvCounts}, then the node-major blocks placed. */
    private void place(final Object recvBuf, final int[] recvCounts, final int[] displs, final int extent,
        final int[] counts, final long nodeMajor)
    {
        for (int r = 0; r < counts.length; r++)
        {
            if (counts[r] != recvCounts[r])
            {
                throw new CollectiveMismatchException("gatherv: a rank's sendCount differs from the root's recvCounts: " +
                    "rank=" + r + ", sendCount=" + counts[r] + ", recvCounts[" + r + "]=" + recvCounts[r] + ", root=" +
                    inter.worldRank());
            }
        }
        long at = nodeMajor;
        for (final int[] ranks : members)
        {
            for (final int r : ranks)
            {
                final long bytes = (long)counts[r] * extent;
                copyAt(recvBuf, (long)displs[r] * extent, at, bytes, false);
                at += bytes;
            }
        }
    }

    /**
     * Scatterv: the root packs its blocks in node-major order and sends the counts (world rank order) and
     * the pack to its leader (none when it leads its node); that leader sends every other leader its node's
     * counts, then its node's pack; node scatterv from each leader (which checks each rank's
     * {@code recvCount} against its count, as on one node).
     */
    void scatterv(final Object sendBuf, final int[] sendCounts, final int[] displs, final Object recvBuf,
        final int recvCount, final Datatype datatype, final int root, final Algorithm algorithm)
    {
        if (inter.nodeCount() == 1)
        {
            node.scatterv(sendBuf, sendCounts, displs, recvBuf, recvCount, datatype, nodeRankOf[root], algorithm);
            return;
        }
        final int extent = datatype.extent();
        final int size = inter.worldSize();
        final int self = inter.worldRank();
        final int rootNode = inter.nodeOf(root);
        final int rootLeader = leaderOf[rootNode];
        final Algorithm phase = movePhase(algorithm);
        int[] counts = null;
        long nodeMajor = 0;
        if (self == root)
        {
            counts = Arrays.copyOf(sendCounts, size);
            final long total = sum(counts) * extent;
            nodeMajor = scratch(ORDERED, total).memoryAddress();
            long at = nodeMajor;
            for (final int[] ranks : members)
            {
                for (final int r : ranks)
                {
                    final long bytes = (long)counts[r] * extent;
                    copyAt(sendBuf, (long)displs[r] * extent, at, bytes, true);
                    at += bytes;
                }
            }
            if (self != rootLeader)
            {
                inter.send(ints(counts), 4L * size, rootLeader);
                inter.send(nodeMajor, total, rootLeader);
            }
        }
        if (!inter.isLeader())
        {
            node.scatterv(null, null, null, recvBuf, recvCount, datatype, 0, phase);
            return;
        }
        final int[] nodeCounts;
        final RegionBuffer mine;
        if (inter.nodeIndex() == rootNode)
        {
            if (self != root)
            {
                counts = new int[size];
                final long at = scratch(COUNTS, 4L * size).memoryAddress();
                inter.recv(at, 4L * size, root);
                copyAt(counts, 0, at, 4L * size, false);
                nodeMajor = scratch(ORDERED, sum(counts) * extent).memoryAddress();
                inter.recv(nodeMajor, sum(counts) * extent, root);
            }
            int[] own = null;
            long ownAt = 0;
            long at = nodeMajor;
            for (int j = 0; j < members.length; j++)
            {
                final int[] countsOfNode = new int[members[j].length];
                for (int i = 0; i < countsOfNode.length; i++)
                {
                    countsOfNode[i] = counts[members[j][i]];
                }
                final long bytes = sum(countsOfNode) * extent;
                if (j == rootNode)
                {
                    own = countsOfNode;
                    ownAt = at;
                }
                else
                {
                    inter.leaderSend(ints(countsOfNode), 4L * countsOfNode.length, j);
                    inter.leaderSend(at, bytes, j);
                }
                at += bytes;
            }
            nodeCounts = own;
            mine = scratch(GATHERED, sum(own) * extent);
            Exchange.copy(ownAt, mine.memoryAddress(), sum(own) * extent);
        }
        else
        {
            nodeCounts = new int[inter.nodeSize()];
            final long at = scratch(COUNTS, 4L * nodeCounts.length).memoryAddress();
            inter.leaderRecv(at, 4L * nodeCounts.length, rootNode);
            copyAt(nodeCounts, 0, at, 4L * nodeCounts.length, false);
            mine = scratch(GATHERED, sum(nodeCounts) * extent);
            inter.leaderRecv(mine.memoryAddress(), sum(nodeCounts) * extent, rootNode);
        }
        final int[] packed = new int[nodeCounts.length];
        for (int i = 1; i < packed.length; i++)
        {
            packed[i] = packed[i - 1] + nodeCounts[i - 1];
        }
        node.scatterv(mine, nodeCounts, packed, recvBuf, recvCount, datatype, 0, phase);
    }

    private static long sum(final int[] values)
    {
        long sum = 0;
        for (final int v : values)
        {
            sum += v;
        }
        return sum;
    }

    /** @return the address of {@code values} copied into native scratch ({@link #COUNTS}), for a message. */
    private long ints(final int[] values)
    {
        final long at = scratch(COUNTS, 4L * values.length).memoryAddress();
        copyAt(values, 0, at, 4L * values.length, true);
        return at;
    }

    /** @return the native address of {@code bytes} of a buffer that is only read: in place, or staged in {@link #STAGE}. */
    private long sendAddress(final Object buffer, final long bytes)
    {
        final long direct = readableAddress(buffer);
        if (direct != 0)
        {
            return direct;
        }
        final long at = scratch(STAGE, bytes).memoryAddress();
        Staging.copy(buffer, at, bytes, true);
        return at;
    }

    /** Receive {@code bytes} from world rank {@code from} into a buffer: in place, or through {@link #STAGE}. */
    private void receive(final Object buffer, final long bytes, final int from)
    {
        final long direct = writableAddress(buffer);
        final long at = direct != 0 ? direct : scratch(STAGE, bytes).memoryAddress();
        inter.recv(at, bytes, from);
        if (direct == 0)
        {
            Staging.copy(buffer, at, bytes, false);
        }
    }

    /** @return blocks in node-major order rearranged into rank order (in {@link #ACC}), or the same buffer for contiguous blocks. */
    private RegionBuffer rankOrder(final RegionBuffer nodeMajor, final long block)
    {
        if (blocks)
        {
            return nodeMajor;
        }
        final RegionBuffer ordered = scratch(ACC, block * inter.worldSize());
        long at = nodeMajor.memoryAddress();
        for (final int[] ranks : members)
        {
            for (final int r : ranks)
            {
                Exchange.copy(at, ordered.memoryAddress() + r * block, block);
                at += block;
            }
        }
        return ordered;
    }

    /** @return blocks in rank order at {@code ordered} rearranged into node-major order (in {@link #ORDERED}), or {@code ordered}. */
    private long nodeMajorOrder(final long ordered, final long block)
    {
        if (blocks)
        {
            return ordered;
        }
        final long nodeMajor = scratch(ORDERED, block * inter.worldSize()).memoryAddress();
        long at = nodeMajor;
        for (final int[] ranks : members)
        {
            for (final int r : ranks)
            {
                Exchange.copy(ordered + r * block, at, block);
                at += block;
            }
        }
        return nodeMajor;
    }

    /** Copy {@code bytes} between native memory and a buffer from byte {@code byteOffset} of it ({@code in}: into memory). */
    private static void copyAt(final Object buffer, final long byteOffset, final long memory, final long bytes,
        final boolean in)
    {
        if (!Staging.addressable(buffer)) // a read-only heap ByteBuffer: a slice from the offset, read by its bulk get
        {
            final ByteBuffer view = ((ByteBuffer)buffer).duplicate();
            view.position(Math.toIntExact(view.position() + byteOffset));
            Staging.copy(view.slice(), memory, bytes, in);
            return;
        }
        if (in)
        {
            UnsafeApi.copyMemory(Staging.baseOf(buffer), Staging.offsetOf(buffer) + byteOffset, null, memory, bytes);
        }
        else
        {
            UnsafeApi.copyMemory(null, memory, Staging.baseOf(buffer), Staging.offsetOf(buffer) + byteOffset, bytes);
        }
    }

    /**
     * The node communicator closed, the scratch given back, then {@link InterNode#close()} (node barrier,
     * node handle closed, MPI finalized).
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
