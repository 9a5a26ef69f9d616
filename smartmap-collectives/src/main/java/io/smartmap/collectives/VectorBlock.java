package io.smartmap.collectives;

import io.smartmap.core.Address;
import io.smartmap.core.CollectiveKind;
import io.smartmap.core.CollectiveMismatchException;
import io.smartmap.core.ControlBlockDescriptor;
import org.agrona.UnsafeApi;

/**
 * Layout of a rank's counts and displacements block: the per-rank arguments of the vector (v)
 * collectives, which no descriptor word can hold, in a buffer of the rank's region whose segment
 * address the descriptor publishes ({@code VECTOR_ADDRESS}), so peers read them in place.
 * <pre>
 *   int index
 *   0                OWN_COUNT     this rank's one count (gatherv, allgatherv: send; scatterv: receive)
 *   1                SEND_COUNTS   size ints, elements (scatterv root, alltoallv)
 *   1 + size         SEND_DISPLS   size ints, elements from the send buffer's start
 *   1 + 2 size       RECV_COUNTS   size ints, elements (gatherv root, allgatherv, alltoallv)
 *   1 + 3 size       RECV_DISPLS   size ints, elements from the receive buffer's start
 * </pre>
 * The owner writes it with plain stores before it enters the collective; the descriptor's release
 * store publishes them, and a peer reads them after it saw the owner arrive (acquire). Reuse: every
 * peer that reads a rank's block bumps that rank's {@code FINISHED} after its last read, and the
 * rank leaves the collective only when all have, so its next collective may overwrite the block.
 * <p>
 * The ranks' counts must agree (MPI 4.0, 6.5-6.8: the amount of data sent must equal the amount
 * received, pairwise); the checks here find a disagreement, mark this rank aborted with
 * {@link ControlBlockDescriptor#ABORT_MISMATCH} (its peers then fail with a
 * {@link io.smartmap.core.PeerAbortedException}) and throw a {@link CollectiveMismatchException}.
 */
final class VectorBlock
{
    static final int OWN_COUNT = 0;
    private static final int SEND_COUNTS = 1;

    private VectorBlock()
    {
    }

    /** @return bytes of a block for {@code size} ranks. */
    static int bytes(final int size)
    {
        return (1 + 4 * size) * Integer.BYTES;
    }

    /** Write the operation's counts and displacements (the arrays it has) into the block at {@code memory}. */
    static void write(final long memory, final Operation op, final int size)
    {
        UnsafeApi.putInt(memory + (long)OWN_COUNT * Integer.BYTES, op.ownCount);
        writeArray(memory, 0, op.sendCounts, size);
        writeArray(memory, 1, op.sendDispls, size);
        writeArray(memory, 2, op.recvCounts, size);
        writeArray(memory, 3, op.recvDispls, size);
    }

    private static void writeArray(final long memory, final int which, final int[] values, final int size)
    {
        if (values != null)
        {
            final long at = memory + (long)(SEND_COUNTS + which * size) * Integer.BYTES;
            for (int r = 0; r < size; r++)
            {
                UnsafeApi.putInt(at + (long)r * Integer.BYTES, values[r]);
            }
        }
    }

    /**
     * @return this process's address of {@code peer}'s published block: the peer has arrived in this
     *         collective and waits for this rank's {@code FINISHED} before it may change the block.
     * @throws CollectiveMismatchException if the peer published none (it runs another collective).
     */
    static long of(final Exchange ex, final Operation op, final int peer)
    {
        final long address = ex.blocks[peer].vectorAddress();
        if (address == Address.NULL)
        {
            throw mismatch(ex, op, "rank " + peer + " published no counts");
        }
        return ex.memory(address);
    }

    static int ownCount(final long block)
    {
        return UnsafeApi.getInt(block + (long)OWN_COUNT * Integer.BYTES);
    }

    static int sendCount(final long block, final int size, final int rank)
    {
        return read(block, 0, size, rank);
    }

    static int sendDispl(final long block, final int size, final int rank)
    {
        return read(block, 1, size, rank);
    }

    static int recvCount(final long block, final int size, final int rank)
    {
        return read(block, 2, size, rank);
    }

    static int recvDispl(final long block, final int size, final int rank)
    {
        return read(block, 3, size, rank);
    }

    private static int read(final long block, final int which, final int size, final int rank)
    {
        return UnsafeApi.getInt(block + (long)(SEND_COUNTS + which * size + rank) * Integer.BYTES);
    }

    /**
     * Gatherv at a non-root: this rank's send count must be the root's {@code recvCounts[rank]}, and
     * the root's own send count its {@code recvCounts[root]} (checked here too, so a root that
     * disagrees with itself fails every rank in the call). Scatterv likewise with the root's
     * {@code sendCounts} and the receive counts.
     *
     * @param rootBlock the root's block ({@link #of}).
     * @throws CollectiveMismatchException on disagreement (this rank marked aborted).
     */
    static void checkAgainstRoot(final Exchange ex, final Operation op, final long rootBlock)
    {
        final boolean gather = op.kind == CollectiveKind.GATHERV;
        final String mine = gather ? "sendCount" : "recvCount";
        final String roots = gather ? "recvCounts" : "sendCounts";
        final int expected = gather ? recvCount(rootBlock, ex.size, ex.rank) : sendCount(rootBlock, ex.size, ex.rank);
        if (expected != op.ownCount)
        {
            throw mismatch(ex, op, "rank " + ex.rank + " " + mine + "=" + op.ownCount + " but root " + op.root + " " +
                roots + "[" + ex.rank + "]=" + expected);
        }
        checkRootItself(ex, op, ownCount(rootBlock),
            gather ? recvCount(rootBlock, ex.size, op.root) : sendCount(rootBlock, ex.size, op.root));
    }

    /**
     * Gatherv and scatterv at the root, or a non-root reading the root's block: the root's own count
     * must equal its own entry of its counts array.
     */
    static void checkRootItself(final Exchange ex, final Operation op, final int rootOwnCount, final int rootEntry)
    {
        if (rootOwnCount != rootEntry)
        {
            final boolean gather = op.kind == CollectiveKind.GATHERV;
            throw mismatch(ex, op, "root " + op.root + " " + (gather ? "sendCount" : "recvCount") + "=" + rootOwnCount +
                " but its " + (gather ? "recvCounts" : "sendCounts") + "[" + op.root + "]=" + rootEntry);
        }
    }

    /**
     * Allgatherv: every rank's send count (its {@link #OWN_COUNT}, this rank's own included) must be
     * this rank's {@code recvCounts} entry for it; so the receive counts agree on every rank. Reads
     * every peer's block: the caller bumps every peer's {@code FINISHED} afterwards.
     */
    static void checkAllGathervCounts(final Exchange ex, final Operation op)
    {
        for (int peer = 0; peer < ex.size; peer++)
        {
            final int sent = peer == ex.rank ? op.ownCount : ownCount(of(ex, op, peer));
            if (sent != op.recvCounts[peer])
            {
                throw mismatch(ex, op, "rank " + peer + " sendCount=" + sent + " but rank " + ex.rank + " recvCounts[" +
                    peer + "]=" + op.recvCounts[peer]);
            }
        }
    }

    /**
     * Alltoallv: this rank's {@code sendCounts[j]} must be rank j's {@code recvCounts[rank]}, for every
     * j (this rank included); every pair is checked by its sender. Reads every peer's block: the
     * caller bumps every peer's {@code FINISHED} afterwards.
     */
    static void checkAllToAllvCounts(final Exchange ex, final Operation op)
    {
        for (int peer = 0; peer < ex.size; peer++)
        {
            final int received = peer == ex.rank ? op.recvCounts[ex.rank] :
                recvCount(of(ex, op, peer), ex.size, ex.rank);
            if (received != op.sendCounts[peer])
            {
                throw mismatch(ex, op, "rank " + ex.rank + " sendCounts[" + peer + "]=" + op.sendCounts[peer] +
                    " but rank " + peer + " recvCounts[" + ex.rank + "]=" + received);
            }
        }
    }

    /** Mark this rank aborted for a counts mismatch (peers fail fast with its reason) and return the exception to throw. */
    static CollectiveMismatchException mismatch(final Exchange ex, final Operation op, final String what)
    {
        final String message = "collective mismatch at sequence " + op.sequence + ": " + op.kind + " counts disagree: " +
            what;
        ex.self.markAborted(ControlBlockDescriptor.ABORT_MISMATCH, message);
        return new CollectiveMismatchException(message);
    }
}
