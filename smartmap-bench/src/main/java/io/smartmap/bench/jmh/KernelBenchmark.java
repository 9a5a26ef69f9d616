package io.smartmap.bench.jmh;

import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.KernelProvider;
import io.smartmap.collectives.Op;
import io.smartmap.collectives.ReductionKernel;
import io.smartmap.core.launch.JvmFlags;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The reduction kernels ({@code acc = acc op in}) next to the copy paths, in bytes of the
 * accumulator per second (the {@code bytes} secondary result; divide by 10^9 for GB/s): the
 * {@code Unsafe.copyMemory} every collective uses and a plain direct {@link ByteBuffer} copy,
 * so the distance of each kernel to the copy limit is visible. {@code -p kernels=vector,scalar}
 * compares the two kernel providers in one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.ADD_EXPORTS, JvmFlags.ADD_VECTOR_MODULE, JvmFlags.ENABLE_NATIVE_ACCESS})
public class KernelBenchmark
{
    @Param({"DOUBLE", "FLOAT", "LONG", "INT"})
    public String datatype;

    @Param({"SUM", "MAX"})
    public String op;

    @Param({"4096", "65536", "1048576", "4194304"})
    public int bytes;

    /** {@code auto} ({@link KernelProvider#instance()}), {@code vector} or {@code scalar}. */
    @Param({"auto"})
    public String kernels;

    private ReductionKernel kernel;
    private ByteBuffer acc;
    private ByteBuffer in;
    private long accAddress;
    private long inAddress;
    private int count;

    /** Bytes processed, reported as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Processed
    {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset()
        {
            bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        final Datatype type = Datatype.valueOf(datatype);
        final KernelProvider provider = "vector".equals(kernels) ? KernelProvider.vector() :
            "scalar".equals(kernels) ? KernelProvider.scalar() : KernelProvider.instance();
        kernel = provider.kernel(type, "SUM".equals(op) ? Op.SUM : Op.MAX);
        acc = BufferUtil.allocateDirectAligned(bytes, 64);
        in = BufferUtil.allocateDirectAligned(bytes, 64);
        accAddress = BufferUtil.address(acc);
        inAddress = BufferUtil.address(in);
        count = bytes / type.extent();
        for (int i = 0; i < bytes; i++)
        {
            in.put(i, (byte)(i % 7));
            acc.put(i, (byte)(i % 5));
        }
    }

    @Benchmark
    public void kernel(final Processed processed)
    {
        kernel.apply(accAddress, inAddress, count);
        processed.bytes += bytes;
    }

    @Benchmark
    public void unsafeCopy(final Processed processed)
    {
        UnsafeApi.copyMemory(inAddress, accAddress, bytes);
        processed.bytes += bytes;
    }

    @Benchmark
    public void byteBufferCopy(final Processed processed)
    {
        acc.clear();
        acc.put(in.duplicate().clear());
        processed.bytes += bytes;
    }
}
