package io.smartmap.collectives;

import io.smartmap.core.Segment;
import io.smartmap.core.SmartMap;
import io.smartmap.core.SmartMapOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Ranks as threads that each attach to the segment on their own (their own mappings, their own
 * SmartMap and Communicator): the same protocol code path as processes, allowed for property tests.
 */
final class ThreadRanks
{
    private static final AtomicLong JOBS = new AtomicLong();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r ->
    {
        final Thread thread = new Thread(r, "rank-thread");
        thread.setDaemon(true);
        return thread;
    });

    private ThreadRanks()
    {
    }

    static <T> List<T> run(final int size, final long regionBytes, final Function<Communicator, T> body)
        throws Exception
    {
        return run(size, regionBytes, rank -> new CollectiveConfig(), body);
    }

    /** As {@link #run(int, long, Function)} with each rank's configuration from {@code configs}. */
    static <T> List<T> run(final int size, final long regionBytes, final java.util.function.IntFunction<CollectiveConfig> configs,
        final Function<Communicator, T> body) throws Exception
    {
        final Path dir = SmartMapOptions.DEFAULT_DIR;
        final String job = "test-" + ProcessHandle.current().pid() + "-" + JOBS.incrementAndGet();
        try (Segment ignored = Segment.create(dir, job, size, regionBytes))
        {
            final List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++)
            {
                final CollectiveConfig config = configs.apply(r);
                final SmartMapOptions options = new SmartMapOptions().dir(dir).jobId(job).rank(r).size(size)
                    .regionSizeBytes(regionBytes).timeoutNs(TimeUnit.SECONDS.toNanos(20));
                futures.add(POOL.submit(() ->
                {
                    try (SmartMap smartMap = SmartMap.join(options))
                    {
                        return body.apply(new Communicator(smartMap, config));
                    }
                }));
            }
            final List<T> results = new ArrayList<>();
            Throwable failure = null; // an assertion failed inside a rank is an Error: rethrown as it is
            for (final Future<T> future : futures)
            {
                try
                {
                    results.add(future.get(60, TimeUnit.SECONDS));
                }
                catch (final ExecutionException ex)
                {
                    failure = failure == null ? ex.getCause() : failure;
                    results.add(null);
                }
            }
            if (failure != null)
            {
                if (failure instanceof Error)
                {
                    throw (Error)failure;
                }
                throw (Exception)failure;
            }
            return results;
        }
        finally
        {
            Segment.delete(dir, job);
        }
    }
}
