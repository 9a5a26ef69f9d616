package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;
import io.smartmap.core.ControlBlockDescriptor;

/**
 * Algorithm selection: the default algorithm of a communicator and the message sizes (bytes per
 * rank's contribution) at which {@link Algorithm#AUTO} switches from the two-copy path to single
 * copy, and {@link Algorithm#SMARTMAP} from the serial to the threaded reduction. Every rank of a
 * job must use the same configuration (a disagreement is detected as a collective mismatch).
 * Defaults come from measurements with {@code bin/smartmap-bench} on a 2-core machine; each can be
 * overridden with a system property {@code smartmap.<name>} (e.g. {@code -Dsmartmap.bcastSingleCopyMinBytes=512}).
 */
public final class CollectiveConfig
{
    private Algorithm defaultAlgorithm = Algorithm.valueOf(System.getProperty("smartmap.algorithm", "AUTO"));
    private KernelProvider kernels = KernelProvider.instance();
    private int cores = (int)property("cores", 0);
    private boolean reproducible = Boolean.parseBoolean(System.getProperty("smartmap.reproducible", "true"));
    private long threadedMinBytes = property("threadedMinBytes", 1024);
    // measured crossovers, 2 ranks, double, 5 rounds:
    // bin/smartmap-bench --sizes 8:8192 --repetitions 5 --algorithms two-copy,smartmap
    private long bcastSingleCopyMinBytes = property("bcastSingleCopyMinBytes", 512);
    private long reduceSingleCopyMinBytes = property("reduceSingleCopyMinBytes", 2048);
    private long allReduceSingleCopyMinBytes = property("allReduceSingleCopyMinBytes", 1024);
    private long allToAllSingleCopyMinBytes = property("allToAllSingleCopyMinBytes", 0);
    private long allGatherSingleCopyMinBytes = property("allGatherSingleCopyMinBytes", 512);
    // reduce-scatter and scan (issue 11), measured in two runs of JDK 25, 2 ranks, float (bin/smartmap-bench --ops
    // reduce-scatter-block,scan; smartmap-bench/results/2-ranks-issue11 is the second): single-copy reduce-scatter
    // is ahead from 128 B blocks (256 B of send buffer: 0.24-0.30 against 0.29-0.34 us), equal below; single-copy
    // scan trails up to 1 KiB (1 KiB: 0.29-0.32 against 0.24-0.30 us) and leads from 2-4 KiB (4 KiB 0.35-0.45
    // against 0.60-0.67 us): the two-copy pipeline of two ranks is one eager hand-off
    private long reduceScatterSingleCopyMinBytes = property("reduceScatterSingleCopyMinBytes", 256);
    private long scanSingleCopyMinBytes = property("scanSingleCopyMinBytes", 2048);
    // reasoned from the measured ones above, not measured: a single-copy gather has the two-copy one's synchronisation
    // (each sender waits for the root's arrival, the root for every sender) and one copy fewer, as alltoall (0)
    private long gatherSingleCopyMinBytes = property("gatherSingleCopyMinBytes", 0);
    // a single-copy scatter root waits for every receiver's acknowledgement, a two-copy root leaves once its
    // fragments are in: bcast's trade, and its crossover
    private long scatterSingleCopyMinBytes = property("scatterSingleCopyMinBytes", 512);
    // allgather's trade and crossover, on the mean block (every rank knows all receive counts)
    private long allGathervSingleCopyMinBytes = property("allGathervSingleCopyMinBytes", 512);
    // the root copies slices too from here (2 ranks, float, 5 rounds, JDK_JAVA_OPTIONS=-Dsmartmap.bcastSplitMinBytes=0
    // and =Long.MAX_VALUE alternated): bin/smartmap-bench --ops bcast --sizes 2048:65536 --algorithms two-copy,smartmap
    // equal up to 4 KiB, 8 KiB 0.27-0.29 vs 0.36 us, 64 KiB 0.81-1.03 vs 1.63-1.71 us, 4 MiB 59 vs 171-179 us
    private long bcastSplitMinBytes = property("bcastSplitMinBytes", 8192);
    // with more ranks than cores the two-copy reduce's eager senders win up to here (4 ranks, 2 cores, float, JDK 25):
    // bin/smartmap-bench --ranks 4 --repetitions 3 --datatype float: 8 KiB 5.8 vs 14.4 us, 32 KiB 18.3 vs 15.5 us,
    // 128 KiB 62.6 vs 22.2 us (two-copy vs threaded; it was 256 KiB with the scalar kernels)
    private long oversubscribedReduceSingleCopyMinBytes = property("oversubscribedReduceSingleCopyMinBytes", 32_768);
    // with more ranks than cores the receivers of a single-copy bcast beat two-copy at every size (4 ranks, 2 cores,
    // float, JDK 25, bin/smartmap-bench --ranks 4 --ops bcast --sizes 256:2048 --repetitions 3): 256 B 2.56 vs 6.04 us,
    // 512 B 2.57 vs 5.38, 1 KiB 2.86 vs 6.96; inline 2.60, 3.00 and 3.50 us
    private long oversubscribedBcastSingleCopyMinBytes = property("oversubscribedBcastSingleCopyMinBytes", 0);

    // inline up to here per collective: see defaultInlineMaxBytes
    private final long[] inlineMaxBytes = new long[CollectiveKind.values().length];
    private final long[] oversubscribedInlineMaxBytes = new long[CollectiveKind.values().length];
    private int inlineMaxRanks = (int)property("inlineMaxRanks", 16);
    private final Algorithm[] autoAlgorithm = new Algorithm[CollectiveKind.values().length];

    {
        for (final CollectiveKind kind : CollectiveKind.values())
        {
            inlineMaxBytes[kind.ordinal()] = property("inlineMaxBytes." + kind.name().toLowerCase(java.util.Locale.ROOT),
                defaultInlineMaxBytes(kind));
            oversubscribedInlineMaxBytes[kind.ordinal()] = property("oversubscribedInlineMaxBytes." +
                kind.name().toLowerCase(java.util.Locale.ROOT), kind == CollectiveKind.BCAST ? 256 : ControlBlockDescriptor.INLINE_PAYLOAD_BYTES);
            autoAlgorithm[kind.ordinal()] = Algorithm.valueOf(System.getProperty(
                "smartmap.autoAlgorithm." + kind.name().toLowerCase(java.util.Locale.ROOT), "AUTO"));
        }
    }

    /**
     * Measured crossovers of the inline path against the best other algorithm, JDK 25, float, t_avg
     * (bin/smartmap-bench --sizes 8:2048 --repetitions 5, then --ranks 4 --repetitions 3): reduce and
     * bcast inline win up to a full slot on 2 ranks (1 KiB: 0.15 vs 0.27, 0.16 vs 0.24 us); allreduce
     * and allgather up to 512 B (allreduce 512 B 0.26 vs 0.32 us, 1 KiB 0.43 vs 0.33; allgather 512 B
     * 0.24 vs 0.30, 1 KiB 0.37 vs 0.32); alltoall while a rank's blocks take at most 1 KiB (2 ranks,
     * 512 B blocks: 0.26 vs 0.30 us). When ranks outnumber cores see {@link #oversubscribedInlineMaxBytes}.
     */
    private static long defaultInlineMaxBytes(final CollectiveKind kind)
    {
        switch (kind)
        {
            case ALLREDUCE:
            case ALLGATHER:
                return 512;
            case ALLTOALL:
                return 1024;
            default:
                return ControlBlockDescriptor.INLINE_PAYLOAD_BYTES;
        }
    }

    private static long property(final String name, final long defaultValue)
    {
        return Long.getLong("smartmap." + name, defaultValue);
    }

    /** @return the algorithm used by calls that do not name one. */
    public Algorithm defaultAlgorithm()
    {
        return defaultAlgorithm;
    }

    public CollectiveConfig defaultAlgorithm(final Algorithm algorithm)
    {
        if (algorithm == null)
        {
            throw new IllegalArgumentException("default algorithm must not be null: algorithm=null");
        }
        this.defaultAlgorithm = algorithm;
        return this;
    }

    /**
     * @return the cores the ranks share, for the choices that differ when ranks outnumber cores; 0
     * (the default, property {@code smartmap.cores}) means the job's: what its creator (the launcher)
     * recorded in the segment, the same on every rank whatever each one's CPU affinity.
     */
    public int cores()
    {
        return cores;
    }

    /**
     * Set the core count every rank assumes (the same on every rank), or 0 for the job's.
     *
     * @throws IllegalArgumentException if {@code cores < 0}.
     */
    public CollectiveConfig cores(final int cores)
    {
        if (cores < 0)
        {
            throw new IllegalArgumentException("cores must not be negative: cores=" + cores);
        }
        this.cores = cores;
        return this;
    }

    /**
     * @return whether reductions across nodes fold in a fixed order (the default; property
     * {@code smartmap.reproducible}): every rank gets the same bits, and with each node a contiguous block of
     * ranks they are the single-node rank-order fold 0..size-1, so 1 node or 4 give the same bits (issue 15
     * part 4, Intel MPI's {@code I_MPI_CBWR} in spirit). {@code false}: allreduce, reduce and reduce-scatter
     * of a predefined op that the system MPI computes as smartmap does (integer types: every op but the
     * location ones; FLOAT and DOUBLE: SUM and PROD) fold each node's ranks in order on the node, then the node
     * partials in the MPI library's own order (its tree, recursive doubling or reduce-scatter): faster, no
     * promise on the bits beyond MPI's. Read when the world communicator joins, and the same on every rank
     * (checked there). One node has no inter-node order: it always folds in rank order.
     */
    public boolean reproducible()
    {
        return reproducible;
    }

    /** Set {@link #reproducible()}: before {@link Communicator#world(CollectiveConfig)}, the same on every rank. */
    public CollectiveConfig reproducible(final boolean reproducible)
    {
        this.reproducible = reproducible;
        return this;
    }

    /** @return the reduction kernels; default {@link KernelProvider#instance()} (property {@code smartmap.kernels}). */
    public KernelProvider kernels()
    {
        return kernels;
    }

    /**
     * Force the reduction kernels of this communicator, e.g. {@link KernelProvider#scalar()} to compare
     * with the vector ones. Results are bit-identical either way, so ranks may even differ here.
     */
    public CollectiveConfig kernels(final KernelProvider kernels)
    {
        if (kernels == null)
        {
            throw new IllegalArgumentException("kernels must not be null: kernels=null");
        }
        this.kernels = kernels;
        return this;
    }

    /** @return the smallest message (bytes) reduced by the threaded algorithm under {@link Algorithm#SMARTMAP} (paper: 1024). */
    public long threadedMinBytes()
    {
        return threadedMinBytes;
    }

    public CollectiveConfig threadedMinBytes(final long bytes)
    {
        this.threadedMinBytes = bytes;
        return this;
    }

    public long bcastSingleCopyMinBytes()
    {
        return bcastSingleCopyMinBytes;
    }

    public CollectiveConfig bcastSingleCopyMinBytes(final long bytes)
    {
        this.bcastSingleCopyMinBytes = bytes;
        return this;
    }

    /**
     * @return the smallest single-copy broadcast (bytes) in which the root copies slices into the
     * receivers too, so every core copies; below it, or when ranks outnumber cores, only the receivers copy.
     */
    public long bcastSplitMinBytes()
    {
        return bcastSplitMinBytes;
    }

    public CollectiveConfig bcastSplitMinBytes(final long bytes)
    {
        this.bcastSplitMinBytes = bytes;
        return this;
    }

    public long reduceSingleCopyMinBytes()
    {
        return reduceSingleCopyMinBytes;
    }

    public CollectiveConfig reduceSingleCopyMinBytes(final long bytes)
    {
        this.reduceSingleCopyMinBytes = bytes;
        return this;
    }

    public long allReduceSingleCopyMinBytes()
    {
        return allReduceSingleCopyMinBytes;
    }

    public CollectiveConfig allReduceSingleCopyMinBytes(final long bytes)
    {
        this.allReduceSingleCopyMinBytes = bytes;
        return this;
    }

    /**
     * @return the reduce threshold of {@link Algorithm#AUTO} when ranks outnumber cores: single-copy
     * reduce needs every rank on a core at once, while two-copy senders return as soon as their data
     * is in shared memory.
     */
    public long oversubscribedReduceSingleCopyMinBytes()
    {
        return oversubscribedReduceSingleCopyMinBytes;
    }

    public CollectiveConfig oversubscribedReduceSingleCopyMinBytes(final long bytes)
    {
        this.oversubscribedReduceSingleCopyMinBytes = bytes;
        return this;
    }

    /**
     * @return the bcast threshold of {@link Algorithm#AUTO} when ranks outnumber cores: single copy from
     *         any size there (two-copy's copy-in and copy-out each need the other side on a core).
     */
    public long oversubscribedBcastSingleCopyMinBytes()
    {
        return oversubscribedBcastSingleCopyMinBytes;
    }

    public CollectiveConfig oversubscribedBcastSingleCopyMinBytes(final long bytes)
    {
        this.oversubscribedBcastSingleCopyMinBytes = bytes;
        return this;
    }

    public long allToAllSingleCopyMinBytes()
    {
        return allToAllSingleCopyMinBytes;
    }

    public CollectiveConfig allToAllSingleCopyMinBytes(final long bytes)
    {
        this.allToAllSingleCopyMinBytes = bytes;
        return this;
    }

    public long allGatherSingleCopyMinBytes()
    {
        return allGatherSingleCopyMinBytes;
    }

    public CollectiveConfig allGatherSingleCopyMinBytes(final long bytes)
    {
        this.allGatherSingleCopyMinBytes = bytes;
        return this;
    }

    /** @return the smallest block (bytes per rank) that {@link Algorithm#AUTO} gathers with single copy. */
    public long gatherSingleCopyMinBytes()
    {
        return gatherSingleCopyMinBytes;
    }

    public CollectiveConfig gatherSingleCopyMinBytes(final long bytes)
    {
        this.gatherSingleCopyMinBytes = bytes;
        return this;
    }

    /** @return the smallest block (bytes per rank) that {@link Algorithm#AUTO} scatters with single copy. */
    public long scatterSingleCopyMinBytes()
    {
        return scatterSingleCopyMinBytes;
    }

    public CollectiveConfig scatterSingleCopyMinBytes(final long bytes)
    {
        this.scatterSingleCopyMinBytes = bytes;
        return this;
    }

    /**
     * @return the smallest mean block (the receive counts' total bytes over the ranks, the same on every
     *         rank) that {@link Algorithm#AUTO} allgathers (allgatherv) with single copy. Gatherv, scatterv
     *         and alltoallv have no size that every rank knows, and {@link Algorithm#AUTO} must decide
     *         the same way on every rank (DESIGN.md section 4): it takes single copy for them at any size.
     */
    public long allGathervSingleCopyMinBytes()
    {
        return allGathervSingleCopyMinBytes;
    }

    public CollectiveConfig allGathervSingleCopyMinBytes(final long bytes)
    {
        this.allGathervSingleCopyMinBytes = bytes;
        return this;
    }

    /**
     * @return the smallest reduce-scatter (bytes of a rank's whole send buffer, all blocks: the rank's
     *         contribution, the same on every rank) that {@link Algorithm#AUTO} runs single copy, for
     *         reduceScatterBlock and reduceScatter; property {@code smartmap.reduceScatterSingleCopyMinBytes}.
     */
    public long reduceScatterSingleCopyMinBytes()
    {
        return reduceScatterSingleCopyMinBytes;
    }

    public CollectiveConfig reduceScatterSingleCopyMinBytes(final long bytes)
    {
        this.reduceScatterSingleCopyMinBytes = bytes;
        return this;
    }

    /**
     * @return the smallest scan or exscan (bytes of a rank's contribution) that {@link Algorithm#AUTO} runs
     *         single copy; property {@code smartmap.scanSingleCopyMinBytes}.
     */
    public long scanSingleCopyMinBytes()
    {
        return scanSingleCopyMinBytes;
    }

    public CollectiveConfig scanSingleCopyMinBytes(final long bytes)
    {
        this.scanSingleCopyMinBytes = bytes;
        return this;
    }

    /**
     * @return the most ranks for which {@link Algorithm#AUTO} takes the inline path (every rank reads
     *         every peer's slot, so its cost grows with the ranks); property {@code smartmap.inlineMaxRanks}.
     */
    public int inlineMaxRanks()
    {
        return inlineMaxRanks;
    }

    public CollectiveConfig inlineMaxRanks(final int ranks)
    {
        if (ranks < 0)
        {
            throw new IllegalArgumentException("inlineMaxRanks must not be negative: ranks=" + ranks);
        }
        this.inlineMaxRanks = ranks;
        return this;
    }

    /**
     * @param kind the collective.
     * @return the largest payload per rank (bytes; alltoall: all of a rank's blocks) that
     *         {@link Algorithm#AUTO} sends inline; property {@code smartmap.inlineMaxBytes.<collective>},
     *         e.g. {@code smartmap.inlineMaxBytes.allreduce}. Never more than a slot holds.
     */
    public long inlineMaxBytes(final CollectiveKind kind)
    {
        return inlineMaxBytes[kind.ordinal()];
    }

    /** Set {@link #inlineMaxBytes(CollectiveKind)}; 0 keeps {@link Algorithm#AUTO} off the inline path for the collective. */
    public CollectiveConfig inlineMaxBytes(final CollectiveKind kind, final long bytes)
    {
        setPerKind(inlineMaxBytes, kind, bytes);
        return this;
    }

    /**
     * @param kind the collective.
     * @return {@link #inlineMaxBytes(CollectiveKind)} for jobs whose ranks outnumber their cores, where a
     *         rank often waits for a peer that is not running and the inline path's single pass pays
     *         further: a full slot for every collective but bcast (4 ranks on 2 cores, float, JDK 25,
     *         bin/smartmap-bench --ranks 4 --repetitions 3: allreduce 1 KiB inline 5.36 against 8.05 us
     *         threaded, allgather 5.68 against 8.73 us single copy), 256 B for bcast, where single copy
     *         wins above (512 B 2.57 against 3.00 us, 1 KiB 2.86 against 3.50; see
     *         {@link #oversubscribedBcastSingleCopyMinBytes()}); property
     *         {@code smartmap.oversubscribedInlineMaxBytes.<collective>}.
     */
    public long oversubscribedInlineMaxBytes(final CollectiveKind kind)
    {
        return oversubscribedInlineMaxBytes[kind.ordinal()];
    }

    /** Set {@link #oversubscribedInlineMaxBytes(CollectiveKind)}; 0 keeps AUTO off the inline path there. */
    public CollectiveConfig oversubscribedInlineMaxBytes(final CollectiveKind kind, final long bytes)
    {
        setPerKind(oversubscribedInlineMaxBytes, kind, bytes);
        return this;
    }

    /** Set one collective's entry of a per-collective byte threshold. */
    private static void setPerKind(final long[] table, final CollectiveKind kind, final long bytes)
    {
        if (kind == null || bytes < 0)
        {
            throw new IllegalArgumentException("kind must not be null and bytes not negative: kind=" + kind + ", bytes=" + bytes);
        }
        table[kind.ordinal()] = bytes;
    }

    /**
     * @param kind the collective.
     * @return what {@link Algorithm#AUTO} means for the collective: {@link Algorithm#AUTO} (the default)
     *         for the selection table's rules, or the algorithm that replaces them; property
     *         {@code smartmap.autoAlgorithm.<collective>}, e.g. {@code -Dsmartmap.autoAlgorithm.bcast=TWO_COPY}.
     */
    public Algorithm autoAlgorithm(final CollectiveKind kind)
    {
        return autoAlgorithm[kind.ordinal()];
    }

    /** Override the selection table for one collective (the same on every rank); {@link Algorithm#AUTO} restores it. */
    public CollectiveConfig autoAlgorithm(final CollectiveKind kind, final Algorithm algorithm)
    {
        if (kind == null || algorithm == null)
        {
            throw new IllegalArgumentException("kind and algorithm must not be null: kind=" + kind + ", algorithm=" + algorithm);
        }
        autoAlgorithm[kind.ordinal()] = algorithm;
        return this;
    }
}
