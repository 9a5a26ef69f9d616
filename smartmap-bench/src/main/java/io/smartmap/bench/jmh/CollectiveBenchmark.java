package io.smartmap.bench.jmh;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;
import io.smartmap.core.Segment;
import io.smartmap.core.SmartMap;
import io.smartmap.core.SmartMapOptions;
import io.smartmap.core.launch.JvmFlags;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two-rank collectives: this JMH fork is rank 0; rank 1 is a real process ({@link PeerRank})
 * started in setup that runs the same collective in a loop, and is stopped in teardown (and
 * stops by itself if this fork dies: its waits see rank 0's pid gone).
 * {@code -p op=allreduce -p bytes=32768 -p algorithm=SMARTMAP} picks a case; {@code -p buffers=array}
 * passes Java arrays ({@code double[]}, staged) and {@code -p buffers=bytebuffer} direct ByteBuffers
 * outside the region instead of region buffers, on both ranks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.ADD_EXPORTS, JvmFlags.ADD_VECTOR_MODULE, JvmFlags.ENABLE_NATIVE_ACCESS, "-Xmx512m"})
public class CollectiveBenchmark
{
    static final int RANKS = 2;

    @Param({"allreduce", "reduce", "bcast", "alltoall", "allgather"})
    public String op;

    @Param({"8", "1024", "32768", "1048576"})
    public int bytes;

    @Param({"TWO_COPY", "SMARTMAP", "AUTO"})
    public String algorithm;

    /** What both ranks pass: region buffers (no staging), Java arrays or direct ByteBuffers (staged). */
    @Param({"region"})
    public String buffers;

    private Process peer;
    private SmartMap smartMap;
    private Communicator comm;
    private String job;
    private Object send;
    private Object recv;
    private int count;
    private Algorithm resolved;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        job = "jmh-" + ProcessHandle.current().pid();
        final long regionBytes = PeerRank.regionBytes(bytes);
        Segment.create(SmartMapOptions.DEFAULT_DIR, job, RANKS, regionBytes).close();
        final List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(JvmFlags.all());
        command.addAll(List.of("-Xmx512m",
            "-cp", System.getProperty("java.class.path"), PeerRank.class.getName(), op, Integer.toString(bytes), algorithm,
            buffers));
        final ProcessBuilder builder = new ProcessBuilder(command)
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put(SmartMapOptions.RANK_ENV, "1");
        builder.environment().put(SmartMapOptions.SIZE_ENV, Integer.toString(RANKS));
        builder.environment().put(SmartMapOptions.JOB_ENV, job);
        builder.environment().put(SmartMapOptions.REGION_SIZE_ENV, Long.toString(regionBytes));
        builder.environment().put(SmartMapOptions.TIMEOUT_MS_ENV, Long.toString(TimeUnit.MINUTES.toMillis(10)));
        try
        {
            peer = builder.start();
            smartMap = SmartMap.join(new SmartMapOptions().jobId(job).rank(0).size(RANKS).regionSizeBytes(regionBytes)
                .timeoutNs(TimeUnit.MINUTES.toNanos(10)));
            comm = new Communicator(smartMap);
            count = bytes / Datatype.DOUBLE.extent();
            send = PeerRank.allocate(comm, buffers, count * RANKS);
            recv = PeerRank.allocate(comm, buffers, count * RANKS);
            resolved = Algorithm.valueOf(algorithm);
            comm.barrier();
        }
        catch (final IOException | RuntimeException ex)
        {
            tearDown(); // JMH runs no tear-down after a failed set-up: the peer and the segment go here
            throw ex;
        }
    }

    @Benchmark
    public Object collective()
    {
        PeerRank.run(comm, op, send, recv, count, resolved);
        return recv;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            if (peer != null)
            {
                peer.destroyForcibly();
                peer.waitFor(10, TimeUnit.SECONDS);
            }
            if (smartMap != null)
            {
                smartMap.close();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            Segment.delete(SmartMapOptions.DEFAULT_DIR, job); // whatever failed above: nothing left in /dev/shm
        }
    }

    /** The peer rank: joins from the environment and runs the same collective until it is stopped. */
    public static final class PeerRank
    {
        private PeerRank()
        {
        }

        static long regionBytes(final int bytes)
        {
            return Math.max(64L << 20, Segment.strideFor(4L * bytes * RANKS + (16L << 20)));
        }

        /** @return a buffer of {@code elements} doubles of the kind {@code buffers} names. */
        static Object allocate(final Communicator comm, final String buffers, final int elements)
        {
            switch (buffers)
            {
                case "region":
                    return comm.allocate(elements, Datatype.DOUBLE);
                case "array":
                    return new double[elements];
                case "bytebuffer":
                    return ByteBuffer.allocateDirect(elements * Double.BYTES).order(ByteOrder.nativeOrder());
                default:
                    throw new IllegalArgumentException("buffers must be region, array or bytebuffer: buffers=" + buffers);
            }
        }

        static void run(final Communicator comm, final String op, final Object send, final Object recv,
            final int count, final Algorithm algorithm)
        {
            switch (op)
            {
                case "allreduce":
                    comm.allReduce(send, recv, count, Datatype.DOUBLE, Op.SUM, algorithm);
                    break;
                case "reduce":
                    comm.reduce(send, recv, count, Datatype.DOUBLE, Op.SUM, 0, algorithm);
                    break;
                case "bcast":
                    comm.bcast(comm.getRank() == 0 ? send : recv, count, Datatype.DOUBLE, 0, algorithm);
                    break;
                case "alltoall":
                    comm.allToAll(send, recv, count, Datatype.DOUBLE, algorithm);
                    break;
                case "allgather":
                    comm.allGather(send, recv, count, Datatype.DOUBLE, algorithm);
                    break;
                case "barrier": // -p op=barrier (bytes and algorithm do not apply)
                    comm.barrier();
                    break;
                default:
                    throw new IllegalArgumentException("unknown op: op=" + op);
            }
        }

        public static void main(final String[] args)
        {
            final String op = args[0];
            final int bytes = Integer.parseInt(args[1]);
            final Algorithm algorithm = Algorithm.valueOf(args[2]);
            final String buffers = args[3];
            try (Communicator comm = Communicator.world())
            {
                final int count = bytes / Datatype.DOUBLE.extent();
                final Object send = allocate(comm, buffers, count * comm.getSize());
                final Object recv = allocate(comm, buffers, count * comm.getSize());
                comm.barrier();
                while (true)
                {
                    run(comm, op, send, recv, count, algorithm);
                }
            }
        }
    }
}
