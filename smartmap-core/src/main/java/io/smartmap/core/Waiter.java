package io.smartmap.core;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.smartmap.core.ControlBlockDescriptor.*;

/**
 * The one wait primitive of the protocol: wait until a 64-bit counter in some rank's control
 * block reaches a target, spinning, then yielding, then parking, with a deadline. It spins long
 * ({@link #DEDICATED_SPINS}) when the job has no more ranks than cores and briefly
 * ({@link #OVERSUBSCRIBED_SPINS}) when ranks outnumber cores, so a waiting rank never holds a core
 * that the rank it waits for needs. While waiting it checks, every {@link #LIVENESS_CHECK_INTERVAL_NS},
 * that the awaited peer (or every peer) is alive and not aborted, so a crash turns into an
 * exception within milliseconds, not at the deadline. Alive means: the rank still holds its lock
 * in the job's lock file ({@link RankLocks}), which the kernel drops when the process dies, reaped
 * or not; the pid a rank publishes only names it in messages.
 * <p>
 * On timeout, a dead peer or an aborted peer it marks its own rank aborted (so peers waiting on
 * it fail fast too) and throws {@link PeerTimeoutException}, {@link PeerDeadException} or
 * {@link PeerAbortedException}, naming the rank and what was awaited. Not thread-safe: one per rank.
 */
public final class Waiter
{
    /** Returned by {@link #awaitAtLeast(ControlBlock, int, long, int, String, int)} when the other counter reached the target. */
    public static final long ELSEWHERE = Long.MIN_VALUE;
    /** Pass as the peer when any rank may be the one that advances the counter. */
    public static final int ANY_PEER = -1;
    /** How often a blocked wait looks at its peers' state and liveness locks. */
    public static final long LIVENESS_CHECK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(2);
    /** How long a timed-out wait watches its peers for a sign of progress before naming the stuck one. */
    public static final long STUCK_WINDOW_NS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ControlBlock[] blocks;
    private final AtomicBuffer header;
    private final int selfRank;
    private final RankLocks locks;
    private final long timeoutNs;
    /** Spins before yielding when every rank has a core of its own: busy polling is cheapest there. */
    public static final long DEDICATED_SPINS = Long.getLong("smartmap.spins.dedicated", 50_000);
    /**
     * Spins before yielding when ranks outnumber cores: none, the core goes at once to a rank that can
     * make progress (4 ranks on 2 cores, bin/smartmap-bench --ranks 4, JDK 25: barrier 2.2-2.4 us and
     * 8 B inline allreduce 2.4-2.7 us with 0 spins, 2.4-2.6 and 2.6-2.8 us with 10, 6.1-6.9 and 6.8-7.2 us with 100).
     */
    public static final long OVERSUBSCRIBED_SPINS = Long.getLong("smartmap.spins.oversubscribed", 0);

    /** Yields before parking when every rank has a core of its own. */
    public static final long DEDICATED_YIELDS = Long.getLong("smartmap.yields.dedicated", 100);
    /**
     * Yields before parking when ranks outnumber cores: a yield hands the core to a runnable rank at
     * once, while a park sleeps for at least the kernel's timer slack (50 us), so yield long.
     */
    public static final long OVERSUBSCRIBED_YIELDS = Long.getLong("smartmap.yields.oversubscribed", 50_000);

    private final IdleStrategy idle;

    /**
     * @param blocks    every rank's control block, indexed by rank.
     * @param header    the segment header (its aborted-rank count).
     * @param selfRank  the waiting rank.
     * @param locks     the job's rank locks, probed for the peers' liveness.
     * @param timeoutNs deadline of one wait.
     */
    Waiter(
        final ControlBlock[] blocks, final AtomicBuffer header, final int selfRank, final RankLocks locks,
        final long timeoutNs)
    {
        if (timeoutNs <= 0)
        {
            throw new IllegalArgumentException("timeout must be positive: timeoutNs=" + timeoutNs);
        }
        this.blocks = blocks;
        this.header = header;
        this.selfRank = selfRank;
        this.locks = locks;
        this.timeoutNs = timeoutNs;
        // ranks outnumber the cores this process may run on, or the configured count (-Dsmartmap.cores, as for the collectives)
        final int cores = Integer.getInteger("smartmap.cores", 0);
        final boolean oversubscribed = blocks.length > (cores > 0 ? cores : Runtime.getRuntime().availableProcessors());
        this.idle = new BackoffIdleStrategy(
            oversubscribed ? OVERSUBSCRIBED_SPINS : DEDICATED_SPINS,
            oversubscribed ? OVERSUBSCRIBED_YIELDS : DEDICATED_YIELDS,
            TimeUnit.MICROSECONDS.toNanos(1),
            TimeUnit.MICROSECONDS.toNanos(200));
    }

    /** @return the deadline of one wait in nanoseconds. */
    public long timeoutNs()
    {
        return timeoutNs;
    }

    /**
     * Wait until the long at {@code offset} of {@code block} is at least {@code target} (acquire
     * load: what the writer did before its release store or atomic add is visible on return).
     *
     * @param block   whose control block holds the counter.
     * @param offset  the counter's offset in the block.
     * @param target  the value to reach.
     * @param peer    the rank expected to advance it, or {@link #ANY_PEER}.
     * @param awaited what is awaited, for the exception message.
     * @return the value read, {@code >= target}.
     * @throws PeerFailureException on timeout, dead peer or aborted peer.
     */
    public long awaitAtLeast(
        final ControlBlock block, final int offset, final long target, final int peer, final String awaited)
    {
        long value = block.buffer().getLongAcquire(offset);
        if (value >= target)
        {
            return value;
        }
        return awaitSlow(block, offset, target, peer, awaited);
    }

    /**
     * {@link #awaitAtLeast(ControlBlock, int, long, int, String)} for a collective that the peer may
     * have entered by the other path (a descriptor instead of an inline slot, or the reverse): at every
     * liveness check it also looks at the counter at {@code elsewhereOffset}, and if that one reached
     * {@code target} while the awaited one did not, returns {@link #ELSEWHERE} (the caller decides
     * whether that is a mismatch). A mismatch is thus found within {@link #LIVENESS_CHECK_INTERVAL_NS}.
     *
     * @return the value read, {@code >= target}, or {@link #ELSEWHERE}.
     * @throws PeerFailureException on timeout, dead peer or aborted peer.
     */
    public long awaitAtLeast(
        final ControlBlock block, final int offset, final long target, final int peer, final String awaited,
        final int elsewhereOffset)
    {
        final long value = block.buffer().getLongAcquire(offset);
        if (value >= target)
        {
            return value;
        }
        return awaitSlow(block, offset, target, peer, awaited, elsewhereOffset);
    }

    private long awaitSlow(
        final ControlBlock block, final int offset, final long target, final int peer, final String awaited)
    {
        return awaitSlow(block, offset, target, peer, awaited, -1);
    }

    private long awaitSlow(
        final ControlBlock block, final int offset, final long target, final int peer, final String awaited,
        final int elsewhereOffset)
    {
        final long start = System.nanoTime();
        long nextCheck = start + LIVENESS_CHECK_INTERVAL_NS;
        idle.reset();
        while (true)
        {
            final long value = block.buffer().getLongAcquire(offset);
            if (value >= target)
            {
                return value;
            }
            idle.idle();
            final long now = System.nanoTime();
            if (now - nextCheck >= 0)
            {
                nextCheck = now + LIVENESS_CHECK_INTERVAL_NS;
                blocks[selfRank].beat(); // tells a timed-out peer that this rank is waiting, not stopped
                if (elsewhereOffset >= 0 && block.buffer().getLongAcquire(elsewhereOffset) >= target)
                {
                    final long last = block.buffer().getLongAcquire(offset); // reached both ways: not elsewhere
                    return last >= target ? last : ELSEWHERE;
                }
                final PeerFailureException failure = peerFailure(peer, awaited);
                if (failure != null)
                {
                    // a peer's last store (release) precedes its abort or close: re-read before blaming it
                    final long last = block.buffer().getLongAcquire(offset);
                    if (last >= target)
                    {
                        return last;
                    }
                    throw fail(failure);
                }
                if (now - start >= timeoutNs)
                {
                    final int stuck = stuckPeer(peer);
                    final String message = "timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) +
                        " ms waiting for " + who(peer) + (stuck == ANY_PEER ? "" : ": rank " + stuck + " (pid " +
                        blocks[stuck].pid() + ") made no progress in " + TimeUnit.NANOSECONDS.toMillis(STUCK_WINDOW_NS) +
                        " ms, stopped or stuck") + "; awaited=" + awaited + ", target=" + target + ", current=" +
                        value + ", waiter=rank " + selfRank;
                    blocks[selfRank].markAborted(ABORT_TIMEOUT, message);
                    throw new PeerTimeoutException(message, stuck == ANY_PEER ? peer : stuck, awaited);
                }
            }
        }
    }

    /**
     * Throw if the peer (or any peer) is dead, aborted or closed, marking this rank aborted first.
     *
     * @param peer    a rank or {@link #ANY_PEER}.
     * @param awaited what is awaited, for the exception message.
     * @throws PeerFailureException naming the failed peer.
     */
    public void checkPeers(final int peer, final String awaited)
    {
        final PeerFailureException failure = peerFailure(peer, awaited);
        if (failure != null)
        {
            throw fail(failure);
        }
    }

    /**
     * Throw if any peer has aborted, marking this rank aborted first with the cascading reason. Cheap
     * enough for the start of every call: one load of the job's aborted-rank count, which stays in
     * this core's cache until some rank aborts; only then are the peers' states read (no liveness
     * probe: a dead peer is found by the next wait).
     *
     * @param awaited what the caller was about to do, for the exception message.
     * @throws PeerAbortedException naming the first aborted peer.
     */
    public void checkNoPeerAborted(final String awaited)
    {
        if (!anyRankAborted())
        {
            return;
        }
        for (int r = 0; r < blocks.length; r++)
        {
            if (r != selfRank && blocks[r].stateAcquire() == STATE_ABORTED)
            {
                throw fail(aborted(r, awaited));
            }
        }
    }

    /**
     * @return whether any rank of the job, this one included, has marked itself aborted (one load of
     *         the job's aborted-rank count; acquire, so the aborted ranks' states and reasons are visible).
     */
    public boolean anyRankAborted()
    {
        return SegmentDescriptor.abortedRanksAcquire(header) != 0;
    }

    private PeerAbortedException aborted(final int rank, final String awaited)
    {
        final ControlBlock block = blocks[rank];
        final String reason = block.reason();
        return new PeerAbortedException("peer rank " + rank + " aborted (" + reason + ") while rank " +
            selfRank + " awaited " + awaited, rank, awaited, block.reasonCode(), reason);
    }

    /**
     * Mark this rank aborted because of a peer's failure. A cascade forwards the first failure's
     * reason (and a mismatch keeps its code), so every rank's exception names the rank that started it.
     */
    private PeerFailureException fail(final PeerFailureException failure)
    {
        if (failure instanceof PeerAbortedException && ((PeerAbortedException)failure).reasonCode() != 0)
        {
            final PeerAbortedException aborted = (PeerAbortedException)failure;
            blocks[selfRank].markAborted(
                aborted.reasonCode() == ABORT_MISMATCH ? ABORT_MISMATCH : ABORT_PEER_FAILED, aborted.reason());
        }
        else
        {
            blocks[selfRank].markAborted(ABORT_PEER_FAILED, failure instanceof PeerDeadException ?
                "rank " + failure.peerRank() + " died" : "rank " + failure.peerRank() + " closed early");
        }
        return failure;
    }

    private PeerFailureException peerFailure(final int peer, final String awaited)
    {
        if (peer != ANY_PEER)
        {
            return peer == selfRank ? null : failureOf(peer, awaited, true);
        }
        for (int r = 0; r < blocks.length; r++)
        {
            if (r != selfRank)
            {
                // a peer that closed cleanly has done its part of every collective it entered
                final PeerFailureException failure = failureOf(r, awaited, false);
                if (failure != null)
                {
                    return failure;
                }
            }
        }
        return null;
    }

    private PeerFailureException failureOf(final int rank, final String awaited, final boolean closedIsFailure)
    {
        final ControlBlock block = blocks[rank];
        final int state = block.stateAcquire();
        if (state == STATE_ABORTED)
        {
            return aborted(rank, awaited);
        }
        if (state == STATE_CLOSED)
        {
            if (!closedIsFailure)
            {
                return null;
            }
            return new PeerAbortedException("peer rank " + rank + " closed its handle while rank " + selfRank +
                " awaited " + awaited, rank, awaited, 0, "");
        }
        final long pid = block.pid();
        if (pid != 0 && !locks.isHeld(rank)) // joined (lock taken before the pid was published), lock now free
        {
            // a rank closes (or aborts) before it lets go of its lock: re-read its state before calling it dead
            if (block.stateAcquire() != state)
            {
                return failureOf(rank, awaited, closedIsFailure);
            }
            return new PeerDeadException("peer rank " + rank + " (pid " + pid + ") died while rank " + selfRank +
                " awaited " + awaited, rank, awaited);
        }
        return null;
    }

    /**
     * On timeout, find the rank everybody waits for: every rank blocked in a wait beats every
     * {@link #LIVENESS_CHECK_INTERVAL_NS} and every running rank advances its sequence, so a peer
     * whose beats and sequence both stand still for {@link #STUCK_WINDOW_NS} is stopped (SIGSTOP, a
     * debugger) or stuck outside the library. Waits form chains (rank 0 waits for rank 1, which
     * waits for the stopped rank 2), and every rank of a chain times out at about the same moment:
     * this names rank 2 on all of them instead of each one's neighbour.
     *
     * @param peer the awaited rank, or {@link #ANY_PEER}.
     * @return the awaited rank if it stood still, else the lowest rank that did, else {@link #ANY_PEER}.
     */
    private int stuckPeer(final int peer)
    {
        final long[] beats = new long[blocks.length];
        final long[] sequences = new long[blocks.length];
        for (int r = 0; r < blocks.length; r++)
        {
            beats[r] = blocks[r].beatsAcquire();
            sequences[r] = blocks[r].enteredAcquire();
        }
        final long end = System.nanoTime() + STUCK_WINDOW_NS;
        while (System.nanoTime() - end < 0)
        {
            blocks[selfRank].beat(); // this rank is observed too, by peers timing out at the same moment
            LockSupport.parkNanos(LIVENESS_CHECK_INTERVAL_NS / 2);
        }
        int stuck = ANY_PEER;
        for (int r = blocks.length - 1; r >= 0; r--)
        {
            final ControlBlock block = blocks[r];
            if (r != selfRank && block.pid() != 0 && block.stateAcquire() == STATE_ALIVE &&
                block.beatsAcquire() == beats[r] && block.enteredAcquire() == sequences[r])
            {
                if (r == peer)
                {
                    return r;
                }
                stuck = r;
            }
        }
        return stuck;
    }

    private static String who(final int peer)
    {
        return peer == ANY_PEER ? "any peer" : "rank " + peer;
    }
}
