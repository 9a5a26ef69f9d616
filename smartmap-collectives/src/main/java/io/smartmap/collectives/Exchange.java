package io.smartmap.collectives;

import io.smartmap.core.Context;
import io.smartmap.core.ControlBlock;
import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.RegionDescriptor;
import io.smartmap.core.Segment;
import io.smartmap.core.Waiter;
import org.agrona.UnsafeApi;

/**
 * What every collective algorithm of one rank shares in one communicator: its {@link Context}
 * (control blocks, rings, the wait primitive), entering a collective and waiting for the peers'
 * arrival, and the rank's cumulative {@code FINISHED} target. Ranks here are the communicator's. Counters are cumulative over the life of the job (never reset), so this
 * rank keeps the target it expects locally ({@link TwoCopy} does the same for its fragment counters).
 */
final class Exchange
{
    private static final String PEERS_DONE = "peers done with this rank's buffers (FINISHED)";
    private static final String STAGED = "a peer's send buffer copied in (STAGED)";
    /** A progressively staged send buffer is copied in and published in chunks of this many bytes. */
    static final int STAGE_CHUNK_BYTES = 16 * 1024;

    final Context context;
    final Segment segment;
    final ControlBlock[] blocks;
    final ControlBlock self;
    final Waiter waiter;
    final int rank;
    final int size;
    /** Bytes per two-copy fragment in this communicator's rings (the same on every rank). */
    final int fragmentBytes;
    /** Scratch: per-rank virtual addresses of the send buffers read from the peers' descriptors. */
    final long[] peerMemory;
    /** Scratch: per-rank virtual addresses of the receive buffers read from the peers' descriptors. */
    final long[] peerRecvMemory;

    private long finishedTarget;

    Exchange(final Segment segment, final Context context)
    {
        this.context = context;
        this.segment = segment;
        this.rank = context.rank();
        this.size = context.size();
        this.blocks = new ControlBlock[size];
        for (int r = 0; r < size; r++)
        {
            blocks[r] = context.controlBlock(r);
        }
        this.self = blocks[rank];
        this.waiter = context.waiter();
        this.fragmentBytes = context.fragmentBytes();
        this.peerMemory = new long[size];
        this.peerRecvMemory = new long[size];
        this.finishedTarget = self.finishedAcquire();
    }

    /** Publish this rank's descriptor for the operation and assign its sequence. */
    void enter(final Operation op)
    {
        self.resetStaged(op.stagePending); // before the descriptor's release store publishes it
        self.putVectorAddress(op.vectorAddress);
        op.entered = true;
        op.sequence = context.enter(op.kind, op.root, op.descriptorCount, op.datatypeCode(), op.opCode(), op.algorithmCode(),
            op.sendAddress, op.recvAddress);
    }

    /** Wait for {@code peer} to enter the same collective and check it agrees on the operation. */
    void awaitArrival(final int peer, final Operation op)
    {
        context.awaitPeer(peer, op.sequence, op.kind, op.root, op.descriptorCount, op.datatypeCode(), op.opCode(),
            op.algorithmCode());
    }

    /** Wait for every peer to enter the same collective (each checked for agreement). */
    void awaitAllArrivals(final Operation op)
    {
        for (int i = 1; i < size; i++)
        {
            awaitArrival((rank + i) % size, op);
        }
    }

    /**
     * Wait until {@code acks} more increments of this rank's {@code FINISHED} have arrived: every
     * peer that reads or writes this rank's buffers in this collective has finished doing so.
     * Exact counts matter: an increment for collective k+1 can only come after this rank published
     * k+1, so the cumulative target never over-counts.
     */
    void awaitFinished(final int acks)
    {
        finishedTarget += acks;
        await(self, ControlBlockDescriptor.FINISHED_OFFSET, finishedTarget, Waiter.ANY_PEER, PEERS_DONE);
    }

    /**
     * Copy a progressively staged send buffer into its region scratch ({@link Operation#stagePending}),
     * raising this rank's {@code STAGED} after every chunk so peers start reading the first chunk
     * while the next is copied.
     */
    void stageIn(final Operation op)
    {
        final long bytes = op.bytes();
        for (long at = 0; at < bytes; at += STAGE_CHUNK_BYTES)
        {
            final long length = Math.min(STAGE_CHUNK_BYTES, bytes - at);
            copy(op.stageBase, op.stageOffset + at, null, op.sendMemory + at, length);
            self.putStagedRelease(at + length);
        }
        op.stagePending = false;
    }

    /**
     * Wait until {@code peer} has copied in at least {@code bytes} of its send buffer.
     *
     * @return how many bytes are readable now ({@link Long#MAX_VALUE} for a buffer that was ready as published).
     */
    long awaitStaged(final int peer, final long bytes)
    {
        return await(blocks[peer], ControlBlockDescriptor.STAGED_OFFSET, bytes, peer, STAGED);
    }

    /**
     * Wait until the 64-bit word at {@code offset} of {@code block} reaches {@code target}, watching
     * {@code peer} (a rank of this communicator, or {@link Waiter#ANY_PEER}) for failure: the one
     * wait of every family.
     *
     * @return the value seen.
     * @throws io.smartmap.core.PeerFailureException on timeout, a dead or an aborted peer.
     */
    long await(final ControlBlock block, final int offset, final long target, final int peer, final String awaited)
    {
        return context.await(block, offset, target, peer, awaited);
    }

    /**
     * {@link #await(ControlBlock, int, long, int, String)} for a collective that the peer may enter on
     * another path: returns {@link Waiter#ELSEWHERE} once the word at {@code elsewhereOffset} of the
     * peer's block shows it did ({@link Waiter#awaitAtLeast(ControlBlock, int, long, int, String, int)}).
     */
    long await(
        final ControlBlock block, final int offset, final long target, final int peer, final String awaited,
        final int elsewhereOffset)
    {
        return context.await(block, offset, target, peer, awaited, elsewhereOffset);
    }

    /**
     * @param rank a rank of this communicator.
     * @return this process's virtual address of that rank's two-copy ring area (ring {@code d}, slot
     *         {@code k} at {@link RegionDescriptor#ringSlotOffset}).
     */
    long ringMemory(final int rank)
    {
        return context.ringMemory(rank);
    }

    /** @return this process's virtual address of a segment address. */
    long memory(final long address)
    {
        return segment.memoryAddress(address);
    }

    /** Fill {@link #peerMemory} with every rank's published send buffer address. */
    void readPeerSendBuffers()
    {
        for (int r = 0; r < size; r++)
        {
            peerMemory[r] = memory(blocks[r].sendAddress());
        }
    }

    /** Fill {@link #peerRecvMemory} with every rank's published receive buffer address. */
    void readPeerReceiveBuffers()
    {
        for (int r = 0; r < size; r++)
        {
            peerRecvMemory[r] = memory(blocks[r].recvAddress());
        }
    }

    static void copy(final long from, final long to, final long bytes)
    {
        UnsafeApi.copyMemory(from, to, bytes);
    }

    /** Copy between native memory (base null, offset = address) and Java arrays (base, array offset). */
    static void copy(final Object fromBase, final long from, final Object toBase, final long to, final long bytes)
    {
        UnsafeApi.copyMemory(fromBase, from, toBase, to, bytes);
    }
}
