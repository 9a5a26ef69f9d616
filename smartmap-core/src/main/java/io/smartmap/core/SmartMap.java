package io.smartmap.core;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A rank's handle on its job: the mapped segment (every rank's region), its own arena, every
 * rank's control block, the wait primitive and the collective sequence counter.
 * <p>
 * Get one with {@link #join()} in a process started by {@code bin/smartmap-run}, or with
 * {@link #join(SmartMapOptions)} when embedding (tests use threads that each attach on their own).
 * A process started without the launcher becomes a job of one rank (MPI's singleton start).
 * The world's collectives ({@link #world()}, {@link #enter}, {@link #barrier}) serve one thread at a
 * time; each sub-communicator's {@link Context} may be driven by a thread of its own, and the arena
 * ({@link #allocate}) is safe to share between them.
 */
public final class SmartMap implements AutoCloseable
{
    /**
     * Default of {@link SmartMapOptions#disseminationMinRanks}: jobs of at least this many ranks use the
     * dissemination barrier, smaller ones the flat one (system property {@code smartmap.disseminationMinRanks}).
     * Measured on a 2-core VM shared with other jobs (load 12-20), {@code BarrierRank 3000} through the
     * launcher, three runs each, usec per barrier flat / dissemination: 4 ranks 85-165 / 80-191, 8 ranks
     * 316-460 / 180-284, 16 ranks 742-1064 / 911-1708: even at 4, dissemination ahead at 8, noise at 16.
     */
    public static final int DISSEMINATION_MIN_RANKS = Integer.getInteger("smartmap.disseminationMinRanks", 8);
    /** The descriptor's algorithm code of the flat barrier. */
    public static final int BARRIER_FLAT = -1;
    /** The descriptor's algorithm code of the dissemination barrier. */
    public static final int BARRIER_DISSEMINATION = 1;

    private final Segment segment;
    private final boolean ownsSegmentFile;
    private final int rank;
    private final int size;
    private final Arena arena;
    private final ControlBlock[] blocks;
    private final ControlBlock self;
    private final Waiter waiter;
    private final RankLocks locks;
    private final FileLock rankLock;
    private final long timeoutNs;
    private final int disseminationMinRanks;
    private final Context world;
    private final AtomicLong nextContextId = new AtomicLong(1);
    private Object owner;
    private volatile boolean closed; // read by the threads of every communicator of this rank

    private SmartMap(
        final Segment segment, final boolean ownsSegmentFile, final int rank, final long timeoutNs,
        final int disseminationMinRanks)
    {
        this.segment = segment;
        this.ownsSegmentFile = ownsSegmentFile;
        this.rank = rank;
        this.size = segment.rankCount();
        this.timeoutNs = timeoutNs;
        this.disseminationMinRanks = disseminationMinRanks;
        this.arena = new Arena(segment, rank);
        this.blocks = new ControlBlock[size];
        for (int r = 0; r < size; r++)
        {
            blocks[r] = new ControlBlock(r, segment.region(r), segment.header());
        }
        this.self = blocks[rank];
        this.locks = RankLocks.open(Segment.lockPathFor(segment.path().getParent(), segment.jobId()));
        try
        {
            // the lock first, then the pid: a peer that sees the pid finds the lock held unless this rank died
            this.rankLock = locks.hold(rank);
        }
        catch (final RuntimeException ex)
        {
            locks.close();
            throw new IllegalStateException(ex.getMessage() + ", holder pid=" + self.pid(), ex);
        }
        this.waiter = new Waiter(blocks, segment.header(), rank, locks, timeoutNs);
        final int[] ranks = new int[size];
        final long[] rings = new long[size];
        for (int r = 0; r < size; r++)
        {
            ranks[r] = r;
            rings[r] = segment.regionMemoryAddress(r) + RegionDescriptor.FRAGMENT_AREA_OFFSET;
        }
        this.world = new Context(this, 0, rank, ranks, blocks, rings,
            RegionDescriptor.fragmentBytes(size, segment.strideBytes()), waiter, size >= disseminationMinRanks, null);
        self.markAlive(ProcessHandle.current().pid());
    }

    /**
     * Join the job this process was started in by {@code bin/smartmap-run} (reads
     * {@code SMARTMAP_RANK}, {@code SMARTMAP_SIZE}, {@code SMARTMAP_JOB} and friends). Without
     * them, creates a private one-rank job whose segment is removed on {@link #close()}.
     *
     * @return this rank's handle.
     * @throws IllegalArgumentException if the environment is malformed.
     * @throws IllegalStateException    if the segment cannot be attached.
     */
    public static SmartMap join()
    {
        final SmartMapOptions options = SmartMapOptions.fromEnvironment();
        if (options == null)
        {
            final SmartMapOptions single = new SmartMapOptions()
                .rank(0)
                .size(1)
                .jobId("singleton-" + ProcessHandle.current().pid());
            single.validate();
            final Segment segment = Segment.create(single.dir(), single.jobId(), 1, single.regionSizeBytes());
            return open(segment, true, 0, single.timeoutNs(), single.disseminationMinRanks());
        }
        return join(options);
    }

    /**
     * Attach to an existing job's segment as one rank.
     *
     * @param options directory, job id, rank, size, region size and timeout.
     * @return this rank's handle.
     * @throws IllegalArgumentException on bad options (rank out of range, size &lt;= 0, ...).
     * @throws IllegalStateException    if the segment is missing or does not match, or another live
     *                                  handle (in this process or another) holds the rank.
     */
    public static SmartMap join(final SmartMapOptions options)
    {
        options.validate();
        final Segment segment = Segment.attach(
            options.dir(), options.jobId(), options.size(), options.regionSizeBytes(), options.timeoutNs());
        return open(segment, false, options.rank(), options.timeoutNs(), options.disseminationMinRanks());
    }

    /** The handle, or nothing left behind: a refused join (the rank is held elsewhere) unmaps the segment. */
    private static SmartMap open(
        final Segment segment, final boolean ownsSegmentFile, final int rank, final long timeoutNs,
        final int disseminationMinRanks)
    {
        try
        {
            return new SmartMap(segment, ownsSegmentFile, rank, timeoutNs, disseminationMinRanks);
        }
        catch (final RuntimeException ex)
        {
            segment.close();
            if (ownsSegmentFile)
            {
                Segment.delete(segment.path().getParent(), segment.jobId());
            }
            throw ex;
        }
    }

    /** @return this process's rank, {@code [0, size)}. */
    public int rank()
    {
        return rank;
    }

    /** @return ranks in the job. */
    public int size()
    {
        return size;
    }

    /** @return the mapped segment. */
    public Segment segment()
    {
        return segment;
    }

    /** @return this rank's allocator. */
    public Arena arena()
    {
        return arena;
    }

    /**
     * Allocate a buffer in this rank's region (single-copy capable).
     *
     * @param bytes capacity in bytes.
     * @return the buffer.
     * @see Arena#allocate(int)
     */
    public RegionBuffer allocate(final int bytes)
    {
        checkOpen();
        return arena.allocate(bytes);
    }

    /**
     * A view of {@code lengthBytes} bytes at a segment address in any rank's region.
     *
     * @param address     a segment {@link Address}.
     * @param lengthBytes bytes in the view.
     * @return the view.
     * @throws IllegalArgumentException if the extent is not within one region of this segment.
     */
    public UnsafeBuffer view(final long address, final int lengthBytes)
    {
        checkOpen();
        if (!segment.contains(address, lengthBytes))
        {
            throw new IllegalArgumentException("address outside the segment: address=0x" + Long.toHexString(address) +
                ", length=" + lengthBytes + ", size=" + size + ", stride=" + segment.strideBytes());
        }
        // a view of the region buffer, not of a raw address: it keeps the region mapped while it is used
        final int owner = (int)(address >>> segment.strideShift());
        final int offset = (int)(address & (segment.strideBytes() - 1));
        return new UnsafeBuffer(segment.region(owner), offset, lengthBytes);
    }

    /**
     * @param rank a rank of the job.
     * @return that rank's control block.
     */
    public ControlBlock controlBlock(final int rank)
    {
        return blocks[rank];
    }

    /** @return this rank's control block. */
    public ControlBlock selfControlBlock()
    {
        return self;
    }

    /** @return the wait primitive for this rank. */
    public Waiter waiter()
    {
        return waiter;
    }

    /** @return the world communicator's context (id 0): every rank, the main control blocks, the region's rings. */
    public Context world()
    {
        return world;
    }

    /**
     * Start the next collective of the world context ({@link Context#enter}).
     *
     * @return the new sequence number.
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
        return world.enter(kind, root, count, datatype, op, algorithm, sendAddress, recvAddress);
    }

    /** Take the world context's next sequence number without a descriptor ({@link Context#nextSequence}). */
    public long nextSequence()
    {
        return world.nextSequence();
    }

    /**
     * Wait until {@code peer} has entered world collective {@code sequence} and check it entered the
     * same operation ({@link Context#awaitPeer}).
     *
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
        world.awaitPeer(peer, sequence, kind, root, count, datatype, op, algorithm);
    }

    /**
     * Block until every rank has called {@code barrier()} (MPI_Barrier). Sequence based, so reusable
     * with no reset and immune to a fast rank entering the next collective early. Both algorithms
     * first {@link #enter} the collective (descriptor and {@code SEQUENCE} published, so
     * {@code SEQUENCE >= s} still means "entered collective s"), with the algorithm in the descriptor:
     * ranks configured differently get a {@link CollectiveMismatchException}, not a hang.
     * <ul>
     * <li>Below {@link SmartMapOptions#disseminationMinRanks} ranks, flat: each rank waits for every
     *     peer's {@code SEQUENCE} to reach its own and checks every peer's descriptor.</li>
     * <li>From there on, dissemination (Hensgen, Finkel and Manber, "Two algorithms for barrier
     *     synchronization", 1988): {@code ceil(log2 size)} rounds; in round {@code k} rank {@code r}
     *     stores the sequence (release) into round {@code k}'s word of rank {@code (r + 2^k) mod size}
     *     and waits until its own round-{@code k} word, written only by rank {@code (r - 2^k) mod size},
     *     reaches it. After round {@code k} a rank has heard, directly or through the earlier rounds of
     *     the ranks it heard from, from the {@code 2^(k+1) - 1} ranks before it, so after the last round
     *     from all. Nobody polls or bumps a line that more than one rank writes, and each rank touches
     *     {@code O(log size)} lines instead of {@code size}. The descriptor check covers the ranks a
     *     rank heard from directly: after each round's wait it checks the signaller's descriptor; every
     *     rank signals someone in every round, so every rank is checked by someone. A rank that entered
     *     another collective never signals: it finds the disagreement in its own collective's arrival
     *     checks, aborts, and its abort reaches the barrier's ranks through their waits.</li>
     * </ul>
     * The same algorithms serve every {@link Context} ({@link Context#barrier()}).
     *
     * @throws PeerFailureException        if a peer dies, aborts or the wait times out.
     * @throws CollectiveMismatchException if a peer entered another collective at this sequence.
     */
    public void barrier()
    {
        world.barrier();
    }

    /** @return whether {@link #barrier()} runs the dissemination algorithm in this job (else the flat one). */
    public boolean usesDisseminationBarrier()
    {
        return world.usesDisseminationBarrier();
    }

    /**
     * Bytes per two-copy fragment in a sub-communicator's rings: the job's fragment size, or less so
     * that the rings of a {@code size}-rank context take at most an eighth of the arena (at least
     * {@link RegionDescriptor#MIN_FRAGMENT_BYTES}). A function of the job's shape, the same on every rank.
     *
     * @param size ranks in the context, {@code [1, size()]}.
     * @return bytes, a power of two.
     */
    public int contextFragmentBytes(final int size)
    {
        final long budget = arena.capacityBytes() / 8 / ((long)size * RegionDescriptor.RING_SLOTS);
        final int fitting = (int)Math.max(RegionDescriptor.MIN_FRAGMENT_BYTES, Long.highestOneBit(Math.max(1, budget)));
        return Math.min(world.fragmentBytes(), fitting);
    }

    /**
     * Allocate and zero this rank's part of a new sub-communicator's context in its arena: a control
     * block and the rings of {@link #contextFragmentBytes(int)}-byte fragments for {@code size} ranks.
     * Publish {@link #contextAddress(RegionBuffer)} to the other members, then {@link #openContext}.
     *
     * @param size ranks in the new context.
     * @return the memory, owned by the context once opened (or to {@link Arena#release} if not).
     * @throws IllegalStateException if the arena lacks the space.
     */
    public RegionBuffer allocateContext(final int size)
    {
        checkOpen();
        final long bytes = ControlBlockDescriptor.CONTROL_BLOCK_LENGTH +
            (long)size * RegionDescriptor.RING_SLOTS * contextFragmentBytes(size) + ControlBlockDescriptor.LINE_PAIR_BYTES;
        if (bytes > Integer.MAX_VALUE)
        {
            throw new IllegalStateException("context too large for one region: size=" + size + ", bytes=" + bytes);
        }
        final RegionBuffer memory = arena.allocate((int)bytes);
        memory.buffer().setMemory(0, memory.capacity(), (byte)0); // counters start at 0; arena bytes may be reused
        return memory;
    }

    /**
     * @param memory a context's memory from {@link #allocateContext}.
     * @return the segment address of its control block (128-byte aligned; the rings follow the block).
     */
    public static long contextAddress(final RegionBuffer memory)
    {
        final long align = ControlBlockDescriptor.LINE_PAIR_BYTES;
        return (memory.address() + align - 1) & -align;
    }

    /**
     * Open a sub-communicator's context from every member's {@link #contextAddress}, exchanged by the
     * members (through their parent communicator) after each {@link #allocateContext}.
     *
     * @param id         the context id, the same on every member.
     * @param rank       this rank's position in {@code worldRanks}.
     * @param worldRanks the members' ranks in the job, in the context's rank order.
     * @param addresses  each member's context address, in the same order.
     * @param memory     this rank's memory from {@link #allocateContext}.
     * @return the context.
     * @throws IllegalArgumentException if the arrays disagree in length, {@code worldRanks[rank]} is not
     *                                  this rank, or an address lies outside its member's region.
     */
    public Context openContext(
        final long id, final int rank, final int[] worldRanks, final long[] addresses, final RegionBuffer memory)
    {
        checkOpen();
        final int members = worldRanks.length;
        if (addresses.length != members || rank < 0 || rank >= members || worldRanks[rank] != this.rank ||
            addresses[rank] != contextAddress(memory))
        {
            throw new IllegalArgumentException("inconsistent context: rank=" + rank + ", worldRanks=" + members +
                ", addresses=" + addresses.length + ", this rank=" + this.rank);
        }
        final int fragmentBytes = contextFragmentBytes(members);
        final long bytes = ControlBlockDescriptor.CONTROL_BLOCK_LENGTH + (long)members * RegionDescriptor.RING_SLOTS * fragmentBytes;
        final ControlBlock[] contextBlocks = new ControlBlock[members];
        final long[] rings = new long[members];
        for (int i = 0; i < members; i++)
        {
            final int member = worldRanks[i];
            if (member < 0 || member >= size || !segment.contains(addresses[i], (int)bytes) ||
                (int)(addresses[i] >>> segment.strideShift()) != member)
            {
                throw new IllegalArgumentException("context address outside its member's region: member=" + member +
                    ", address=0x" + Long.toHexString(addresses[i]));
            }
            final int offset = (int)(addresses[i] & (segment.strideBytes() - 1));
            contextBlocks[i] = ControlBlock.at(member, segment.region(member), offset, segment.header());
            rings[i] = segment.memoryAddress(addresses[i]) + ControlBlockDescriptor.CONTROL_BLOCK_LENGTH;
        }
        final Waiter contextWaiter = new Waiter(blocks, segment.header(), this.rank, locks, timeoutNs);
        return new Context(this, id, rank, worldRanks.clone(), contextBlocks, rings, fragmentBytes, contextWaiter,
            members >= disseminationMinRanks, memory);
    }

    /** Give a freed context's memory back to the arena ({@link Context#free}). */
    void releaseContext(final RegionBuffer memory)
    {
        if (!closed)
        {
            arena.release(memory);
        }
    }

    /**
     * Bind this handle to the one engine that runs its collectives (a communicator keeps the
     * cumulative counter targets of this rank locally, so two engines on one handle would
     * miscount each other's acknowledgements).
     *
     * @param engine the engine, e.g. a communicator.
     * @throws IllegalStateException if another engine already drives this handle.
     */
    public void claim(final Object engine)
    {
        checkOpen();
        if (owner != null && owner != engine)
        {
            throw new IllegalStateException("this rank's handle already has a communicator: rank=" + rank +
                ", owner=" + owner);
        }
        owner = engine;
    }

    /**
     * Mark this rank aborted so that peers waiting on it fail fast (MPI_Abort without the kill).
     *
     * @param reasonCode an {@code ControlBlockDescriptor.ABORT_*} code.
     * @param reason     text shown in the peers' exceptions.
     */
    public void abort(final int reasonCode, final String reason)
    {
        if (closed)
        {
            return; // a closed rank has nothing left to abort
        }
        self.markAborted(reasonCode, reason);
    }

    /** @return whether {@link #close()} has been called on this handle. */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Reserve a context id to propose for a new sub-communicator: distinct from every id this rank
     * proposed or agreed before. The members agree on the largest proposal ({@link #contextIdAgreed}).
     *
     * @return the proposal, at least 1 (0 is the world's).
     */
    public long reserveContextId()
    {
        return nextContextId.getAndIncrement();
    }

    /** Note the id the members of a new context agreed on, so this rank never proposes it again. */
    public void contextIdAgreed(final long id)
    {
        nextContextId.accumulateAndGet(id + 1, Math::max);
    }

    /** @return whether this rank has marked itself aborted. */
    public boolean isAborted()
    {
        checkOpen();
        return self.stateAcquire() == ControlBlockDescriptor.STATE_ABORTED;
    }

    /**
     * Mark this rank closed (or keep it aborted), give its rank back and drop this handle's use of
     * the segment; idempotent. Every later call on this handle throws {@link IllegalStateException};
     * buffers and views obtained before stay readable (the mappings live until they are
     * unreferenced), so no sequence of calls can touch unmapped memory.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        self.markClosed(); // before the lock goes: peers that find the lock free see CLOSED, not a death
        try
        {
            rankLock.release();
        }
        catch (final IOException ignore)
        {
            // the channel is closed below either way, which drops the lock
        }
        locks.close();
        segment.close();
        if (ownsSegmentFile)
        {
            Segment.delete(segment.path().getParent(), segment.jobId());
        }
    }

    /** @throws IllegalStateException if this handle is closed. */
    void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("this rank's handle is closed: rank=" + rank + ", job=" + segment.jobId());
        }
    }

    @Override
    public String toString()
    {
        return "SmartMap{rank=" + rank + ", size=" + size + ", segment=" + segment.path() + '}';
    }
}
