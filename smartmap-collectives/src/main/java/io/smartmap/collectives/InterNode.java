package io.smartmap.collectives;

import io.smartmap.core.SmartMap;

import java.util.Map;

/**
 * The inter-node side of a job started by an MPI launcher ({@code mpirun}, {@code srun}, Hydra), as
 * the hierarchical collectives of {@link Communicator#world()} need it (DESIGN.md section 3b): the
 * job's facts (world, node and leader ranks), this rank's handle on its node's segment, and the few
 * operations of the inter-node phase on native memory, addresses as {@code long} and lengths in
 * bytes. Plain Java 17: smartmap-collectives never loads an MPI class or library itself; the
 * implementation ({@code smartmap-mpi}, JDK 22+) is found with {@link java.util.ServiceLoader}
 * through {@link InterNodeProvider} only when the process was started by an MPI launcher.
 * <p>
 * Ranks: world ranks are MPI's ({@code MPI_COMM_WORLD}); a node holds the world ranks with one node
 * index, ranked inside it by world rank (node rank 0, the lowest, is the node's leader); leaders are
 * ranked by node index in the leader operations. Every operation is collective over the ranks it names
 * and blocks until this rank's part is done. One thread at a time (the world communicator enforces it).
 */
public interface InterNode extends AutoCloseable
{
    /** Environment variables by which MPI launchers tell a process its rank (Open MPI, Hydra/PMI, PMIx). */
    String[] LAUNCHER_RANK_ENV = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};

    /**
     * @param env the process environment.
     * @return whether an MPI launcher started this process and {@code bin/smartmap-run} did not
     *         ({@code SMARTMAP_RANK} unset): {@link Communicator#world()} then spans all MPI ranks.
     */
    static boolean launchedByMpi(final Map<String, String> env)
    {
        if (env.get(io.smartmap.core.SmartMapOptions.RANK_ENV) != null)
        {
            return false;
        }
        for (final String name : LAUNCHER_RANK_ENV)
        {
            if (env.get(name) != null)
            {
                return true;
            }
        }
        return false;
    }

    /** @return this process's rank in {@code MPI_COMM_WORLD}. */
    int worldRank();

    /** @return the ranks of {@code MPI_COMM_WORLD}. */
    int worldSize();

    /** @return this rank's node, {@code [0, nodeCount())}, nodes numbered by their leaders' world ranks. */
    int nodeIndex();

    /** @return the nodes of the job. */
    int nodeCount();

    /** @return this rank's rank in its node, by world rank; 0 is the leader. */
    int nodeRank();

    /** @return the ranks of this rank's node. */
    int nodeSize();

    /** @return whether this rank leads its node (node rank 0). */
    default boolean isLeader()
    {
        return nodeRank() == 0;
    }

    /** @return the node of a world rank (the same table on every rank). */
    int nodeOf(int worldRank);

    /** @return this rank's handle on its node's segment, its rank there {@link #nodeRank()}. */
    SmartMap node();

    /** Barrier over the leaders. Leaders only. */
    void leaderBarrier();

    /** Broadcast {@code bytes} at {@code address} from the leader of {@code rootNode} to every leader. Leaders only. */
    void leaderBcast(long address, long bytes, int rootNode);

    /** Send {@code bytes} at {@code address} to the leader of {@code node}. Leaders only. */
    void leaderSend(long address, long bytes, int node);

    /** Receive {@code bytes} into {@code address} from the leader of {@code node}. Leaders only. */
    void leaderRecv(long address, long bytes, int node);

    /**
     * Every leader's {@code sendBytes} at {@code sendAddress} land at {@code recvAddress} in node order:
     * node j's at the sum of {@code bytesPerNode[0..j)} ({@code bytesPerNode[j]} equals node j's
     * {@code sendBytes}). Leaders only.
     */
    void leaderAllGatherv(long sendAddress, long sendBytes, long recvAddress, long[] bytesPerNode);

    /**
     * @return whether {@link #leaderAllReduce} and {@link #leaderReduce} take this datatype and op: a
     *         predefined op the MPI library computes with the same result per element as smartmap's kernels
     *         (no user op, no location op; for floating point only SUM and PROD, whose C arithmetic is
     *         Java's: MPI's MIN and MAX of a NaN or of -0.0 and 0.0 are the library's choice).
     */
    boolean reducesNatively(Datatype datatype, Op op);

    /**
     * {@code MPI_Allreduce} over the leaders: {@code count} elements at {@code sendAddress} from every leader
     * reduced in the MPI library's order into {@code recvAddress} of every leader (the two do not overlap).
     * Only where {@link #reducesNatively}; leaders only.
     */
    void leaderAllReduce(long sendAddress, long recvAddress, int count, Datatype datatype, Op op);

    /**
     * {@code MPI_Reduce} over the leaders into {@code recvAddress} of the leader of {@code rootNode}
     * (unread elsewhere), as {@link #leaderAllReduce}. Only where {@link #reducesNatively}; leaders only.
     */
    void leaderReduce(long sendAddress, long recvAddress, int count, Datatype datatype, Op op, int rootNode);

    /** Send {@code bytes} at {@code address} to world rank {@code worldRank}. */
    void send(long address, long bytes, int worldRank);

    /** Receive {@code bytes} into {@code address} from world rank {@code worldRank}. */
    void recv(long address, long bytes, int worldRank);

    /** Alltoall over the world: block j ({@code bytesPerRank}) of the send side goes to world rank j. All ranks. */
    void allToAll(long sendAddress, long recvAddress, long bytesPerRank);

    /**
     * Allgatherv over the world: every rank's {@code sendBytes} at {@code sendAddress} land at
     * {@code recvAddress + displs[r]} of every rank, rank r's {@code bytesPerRank[r]} bytes (its
     * {@code sendBytes}); nothing else of the {@code recvSpan} bytes at {@code recvAddress} is written. All ranks.
     */
    void allGatherv(long sendAddress, long sendBytes, long recvAddress, long recvSpan, long[] bytesPerRank,
        long[] displs);

    /**
     * Alltoallv over the world: {@code sendBytes[j]} bytes at {@code sendAddress + sendDispls[j]} go to world
     * rank j, and rank j's block for this rank lands at {@code recvAddress + recvDispls[j]}
     * ({@code recvBytes[j]} bytes); the spans are the bytes from each address that the blocks reach. All ranks.
     */
    void allToAllv(long sendAddress, long sendSpan, long[] sendBytes, long[] sendDispls, long recvAddress,
        long recvSpan, long[] recvBytes, long[] recvDispls);

    /**
     * {@code MPI_Comm_split} of this world: the ranks that pass the same {@code color} form a sub-world,
     * ranked by {@code key} and then by their rank here. Its nodes are this world's nodes' members in it
     * (node ranks by sub-world rank), its node indices the order of their leaders' sub-world ranks, and
     * {@link #node()} is this world's handle (not owned: its {@link #close()} frees the sub-world's MPI
     * communicators only, collective over the sub-world). Collective over this world.
     *
     * @param color non-negative, or {@link Communicator#UNDEFINED} to join none.
     * @return the sub-world, or null for {@link Communicator#UNDEFINED}.
     */
    InterNode split(int color, int key);

    /**
     * End the job on this rank: a barrier over the node (nobody touches the segment any more), this
     * rank's node handle closed (the segment's files went at the join), MPI finalized; a {@link #split}
     * sub-world frees its communicators only. Collective over the world; idempotent.
     */
    @Override
    void close();
}
