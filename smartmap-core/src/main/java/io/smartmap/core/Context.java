package io.smartmap.core;

/**
 * One communicator's collective state on this rank (the {@code context} of the SMARTMAP paper's
 * {@code coll_info}): its member ranks, one control block per member (sequence, descriptor, counters,
 * inline slots), one two-copy ring area per member, the wait primitive and the sequence counter.
 * Collectives of different contexts never share a counter or a control line, so they never
 * interfere, and may run at the same time from different threads of one rank (one thread per
 * context at a time).
 * <p>
 * The world context ({@link SmartMap#world()}, id 0) uses the control block at the start of every
 * region and the rings after it. A sub-communicator's context ({@link SmartMap#openContext}) uses a
 * block and rings that each member allocated in its own arena ({@link SmartMap#allocateContext}) and
 * whose addresses the members exchanged through the parent communicator. Ranks of a context are
 * local ({@code [0, size())}); {@link #worldRank} maps them to the job's ranks, whose main control
 * blocks and locks tell whether they are alive. Failure messages name the job's ranks.
 * <p>
 * Not thread-safe: one thread at a time per context.
 */
public final class Context
{
    private static final String ARRIVAL = "the peer's arrival at the collective";
    private static final String BARRIER_SIGNAL = "the peer's dissemination barrier signal (BARRIER_ROUND)";
    private static final String CLOSE = "the peers' release of the communicator (FINISHED)";

    private final SmartMap smartMap;
    private final long id;
    private final int rank;
    private final int size;
    private final int[] worldRanks;
    private final ControlBlock[] blocks;
    private final ControlBlock self;
    private final long[] ringMemory;
    private final int fragmentBytes;
    private final Waiter waiter;
    private final boolean dissemination;
    /** The arena memory of a sub-communicator's block and rings, given back by {@link #free}; null for the world. */
    private final RegionBuffer memory;
    private long sequence;
    private boolean freed;

    Context(
        final SmartMap smartMap,
        final long id,
        final int rank,
        final int[] worldRanks,
        final ControlBlock[] blocks,
        final long[] ringMemory,
        final int fragmentBytes,
        final Waiter waiter,
        final boolean dissemination,
        final RegionBuffer memory)
    {
        this.smartMap = smartMap;
        this.id = id;
        this.rank = rank;
        this.size = worldRanks.length;
        this.worldRanks = worldRanks;
        this.blocks = blocks;
        this.self = blocks[rank];
        this.ringMemory = ringMemory;
        this.fragmentBytes = fragmentBytes;
        this.waiter = waiter;
        this.dissemination = dissemination;
        this.memory = memory;
        this.sequence = self.sequenceAcquire(); // never go backwards (a world handle of a rank that rejoined)
    }

    /** @return the context id, published in every descriptor ({@code CONTEXT}); 0 for the world. */
    public long id()
    {
        return id;
    }

    /** @return this rank in the context, {@code [0, size())}. */
    public int rank()
    {
        return rank;
    }

    /** @return ranks in the context. */
    public int size()
    {
        return size;
    }

    /**
     * @param rank a rank of this context.
     * @return its rank in the job.
     */
    public int worldRank(final int rank)
    {
        return worldRanks[rank];
    }

    /**
     * @param rank a rank of this context.
     * @return its control block for this context.
     */
    public ControlBlock controlBlock(final int rank)
    {
        return blocks[rank];
    }

    /** @return this rank's control block for this context. */
    public ControlBlock selfControlBlock()
    {
        return self;
    }

    /**
     * @param rank a rank of this context.
     * @return this process's virtual address of that rank's two-copy ring area for this context:
     *         ring {@code d}, slot {@code k} at {@link RegionDescriptor#ringSlotOffset(int, int, int)}.
     */
    public long ringMemory(final int rank)
    {
        return ringMemory[rank];
    }

    /** @return bytes per fragment in this context's rings, the same on every member. */
    public int fragmentBytes()
    {
        return fragmentBytes;
    }

    /** @return this context's wait primitive (one per context: waits keep per-thread state). */
    public Waiter waiter()
    {
        return waiter;
    }

    /**
     * {@link Waiter#awaitAtLeast(ControlBlock, int, long, int, String)} with {@code peer} a rank of
     * this context (or {@link Waiter#ANY_PEER}), watched for failure as the job's rank it is.
     */
    public long await(final ControlBlock block, final int offset, final long target, final int peer, final String awaited)
    {
        return waiter.awaitAtLeast(block, offset, target, world(peer), awaited);
    }

    /** {@link Waiter#awaitAtLeast(ControlBlock, int, long, int, String, int)} with {@code peer} a rank of this context. */
    public long await(
        final ControlBlock block, final int offset, final long target, final int peer, final String awaited,
        final int elsewhereOffset)
    {
        return waiter.awaitAtLeast(block, offset, target, world(peer), awaited, elsewhereOffset);
    }

    private int world(final int peer)
    {
        return peer == Waiter.ANY_PEER ? Waiter.ANY_PEER : worldRanks[peer];
    }

    /**
     * Start the next collective: assign its sequence number and publish this rank's operation
     * descriptor (release), so peers can find the buffers and compare the operation.
     *
     * @return the new sequence number.
     * @throws IllegalStateException if the handle is closed or the context freed.
     */
    public long enter(
        final CollectiveKind kind,
        final int root,
        final long count,
        final int datatype,
        final int op,
        final int algorithm,
        final long sendAddress,
        final long recvAddress)
    {
        checkOpen();
        final long next = ++sequence;
        self.publish(next, id, kind, root, count, datatype, op, algorithm, sendAddress, recvAddress);
        return next;
    }

    /**
     * Take the next collective sequence number without publishing a descriptor, for a protocol that
     * publishes it elsewhere (the inline slots of {@link ControlBlockDescriptor}): every collective of
     * the context, whatever its path, has its own number, the same on every rank.
     *
     * @return the new sequence number.
     */
    public long nextSequence()
    {
        checkOpen();
        return ++sequence;
    }

    /**
     * Wait until {@code peer} has entered collective {@code sequence}, then check it entered the
     * same operation; on disagreement mark this rank aborted and throw.
     *
     * @param peer a rank of this context.
     * @throws CollectiveMismatchException if the peer entered another operation.
     * @throws PeerFailureException        if the peer dies, aborts or times out first.
     */
    public void awaitPeer(
        final int peer,
        final long sequence,
        final CollectiveKind kind,
        final int root,
        final long count,
        final int datatype,
        final int op,
        final int algorithm)
    {
        checkOpen();
        if (await(blocks[peer], ControlBlockDescriptor.SEQUENCE_OFFSET, sequence, peer, ARRIVAL,
            ControlBlockDescriptor.inlineSequenceOffset(sequence)) == Waiter.ELSEWHERE)
        {
            throw mismatch("collective mismatch at sequence " + sequence + describeContext() + ": " +
                self.describeDescriptor() + " vs rank " + worldRanks[peer] +
                " on the inline path (another collective or message size)");
        }
        checkDescriptor(peer, sequence, kind, root, count, datatype, op, algorithm);
    }

    /** Mark this rank aborted for a mismatch (peers fail fast with its reason) and return the exception to throw. */
    public CollectiveMismatchException mismatch(final String message)
    {
        smartMap.selfControlBlock().markAborted(ControlBlockDescriptor.ABORT_MISMATCH, message);
        return new CollectiveMismatchException(message);
    }

    /** @return {@code ""} for the world, else the context id for error messages. */
    public String describeContext()
    {
        return id == 0 ? "" : " (context " + id + ")";
    }

    private void checkDescriptor(
        final int peer,
        final long sequence,
        final CollectiveKind kind,
        final int root,
        final long count,
        final int datatype,
        final int op,
        final int algorithm)
    {
        final ControlBlock block = blocks[peer];
        if (block.descriptorMatches(sequence, id, kind, root, count, datatype, op, algorithm) == ControlBlock.MISMATCH)
        {
            throw mismatch("collective mismatch at sequence " + sequence + describeContext() + ": " +
                self.describeDescriptor() + " vs " + block.describeDescriptor());
        }
    }

    /**
     * Block until every rank of the context has called {@code barrier()} (MPI_Barrier): flat below
     * the job's dissemination threshold, dissemination from there on. See {@link SmartMap#barrier()}.
     *
     * @throws PeerFailureException        if a peer dies, aborts or the wait times out.
     * @throws CollectiveMismatchException if a peer entered another collective at this sequence.
     */
    public void barrier()
    {
        checkOpen();
        if (dissemination)
        {
            disseminationBarrier();
            return;
        }
        final long seq = enter(CollectiveKind.BARRIER, -1, 0, -1, -1, SmartMap.BARRIER_FLAT, Address.NULL, Address.NULL);
        for (int i = 1; i < size; i++)
        {
            awaitPeer((rank + i) % size, seq, CollectiveKind.BARRIER, -1, 0, -1, -1, SmartMap.BARRIER_FLAT);
        }
    }

    private void disseminationBarrier()
    {
        final long seq = enter(CollectiveKind.BARRIER, -1, 0, -1, -1, SmartMap.BARRIER_DISSEMINATION,
            Address.NULL, Address.NULL);
        for (int round = 0, distance = 1; distance < size; round++, distance <<= 1)
        {
            final int to = (rank + distance) % size;
            final int from = (rank - distance + size) % size;
            final int offset = ControlBlockDescriptor.barrierRoundOffset(round);
            // release: publishes this rank's descriptor and everything it acquired in the earlier rounds;
            // a larger value left by a later barrier is fine, its writer had passed this one
            blocks[to].buffer().putLongRelease(offset, seq);
            await(self, offset, seq, from, BARRIER_SIGNAL);
            checkDescriptor(from, seq, CollectiveKind.BARRIER, -1, 0, -1, -1, SmartMap.BARRIER_DISSEMINATION);
        }
    }

    /** @return whether {@link #barrier()} runs the dissemination algorithm in this context. */
    public boolean usesDisseminationBarrier()
    {
        return dissemination;
    }

    /**
     * Free a sub-communicator's context (MPI_Comm_free), collectively over its ranks: a barrier (so
     * ranks that called another collective get a mismatch, not a hang), then every rank tells every
     * peer it has left the barrier (an increment of the peer's {@code FINISHED}, its last touch of
     * the peer's block) and gives its block and rings back to its arena only when every peer has
     * told it the same: nobody reads or writes a freed block. Idempotent; every later collective on
     * the context throws {@link IllegalStateException}.
     *
     * @throws UnsupportedOperationException for the world context (it lives as long as the handle).
     * @throws PeerFailureException          if a peer dies, aborts or times out first.
     */
    public void free()
    {
        if (memory == null)
        {
            throw new UnsupportedOperationException("the world context is not freed: close the SmartMap handle instead");
        }
        if (freed)
        {
            return;
        }
        // read before the barrier: no peer increments it for this free until it has passed the barrier,
        // which needs this rank's entry, and every earlier collective's increments were awaited in it
        final long target = self.finishedAcquire() + size - 1;
        barrier();
        for (int i = 1; i < size; i++)
        {
            blocks[(rank + i) % size].incrementFinished();
        }
        await(self, ControlBlockDescriptor.FINISHED_OFFSET, target, Waiter.ANY_PEER, CLOSE);
        freed = true;
        smartMap.releaseContext(memory);
    }

    /** @return whether {@link #free()} has completed. */
    public boolean isFreed()
    {
        return freed;
    }

    private void checkOpen()
    {
        smartMap.checkOpen();
        if (freed)
        {
            throw new IllegalStateException("communicator context is freed: context=" + id + ", rank=" + rank);
        }
    }

    @Override
    public String toString()
    {
        return "Context{id=" + id + ", rank=" + rank + ", size=" + size + '}';
    }
}
