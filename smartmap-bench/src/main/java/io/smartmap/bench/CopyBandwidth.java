package io.smartmap.bench;

import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;
import io.smartmap.collectives.ReductionKernel;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;

import java.nio.ByteBuffer;

/**
 * The copy limit, measured in one JVM: one-thread memcpy ({@code Unsafe.copyMemory}, what every
 * collective path uses) and the reduction kernel {@code a += b}, in MB/s (10^6 bytes per second),
 * best of several timed batches per size.
 */
final class CopyBandwidth
{
    private static final long TARGET_NS = 5_000_000;
    private static final int BATCHES = 15;
    private static final long WARMUP_CALLS = 20_000;
    private static final long WARMUP_BYTES = 1L << 30;
    private static final long BULK_WARMUP_BYTES = 64 * 1024;

    private final ByteBuffer from;
    private final ByteBuffer to;
    private final long fromAddress;
    private final long toAddress;
    private final long maxBytes;
    private final long warmupNs;
    private ReductionKernel warmedKernel;

    /**
     * @param maxBytes the largest size to measure in bytes.
     * @param warmupNs time in nanoseconds each size runs untimed first (at least); 100 ms lets C2 compile every loop.
     */
    CopyBandwidth(final long maxBytes, final long warmupNs)
    {
        from = BufferUtil.allocateDirectAligned((int)maxBytes, 64);
        to = BufferUtil.allocateDirectAligned((int)maxBytes, 64);
        fromAddress = BufferUtil.address(from);
        toAddress = BufferUtil.address(to);
        this.maxBytes = maxBytes;
        this.warmupNs = warmupNs;
        for (int i = 0; i < maxBytes; i += 8)
        {
            UnsafeApi.putDouble(fromAddress + i, i);
            UnsafeApi.putDouble(toAddress + i, -i);
        }
    }

    /** @return memcpy bandwidth in MB/s for {@code bytes}. */
    double memcpyMBps(final long bytes)
    {
        return best(bytes, () -> UnsafeApi.copyMemory(fromAddress, toAddress, bytes));
    }

    /**
     * @return kernel {@code acc = acc op in} bandwidth in MB/s of the accumulator for {@code bytes}.
     * The kernel is first compiled for bulk work ({@link #BULK_WARMUP_BYTES} per call, the size of the
     * collectives' blocks and fragments): C2 sizes a loop's unrolling by the trip counts it profiled,
     * and a vector kernel compiled while the small sizes ran first is 10-15% slower at 8-16 KiB.
     */
    double kernelMBps(final long bytes, final Datatype datatype, final Op op)
    {
        final ReductionKernel kernel = op.kernel(datatype);
        if (warmedKernel != kernel)
        {
            final int bulkCount = (int)(Math.min(BULK_WARMUP_BYTES, maxBytes) / datatype.extent());
            for (int i = 0; i < WARMUP_CALLS; i++)
            {
                kernel.apply(toAddress, fromAddress, bulkCount);
            }
            warmedKernel = kernel;
        }
        final int count = (int)(bytes / datatype.extent());
        return best(bytes, () -> kernel.apply(toAddress, fromAddress, count));
    }

    private double best(final long bytes, final Runnable body)
    {
        // let C2 compile the loop before timing it: long enough, and enough calls for its compile
        // thresholds (a vector kernel runs boxed, 100x slower, until C2 has compiled it); sizes run
        // smallest first, so the large ones find the code compiled and need fewer calls
        final long warmUntil = System.nanoTime() + warmupNs;
        final long warmupCalls = Math.min(WARMUP_CALLS, WARMUP_BYTES / Math.max(1, bytes));
        for (long calls = 0; calls < warmupCalls || System.nanoTime() - warmUntil < 0; calls += 64)
        {
            time(body, 64);
        }
        long reps = 1;
        long elapsed;
        do
        {
            reps *= 2;
            elapsed = time(body, reps);
        }
        while (elapsed < TARGET_NS / 4);
        double bestMBps = 0;
        for (int batch = 0; batch < BATCHES; batch++)
        {
            bestMBps = Math.max(bestMBps, (double)bytes * reps / time(body, reps) * 1e3);
        }
        return bestMBps;
    }

    private static long time(final Runnable body, final long reps)
    {
        final long start = System.nanoTime();
        for (long i = 0; i < reps; i++)
        {
            body.run();
        }
        return System.nanoTime() - start;
    }
}
