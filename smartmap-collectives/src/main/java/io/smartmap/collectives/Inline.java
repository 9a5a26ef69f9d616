package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;
import io.smartmap.core.CollectiveMismatchException;
import io.smartmap.core.ControlBlock;
import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.Waiter;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import static io.smartmap.core.ControlBlockDescriptor.INLINE_COUNT_OFFSET;
import static io.smartmap.core.ControlBlockDescriptor.INLINE_DATA_OFFSET;
import static io.smartmap.core.ControlBlockDescriptor.INLINE_OPERATION_OFFSET;
import static io.smartmap.core.ControlBlockDescriptor.INLINE_PAYLOAD_BYTES;
import static io.smartmap.core.ControlBlockDescriptor.INLINE_SEQUENCE_OFFSET;
import static io.smartmap.core.ControlBlockDescriptor.SEQUENCE_OFFSET;
import static io.smartmap.core.ControlBlockDescriptor.inlineSequenceOffset;
import static io.smartmap.core.ControlBlockDescriptor.inlineSlotOffset;

/**
 * Small messages in one cache-line hop, the copy-in/copy-out ("cico", inline) path of Open MPI's
 * {@code coll/xhc}: each rank copies its payload into an inline slot of its own control block and
 * publishes the collective's sequence in the same cache line with a release store; peers wait for
 * that sequence with an acquire load, which brings the line and the first 40 bytes of payload with
 * it, and copy out (or fold) from the slot. No buffer address is published, no peer touches this
 * rank's buffers, and Java arrays and ByteBuffers are copied in place like region buffers.
 * <p>
 * Slots are double-buffered by sequence parity (layout in {@link ControlBlockDescriptor}): a rank
 * writes slot {@code s & 1} only once every peer has entered collective {@code s - 1}, so nobody
 * still reads what the slot held for {@code s - 2}. It knows most of that already (a collective in
 * which it read every peer's slot proves they entered it); otherwise it reads the peer's slot or
 * descriptor sequence, whichever path collective {@code s - 1} took.
 * <p>
 * Mismatches: a rank that reads a peer's slot checks the peer's kind, root, datatype, op and count
 * against its own (a root checks every receiver's arrival); ranks that read nobody's slot (reduce
 * non-roots) are checked when they reuse their slot, one collective later. A peer that entered the
 * same sequence on the descriptor path (another collective or message size) is found by the wait
 * within {@link Waiter#LIVENESS_CHECK_INTERVAL_NS}. Reductions fold in rank order 0..size-1 from
 * the slots with the same kernels as every other family, so every rank gets the same bits.
 */
final class Inline extends CollectiveFamily
{
    private static final String SLOT = "a peer's inline slot (INLINE_SEQUENCE)";
    private static final String ENTERED = "a peer's entry into the previous collective (to reuse this rank's inline slot)";

    /** Per rank: a collective sequence the rank is known to have entered (each only grows). */
    private final long[] knownEntered;
    /** Per rank: virtual address of the payload in its slot for the current collective. */
    private final long[] payload;
    /** Accumulator of a reduction whose receive buffer is a Java array (the kernels fold native memory). */
    private final UnsafeBuffer fold;
    /**
     * This rank's last published slot: its sequence, operation word and count. Every collective
     * publishes before it reads a peer's slot, so they are also what the current call checks the peers
     * against, and, one call later, what a peer that nobody read is checked against.
     */
    private long lastSequence = -1;
    private long lastOperation;
    private long lastCount;

    Inline(final Exchange ex)
    {
        super(ex);
        this.knownEntered = new long[ex.size];
        this.payload = new long[ex.size];
        this.fold = new UnsafeBuffer(BufferUtil.allocateDirectAligned(INLINE_PAYLOAD_BYTES, 64));
    }

    @Override
    String name()
    {
        return "inline";
    }

    /**
     * @return the bytes one rank puts in its slot for a collective of {@code bytes} per block:
     *         {@code size} blocks for alltoall, one block otherwise.
     */
    /** @return whether this family implements the collective (the others never take the inline path). */
    static boolean implemented(final CollectiveKind kind)
    {
        switch (kind)
        {
            case BARRIER:
            case BCAST:
            case REDUCE:
            case ALLREDUCE:
            case ALLTOALL:
            case ALLGATHER:
                return true;
            default:
                return false;
        }
    }

    static long payloadBytes(final CollectiveKind kind, final long bytes, final int size)
    {
        return kind == CollectiveKind.ALLTOALL ? bytes * size : kind == CollectiveKind.BARRIER ? 0 : bytes;
    }

    /** Take the sequence and wait until this rank's slot for it is free (every peer entered the previous collective). */
    @Override
    void enter(final Operation op)
    {
        op.sequence = ex.context.nextSequence();
        awaitPeersEntered(op.sequence - 1);
    }

    @Override
    void barrier(final Operation op)
    {
        enter(op);
        publish(op, null, 0, 0);
        for (int i = 1; i < ex.size; i++)
        {
            awaitSlot((ex.rank + i) % ex.size, op);
        }
    }

    /** The root publishes its buffer in its slot and checks every receiver's arrival; receivers copy it out. */
    @Override
    void bcast(final Operation op)
    {
        if (ex.rank == op.root)
        {
            publish(op, op.sendBase, op.sendOffset, op.bytes());
            for (int i = 1; i < ex.size; i++)
            {
                awaitSlot((ex.rank + i) % ex.size, op); // a rank that thinks it is the root validates the others
            }
            return;
        }
        publish(op, null, 0, 0); // arrival: lets the root check this rank, and reuse its slot later
        copy(awaitSlot(op.root, op), op.recvBase, op.recvOffset, op.bytes());
    }

    /** Every rank publishes its data; the root folds all slots in rank order into its receive buffer. */
    @Override
    void reduce(final Operation op)
    {
        publish(op, op.sendBase, op.sendOffset, op.bytes());
        if (ex.rank == op.root)
        {
            foldAll(op);
        }
    }

    /** Every rank publishes its data and folds all slots in rank order (the same bits on every rank). */
    @Override
    void allReduce(final Operation op)
    {
        publish(op, op.sendBase, op.sendOffset, op.bytes());
        foldAll(op);
    }

    /** Every rank publishes all its blocks; rank i copies block i out of every peer's slot. */
    @Override
    void allToAll(final Operation op)
    {
        final long block = op.bytes();
        publish(op, op.sendBase, op.sendOffset, block * ex.size);
        awaitAllSlots(op);
        for (int r = 0; r < ex.size; r++)
        {
            copy(payload[r] + ex.rank * block, op.recvBase, op.recvOffset + r * block, block);
        }
    }

    /** Every rank publishes its block and copies every slot into its receive buffer. */
    @Override
    void allGather(final Operation op)
    {
        final long block = op.bytes();
        publish(op, op.sendBase, op.sendOffset, block);
        awaitAllSlots(op);
        for (int r = 0; r < ex.size; r++)
        {
            copy(payload[r], op.recvBase, op.recvOffset + r * block, block);
        }
    }

    /** Fold every rank's slot in rank order into the receive buffer (through {@link #fold} for a Java array). */
    private void foldAll(final Operation op)
    {
        awaitAllSlots(op);
        final boolean native_ = op.recvBase == null;
        final long result = native_ ? op.recvOffset : fold.addressOffset();
        final ReductionKernel kernel = op.kernel;
        if (ex.size == 1)
        {
            UnsafeApi.copyMemory(payload[0], result, op.bytes());
        }
        else
        {
            kernel.combine(result, payload[0], payload[1], op.count);
            for (int r = 2; r < ex.size; r++)
            {
                kernel.apply(result, payload[r], op.count);
            }
        }
        kernel.finish(result, op.count);
        if (!native_)
        {
            copy(result, op.recvBase, op.recvOffset, op.bytes());
        }
    }

    /** Fill {@link #payload} with every rank's slot payload, waiting for (and checking) each peer's. */
    private void awaitAllSlots(final Operation op)
    {
        for (int i = 1; i < ex.size; i++)
        {
            awaitSlot((ex.rank + i) % ex.size, op);
        }
    }

    /**
     * Copy {@code bytes} of payload into this rank's slot for the operation, then publish the
     * operation word, the count and (release, last) the sequence.
     */
    private void publish(final Operation op, final Object base, final long offset, final long bytes)
    {
        if (bytes > INLINE_PAYLOAD_BYTES)
        {
            throw new IllegalStateException("inline payload too large: bytes=" + bytes + ", max=" + INLINE_PAYLOAD_BYTES);
        }
        final UnsafeBuffer block = ex.self.buffer();
        final int slot = inlineSlotOffset((int)(op.sequence & 1));
        final long data = block.addressOffset() + slot + INLINE_DATA_OFFSET;
        if (bytes > 0)
        {
            UnsafeApi.copyMemory(base, offset, null, data, bytes);
        }
        final long operation = operationWord(op);
        block.putLong(slot + INLINE_OPERATION_OFFSET, operation);
        block.putLong(slot + INLINE_COUNT_OFFSET, op.count);
        block.putLongRelease(slot + INLINE_SEQUENCE_OFFSET, op.sequence); // publishes the payload above
        payload[ex.rank] = data;
        lastSequence = op.sequence;
        lastOperation = operation;
        lastCount = op.count;
    }

    /**
     * Wait for {@code peer}'s slot of the operation's sequence, check that it holds the same
     * operation (the one this rank just published), and note the address of its payload in {@link #payload}.
     *
     * @return the payload's virtual address.
     * @throws CollectiveMismatchException if the peer entered another collective at this sequence.
     */
    private long awaitSlot(final int peer, final Operation op)
    {
        final ControlBlock block = ex.blocks[peer];
        final int slot = inlineSlotOffset((int)(op.sequence & 1));
        if (ex.await(block, slot + INLINE_SEQUENCE_OFFSET, op.sequence, peer, SLOT, SEQUENCE_OFFSET) ==
            Waiter.ELSEWHERE)
        {
            throw mismatch(op.sequence, lastOperation, lastCount, peer, "entered it on the descriptor path");
        }
        checkSlot(block, slot, op.sequence, lastOperation, lastCount);
        knownEntered[peer] = op.sequence;
        final long data = block.buffer().addressOffset() + slot + INLINE_DATA_OFFSET;
        payload[peer] = data;
        return data;
    }

    /**
     * Wait until every peer has entered collective {@code previous} (so none still reads this rank's
     * slot for {@code previous - 1}), reading only the peers not already known to have; where
     * {@code previous} was inline, check the peers' operation for it (a reduce non-root's late check).
     */
    private void awaitPeersEntered(final long previous)
    {
        if (previous <= 0)
        {
            return; // this rank's first collective: its slots have never been read
        }
        final boolean inline = lastSequence == previous;
        final int offset = inline ? inlineSequenceOffset(previous) : SEQUENCE_OFFSET;
        final int elsewhere = inline ? SEQUENCE_OFFSET : inlineSequenceOffset(previous);
        for (int i = 1; i < ex.size; i++)
        {
            final int peer = (ex.rank + i) % ex.size;
            if (knownEntered[peer] >= previous)
            {
                continue;
            }
            final long seen = ex.await(ex.blocks[peer], offset, previous, peer, ENTERED, elsewhere);
            if (seen == Waiter.ELSEWHERE)
            {
                throw mismatch(previous, inline ? lastOperation : 0, inline ? lastCount : 0, peer,
                    inline ? "entered it on the descriptor path" : "entered it on the inline path");
            }
            if (inline)
            {
                checkSlot(ex.blocks[peer], inlineSlotOffset((int)(previous & 1)), previous, lastOperation, lastCount);
            }
            knownEntered[peer] = seen;
        }
    }

    private void checkSlot(final ControlBlock block, final int slot, final long sequence, final long operation,
        final long count)
    {
        final long theirs = block.buffer().getLong(slot + INLINE_OPERATION_OFFSET);
        final long theirCount = block.buffer().getLong(slot + INLINE_COUNT_OFFSET);
        if (theirs != operation || theirCount != count)
        {
            throw mismatch(sequence, operation, count, block.rank(), describe(theirs, theirCount));
        }
    }

    private CollectiveMismatchException mismatch(final long sequence, final long operation, final long count,
        final int peer, final String theirs)
    {
        final String message = "collective mismatch at sequence " + sequence + " (inline path): rank " + ex.rank +
            ": " + describe(operation, count) + " vs rank " + peer + ": " + theirs;
        ex.self.markAborted(ControlBlockDescriptor.ABORT_MISMATCH, message);
        return new CollectiveMismatchException(message);
    }

    /** {@code kind | datatype << 8 | op << 16 | (root + 1) << 32}: what two ranks in the same collective agree on. */
    private static long operationWord(final Operation op)
    {
        return op.kind.code() | (op.datatypeCode() & 0xFFL) << 8 | (op.opCode() & 0xFFFFL) << 16 |
            (long)(op.root + 1) << 32;
    }

    private static String describe(final long operation, final long count)
    {
        final int datatype = (int)(operation >>> 8 & 0xFF);
        final int op = (int)(operation >>> 16 & 0xFFFF);
        return "collective=" + CollectiveKind.fromCode((int)(operation & 0xFF)) + ", root=" + ((operation >>> 32) - 1) +
            ", count=" + count + ", datatype=" + (datatype == 0xFF ? -1 : datatype) + ", op=" + (op == 0xFFFF ? -1 : op);
    }

    private static void copy(final long from, final Object toBase, final long to, final long bytes)
    {
        UnsafeApi.copyMemory(null, from, toBase, to, bytes);
    }
}
