package io.smartmap.core;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a rank needs to attach to its job: directory, job id, rank, size, region size, wait
 * deadline and the barrier's algorithm threshold. {@link #fromEnvironment()} reads what
 * {@code bin/smartmap-run} exports.
 */
public final class SmartMapOptions
{
    /** Environment variable: this process's rank. */
    public static final String RANK_ENV = "SMARTMAP_RANK";
    /** Environment variable: ranks in the job. */
    public static final String SIZE_ENV = "SMARTMAP_SIZE";
    /** Environment variable: job id (names the segment file). */
    public static final String JOB_ENV = "SMARTMAP_JOB";
    /** Environment variable: segment directory. */
    public static final String DIR_ENV = "SMARTMAP_DIR";
    /** Environment variable: region size in bytes. */
    public static final String REGION_SIZE_ENV = "SMARTMAP_REGION_SIZE";
    /** Environment variable: wait deadline in milliseconds. */
    public static final String TIMEOUT_MS_ENV = "SMARTMAP_TIMEOUT_MS";

    /** Default segment directory: a tmpfs. */
    public static final Path DEFAULT_DIR = Path.of("/dev/shm");
    /** Default region size: 64 MiB per rank. */
    public static final long DEFAULT_REGION_SIZE_BYTES = 64L << 20;
    /** Default wait deadline: 30 s. */
    public static final long DEFAULT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    private Path dir = DEFAULT_DIR;
    private String jobId;
    private int rank = -1;
    private int size = -1;
    private long regionSizeBytes = DEFAULT_REGION_SIZE_BYTES;
    private long timeoutNs = DEFAULT_TIMEOUT_NS;
    private int disseminationMinRanks = SmartMap.DISSEMINATION_MIN_RANKS;

    /**
     * Options from the launcher's environment.
     *
     * @return options, or {@code null} if {@value #RANK_ENV} is not set (not started by a launcher).
     * @throws IllegalArgumentException if a variable is present but malformed.
     */
    public static SmartMapOptions fromEnvironment()
    {
        return fromEnvironment(System.getenv());
    }

    static SmartMapOptions fromEnvironment(final Map<String, String> env)
    {
        if (env.get(RANK_ENV) == null)
        {
            return null;
        }
        final SmartMapOptions options = new SmartMapOptions()
            .rank((int)parse(env, RANK_ENV))
            .size((int)parse(env, SIZE_ENV))
            .jobId(env.get(JOB_ENV));
        if (env.get(DIR_ENV) != null)
        {
            options.dir(Path.of(env.get(DIR_ENV)));
        }
        if (env.get(REGION_SIZE_ENV) != null)
        {
            options.regionSizeBytes(parse(env, REGION_SIZE_ENV));
        }
        if (env.get(TIMEOUT_MS_ENV) != null)
        {
            options.timeoutNs(TimeUnit.MILLISECONDS.toNanos(parse(env, TIMEOUT_MS_ENV)));
        }
        return options;
    }

    private static long parse(final Map<String, String> env, final String name)
    {
        final String value = env.get(name);
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("environment variable is not an integer: " + name + "=" + value);
        }
    }

    public Path dir()
    {
        return dir;
    }

    public SmartMapOptions dir(final Path dir)
    {
        this.dir = dir;
        return this;
    }

    public String jobId()
    {
        return jobId;
    }

    public SmartMapOptions jobId(final String jobId)
    {
        this.jobId = jobId;
        return this;
    }

    public int rank()
    {
        return rank;
    }

    public SmartMapOptions rank(final int rank)
    {
        this.rank = rank;
        return this;
    }

    public int size()
    {
        return size;
    }

    public SmartMapOptions size(final int size)
    {
        this.size = size;
        return this;
    }

    public long regionSizeBytes()
    {
        return regionSizeBytes;
    }

    public SmartMapOptions regionSizeBytes(final long regionSizeBytes)
    {
        this.regionSizeBytes = regionSizeBytes;
        return this;
    }

    public long timeoutNs()
    {
        return timeoutNs;
    }

    public SmartMapOptions timeoutNs(final long timeoutNs)
    {
        this.timeoutNs = timeoutNs;
        return this;
    }

    /** @return the rank count from which {@link SmartMap#barrier()} uses the dissemination algorithm. */
    public int disseminationMinRanks()
    {
        return disseminationMinRanks;
    }

    /**
     * Jobs of at least this many ranks run the dissemination barrier, smaller ones the flat one
     * (default {@link SmartMap#DISSEMINATION_MIN_RANKS}, system property
     * {@code smartmap.disseminationMinRanks}). Must be the same on every rank: a rank that disagrees
     * gets a {@link CollectiveMismatchException} at its first barrier.
     *
     * @param disseminationMinRanks ranks, {@code >= 1} (1: always dissemination).
     * @return this.
     */
    public SmartMapOptions disseminationMinRanks(final int disseminationMinRanks)
    {
        this.disseminationMinRanks = disseminationMinRanks;
        return this;
    }

    /**
     * Check the options before anything is opened.
     *
     * @throws IllegalArgumentException naming the bad option.
     */
    public void validate()
    {
        if (size <= 0 || size > ControlBlockDescriptor.MAX_RANKS)
        {
            throw new IllegalArgumentException("size out of range: size=" + size + ", min=1, max=" +
                ControlBlockDescriptor.MAX_RANKS);
        }
        if (rank < 0 || rank >= size)
        {
            throw new IllegalArgumentException("rank out of range: rank=" + rank + ", size=" + size);
        }
        if (timeoutNs <= 0)
        {
            throw new IllegalArgumentException("timeout must be positive: timeoutNs=" + timeoutNs);
        }
        if (disseminationMinRanks < 1)
        {
            throw new IllegalArgumentException("dissemination threshold must be positive: disseminationMinRanks=" +
                disseminationMinRanks);
        }
        if (dir == null)
        {
            throw new IllegalArgumentException("segment directory must not be null: dir=null");
        }
        Segment.pathFor(dir, jobId); // validates the job id
    }

    @Override
    public String toString()
    {
        return "SmartMapOptions{dir=" + dir + ", job=" + jobId + ", rank=" + rank + ", size=" + size +
            ", regionSizeBytes=" + regionSizeBytes + ", timeoutNs=" + timeoutNs +
            ", disseminationMinRanks=" + disseminationMinRanks + '}';
    }
}
