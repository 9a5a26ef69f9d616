package io.smartmap.bench;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.InterNode;
import io.smartmap.collectives.Op;
import io.smartmap.core.RegionBuffer;
import io.smartmap.core.SmartMapOptions;
import io.smartmap.mpi.Mpi;
import io.smartmap.mpi.MpiDatatype;
import io.smartmap.mpi.MpiOp;
import io.smartmap.mpi.MpiWorld;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One rank of {@code mpirun -n N bin/smartmap-bench --mpi} (issue 15): the process is a rank of an MPI
 * job, not a runner that starts ranks. It joins the hierarchical world ({@link Communicator#world()}: the
 * MPI ranks grouped into nodes, smartmap inside a node, the MPI library between node leaders) and measures,
 * on the same buffers (region buffers in the node's segment, so both read and write native memory) and
 * in the same run, the world communicator's collectives ({@value #HIERARCHICAL}, {@link Algorithm#AUTO})
 * against the MPI library's own on {@code MPI_COMM_WORLD} ({@value #MPI}, {@link MpiWorld}). The method is
 * {@link BenchRank}'s (IMB's): a warm-up of every path, then per (op, size, round) both algorithms back
 * to back, which one first alternating by round, each rank's mean time per call gathered, the last
 * result of every measurement checked. Rank 0 appends {@code op,algorithm,bytes,round,t_min,t_avg,t_max}
 * lines to the raw file, as {@link BenchRank} does, for the runner to aggregate and report.
 */
final class MpiBench implements AutoCloseable
{
    /** The MPI library's own collectives on {@code MPI_COMM_WORLD}. */
    static final String MPI = "mpi";
    /** The hierarchical world's collectives (smartmap in a node, MPI between leaders), AUTO. */
    static final String HIERARCHICAL = "smartmap-hierarchical";
    /** What {@code --mpi} measures unless {@code --ops} says otherwise: every collective the hierarchical world has. */
    static final List<BenchOp> OPS = List.of(BenchOp.ALLREDUCE, BenchOp.BCAST, BenchOp.ALLGATHER, BenchOp.ALLTOALL,
        BenchOp.REDUCE, BenchOp.BARRIER);

    /** The cores smartmap's waits and AUTO count ranks against ({@code -Dsmartmap.cores}). */
    static final String CORES_PROPERTY = "smartmap.cores";

    private final Communicator comm;
    private final MpiWorld mpi;
    private final BenchRank bench;
    private final Datatype datatype;
    private final MpiDatatype mpiType;
    private final long send;
    private final long recv;
    private final int rank;
    /** Ranks of each node, by node index. */
    private final List<Integer> ranksPerNode;

    private MpiBench(final Communicator comm, final Datatype datatype, final long maxBytes, final boolean touchAll)
    {
        this.comm = comm;
        this.datatype = datatype;
        this.mpiType = MpiDatatype.valueOf(datatype.name());
        this.rank = comm.getRank();
        this.mpi = MpiWorld.current();
        if (mpi.rank() != rank || mpi.size() != comm.getSize())
        {
            throw new IllegalStateException("the hierarchical world and MPI_COMM_WORLD disagree: rank=" + rank +
                ", size=" + comm.getSize() + ", mpiRank=" + mpi.rank() + ", mpiSize=" + mpi.size());
        }
        // every rank's (node rank, node size): leaders in world-rank order are the nodes in node order
        final int[] mine = {comm.smartMap().rank(), comm.smartMap().size()};
        final int[] all = new int[2 * comm.getSize()];
        comm.allGather(mine, all, 2, Datatype.INT, Algorithm.AUTO);
        final List<Integer> nodes = new ArrayList<>();
        for (int r = 0; r < comm.getSize(); r++)
        {
            if (all[2 * r] == 0)
            {
                nodes.add(all[2 * r + 1]);
            }
        }
        this.ranksPerNode = List.copyOf(nodes);
        try
        {
            this.bench = new BenchRank(comm, datatype, maxBytes, BenchBuffers.Kind.REGION, touchAll);
        }
        catch (final IllegalStateException ex)
        {
            throw new IllegalStateException("the node's region is too small for the buffers: " + ex.getMessage() +
                "; set " + SmartMapOptions.REGION_SIZE_ENV + " larger (mpirun -x / -genv), or --sizes smaller", ex);
        }
        this.send = ((RegionBuffer)bench.send()).memoryAddress();
        this.recv = ((RegionBuffer)bench.recv()).memoryAddress();
    }

    /**
     * Join the MPI job and the hierarchical world; allocate the buffers. Collective over every MPI rank.
     *
     * @param datatype the run's datatype.
     * @param maxBytes the largest size per rank (per block).
     * @param touchAll whether every send element changes between iterations.
     * @return this rank's bench.
     * @throws IllegalStateException if no MPI launcher started this process, or MPI cannot run here (JDK 17-21).
     */
    static MpiBench join(final Datatype datatype, final long maxBytes, final boolean touchAll)
    {
        requireMpiLauncher(System.getenv());
        Mpi.requireSupportedJdk();
        final int cores = coresPerNode(System.getenv(), Runtime.getRuntime().availableProcessors());
        if (cores > 0 && System.getProperty(CORES_PROPERTY) == null)
        {
            System.setProperty(CORES_PROPERTY, Integer.toString(cores));
        }
        final Communicator comm = Communicator.world();
        try
        {
            return new MpiBench(comm, datatype, maxBytes, touchAll);
        }
        catch (final RuntimeException ex)
        {
            comm.close();
            throw ex;
        }
    }

    /**
     * The cores a simulated node should believe it has. Each node's waits and AUTO's choices count the
     * node's ranks against the machine's cores; simulated nodes ({@code SMARTMAP_RANKS_PER_NODE=K}) on one
     * machine share its cores, so 4 ranks in 2 nodes of 2 on 2 cores would each spin as if they had a core
     * of their own and lose the core to the spinning peer for a scheduler slice (measured: 5 minutes without
     * finishing a quick warm-up). This gives each node its share, {@code max(1, K * cores / local ranks)},
     * fewer than its K ranks exactly when the machine's ranks outnumber its cores.
     *
     * @param env   the process environment: {@code SMARTMAP_RANKS_PER_NODE}, and the launcher's count of the
     *              ranks on this machine ({@code OMPI_COMM_WORLD_LOCAL_SIZE}, Hydra's {@code MPI_LOCALNRANKS}).
     * @param cores this machine's cores.
     * @return the value for {@value #CORES_PROPERTY}, or 0 to leave it alone (real nodes, or no oversubscription).
     */
    static int coresPerNode(final Map<String, String> env, final int cores)
    {
        final int perNode = positive(System.getProperty("smartmap.mpi.ranksPerNode", env.get("SMARTMAP_RANKS_PER_NODE")));
        final int local = positive(env.getOrDefault("OMPI_COMM_WORLD_LOCAL_SIZE", env.get("MPI_LOCALNRANKS")));
        if (perNode == 0 || local <= cores)
        {
            return 0;
        }
        return (int)Math.max(1, (long)perNode * cores / local);
    }

    private static int positive(final String value)
    {
        try
        {
            return value == null ? 0 : Math.max(0, Integer.parseInt(value.trim()));
        }
        catch (final NumberFormatException ex)
        {
            return 0; // the hierarchical world names a bad SMARTMAP_RANKS_PER_NODE itself
        }
    }

    /**
     * @param env the process environment.
     * @throws IllegalStateException unless an MPI launcher started this process (and {@code bin/smartmap-run} did not).
     */
    static void requireMpiLauncher(final Map<String, String> env)
    {
        if (env.get(SmartMapOptions.RANK_ENV) != null)
        {
            throw new IllegalStateException("--mpi: this process is a rank of bin/smartmap-run (" + SmartMapOptions.RANK_ENV +
                " is set), not of an MPI launcher; start it with mpirun: mpirun -n 4 bin/smartmap-bench --mpi");
        }
        if (!InterNode.launchedByMpi(env))
        {
            throw new IllegalStateException("--mpi: this process was not started by an MPI launcher (none of " +
                String.join(", ", InterNode.LAUNCHER_RANK_ENV) + " is set): every rank runs the bench, e.g. " +
                "mpirun -n 4 -x SMARTMAP_RANKS_PER_NODE=2 bin/smartmap-bench --mpi (Open MPI), " +
                "mpirun.mpich -n 4 -genv SMARTMAP_RANKS_PER_NODE 2 bin/smartmap-bench --mpi (MPICH)");
        }
    }

    int rank()
    {
        return rank;
    }

    int size()
    {
        return comm.getSize();
    }

    /** @return the ranks of each node, by node index. */
    List<Integer> ranksPerNode()
    {
        return ranksPerNode;
    }

    /**
     * @return the header's and results.json's facts about the job: the MPI library, nodes, ranks per node,
     *         whether reductions across nodes are reproducible ({@code -Dsmartmap.reproducible}).
     */
    Map<String, Object> facts()
    {
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("mode", "mpi");
        facts.put("mpi_abi", mpi.abi());
        facts.put("mpi_library", mpi.library());
        facts.put("ranks", size());
        facts.put("nodes", ranksPerNode.size());
        facts.put("ranks_per_node", ranksPerNode);
        final String simulated = simulatedRanksPerNode();
        facts.put("nodes_by", simulated == null ? "shared memory (MPI_Comm_split_type)" :
            "simulated: SMARTMAP_RANKS_PER_NODE=" + simulated);
        final String cores = System.getProperty(CORES_PROPERTY);
        if (cores != null)
        {
            facts.put("smartmap_cores_per_node", Integer.parseInt(cores));
        }
        // the world's CollectiveConfig reads the same property (the same on every rank, checked at join)
        facts.put("reproducible", new io.smartmap.collectives.CollectiveConfig().reproducible());
        final String btl = System.getenv("OMPI_MCA_btl");
        if (btl != null)
        {
            facts.put("ompi_mca_btl", btl);
        }
        return facts;
    }

    private static String simulatedRanksPerNode()
    {
        final String property = System.getProperty("smartmap.mpi.ranksPerNode");
        final String env = System.getenv("SMARTMAP_RANKS_PER_NODE");
        return property != null && !property.isBlank() ? property : env != null && !env.isBlank() ? env : null;
    }

    /**
     * Untimed, as {@link BenchRank}'s warm-up: every (op, algorithm) at the smallest size, 64 KiB and the largest.
     */
    void warmUp(final List<BenchOp> ops, final Preset preset, final long minBytes, final long maxBytes)
    {
        final long small = Math.max(datatype.extent(), minBytes);
        final long medium = Math.max(small, Math.min(maxBytes, 64 * 1024));
        for (final BenchOp op : ops)
        {
            for (final String algorithm : List.of(MPI, HIERARCHICAL))
            {
                for (final long bytes : op == BenchOp.BARRIER ? new long[] {0} : new long[] {small, medium, maxBytes})
                {
                    bench.measure(op, algorithm, call(op, algorithm), bytes, bytes <= small ? preset.warmupIterations :
                        bytes == medium ? Math.max(1, preset.warmupIterations / 10) : preset.minIterations);
                }
            }
        }
    }

    /**
     * Every (op, size, round), both algorithms in each round; rank 0 writes a raw line per measurement.
     *
     * @param raw where rank 0 writes; null on the other ranks.
     */
    void run(final List<BenchOp> ops, final Preset preset, final long minBytes, final long maxBytes, final int rounds,
        final PrintWriter raw, final boolean verbose)
    {
        for (final BenchOp op : ops)
        {
            for (final long bytes : preset.sizes(op, minBytes, maxBytes, datatype.extent()))
            {
                for (int round = 0; round < rounds; round++)
                {
                    // which goes first alternates, so neither always runs on the caches the other left
                    final List<String> order = round % 2 == 0 ? List.of(MPI, HIERARCHICAL) : List.of(HIERARCHICAL, MPI);
                    for (final String algorithm : order)
                    {
                        final double[] times = bench.measure(op, algorithm, call(op, algorithm), bytes,
                            preset.iterations(bytes));
                        if (raw != null)
                        {
                            raw.printf(Locale.ROOT, "%s,%s,%d,%d,%.4f,%.4f,%.4f%n", op.label(), algorithm, bytes, round,
                                times[0], times[1], times[2]);
                            raw.flush();
                            if (verbose)
                            {
                                System.out.printf(Locale.ROOT, "%-9s %-21s %8d B round %d: t_avg %10.2f us%n",
                                    op.label(), algorithm, bytes, round, times[1]);
                            }
                        }
                    }
                }
            }
        }
        comm.barrier();
    }

    /** @return the timed call of {@code op} by {@code algorithm} on the bench's buffers, root 0. */
    private BenchRank.Call call(final BenchOp op, final String algorithm)
    {
        final Object sendBuf = bench.send();
        final Object recvBuf = bench.recv();
        if (algorithm.equals(MPI))
        {
            switch (op)
            {
                case ALLREDUCE:
                    return count -> mpi.allReduce(send, recv, count, mpiType, MpiOp.SUM);
                case BCAST:
                    return count -> mpi.bcast(rank == 0 ? send : recv, count, mpiType, 0);
                case ALLGATHER:
                    return count -> mpi.allGather(send, recv, count, mpiType);
                case ALLTOALL:
                    return count -> mpi.allToAll(send, recv, count, mpiType);
                case REDUCE:
                    return count -> mpi.reduce(send, recv, count, mpiType, MpiOp.SUM, 0);
                case BARRIER:
                    return count -> mpi.barrier();
                default:
                    throw new IllegalArgumentException(unsupported(op));
            }
        }
        switch (op)
        {
            case ALLREDUCE:
                return count -> comm.allReduce(sendBuf, recvBuf, count, datatype, Op.SUM, Algorithm.AUTO);
            case BCAST:
                return count -> comm.bcast(rank == 0 ? sendBuf : recvBuf, count, datatype, 0, Algorithm.AUTO);
            case ALLGATHER:
                return count -> comm.allGather(sendBuf, recvBuf, count, datatype, Algorithm.AUTO);
            case ALLTOALL:
                return count -> comm.allToAll(sendBuf, recvBuf, count, datatype, Algorithm.AUTO);
            case REDUCE:
                return count -> comm.reduce(sendBuf, recvBuf, count, datatype, Op.SUM, 0, Algorithm.AUTO);
            case BARRIER:
                return count -> comm.barrier(Algorithm.AUTO);
            default:
                throw new IllegalArgumentException(unsupported(op));
        }
    }

    /** @return the message for an op that {@code --mpi} does not measure. */
    static String unsupported(final BenchOp op)
    {
        final List<String> labels = new ArrayList<>();
        OPS.forEach(o -> labels.add(o.label()));
        return "--mpi measures " + String.join(", ", labels) + " (the hierarchical world's collectives): op=" + op.label();
    }

    /** Collective over every MPI rank: the world closed, which ends MPI. */
    @Override
    public void close()
    {
        comm.close();
    }
}
