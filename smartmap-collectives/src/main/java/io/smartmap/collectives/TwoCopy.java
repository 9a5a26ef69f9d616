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
    /** Scratch: element offsets of the ranks' blocks of a reduce-scatter ({@link #blockStarts}). */
    private final long[] starts;

    TwoCopy(final Exchange ex)
    {
        super(ex);
        this.fragmentBytes = ex.fragmentBytes;
        this.published = new long[ex.size];
        this.acked = new long[ex.size];
        this.multicastAcked = new long[ex.size];
        this.starts = new long[ex.size + 1];
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

    /** MPI_Reduce_scatter_block: {@link #reduceScatterPairwise}. */
    @Override
    void reduceScatterBlock(final Operation op)
    {
        reduceScatterPairwise(op);
    }

    /** MPI_Reduce_scatter: {@link #reduceScatterPairwise}. */
    @Override
    void reduceScatter(final Operation op)
    {
        reduceScatterPairwise(op);
    }

    /**
     * Reduce-scatter, copy-in/copy-out: every rank sends block d of its send buffer to rank d through
     * ring d, fragment by fragment, and folds its own block, fragment by fragment, in rank order
     * straight out of the peers' slots (its own contribution from its send buffer). Round k publishes
     * fragment k of every peer's block, starting with the right neighbour, then folds fragment k of
     * its own: a round waits only for rounds up to k of the others, and a ring slot only for the fold
     * of round k - RING_SLOTS, so uneven blocks never deadlock.
     */
    private void reduceScatterPairwise(final Operation op)
    {
        ex.awaitAllArrivals(op); // the layout's hash is in every descriptor: ranks agree on every block's size
        final int extent = op.datatype.extent();
        final int fragmentElements = fragmentBytes / extent; // both powers of two
        blockStarts(op, starts);
        long rounds = 0;
        for (int r = 0; r < ex.size; r++)
        {
            rounds = Math.max(rounds, (blockCount(op, r) + fragmentElements - 1) / fragmentElements);
        }
        final int own = blockCount(op, ex.rank);
        final long ownSend = op.sendMemory + starts[ex.rank] * extent;
        for (long k = 0; k < rounds; k++)
        {
            final long at = k * fragmentElements;
            for (int i = 1; i < ex.size; i++)
            {
                final int peer = (ex.rank + i) % ex.size;
                final long left = blockCount(op, peer) - at;
                if (left > 0)
                {
                    publish(peer, op.sendBase, op.sendOffset + (starts[peer] + at) * extent,
                        (int)Math.min(fragmentElements, left) * extent);
                }
            }
            if (own > at)
            {
                final int n = (int)Math.min(fragmentElements, own - at);
                foldFragment(op, op.recvMemory + at * extent, ownSend + at * extent, n, n * extent, false);
            }
        }
    }

    /**
     * Scan, copy-in/copy-out: the linear pipeline of shared-memory MPI (MPICH's and Open MPI's basic
     * scan). Fragment by fragment, rank i takes the prefix of ranks 0..i-1 from its ring in rank i-1's
     * region, combines its own send buffer onto it (the lower ranks on the left) into its receive buffer,
     * and copies that into its ring to rank i+1. The prefix is the left fold ((s0 op s1) op s2) ..., the
     * same bits as the single-copy fold (a finished, canonical NaN stays NaN under every operator).
     */
    @Override
    void scan(final Operation op)
    {
        ex.awaitAllArrivals(op);
        final long bytes = op.bytes();
        final int extent = op.datatype.extent();
        for (long offset = 0; offset < bytes; offset += fragmentBytes)
        {
            final int length = (int)Math.min(fragmentBytes, bytes - offset);
            final long acc = op.recvMemory + offset;
            if (ex.rank == 0)
            {
                Exchange.copy(op.sendMemory + offset, acc, length);
            }
            else
            {
                final long prefix = awaitFragment(ex.rank - 1, false);
                op.kernel.combine(acc, prefix, op.sendMemory + offset, length / extent);
                op.kernel.finish(acc, length / extent);
                release(ex.rank - 1, false);
            }
            if (ex.rank + 1 < ex.size)
            {
                publish(ex.rank + 1, null, acc, length);
            }
        }
    }

    /**
     * Exscan, copy-in/copy-out: the pipeline of {@link #scan}, one rank later. Rank i copies the prefix
     * of ranks 0..i-1 out of its ring in rank i-1's region into its receive buffer (rank 0 receives
     * nothing) and combines its own send buffer onto it straight into its ring slot to rank i+1.
     */
    @Override
    void exScan(final Operation op)
    {
        ex.awaitAllArrivals(op);
        final long bytes = op.bytes();
        final int extent = op.datatype.extent();
        final boolean forward = ex.rank + 1 < ex.size;
        for (long offset = 0; offset < bytes; offset += fragmentBytes)
        {
            final int length = (int)Math.min(fragmentBytes, bytes - offset);
            final long own = op.sendMemory + offset;
            if (ex.rank == 0)
            {
                if (forward)
                {
                    publish(1, null, own, length);
                }
                continue;
            }
            final long prefix = awaitFragment(ex.rank - 1, false);
            Exchange.copy(prefix, op.recvMemory + offset, length);
            if (forward)
            {
                final long slot = reserve(ex.rank + 1);
                op.kernel.combine(slot, prefix, own, length / extent);
                op.kernel.finish(slot, length / extent);
                commit(ex.rank + 1);
            }
            release(ex.rank - 1, false);
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
        final long slot = reserve(ring);
        Exchange.copy(fromBase, from, null, slot, length);
        commit(ring);
        return slot;
    }

    /**
     * Wait until the next slot of {@code ring} is free (its consumers acknowledged the fragment it held)
     * and return its address, for the caller to fill and then {@link #commit}.
     */
    private long reserve(final int ring)
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
        return ex.ringMemory(ex.rank) + RegionDescriptor.ringSlotOffset(ring, (int)(fragment % SLOTS), fragmentBytes);
    }

    /** Publish the slot last returned by {@link #reserve} for {@code ring} (release: what was written into it). */
    private void commit(final int ring)
    {
        final long fragment = ++published[ring];
        ex.self.buffer().putLongRelease(ControlBlockDescriptor.publishedOffset(ring), fragment); // publishes the copy
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
