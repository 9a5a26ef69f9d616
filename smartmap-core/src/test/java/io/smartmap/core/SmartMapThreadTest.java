package io.smartmap.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** Ranks as threads that each attach on their own: the same code path as processes, for protocol edge cases. */
class SmartMapThreadTest
{
    private static final long REGION = RegionDescriptor.minRegionBytes(4);
    /** Threshold that makes every job run the dissemination barrier. */
    private static final int ALWAYS = 1;
    /** Threshold that makes every job run the flat barrier. */
    private static final int NEVER = Integer.MAX_VALUE;

    @TempDir
    Path dir;

    @Test
    void shouldValidateOptions()
    {
        final IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
            () -> SmartMap.join(options("x", 4, 2)));
        assertTrue(rank.getMessage().startsWith("rank out of range: rank=4, size=2"), rank.getMessage());
        final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
            () -> SmartMap.join(options("x", -1, 2)));
        assertTrue(negative.getMessage().contains("rank=-1"), negative.getMessage());
        final IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> SmartMap.join(options("x", 0, 0)));
        assertTrue(size.getMessage().startsWith("size out of range: size=0"), size.getMessage());
    }

    @Test
    void shouldReadOptionsFromLauncherEnvironment()
    {
        final SmartMapOptions options = SmartMapOptions.fromEnvironment(java.util.Map.of(
            "SMARTMAP_RANK", "2", "SMARTMAP_SIZE", "4", "SMARTMAP_JOB", "j", "SMARTMAP_DIR", "/tmp",
            "SMARTMAP_TIMEOUT_MS", "1500"));
        assertEquals(2, options.rank());
        assertEquals(4, options.size());
        assertEquals("j", options.jobId());
        assertEquals(Path.of("/tmp"), options.dir());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(1500), options.timeoutNs());
        assertNull(SmartMapOptions.fromEnvironment(java.util.Map.of()));
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> SmartMapOptions.fromEnvironment(java.util.Map.of("SMARTMAP_RANK", "two")));
        assertTrue(bad.getMessage().contains("SMARTMAP_RANK=two"), bad.getMessage());
    }

    @Test
    void shouldRunManyBarriersWithThreadRanks() throws Exception
    {
        final int[] passed = new int[4];
        runRanks("barriers", 4, smartMap ->
        {
            for (int i = 0; i < 2000; i++)
            {
                smartMap.barrier();
            }
            passed[smartMap.rank()] = 2000;
        });
        assertArrayEquals(new int[] {2000, 2000, 2000, 2000}, passed);
    }

    /**
     * Both barriers, at powers of two and not: before barrier {@code i} every rank bumps a shared
     * counter, after it the counter must show every rank's {@code i + 1} bumps and nobody's
     * {@code i + 3}rd. Every third barrier follows a flat collective, so the barriers' sequences have gaps.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 6, 8, 9, 13, 16})
    void shouldSynchronizeWithTheDisseminationBarrierAsWithTheFlatOne(final int size) throws Exception
    {
        for (final int threshold : new int[] {NEVER, ALWAYS})
        {
            final int barriers = 150;
            final AtomicLong counter = new AtomicLong();
            final long[] wrong = new long[size];
            final boolean[] dissemination = new boolean[size];
            runRanks("sync-" + size + "-" + (threshold == ALWAYS), size, r -> threshold, smartMap ->
            {
                final int rank = smartMap.rank();
                dissemination[rank] = smartMap.usesDisseminationBarrier();
                for (int i = 0; i < barriers; i++)
                {
                    if (i % 3 == 0)
                    {
                        final long seq = smartMap.enter(CollectiveKind.BCAST, 0, 8, 1, -1, 1, Address.NULL, Address.NULL);
                        for (int peer = 0; peer < size; peer++)
                        {
                            smartMap.awaitPeer(peer, seq, CollectiveKind.BCAST, 0, 8, 1, -1, 1);
                        }
                    }
                    counter.incrementAndGet();
                    smartMap.barrier();
                    final long value = counter.get();
                    if (value < (long)size * (i + 1) || value > (long)size * (i + 2) - 1)
                    {
                        wrong[rank]++;
                    }
                }
            });
            for (int r = 0; r < size; r++)
            {
                assertEquals(0, wrong[r], "rank " + r + ", size " + size + ", dissemination " + (threshold == ALWAYS));
                assertEquals(threshold == ALWAYS, dissemination[r]);
            }
            assertEquals((long)size * barriers, counter.get());
        }
    }

    @Test
    void shouldChooseTheDisseminationBarrierFromTheThreshold() throws Exception
    {
        final int threshold = SmartMap.DISSEMINATION_MIN_RANKS;
        final boolean[] below = new boolean[1];
        runRanks("threshold-below", 1, r -> threshold, smartMap -> below[0] = smartMap.usesDisseminationBarrier());
        assertEquals(threshold <= 1, below[0]);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> SmartMap.join(options("x", 0, 2).disseminationMinRanks(0)));
        assertTrue(ex.getMessage().startsWith("dissemination threshold must be positive: disseminationMinRanks=0"),
            ex.getMessage());
    }

    /**
     * Rank 2 of 5 enters a broadcast while the others enter a dissemination barrier: it finds the
     * mismatch at its root, and the barrier's ranks, which never hear from it, fail through its abort.
     */
    @Test
    void shouldDetectAMismatchAgainstTheDisseminationBarrierOnEveryRank() throws Exception
    {
        expectMismatchOnEveryRank("mismatch-dissemination", 5, r -> ALWAYS, r -> r == 2);
    }

    /** Ranks that disagree on the barrier's algorithm are refused, not left waiting for signals that never come. */
    @Test
    void shouldDetectRanksThatDisagreeOnTheBarrierAlgorithm() throws Exception
    {
        expectMismatchOnEveryRank("mismatch-threshold", 3, r -> r == 0 ? NEVER : ALWAYS, r -> false);
    }

    /** A dissemination barrier waits for one peer per round; the dead rank is still found, by its partners and then by all. */
    @Test
    void shouldFailEveryRankOfADisseminationBarrierWhenOneRankHasClosed() throws Exception
    {
        final int size = 6;
        try (Segment ignored = Segment.create(dir, "closed", size, RegionDescriptor.minRegionBytes(size)))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(size);
            final List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++)
            {
                final SmartMapOptions options = options("closed", r, size).disseminationMinRanks(ALWAYS)
                    .regionSizeBytes(RegionDescriptor.minRegionBytes(size));
                futures.add(pool.submit(() ->
                {
                    try (SmartMap smartMap = SmartMap.join(options))
                    {
                        smartMap.barrier();
                        if (smartMap.rank() == 4)
                        {
                            return null; // leaves the job: its close is a failure for peers still waiting on it
                        }
                        smartMap.barrier();
                    }
                    return null;
                }));
            }
            for (int r = 0; r < size; r++)
            {
                if (r == 4)
                {
                    futures.get(r).get(10, TimeUnit.SECONDS);
                    continue;
                }
                final int rank = r;
                final Exception ex = assertThrows(Exception.class, () -> futures.get(rank).get(10, TimeUnit.SECONDS));
                assertTrue(ex.getCause() instanceof PeerAbortedException, ex.getCause().toString());
                assertTrue(ex.getCause().getMessage().contains("rank 4 closed"), ex.getCause().getMessage());
            }
            pool.shutdownNow();
        }
    }

    @Test
    void shouldTimeOutNamingThePeerAndWhatWasAwaited() throws Exception
    {
        try (Segment ignored = Segment.create(dir, "timeout", 2, REGION);
            SmartMap rank0 = SmartMap.join(options("timeout", 0, 2).timeoutNs(TimeUnit.MILLISECONDS.toNanos(100))))
        {
            final long start = System.nanoTime();
            final PeerTimeoutException ex = assertThrows(PeerTimeoutException.class, rank0::barrier);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
            assertEquals(1, ex.peerRank());
            assertTrue(ex.getMessage().startsWith("timed out after 100 ms waiting for rank 1"), ex.getMessage());
            assertTrue(rank0.isAborted(), "a failed rank marks itself aborted");
        }
    }

    /**
     * Rank 2 joins and then stands still outside the library (as if stopped): ranks 0 and 1 wait in
     * a barrier, possibly for each other, and both time out naming rank 2, not their neighbour.
     */
    @Test
    void shouldNameTheRankThatStandsStillWhenWaitsTimeOut() throws Exception
    {
        try (Segment ignored = Segment.create(dir, "stuck", 3, REGION))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(3);
            final java.util.concurrent.CountDownLatch joined = new java.util.concurrent.CountDownLatch(3);
            final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            final List<Future<PeerTimeoutException>> waiters = new ArrayList<>();
            for (int r = 0; r < 2; r++)
            {
                final SmartMapOptions options = options("stuck", r, 3).timeoutNs(TimeUnit.MILLISECONDS.toNanos(300));
                waiters.add(pool.submit(() ->
                {
                    try (SmartMap smartMap = SmartMap.join(options))
                    {
                        joined.countDown();
                        joined.await();
                        return assertThrows(PeerTimeoutException.class, smartMap::barrier);
                    }
                }));
            }
            final Future<?> stuck = pool.submit(() ->
            {
                try (SmartMap smartMap = SmartMap.join(options("stuck", 2, 3)))
                {
                    joined.countDown();
                    done.await(); // alive, holding its lock, but making no progress
                }
                return null;
            });
            for (final Future<PeerTimeoutException> waiter : waiters)
            {
                final PeerTimeoutException ex = waiter.get(10, TimeUnit.SECONDS);
                assertEquals(2, ex.peerRank(), ex.getMessage());
                assertTrue(ex.getMessage().contains("rank 2 (pid " + ProcessHandle.current().pid() +
                    ") made no progress in 20 ms, stopped or stuck"), ex.getMessage());
            }
            done.countDown();
            stuck.get(10, TimeUnit.SECONDS);
            pool.shutdownNow();
        }
    }

    @Test
    void shouldFailFastWhenPeerAborts() throws Exception
    {
        try (Segment ignored = Segment.create(dir, "abort", 2, REGION);
            SmartMap rank0 = SmartMap.join(options("abort", 0, 2));
            SmartMap rank1 = SmartMap.join(options("abort", 1, 2)))
        {
            rank1.abort(ControlBlockDescriptor.ABORT_ERROR, "user code failed");
            final long start = System.nanoTime();
            final PeerAbortedException ex = assertThrows(PeerAbortedException.class, rank0::barrier);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
            assertEquals(1, ex.peerRank());
            assertEquals(ControlBlockDescriptor.ABORT_ERROR, ex.reasonCode());
            assertTrue(ex.getMessage().contains("user code failed"), ex.getMessage());
        }
    }

    @Test
    void shouldCountAbortedRanksInTheHeaderOnceEach() throws Exception
    {
        try (Segment segment = Segment.create(dir, "abort-count", 3, REGION);
            SmartMap rank0 = SmartMap.join(options("abort-count", 0, 3));
            SmartMap rank1 = SmartMap.join(options("abort-count", 1, 3));
            SmartMap rank2 = SmartMap.join(options("abort-count", 2, 3)))
        {
            assertEquals(0, SegmentDescriptor.abortedRanksAcquire(segment.header()));
            rank0.waiter().checkNoPeerAborted("nothing"); // healthy job: no exception
            rank2.abort(ControlBlockDescriptor.ABORT_ERROR, "first");
            rank2.abort(ControlBlockDescriptor.ABORT_ERROR, "again"); // an aborted rank is counted once
            assertEquals(1, SegmentDescriptor.abortedRanksAcquire(segment.header()));
            assertTrue(rank1.waiter().anyRankAborted());
            final PeerAbortedException ex = assertThrows(PeerAbortedException.class,
                () -> rank1.waiter().checkNoPeerAborted("its next call"));
            assertEquals(2, ex.peerRank());
            assertTrue(ex.getMessage().contains("first"), ex.getMessage());
            // the cascade marks rank 1 aborted too, and the count says so
            assertTrue(rank1.isAborted());
            assertEquals(2, SegmentDescriptor.abortedRanksAcquire(segment.header()));
        }
    }

    @Test
    void shouldDetectMismatchedCollectivesOnEveryRank() throws Exception
    {
        final List<Throwable> failures = new ArrayList<>();
        try (Segment ignored = Segment.create(dir, "mismatch", 2, REGION))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(2);
            final Future<?> barrier = pool.submit(() ->
            {
                try (SmartMap smartMap = SmartMap.join(options("mismatch", 0, 2)))
                {
                    smartMap.barrier();
                }
                return null;
            });
            final Future<?> other = pool.submit(() ->
            {
                try (SmartMap smartMap = SmartMap.join(options("mismatch", 1, 2)))
                {
                    final long seq = smartMap.enter(CollectiveKind.BCAST, 0, 8, 1, -1, 1, Address.NULL, Address.NULL);
                    smartMap.awaitPeer(0, seq, CollectiveKind.BCAST, 0, 8, 1, -1, 1);
                }
                return null;
            });
            for (final Future<?> future : List.of(barrier, other))
            {
                final Exception ex = assertThrows(Exception.class, () -> future.get(10, TimeUnit.SECONDS));
                failures.add(ex.getCause());
            }
            pool.shutdownNow();
        }
        assertEveryRankFailedWithAMismatch(failures);
    }

    @Test
    void shouldBecomeSingletonJobWithoutLauncher()
    {
        final Path file;
        try (SmartMap single = SmartMap.join())
        {
            assertEquals(0, single.rank());
            assertEquals(1, single.size());
            single.barrier();
            file = single.segment().path();
            assertTrue(java.nio.file.Files.exists(file));
        }
        assertFalse(java.nio.file.Files.exists(file), "singleton segment removed on close");
    }

    private SmartMapOptions options(final String job, final int rank, final int size)
    {
        return new SmartMapOptions().dir(dir).jobId(job).rank(rank).size(size).regionSizeBytes(REGION)
            .timeoutNs(TimeUnit.SECONDS.toNanos(10));
    }

    private void runRanks(final String job, final int size, final Consumer<SmartMap> body) throws Exception
    {
        runRanks(job, size, r -> SmartMap.DISSEMINATION_MIN_RANKS, body);
    }

    /** Threads as ranks, rank {@code r} with barrier threshold {@code thresholds(r)}, regions of the smallest size. */
    private void runRanks(final String job, final int size, final IntUnaryOperator thresholds, final Consumer<SmartMap> body)
        throws Exception
    {
        final long region = Math.max(REGION, RegionDescriptor.minRegionBytes(size));
        try (Segment ignored = Segment.create(dir, job, size, region))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(size);
            final List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++)
            {
                final SmartMapOptions options = options(job, r, size).regionSizeBytes(region)
                    .disseminationMinRanks(thresholds.applyAsInt(r));
                futures.add(pool.submit(() ->
                {
                    try (SmartMap smartMap = SmartMap.join(options))
                    {
                        body.accept(smartMap);
                    }
                    return null;
                }));
            }
            for (final Future<?> future : futures)
            {
                future.get(60, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }
    }

    /**
     * Ranks with barrier thresholds {@code thresholds(r)} enter a barrier, except those {@code broadcasts}
     * names, which enter a broadcast from root 0: every rank fails with a mismatch, its own or a peer's.
     */
    private void expectMismatchOnEveryRank(
        final String job, final int size, final IntUnaryOperator thresholds, final java.util.function.IntPredicate broadcasts)
        throws Exception
    {
        final List<Throwable> failures = new ArrayList<>();
        try (Segment ignored = Segment.create(dir, job, size, RegionDescriptor.minRegionBytes(size)))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(size);
            final List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++)
            {
                final SmartMapOptions options = options(job, r, size).regionSizeBytes(RegionDescriptor.minRegionBytes(size))
                    .disseminationMinRanks(thresholds.applyAsInt(r));
                final boolean broadcast = broadcasts.test(r);
                futures.add(pool.submit(() ->
                {
                    try (SmartMap smartMap = SmartMap.join(options))
                    {
                        if (broadcast)
                        {
                            final long seq = smartMap.enter(CollectiveKind.BCAST, 0, 8, 1, -1, 1, Address.NULL, Address.NULL);
                            smartMap.awaitPeer(0, seq, CollectiveKind.BCAST, 0, 8, 1, -1, 1);
                        }
                        else
                        {
                            smartMap.barrier();
                        }
                    }
                    return null;
                }));
            }
            for (final Future<?> future : futures)
            {
                final Exception ex = assertThrows(Exception.class, () -> future.get(10, TimeUnit.SECONDS));
                failures.add(ex.getCause());
            }
            pool.shutdownNow();
        }
        assertEveryRankFailedWithAMismatch(failures);
    }

    /** One rank found the mismatch itself; every other failed with it too, or with a peer's abort for it. */
    private static void assertEveryRankFailedWithAMismatch(final List<Throwable> failures)
    {
        assertTrue(failures.stream().anyMatch(t -> t instanceof CollectiveMismatchException), failures.toString());
        for (final Throwable failure : failures)
        {
            assertTrue(failure instanceof CollectiveMismatchException ||
                failure instanceof PeerAbortedException &&
                ((PeerAbortedException)failure).reasonCode() == ControlBlockDescriptor.ABORT_MISMATCH, failure.toString());
            assertTrue(failure.getMessage().contains("mismatch"), failure.getMessage());
        }
    }
}
