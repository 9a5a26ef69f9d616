package io.smartmap.collectives;

import io.smartmap.core.Address;
import io.smartmap.core.ControlBlock;
import io.smartmap.core.ControlBlockDescriptor;

/**
 * The single-copy SMARTMAP collectives (Brightwell, Pedretti, Hudson, "SMARTMAP: Operating System
 * Support for Efficient Data Sharing Among Processes on a Multi-Core Processor", SC'08, section 4):
 * each rank reads and writes its peers' buffers in place through the shared segment.
 * <p>
 * Entry: the caller has published this rank's descriptor ({@link Exchange#enter}). Exit: nobody
 * reads or writes this rank's buffers any more. Every algorithm folds contributions in rank
 * order 0..size-1 for every element, so results are bit-identical to the serial model.
 */
final class SingleCopy extends CollectiveFamily
{
    /**
     * Threaded reductions work in blocks of this many bytes: two inputs and the result of a block fit in
     * a 32 KiB L1, so the result is still there when allreduce copies it to the peers (4 MiB float
     * allreduce, 2 ranks: 142-146 us with 8 KiB blocks, 160-186 us with 16 KiB).
     */
    static final int REDUCE_BLOCK_BYTES = 8 * 1024;
    /** Slices of a threaded reduction start on a cache line, so no two ranks write the same line. */
    static final int SLICE_ALIGNMENT_BYTES = 64;
    private static final int TURN_SHIFT = 11; // room for rank + 1 <= MAX_RANKS (1024) in the low bits
    private static final String TURN = "the turn in a serial reduce (TURN)";

    SingleCopy(final Exchange ex)
    {
        super(ex);
    }

    @Override
    String name()
    {
        return "single copy";
    }

    /**
     * Reduce: {@link Algorithm#SMARTMAP_THREADED} or {@link Algorithm#SMARTMAP_SERIAL}, as resolved by
     * {@link Selection}.
     */
    @Override
    void reduce(final Operation op)
    {
        if (op.algorithm == Algorithm.SMARTMAP_THREADED)
        {
            reduceThreaded(op);
        }
        else
        {
            reduceSerial(op);
        }
    }

    /**
     * Allreduce: the threaded, fused algorithm. The paper's serial allreduce (reduce to rank 0, then
     * broadcast) is two collectives, which the communicator runs as such.
     */
    @Override
    void allReduce(final Operation op)
    {
        if (op.algorithm != Algorithm.SMARTMAP_THREADED)
        {
            throw new IllegalStateException("single-copy allreduce runs threaded; serial is reduce + bcast: algorithm=" +
                op.algorithm);
        }
        allReduceThreaded(op);
    }

    /**
     * Broadcast (paper, section 4.3): the root publishes its buffer; every non-root copies straight
     * from it and bumps the root's {@code FINISHED}; the root leaves when all have copied. A root
     * whose buffer is staged copies it into the region in chunks, and the receivers copy each chunk
     * once it is in; a receiver whose buffer is not in the region copies into it directly.
     * <p>
     * From {@link CollectiveConfig#bcastSplitMinBytes()} up, when ranks do not outnumber cores
     * ({@link Operation#BCAST_SPLIT}), the root copies too, so no core idles while the others copy:
     * the message is cut into {@code size} cache-line aligned slices, and the root copies slice
     * {@code p} (p = the receiver's distance from the root) into each receiver, which copies the
     * other slices itself and waits for the root's increment of its own {@code FINISHED}. Root and
     * receivers each copy (size-1)/size of a message; a receiver that publishes no receive buffer
     * copies every slice itself, and still waits for the root's increment (the root reads its
     * descriptor, which must not change before).
     */
    @Override
    void bcast(final Operation op)
    {
        final boolean split = op.variant == Operation.BCAST_SPLIT; // in the descriptor: ranks that disagree are refused
        if (ex.rank == op.root)
        {
            if (op.stagePending)
            {
                ex.stageIn(op); // receivers copy each chunk as soon as it is in
            }
            ex.awaitAllArrivals(op); // a rank that thinks it is the root validates nobody else: check them here
            if (split)
            {
                for (int i = 1; i < ex.size; i++)
                {
                    final int peer = (op.root + i) % ex.size;
                    final ControlBlock receiver = ex.blocks[peer];
                    final long recvAddress = receiver.recvAddress(); // stable: the receiver waits for our increment
                    if (recvAddress != Address.NULL) // else its buffer is not in the region: it copies every slice itself
                    {
                        final long from = splitSliceStart(op, i);
                        final long to = splitSliceStart(op, i + 1);
                        Exchange.copy(op.sendMemory + from, ex.memory(recvAddress) + from, to - from);
                    }
                    receiver.incrementFinished(); // publishes the slice copied into the receiver's buffer, if any
                }
            }
            ex.awaitFinished(ex.size - 1);
        }
        else
        {
            ex.awaitArrival(op.root, op);
            final ControlBlock root = ex.blocks[op.root];
            final long source = ex.memory(root.sendAddress());
            if (split)
            {
                final int mine = (ex.rank - op.root + ex.size) % ex.size; // the slice the root copies for us
                final boolean rootCopies = op.recvAddress != Address.NULL;
                final long from = rootCopies ? splitSliceStart(op, mine) : op.bytes();
                final long to = rootCopies ? splitSliceStart(op, mine + 1) : op.bytes();
                copyFromRoot(op, source, 0, from);
                copyFromRoot(op, source, to, op.bytes());
                root.incrementFinished();
                ex.awaitFinished(1); // the root's slice has landed, or it has read our descriptor: we may move on
            }
            else
            {
                copyFromRoot(op, source, 0, op.bytes());
                root.incrementFinished();
            }
        }
    }

    /**
     * Copy bytes [from, to) of the root's send buffer into this rank's receive buffer (in the region,
     * or a Java array or ByteBuffer), each part as soon as the root has staged it ({@code STAGED}).
     */
    private void copyFromRoot(final Operation op, final long source, final long from, final long to)
    {
        long at = from;
        while (at < to)
        {
            final long end = Math.min(to, ex.awaitStaged(op.root, at + 1));
            Exchange.copy(null, source + at, op.recvBase, op.recvOffset + at, end - at);
            at = end;
        }
    }

    /** Byte offset of slice {@code index} (0..size) of a split broadcast: cache-line aligned, clipped to the message. */
    private long splitSliceStart(final Operation op, final int index)
    {
        final long slice = ((op.bytes() + ex.size - 1) / ex.size + SLICE_ALIGNMENT_BYTES - 1) & -SLICE_ALIGNMENT_BYTES;
        return Math.min(op.bytes(), slice * index);
    }

    /**
     * Serial reduce (paper, section 4.2): turn-ordered folding into the root's receive buffer.
     * Rank 0 copies its data in, then ranks 1..size-1 each fold theirs when {@code TURN} names
     * them. {@code TURN} is {@code sequence << 11 | rank}: monotonic, so no reset between collectives.
     */
    private void reduceSerial(final Operation op)
    {
        final ControlBlock root = ex.blocks[op.root];
        if (ex.rank != op.root)
        {
            ex.awaitArrival(op.root, op);
        }
        else
        {
            ex.awaitAllArrivals(op); // catches ranks that disagree about the root
        }
        final long turnBase = op.sequence << TURN_SHIFT;
        final long recv = ex.rank == op.root ? op.recvMemory : ex.memory(root.recvAddress());
        if (ex.rank == 0)
        {
            // rank 0 goes first: the root has arrived, and its previous serial reduce ended (TURN = k' << 11 | size)
            Exchange.copy(op.sendMemory, recv, op.bytes());
        }
        else
        {
            ex.await(root, ControlBlockDescriptor.TURN_OFFSET, turnBase | ex.rank, ex.rank - 1, TURN);
            op.kernel.apply(recv, op.sendMemory, op.count);
            if (ex.rank == ex.size - 1)
            {
                op.kernel.finish(recv, op.count); // the last fold: the result is complete
            }
        }
        root.putTurnRelease(turnBase | (ex.rank + 1)); // publishes the fold above to the next rank
        if (ex.rank == op.root)
        {
            ex.await(root, ControlBlockDescriptor.TURN_OFFSET, turnBase | ex.size, ex.size - 1, TURN);
        }
    }

    /**
     * Threaded reduce (paper, section 4.2): once all have arrived, rank i folds slice i of the
     * vector across every rank's send buffer, starting from rank 0's data and folding ranks
     * 1..size-1 in order, straight into the root's receive buffer; then it bumps every rank's
     * {@code FINISHED}. A rank leaves when all its peers have bumped its own: nobody reads its send
     * buffer any more, and at the root every slice is written.
     */
    private void reduceThreaded(final Operation op)
    {
        ex.awaitAllArrivals(op);
        ex.readPeerSendBuffers();
        final long recv = ex.rank == op.root ? op.recvMemory : ex.memory(ex.blocks[op.root].recvAddress());
        final int slice = sliceElements(op.count, op.datatype, ex.size);
        final int from = Math.min(op.count, ex.rank * slice);
        final int to = Math.min(op.count, from + slice);
        foldSlice(op, from, to, recv, false);
        finishWithEveryone();
    }

    /**
     * Allreduce, threaded and fused: rank i folds slice i across every send buffer into its own
     * receive buffer (rank order, as in {@link #reduceThreaded}) and copies each folded block into
     * every peer's receive buffer while the block is still in cache. One synchronisation instead of
     * the paper's reduce + broadcast.
     */
    private void allReduceThreaded(final Operation op)
    {
        ex.awaitAllArrivals(op);
        ex.readPeerSendBuffers();
        ex.readPeerReceiveBuffers();
        final int slice = sliceElements(op.count, op.datatype, ex.size);
        final int from = Math.min(op.count, ex.rank * slice);
        final int to = Math.min(op.count, from + slice);
        foldSlice(op, from, to, op.recvMemory, true);
        finishWithEveryone();
    }

    /**
     * Alltoall (paper, section 4.4): each rank copies block j of its send buffer into block
     * {@code rank} of rank j's receive buffer, starting with its right neighbour so no receive
     * buffer is hit by all ranks at once; it leaves when every rank has written into its own.
     */
    @Override
    void allToAll(final Operation op)
    {
        ex.awaitAllArrivals(op);
        final long block = op.bytes();
        for (int i = 0; i < ex.size; i++)
        {
            final int peer = (ex.rank + i) % ex.size;
            final ControlBlock target = ex.blocks[peer];
            final long recv = peer == ex.rank ? op.recvMemory : ex.memory(target.recvAddress());
            Exchange.copy(op.sendBase, op.sendOffset + peer * block, null, recv + ex.rank * block, block);
            if (peer != ex.rank)
            {
                target.incrementFinished(); // this rank's own block is done in program order
            }
        }
        ex.awaitFinished(ex.size - 1);
    }

    /**
     * Allgather (same spirit, not in the paper): each rank copies every peer's block straight from
     * the peer's send buffer into its own receive buffer, rotating the order of peers.
     */
    @Override
    void allGather(final Operation op)
    {
        ex.awaitAllArrivals(op);
        final long block = op.bytes();
        for (int i = 0; i < ex.size; i++)
        {
            final int peer = (ex.rank + i) % ex.size;
            final ControlBlock source = ex.blocks[peer];
            final long send = peer == ex.rank ? op.sendMemory : ex.memory(source.sendAddress());
            Exchange.copy(null, send, op.recvBase, op.recvOffset + peer * block, block);
            if (peer != ex.rank)
            {
                source.incrementFinished();
            }
        }
        ex.awaitFinished(ex.size - 1);
    }

    /**
     * Gather (MPI 4.0, 6.5): every rank copies its send buffer straight into block {@code rank} of the
     * root's receive buffer and bumps the root's {@code FINISHED}, so the ranks copy in parallel (the
     * paper's alltoall, section 4.4, with one receiver); the root leaves when all have written.
     */
    @Override
    void gather(final Operation op)
    {
        final long block = op.bytes();
        if (ex.rank == op.root)
        {
            ex.awaitAllArrivals(op); // a rank that thinks it is the root validates nobody else: check them here
            Exchange.copy(op.sendBase, op.sendOffset, op.recvBase, op.recvOffset + ex.rank * block, block);
            ex.awaitFinished(ex.size - 1);
            return;
        }
        ex.awaitArrival(op.root, op);
        final ControlBlock root = ex.blocks[op.root];
        Exchange.copy(op.sendBase, op.sendOffset, null, ex.memory(root.recvAddress()) + ex.rank * block, block);
        root.incrementFinished(); // publishes the block written into the root's buffer
    }

    /**
     * Scatter (MPI 4.0, 6.6): every rank copies block {@code rank} straight from the root's send buffer
     * into its receive buffer and bumps the root's {@code FINISHED}; the root leaves when all have read.
     */
    @Override
    void scatter(final Operation op)
    {
        final long block = op.bytes();
        if (ex.rank == op.root)
        {
            ex.awaitAllArrivals(op);
            Exchange.copy(op.sendBase, op.sendOffset + ex.rank * block, op.recvBase, op.recvOffset, block);
            ex.awaitFinished(ex.size - 1);
            return;
        }
        ex.awaitArrival(op.root, op);
        final ControlBlock root = ex.blocks[op.root];
        Exchange.copy(null, ex.memory(root.sendAddress()) + ex.rank * block, op.recvBase, op.recvOffset, block);
        root.incrementFinished(); // the root's buffer and counts are read
    }

    /**
     * Gatherv (MPI 4.0, 6.5): as {@link #gather}, each rank reading its count and displacement from the
     * root's counts block ({@link VectorBlock}) and checking the counts agree before it writes.
     */
    @Override
    void gatherv(final Operation op)
    {
        final int extent = op.datatype.extent();
        if (ex.rank == op.root)
        {
            ex.awaitAllArrivals(op);
            VectorBlock.checkRootItself(ex, op, op.ownCount, op.recvCounts[ex.rank]);
            Exchange.copy(op.sendBase, op.sendOffset, op.recvBase, op.recvOffset + (long)op.recvDispls[ex.rank] * extent,
                (long)op.ownCount * extent);
            ex.awaitFinished(ex.size - 1); // every peer has written, and read our counts block
            return;
        }
        ex.awaitArrival(op.root, op);
        final ControlBlock root = ex.blocks[op.root];
        final long counts = VectorBlock.of(ex, op, op.root);
        VectorBlock.checkAgainstRoot(ex, op, counts);
        final long displ = VectorBlock.recvDispl(counts, ex.size, ex.rank);
        Exchange.copy(op.sendBase, op.sendOffset, null, ex.memory(root.recvAddress()) + displ * extent,
            (long)op.ownCount * extent);
        root.incrementFinished();
    }

    /**
     * Scatterv (MPI 4.0, 6.6): as {@link #scatter}, each rank reading its count and displacement from the
     * root's counts block and checking the counts agree before it reads.
     */
    @Override
    void scatterv(final Operation op)
    {
        final int extent = op.datatype.extent();
        if (ex.rank == op.root)
        {
            ex.awaitAllArrivals(op);
            VectorBlock.checkRootItself(ex, op, op.ownCount, op.sendCounts[ex.rank]);
            Exchange.copy(op.sendBase, op.sendOffset + (long)op.sendDispls[ex.rank] * extent, op.recvBase, op.recvOffset,
                (long)op.ownCount * extent);
            ex.awaitFinished(ex.size - 1);
            return;
        }
        ex.awaitArrival(op.root, op);
        final ControlBlock root = ex.blocks[op.root];
        final long counts = VectorBlock.of(ex, op, op.root);
        VectorBlock.checkAgainstRoot(ex, op, counts);
        final long displ = VectorBlock.sendDispl(counts, ex.size, ex.rank);
        Exchange.copy(null, ex.memory(root.sendAddress()) + displ * extent, op.recvBase, op.recvOffset,
            (long)op.ownCount * extent);
        root.incrementFinished();
    }

    /**
     * Allgatherv (MPI 4.0, 6.7): as {@link #allGather}, block j landing at {@code displs[j]}. Every rank
     * first checks every peer's send count against its receive counts, and only then copies and bumps
     * the peers' {@code FINISHED}: a rank that finds a disagreement never acknowledges, so every peer
     * fails in its wait.
     */
    @Override
    void allGatherv(final Operation op)
    {
        ex.awaitAllArrivals(op);
        VectorBlock.checkAllGathervCounts(ex, op);
        final int extent = op.datatype.extent();
        for (int i = 0; i < ex.size; i++)
        {
            final int peer = (ex.rank + i) % ex.size;
            final long to = op.recvOffset + (long)op.recvDispls[peer] * extent;
            final long bytes = (long)op.recvCounts[peer] * extent;
            if (peer == ex.rank)
            {
                Exchange.copy(op.sendBase, op.sendOffset, op.recvBase, to, bytes);
            }
            else
            {
                final ControlBlock source = ex.blocks[peer];
                Exchange.copy(null, ex.memory(source.sendAddress()), op.recvBase, to, bytes);
                source.incrementFinished(); // its send buffer and counts are read
            }
        }
        ex.awaitFinished(ex.size - 1);
    }

    /**
     * Alltoallv (MPI 4.0, 6.8): as {@link #allToAll}, block j ({@code sendCounts[j]} elements at
     * {@code sDispls[j]}) written straight into rank j's receive buffer at its {@code rDispls[rank]}.
     * Every rank first checks its send counts against every peer's receive counts, then writes.
     */
    @Override
    void allToAllv(final Operation op)
    {
        ex.awaitAllArrivals(op);
        VectorBlock.checkAllToAllvCounts(ex, op);
        final int extent = op.datatype.extent();
        for (int i = 0; i < ex.size; i++)
        {
            final int peer = (ex.rank + i) % ex.size;
            final long from = op.sendOffset + (long)op.sendDispls[peer] * extent;
            final long bytes = (long)op.sendCounts[peer] * extent;
            if (peer == ex.rank)
            {
                Exchange.copy(op.sendBase, from, op.recvBase, op.recvOffset + (long)op.recvDispls[ex.rank] * extent, bytes);
            }
            else
            {
                final ControlBlock target = ex.blocks[peer];
                final long displ = VectorBlock.recvDispl(VectorBlock.of(ex, op, peer), ex.size, ex.rank);
                Exchange.copy(op.sendBase, from, null, ex.memory(target.recvAddress()) + displ * extent, bytes);
                target.incrementFinished();
            }
        }
        ex.awaitFinished(ex.size - 1);
    }

    /** Elements per rank's slice: the count split evenly, rounded up to whole cache lines. */
    static int sliceElements(final int count, final Datatype datatype, final int size)
    {
        final int perLine = Math.max(1, SLICE_ALIGNMENT_BYTES / datatype.extent());
        final int even = (int)(((long)count + size - 1) / size);
        return (int)Math.min(Integer.MAX_VALUE, ((long)even + perLine - 1) / perLine * perLine);
    }

    /**
     * Fold elements [from, to) of every rank's send buffer ({@link Exchange#peerMemory}) into
     * {@code acc}, block by block so the block stays in L1/L2: ranks 0 and 1 combined in one pass,
     * ranks 2.. applied in order, the result finished; with {@code toPeers} each finished block is then
     * copied into every peer's receive buffer ({@link Exchange#peerRecvMemory}), starting with the
     * right neighbour.
     */
    private void foldSlice(final Operation op, final int from, final int to, final long acc, final boolean toPeers)
    {
        final int extent = op.datatype.extent();
        final int blockElements = Math.max(1, REDUCE_BLOCK_BYTES / extent);
        final long[] sends = ex.peerMemory;
        for (int start = from; start < to; start += blockElements)
        {
            final int n = Math.min(blockElements, to - start);
            final long offset = (long)start * extent;
            final long bytes = (long)n * extent;
            if (ex.size == 1)
            {
                Exchange.copy(sends[0] + offset, acc + offset, bytes);
            }
            else
            {
                op.kernel.combine(acc + offset, sends[0] + offset, sends[1] + offset, n);
                for (int r = 2; r < ex.size; r++)
                {
                    op.kernel.apply(acc + offset, sends[r] + offset, n);
                }
                op.kernel.finish(acc + offset, n);
            }
            if (toPeers)
            {
                for (int i = 1; i < ex.size; i++)
                {
                    Exchange.copy(acc + offset, ex.peerRecvMemory[(ex.rank + i) % ex.size] + offset, bytes);
                }
            }
        }
    }

    /** Tell every peer this rank is done with its buffers, then wait until every peer is done with ours. */
    private void finishWithEveryone()
    {
        for (int i = 1; i < ex.size; i++)
        {
            ex.blocks[(ex.rank + i) % ex.size].incrementFinished();
        }
        ex.awaitFinished(ex.size - 1); // this rank's own part is done in program order
    }
}
