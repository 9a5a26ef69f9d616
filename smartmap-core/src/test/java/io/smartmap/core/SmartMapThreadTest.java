package io.smartmap.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** Ranks as threads that each attach on their own: the same code path as processes, for protocol edge cases. */
class SmartMapThreadTest
{
    private static final long REGION = RegionDescriptor.minRegionBytes(4);

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
        assertTrue(failures.stream().anyMatch(t -> t instanceof CollectiveMismatchException), failures.toString());
        for (final Throwable failure : failures)
        {
            assertTrue(failure instanceof CollectiveMismatchException ||
                failure instanceof PeerAbortedException &&
                ((PeerAbortedException)failure).reasonCode() == ControlBlockDescriptor.ABORT_MISMATCH, failure.toString());
            assertTrue(failure.getMessage().contains("mismatch"), failure.getMessage());
        }
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
        try (Segment ignored = Segment.create(dir, job, size, REGION))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(size);
            final List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++)
            {
                final int rank = r;
                futures.add(pool.submit(() ->
                {
                    try (SmartMap smartMap = SmartMap.join(options(job, rank, size)))
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
}
