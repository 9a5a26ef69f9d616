package io.smartmap.collectives;

import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.RegionDescriptor;

/**
 * The two-copy baseline: copy-in/copy-out through shared fragment rings, pipelined, the way
 * shared-memory MPI moves data (Open MPI btl/sm, MPICH nemesis): the sender copies each fragment
 * into a ring slot in its own region, receivers copy it out (or fold it straight out of the slot).
 * <p>
 * Ring {@code d} of rank {@code s} carries {@code s -> d}; ring {@code s} of rank {@code s} is a
 * multicast ring that every peer reads (broadcast, allgather, allreduce: one copy-in serves all).
 * The producer publishes a cumulative fragment count ({@code PUBLISHED[ring]}, release); each
 * consumer acknowledges a cumulative count in its own block ({@code ACKED[s]} or
 * {@code MULTICAST_ACKED[s]}, release); a slot is refilled only after every consumer acknowledged
 * the fragment it held. A sender returns as soon as its last fragment is in shared memory
 * (eager), which is why this path wins for tiny messages.
 */
final class TwoCopy extends CollectiveFamily
{
    private static final int SLOTS = RegionDescriptor.RING_SLOTS;
    private static final String SLOT_FREE = "a consumer's acknowledgement freeing a ring slot (ACKED)";
    private static final String FRAGMENT_READY = "a producer's fragment (PUBLISHED)";

    /** Bytes per fragment: the job's, the same on every rank (from the rank count and the stride). */
    private final int fragmentBytes;
    private final long[] published;
    private final long[] acked;
    private final long[] multicastAcked;

    TwoCopy(final Exchange ex)
    {
        super(ex);
        this.fragmentBytes = ex.fragmentBytes;
        this.published = new long[ex.size];
        this.acked = new long[ex.size];
        this.multicastAcked = new long[ex.size];
        for (int r = 0; r < ex.size; r++)
        {
            published[r] = ex.self.buffer().getLongAcquire(ControlBlockDescriptor.publishedOffset(r));
            acked[r] = ex.self.buffer().getLongAcquire(ControlBlockDescriptor.ackedOffset(r));
            multicastAcked[r] = ex.self.buffer().getLongAcquire(ControlBlockDescriptor.multicastAckedOffset(r));
        }
    }

    @Override
    String name()
    {
        return "two copy";
    }

    /** Broadcast: the root multicasts its buffer; every non-root copies the fragments out. */
    @Override
    void bcast(final Operation op)
    {
        final long bytes = op.bytes();
        if (ex.rank == op.root)
        {
            ex.awaitAllArrivals(op); // a rank that thinks it is the root validates nobody else: check them here
            for (long offset = 0; offset < bytes; offset += fragmentBytes)
            {
                publish(ex.rank, op.sendBase, op.sendOffset + offset, (int)Math.min(fragmentBytes, bytes - offset));
            }
            return;
        }
        ex.awaitArrival(op.root, op);
        for (long offset = 0; offset < bytes; offset += fragmentBytes)
        {
            final long slot = awaitFragment(op.root, true);
            Exchange.copy(null, slot, op.recvBase, op.recvOffset + offset, Math.min(fragmentBytes, bytes - offset));
            release(op.root, true);
        }
    }

    /**
     * Reduce: every non-root streams its send buffer to the root's ring; the root, fragment by
     * fragment, starts from rank 0's data and folds ranks 1..size-1 in order straight out of the slots.
     */
    @Override
    void reduce(final Operation op)
    {
        final long bytes = op.bytes();
        if (ex.rank != op.root)
        {
            ex.awaitArrival(op.root, op);
            for (long offset = 0; offset < bytes; offset += fragmentBytes)
            {
                publish(op.root, op.sendBase, op.sendOffset + offset, (int)Math.min(fragmentBytes, bytes - offset));
            }
            return;
        }
        ex.awaitAllArrivals(op);
        final int extent = op.datatype.extent();
        for (long offset = 0; offset < bytes; offset += fragmentBytes)
        {
            final int length = (int)Math.min(fragmentBytes, bytes - offset);
            foldFragment(op, op.recvMemory + offset, op.sendMemory + offset, length / extent, length, false);
        }
    }

    /**
     * Allreduce: every rank multicasts its send buffer and folds every rank's fragments, in rank
     * order, into its own receive buffer (recursive doubling for two ranks; the same bits on all).
     */
    @Override
    void allReduce(final Operation op)
    {
        ex.awaitAllArrivals(op);
        final long bytes = op.bytes();
        final int extent = op.datatype.extent();
        for (long offset = 0; offset < bytes; offset += fragmentBytes)
        {
            final int length = (int)Math.min(fragmentBytes, bytes - offset);
            // this rank's own fragment is folded from its slot: the send buffer may be a Java array
            final long own = publish(ex.rank, op.sendBase, op.sendOffset + offset, length);
            foldFragment(op, op.recvMemory + offset, own, length / extent, length, true);
        }
    }

    /**
     * Alltoall: pairwise exchange, step k sending to {@code rank + k} and receiving from
     * {@code rank - k}, fragment by fragment interleaved so both pipelines stay full.
     */
    @Override
    void allToAll(final Operation op)
    {
        ex.awaitAllArrivals(op);
        final long block = op.bytes();
        Exchange.copy(op.sendBase, op.sendOffset + ex.rank * block, op.recvBase, op.recvOffset + ex.rank * block, block);
        for (int step = 1; step < ex.size; step++)
        {
            final int to = (ex.rank + step) % ex.size;
            final int from = (ex.rank - step + ex.size) % ex.size;
            for (long offset = 0; offset < block; offset += fragmentBytes)
            {
                final int length = (int)Math.min(fragmentBytes, block - offset);
                publish(to, op.sendBase, op.sendOffset + to * block + offset, length);
                final long slot = awaitFragment(from, false);
                Exchange.copy(null, slot, op.recvBase, op.recvOffset + from * block + offset, length);
                release(from, false);
            }
        }
    }

    /** Allgather: every rank multicasts its block; every rank copies the others' fragments out. */
    @Override
    void allGather(final Operation op)
    {
        ex.awaitAllArrivals(op);
        final long block = op.bytes();
        Exchange.copy(op.sendBase, op.sendOffset, op.recvBase, op.recvOffset + ex.rank * block, block);
        for (long offset = 0; offset < block; offset += fragmentBytes)
        {
            final int length = (int)Math.min(fragmentBytes, block - offset);
            publish(ex.rank, op.sendBase, op.sendOffset + offset, length);
            for (int i = 1; i < ex.size; i++)
            {
                final int peer = (ex.rank + i) % ex.size;
                final long slot = awaitFragment(peer, true);
                Exchange.copy(null, slot, op.recvBase, op.recvOffset + peer * block + offset, length);
                release(peer, true);
            }
        }
    }

    /** Gather (MPI 4.0, 6.5): every non-root streams its block to the root's ring; the root copies them out, rank by rank. */
    @Override
    void gather(final Operation op)
    {
        final long block = op.bytes();
        if (ex.rank != op.root)
        {
            ex.awaitArrival(op.root, op);
            sendBlock(op.root, op.sendBase, op.sendOffset, block);
            return;
        }
        ex.awaitAllArrivals(op);
        Exchange.copy(op.sendBase, op.sendOffset, op.recvBase, op.recvOffset + ex.rank * block, block);
        for (int i = 1; i < ex.size; i++)
        {
            final int peer = (op.root + i) % ex.size;
            receiveBlock(peer, op.recvBase, op.recvOffset + peer * block, block);
        }
    }

    /**
     * Scatter (MPI 4.0, 6.6): the root streams block j to rank j's ring, one fragment to every rank in
     * turn so all pipelines fill; every non-root copies its fragments out.
     */
    @Override
    void scatter(final Operation op)
    {
        final long block = op.bytes();
        if (ex.rank != op.root)
        {
            ex.awaitArrival(op.root, op);
            receiveBlock(op.root, op.recvBase, op.recvOffset, block);
            return;
        }
        ex.awaitAllArrivals(op);
        Exchange.copy(op.sendBase, op.sendOffset + ex.rank * block, op.recvBase, op.recvOffset, block);
        for (long offset = 0; offset < block; offset += fragmentBytes)
        {
            final int length = (int)Math.min(fragmentBytes, block - offset);
            for (int i = 1; i < ex.size; i++)
            {
                final int peer = (op.root + i) % ex.size;
                publish(peer, op.sendBase, op.sendOffset + peer * block + offset, length);
            }
        }
    }

    /**
     * Gatherv (MPI 4.0, 6.5): as {@link #gather}, each non-root checking its count against the root's
     * counts block ({@link VectorBlock}) and bumping the root's {@code FINISHED} (the block is read)
     * before it streams; the root leaves when all have.
     */
    @Override
    void gatherv(final Operation op)
    {
        final int extent = op.datatype.extent();
        if (ex.rank != op.root)
        {
            ex.awaitArrival(op.root, op);
            VectorBlock.checkAgainstRoot(ex, op, VectorBlock.of(ex, op, op.root));
            ex.blocks[op.root].incrementFinished();
            sendBlock(op.root, op.sendBase, op.sendOffset, (long)op.ownCount * extent);
            return;
        }
        ex.awaitAllArrivals(op);
        VectorBlock.checkRootItself(ex, op, op.ownCount, op.recvCounts[ex.rank]);
        Exchange.copy(op.sendBase, op.sendOffset, op.recvBase, op.recvOffset + (long)op.recvDispls[ex.rank] * extent,
            (long)op.ownCount * extent);
        for (int i = 1; i < ex.size; i++)
        {
            final int peer = (op.root + i) % ex.size;
            receiveBlock(peer, op.recvBase, op.recvOffset + (long)op.recvDispls[peer] * extent,
                (long)op.recvCounts[peer] * extent);
        }
        ex.awaitFinished(ex.size - 1);
    }

    /**
     * Scatterv (MPI 4.0, 6.6): as {@link #scatter} with the root's counts and displacements; every
     * non-root checks its count against the root's counts block and bumps the root's {@code FINISHED}
     * before it copies out, and the root leaves when all have (after its last fragment is in).
     */
    @Override
    void scatterv(final Operation op)
    {
        final int extent = op.datatype.extent();
        if (ex.rank != op.root)
        {
            ex.awaitArrival(op.root, op);
            VectorBlock.checkAgainstRoot(ex, op, VectorBlock.of(ex, op, op.root));
            ex.blocks[op.root].incrementFinished();
            receiveBlock(op.root, op.recvBase, op.recvOffset, (long)op.ownCount * extent);
            return;
        }
        ex.awaitAllArrivals(op);
        VectorBlock.checkRootItself(ex, op, op.ownCount, op.sendCounts[ex.rank]);
        Exchange.copy(op.sendBase, op.sendOffset + (long)op.sendDispls[ex.rank] * extent, op.recvBase, op.recvOffset,
            (long)op.ownCount * extent);
        long longest = 0;
        for (int r = 0; r < ex.size; r++)
        {
            longest = Math.max(longest, (long)op.sendCounts[r] * extent);
        }
        for (long offset = 0; offset < longest; offset += fragmentBytes)
        {
            for (int i = 1; i < ex.size; i++)
            {
                final int peer = (op.root + i) % ex.size;
                final long bytes = (long)op.sendCounts[peer] * extent;
                if (offset < bytes)
                {
                    publish(peer, op.sendBase, op.sendOffset + (long)op.sendDispls[peer] * extent + offset,
                        (int)Math.min(fragmentBytes, bytes - offset));
                }
            }
        }
        ex.awaitFinished(ex.size - 1);
    }

    /**
     * Allgatherv (MPI 4.0, 6.7): every rank checks every peer's send count against its receive counts
     * and bumps every peer's {@code FINISHED} (their counts blocks are read), then multicasts its block
     * while copying out the peers', fragment round by fragment round as in {@link #allGather} (a rank
     * whose block has fewer fragments sits the later rounds out); it leaves when every peer has read
     * its counts block. A rank that finds a disagreement never acknowledges, so every peer fails.
     */
    @Override
    void allGatherv(final Operation op)
    {
        ex.awaitAllArrivals(op);
        VectorBlock.checkAllGathervCounts(ex, op);
        acknowledgeEveryone();
        final int extent = op.datatype.extent();
        Exchange.copy(op.sendBase, op.sendOffset, op.recvBase, op.recvOffset + (long)op.recvDispls[ex.rank] * extent,
            (long)op.ownCount * extent);
        long longest = 0;
        for (int r = 0; r < ex.size; r++)
        {
            longest = Math.max(longest, (long)op.recvCounts[r] * extent);
        }
        final long own = (long)op.ownCount * extent;
        for (long offset = 0; offset < longest; offset += fragmentBytes)
        {
            if (offset < own)
            {
                publish(ex.rank, op.sendBase, op.sendOffset + offset, (int)Math.min(fragmentBytes, own - offset));
            }
            for (int i = 1; i < ex.size; i++)
            {
                final int peer = (ex.rank + i) % ex.size;
                final long bytes = (long)op.recvCounts[peer] * extent;
                if (offset < bytes)
                {
                    final long slot = awaitFragment(peer, true);
                    Exchange.copy(null, slot, op.recvBase, op.recvOffset + (long)op.recvDispls[peer] * extent + offset,
                        Math.min(fragmentBytes, bytes - offset));
                    release(peer, true);
                }
            }
        }
        ex.awaitFinished(ex.size - 1);
    }

    /**
     * Alltoallv (MPI 4.0, 6.8): every rank checks its send counts against the peers' receive counts and
     * bumps every peer's {@code FINISHED}, then exchanges pairwise as {@link #allToAll}, step k sending
     * {@code sendCounts[rank + k]} elements and receiving {@code recvCounts[rank - k]}, fragment by
     * fragment interleaved; it leaves when every peer has read its counts block.
     */
    @Override
    void allToAllv(final Operation op)
    {
        ex.awaitAllArrivals(op);
        VectorBlock.checkAllToAllvCounts(ex, op);
        acknowledgeEveryone();
        final int extent = op.datatype.extent();
        Exchange.copy(op.sendBase, op.sendOffset + (long)op.sendDispls[ex.rank] * extent, op.recvBase,
            op.recvOffset + (long)op.recvDispls[ex.rank] * extent, (long)op.sendCounts[ex.rank] * extent);
        for (int step = 1; step < ex.size; step++)
        {
            final int to = (ex.rank + step) % ex.size;
            final int from = (ex.rank - step + ex.size) % ex.size;
            final long sendBytes = (long)op.sendCounts[to] * extent;
            final long recvBytes = (long)op.recvCounts[from] * extent;
            final long sendAt = op.sendOffset + (long)op.sendDispls[to] * extent;
            final long recvAt = op.recvOffset + (long)op.recvDispls[from] * extent;
            for (long offset = 0; offset < Math.max(sendBytes, recvBytes); offset += fragmentBytes)
            {
                if (offset < sendBytes)
                {
                    publish(to, op.sendBase, sendAt + offset, (int)Math.min(fragmentBytes, sendBytes - offset));
                }
                if (offset < recvBytes)
                {
                    final long slot = awaitFragment(from, false);
                    Exchange.copy(null, slot, op.recvBase, recvAt + offset, Math.min(fragmentBytes, recvBytes - offset));
                    release(from, false);
                }
            }
        }
        ex.awaitFinished(ex.size - 1);
    }

    /** Tell every peer this rank has read its counts block (its {@code FINISHED}). */
    private void acknowledgeEveryone()
    {
        for (int i = 1; i < ex.size; i++)
        {
            ex.blocks[(ex.rank + i) % ex.size].incrementFinished();
        }
    }

    /** Stream {@code bytes} from this rank's buffer to {@code destination}'s ring, fragment by fragment. */
    private void sendBlock(final int destination, final Object fromBase, final long from, final long bytes)
    {
        for (long offset = 0; offset < bytes; offset += fragmentBytes)
        {
            publish(destination, fromBase, from + offset, (int)Math.min(fragmentBytes, bytes - offset));
        }
    }

    /** Copy {@code bytes} streamed by {@code producer} out of its ring into this rank's buffer. */
    private void receiveBlock(final int producer, final Object toBase, final long to, final long bytes)
    {
        for (long offset = 0; offset < bytes; offset += fragmentBytes)
        {
            final long slot = awaitFragment(producer, false);
            Exchange.copy(null, slot, toBase, to + offset, Math.min(fragmentBytes, bytes - offset));
            release(producer, false);
        }
    }

    /**
     * Fold one fragment position of every rank into {@code acc} in rank order: this rank's own
     * contribution is read from its send buffer, the others' straight out of their ring slots;
     * ranks 0 and 1 are combined in one pass, as in the single-copy fold.
     */
    private void foldFragment(
        final Operation op, final long acc, final long own, final int count, final int length, final boolean multicast)
    {
        final long first = ex.rank == 0 ? own : awaitFragment(0, multicast);
        if (ex.size == 1)
        {
            Exchange.copy(first, acc, length);
            return;
        }
        final long second = ex.rank == 1 ? own : awaitFragment(1, multicast);
        op.kernel.combine(acc, first, second, count);
        for (int r = 0; r < 2; r++)
        {
            if (r != ex.rank)
            {
                release(r, multicast);
            }
        }
        for (int r = 2; r < ex.size; r++)
        {
            op.kernel.apply(acc, r == ex.rank ? own : awaitFragment(r, multicast), count);
            if (r != ex.rank)
            {
                release(r, multicast);
            }
        }
        op.kernel.finish(acc, count);
    }

    /**
     * Copy one fragment (from native memory, {@code fromBase} null, or a Java array) into the next slot
     * of {@code ring} (a destination rank, or this rank for the multicast ring) once its consumers
     * have freed the slot, then publish it (release).
     *
     * @return the slot's address (unchanged until the consumers acknowledge it).
     */
    private long publish(final int ring, final Object fromBase, final long from, final int length)
    {
        final long fragment = published[ring];
        if (fragment >= SLOTS)
        {
            final long freed = fragment - SLOTS + 1; // the slot's previous fragment was consumed
            if (ring == ex.rank)
            {
                for (int i = 1; i < ex.size; i++)
                {
                    final int peer = (ex.rank + i) % ex.size;
                    ex.await(ex.blocks[peer], ControlBlockDescriptor.multicastAckedOffset(ex.rank),
                        freed, peer, SLOT_FREE);
                }
            }
            else
            {
                ex.await(ex.blocks[ring], ControlBlockDescriptor.ackedOffset(ex.rank), freed, ring, SLOT_FREE);
            }
        }
        final long slot = ex.ringMemory(ex.rank) + RegionDescriptor.ringSlotOffset(ring, (int)(fragment % SLOTS), fragmentBytes);
        Exchange.copy(fromBase, from, null, slot, length);
        published[ring] = fragment + 1;
        ex.self.buffer().putLongRelease(ControlBlockDescriptor.publishedOffset(ring), fragment + 1); // publishes the copy
        return slot;
    }

    /** Wait for the next fragment from {@code producer} and return its slot's address (not yet released). */
    private long awaitFragment(final int producer, final boolean multicast)
    {
        final int ring = multicast ? producer : ex.rank;
        final long fragment = multicast ? multicastAcked[producer] : acked[producer];
        ex.await(ex.blocks[producer], ControlBlockDescriptor.publishedOffset(ring), fragment + 1,
            producer, FRAGMENT_READY);
        return ex.ringMemory(producer) + RegionDescriptor.ringSlotOffset(ring, (int)(fragment % SLOTS), fragmentBytes);
    }

    /** Acknowledge the fragment last returned by {@link #awaitFragment} (release: our reads of it are done). */
    private void release(final int producer, final boolean multicast)
    {
        if (multicast)
        {
            ex.self.buffer().putLongRelease(ControlBlockDescriptor.multicastAckedOffset(producer), ++multicastAcked[producer]);
        }
        else
        {
            ex.self.buffer().putLongRelease(ControlBlockDescriptor.ackedOffset(producer), ++acked[producer]);
        }
    }
}
