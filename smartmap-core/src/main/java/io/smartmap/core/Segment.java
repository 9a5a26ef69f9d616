package io.smartmap.core;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * The job's shared segment: one file holding a header and one region per rank, every region
 * mapped by every rank (DESIGN.md section 2, the JVM form of SMARTMAP's shared page tables).
 * <p>
 * Each region is its own mapping, so a job may exceed Java's 2 GiB limit per
 * {@link MappedByteBuffer} (8 ranks x 512 MiB is 4 GiB); a single region is at most
 * {@link RegionDescriptor#MAX_STRIDE_BYTES}.
 * <p>
 * The file is created with {@code O_EXCL} and mode {@code 0600}; the creator writes the header's
 * ready word last with a release store and attachers wait for it with a deadline, then refuse a
 * file of another magic, layout version, rank count, stride or job id. Instances are not
 * thread-safe to close concurrently with use; {@link #close()} is idempotent.
 */
public final class Segment implements AutoCloseable
{
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Path path;
    private final String jobId;
    private final int rankCount;
    private final long strideBytes;
    private final int strideShift;
    private final MappedByteBuffer headerMapping;
    private final UnsafeBuffer header;
    private final MappedByteBuffer[] regionMappings;
    private final UnsafeBuffer[] regions;
    private final long[] regionMemoryAddresses;
    private boolean closed;

    private Segment(
        final Path path,
        final String jobId,
        final int rankCount,
        final long strideBytes,
        final MappedByteBuffer headerMapping,
        final MappedByteBuffer[] regionMappings)
    {
        this.path = path;
        this.jobId = jobId;
        this.rankCount = rankCount;
        this.strideBytes = strideBytes;
        this.strideShift = Long.numberOfTrailingZeros(strideBytes);
        this.headerMapping = headerMapping;
        this.header = new UnsafeBuffer(headerMapping);
        this.regionMappings = regionMappings;
        this.regions = new UnsafeBuffer[rankCount];
        this.regionMemoryAddresses = new long[rankCount];
        for (int r = 0; r < rankCount; r++)
        {
            regions[r] = new UnsafeBuffer(regionMappings[r]);
            regionMemoryAddresses[r] = regions[r].addressOffset();
        }
    }

    /**
     * The file that holds a job's segment.
     *
     * @param dir   directory, e.g. {@code /dev/shm}.
     * @param jobId job id: 1 to 64 characters from {@code [A-Za-z0-9._-]}.
     * @return {@code dir/smartmap-<jobId>.seg}.
     * @throws IllegalArgumentException if the job id is not valid.
     */
    public static Path pathFor(final Path dir, final String jobId)
    {
        validateJobId(jobId);
        return dir.resolve("smartmap-" + jobId + ".seg");
    }

    /**
     * The job's lock file, next to its segment: byte {@code r} is rank {@code r}'s liveness lock
     * ({@link SegmentDescriptor#rankLockPosition}, {@link RankLocks}).
     *
     * @param dir   directory, e.g. {@code /dev/shm}.
     * @param jobId job id: 1 to 64 characters from {@code [A-Za-z0-9._-]}.
     * @return {@code dir/smartmap-<jobId>.lock}.
     * @throws IllegalArgumentException if the job id is not valid.
     */
    public static Path lockPathFor(final Path dir, final String jobId)
    {
        validateJobId(jobId);
        return dir.resolve("smartmap-" + jobId + ".lock");
    }

    /** Owner-only permissions (mode 0600), as the segment file has. */
    static void restrictToOwner(final Path path) throws IOException
    {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }

    /**
     * The region stride for a requested region size: the next power of two.
     *
     * @param regionBytes requested bytes per rank.
     * @return the stride in bytes.
     */
    public static long strideFor(final long regionBytes)
    {
        return regionBytes <= 1 ? 1 : Long.highestOneBit(regionBytes - 1) << 1;
    }

    /**
     * Create a job's segment file and map it.
     *
     * @param dir         directory for the file; must exist and be writable.
     * @param jobId       job id (1 to 64 characters from {@code [A-Za-z0-9._-]}).
     * @param rankCount   ranks in the job, {@code [1, ControlBlockDescriptor.MAX_RANKS]}.
     * @param regionBytes bytes per rank, rounded up to a power of two: at least
     *                    {@link RegionDescriptor#minRegionBytes(int)}, at most {@link RegionDescriptor#MAX_STRIDE_BYTES};
     *                    the stride fixes the job's two-copy fragment size
     *                    ({@link RegionDescriptor#fragmentBytes(int, long)}).
     * @return the mapped segment, header ready.
     * @throws IllegalArgumentException on a bad argument or an unusable directory.
     * @throws IllegalStateException    if the file exists (and its creator is alive) or the directory lacks space.
     */
    public static Segment create(final Path dir, final String jobId, final int rankCount, final long regionBytes)
    {
        return create(dir, jobId, rankCount, regionBytes, Segment::usableSpace);
    }

    static Segment create(
        final Path dir,
        final String jobId,
        final int rankCount,
        final long regionBytes,
        final ToLongFunction<Path> usableSpace)
    {
        validate(jobId, rankCount, regionBytes);
        if (!Files.isDirectory(dir))
        {
            throw new IllegalArgumentException("segment directory does not exist: dir=" + dir);
        }
        if (!Files.isWritable(dir))
        {
            throw new IllegalArgumentException("segment directory is not writable: dir=" + dir);
        }

        final long strideBytes = strideFor(regionBytes);
        final long length = SegmentDescriptor.segmentLength(rankCount, strideBytes);
        final Path path = pathFor(dir, jobId);
        FileChannel channel = openExclusive(path, lockPathFor(dir, jobId));
        MappedByteBuffer headerMapping = null;
        MappedByteBuffer[] regionMappings = null;
        try
        {
            // a full tmpfs shows up as SIGBUS on first touch, far from the cause: refuse up front
            final long available = usableSpace.applyAsLong(dir);
            if (length > available)
            {
                throw new IllegalStateException("not enough free space for segment: requested=" + length +
                    " bytes, available=" + available + " bytes, dir=" + dir);
            }
            channel.write(ByteBuffer.wrap(new byte[1]), length - 1);
            createLockFile(lockPathFor(dir, jobId));
            headerMapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, SegmentDescriptor.HEADER_LENGTH);
            regionMappings = mapRegions(channel, rankCount, strideBytes);
            channel.close();
            channel = null;

            final Segment segment = new Segment(path, jobId, rankCount, strideBytes, headerMapping, regionMappings);
            SegmentDescriptor.writeHeader(
                segment.header,
                rankCount,
                strideBytes,
                jobId.getBytes(StandardCharsets.UTF_8),
                ProcessHandle.current().pid(),
                System.currentTimeMillis(),
                Runtime.getRuntime().availableProcessors());
            SegmentDescriptor.signalReady(segment.header);
            return segment;
        }
        catch (final IOException | RuntimeException ex)
        {
            unmapAll(headerMapping, regionMappings);
            closeQuietly(channel);
            deleteQuietly(lockPathFor(dir, jobId));
            deleteQuietly(path);
            if (ex instanceof IOException)
            {
                throw new IllegalStateException("cannot create segment: path=" + path + ", " + ex, ex);
            }
            throw (RuntimeException)ex;
        }
    }

    /**
     * Attach to a job's segment created by another process (or thread), waiting for it to appear
     * and become ready.
     *
     * @param dir         directory of the file.
     * @param jobId       expected job id.
     * @param rankCount   expected rank count.
     * @param regionBytes expected region size (compared after rounding to the stride).
     * @param timeoutNs   how long to wait for the file and its ready word.
     * @return the mapped segment.
     * @throws IllegalArgumentException on a bad argument.
     * @throws IllegalStateException    if the file does not appear or become ready in time, is too short,
     *                                  or has another magic, layout version, rank count, stride or job id.
     */
    public static Segment attach(
        final Path dir, final String jobId, final int rankCount, final long regionBytes, final long timeoutNs)
    {
        validate(jobId, rankCount, regionBytes);
        final Path path = pathFor(dir, jobId);
        final long strideBytes = strideFor(regionBytes);
        final long deadline = System.nanoTime() + timeoutNs;

        final FileChannel channel = awaitFile(path, deadline);
        MappedByteBuffer headerMapping = null;
        MappedByteBuffer[] regionMappings = null;
        try
        {
            headerMapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, SegmentDescriptor.HEADER_LENGTH);
            final UnsafeBuffer header = new UnsafeBuffer(headerMapping);
            awaitReady(path, header, deadline);
            checkHeader(path, header, jobId, rankCount, strideBytes);

            final long expectedLength = SegmentDescriptor.segmentLength(rankCount, strideBytes);
            final long actualLength = channel.size();
            if (actualLength < expectedLength)
            {
                throw new IllegalStateException("segment file too short: path=" + path +
                    ", length=" + actualLength + ", expected=" + expectedLength);
            }
            regionMappings = mapRegions(channel, rankCount, strideBytes);
            return new Segment(path, jobId, rankCount, strideBytes, headerMapping, regionMappings);
        }
        catch (final IOException ex)
        {
            unmapAll(headerMapping, regionMappings);
            throw new IllegalStateException("cannot map segment: path=" + path + ", " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            unmapAll(headerMapping, regionMappings);
            throw ex;
        }
        finally
        {
            closeQuietly(channel);
        }
    }

    /**
     * Delete a job's segment file and its lock file if present.
     *
     * @param dir   directory of the files.
     * @param jobId job id.
     * @return whether the segment file was deleted.
     */
    public static boolean delete(final Path dir, final String jobId)
    {
        final boolean deleted = deleteQuietly(pathFor(dir, jobId));
        deleteQuietly(lockPathFor(dir, jobId));
        return deleted;
    }

    /** @return the cores of the machine as the job's creator saw them: the same number on every rank. */
    public int cores()
    {
        return SegmentDescriptor.cores(header);
    }

    /** @return the segment file. */
    public Path path()
    {
        return path;
    }

    /** @return the job id. */
    public String jobId()
    {
        return jobId;
    }

    /** @return ranks in the job. */
    public int rankCount()
    {
        return rankCount;
    }

    /** @return the region stride in bytes (a power of two). */
    public long strideBytes()
    {
        return strideBytes;
    }

    /** @return log2 of the stride: the shift of the rank bits in an {@link Address}. */
    public int strideShift()
    {
        return strideShift;
    }

    /** @return the header view (see {@link SegmentDescriptor}). */
    public UnsafeBuffer header()
    {
        return header;
    }

    /**
     * @param rank a rank of the job.
     * @return a view of the whole region of {@code rank}, {@link #strideBytes()} long.
     */
    public UnsafeBuffer region(final int rank)
    {
        return regions[rank];
    }

    /**
     * @param rank a rank of the job.
     * @return the virtual address where this process mapped the region of {@code rank}.
     */
    public long regionMemoryAddress(final int rank)
    {
        return regionMemoryAddresses[rank];
    }

    /**
     * Translate a segment address to this process's virtual address.
     *
     * @param address an {@link Address} of this segment.
     * @return the virtual address in this process.
     */
    public long memoryAddress(final long address)
    {
        return regionMemoryAddresses[(int)(address >>> strideShift)] + (address & (strideBytes - 1));
    }

    /**
     * Whether {@code address} lies in this segment with {@code lengthBytes} bytes inside one region.
     *
     * @param address     candidate address.
     * @param lengthBytes extent in bytes.
     * @return true if the extent is within a single region of this segment.
     */
    public boolean contains(final long address, final long lengthBytes)
    {
        if (address < 0 || lengthBytes < 0)
        {
            return false;
        }
        final long rank = address >>> strideShift;
        final long offset = address & (strideBytes - 1);
        return rank < rankCount && offset + lengthBytes <= strideBytes;
    }

    /**
     * Mark this segment closed; idempotent. The mappings are not unmapped here but when nothing
     * references them any more (as a {@link MappedByteBuffer} is): a {@link RegionBuffer} or view
     * obtained earlier keeps its region mapped, so a late read sees stale data instead of crashing
     * the JVM. A process that exits frees them with everything else.
     */
    @Override
    public void close()
    {
        closed = true;
    }

    /** @return whether {@link #close()} was called. */
    public boolean isClosed()
    {
        return closed;
    }

    @Override
    public String toString()
    {
        return "Segment{path=" + path + ", ranks=" + rankCount + ", strideBytes=" + strideBytes + '}';
    }

    private static void validate(final String jobId, final int rankCount, final long regionBytes)
    {
        validateJobId(jobId);
        if (rankCount < 1 || rankCount > ControlBlockDescriptor.MAX_RANKS)
        {
            throw new IllegalArgumentException("rank count out of range: size=" + rankCount +
                ", min=1, max=" + ControlBlockDescriptor.MAX_RANKS);
        }
        final long minRegion = RegionDescriptor.minRegionBytes(rankCount);
        if (regionBytes < minRegion)
        {
            throw new IllegalArgumentException("region too small: regionSize=" + regionBytes +
                " bytes, min=" + minRegion + " bytes for size=" + rankCount + " (control block " +
                ControlBlockDescriptor.CONTROL_BLOCK_LENGTH + " bytes, " + rankCount + " two-copy rings of " +
                RegionDescriptor.RING_SLOTS + " x " + RegionDescriptor.MIN_FRAGMENT_BYTES + "-byte fragments, arena " +
                RegionDescriptor.MIN_ARENA_BYTES + " bytes)");
        }
        if (regionBytes > RegionDescriptor.MAX_STRIDE_BYTES)
        {
            throw new IllegalArgumentException("region too large: regionSize=" + regionBytes +
                " bytes, max=" + RegionDescriptor.MAX_STRIDE_BYTES + " bytes");
        }
    }

    private static void validateJobId(final String jobId)
    {
        if (jobId == null || !JOB_ID.matcher(jobId).matches())
        {
            throw new IllegalArgumentException(
                "job id must be 1 to 64 characters from [A-Za-z0-9._-]: job=" + jobId);
        }
    }

    private static long usableSpace(final Path dir)
    {
        try
        {
            return Files.getFileStore(dir).getUsableSpace();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read free space of segment directory: dir=" + dir + ", " + ex, ex);
        }
    }

    /**
     * The job's lock file, made by the creator before the segment is ready, so that a joiner only ever
     * opens it ({@link RankLocks#open}): once the job's files are deleted, a late joiner cannot bring
     * the lock file back. A leftover one of an earlier job of the same id is reused.
     */
    private static void createLockFile(final Path lockPath) throws IOException
    {
        try (FileChannel ignored = FileChannel.open(lockPath, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))
        {
            restrictToOwner(lockPath); // a reused file keeps its old mode otherwise
        }
    }

    private static FileChannel openExclusive(final Path path, final Path lockPath)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return FileChannel.open(
                    path,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            catch (final FileAlreadyExistsException ex)
            {
                if (attempt == 0 && removeIfStale(path, lockPath))
                {
                    continue;
                }
                throw new IllegalStateException("segment file already exists and its creator is alive: path=" + path);
            }
            catch (final AccessDeniedException ex)
            {
                throw new IllegalArgumentException("segment directory is not writable: dir=" + path.getParent() +
                    ", path=" + path, ex);
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("cannot create segment file: dir=" + path.getParent() +
                    ", path=" + path + ", " + ex, ex);
            }
        }
    }

    /**
     * A segment whose creator process is gone is stale (a crashed job): remove it so a new job
     * with the same id can start (DESIGN.md section 2, segment hygiene).
     */
    private static boolean removeIfStale(final Path path, final Path lockPath)
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            if (channel.size() >= SegmentDescriptor.HEADER_LENGTH)
            {
                final ByteBuffer bytes = ByteBuffer.allocateDirect(SegmentDescriptor.HEADER_LENGTH);
                channel.read(bytes, 0);
                final UnsafeBuffer header = new UnsafeBuffer(bytes);
                if (SegmentDescriptor.magic(header) == SegmentDescriptor.MAGIC)
                {
                    final long pid = SegmentDescriptor.creatorPid(header);
                    if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    {
                        return false;
                    }
                    deleteQuietly(lockPath);
                    return deleteQuietly(path);
                }
            }
            return false;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static FileChannel awaitFile(final Path path, final long deadline)
    {
        while (true)
        {
            try
            {
                final FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
                if (channel.size() >= SegmentDescriptor.HEADER_LENGTH)
                {
                    return channel;
                }
                final long size = channel.size();
                channel.close();
                if (System.nanoTime() - deadline >= 0)
                {
                    throw new IllegalStateException("segment file too short: path=" + path +
                        ", length=" + size + ", expected at least " + SegmentDescriptor.HEADER_LENGTH);
                }
            }
            catch (final NoSuchFileException ex)
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    throw new IllegalStateException("segment file did not appear in time: path=" + path);
                }
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot open segment file: path=" + path + ", " + ex, ex);
            }
            sleepQuietly();
        }
    }

    private static void awaitReady(final Path path, final UnsafeBuffer header, final long deadline)
    {
        while (SegmentDescriptor.stateAcquire(header) != SegmentDescriptor.STATE_READY)
        {
            if (SegmentDescriptor.magic(header) != 0 && SegmentDescriptor.magic(header) != SegmentDescriptor.MAGIC)
            {
                return; // not ours at all: let checkHeader name the magic
            }
            if (System.nanoTime() - deadline >= 0)
            {
                throw new IllegalStateException("segment header not ready in time: path=" + path);
            }
            sleepQuietly();
        }
    }

    private static void checkHeader(
        final Path path, final UnsafeBuffer header, final String jobId, final int rankCount, final long strideBytes)
    {
        final long magic = SegmentDescriptor.magic(header);
        if (magic != SegmentDescriptor.MAGIC)
        {
            throw new IllegalStateException("not a smartmap segment: path=" + path +
                ", magic=0x" + Long.toHexString(magic) + ", expected=0x" + Long.toHexString(SegmentDescriptor.MAGIC));
        }
        final int version = SegmentDescriptor.layoutVersion(header);
        if (version != SegmentDescriptor.LAYOUT_VERSION)
        {
            throw new IllegalStateException("segment layout version mismatch: path=" + path +
                ", version=" + version + ", expected=" + SegmentDescriptor.LAYOUT_VERSION);
        }
        final int actualRanks = SegmentDescriptor.rankCount(header);
        if (actualRanks != rankCount)
        {
            throw new IllegalStateException("segment rank count mismatch: path=" + path +
                ", size=" + actualRanks + ", expected=" + rankCount);
        }
        final long actualStride = SegmentDescriptor.regionStride(header);
        if (actualStride != strideBytes)
        {
            throw new IllegalStateException("segment region stride mismatch: path=" + path +
                ", stride=" + actualStride + ", expected=" + strideBytes);
        }
        final String actualJob = SegmentDescriptor.jobId(header);
        if (!actualJob.equals(jobId))
        {
            throw new IllegalStateException("segment job id mismatch: path=" + path +
                ", job=" + actualJob + ", expected=" + jobId);
        }
    }

    private static MappedByteBuffer[] mapRegions(final FileChannel channel, final int rankCount, final long strideBytes)
        throws IOException
    {
        final MappedByteBuffer[] mappings = new MappedByteBuffer[rankCount];
        try
        {
            for (int r = 0; r < rankCount; r++)
            {
                mappings[r] = channel.map(
                    FileChannel.MapMode.READ_WRITE, SegmentDescriptor.regionOffset(r, strideBytes), strideBytes);
            }
            return mappings;
        }
        catch (final IOException | RuntimeException ex)
        {
            unmapAll(null, mappings);
            throw ex;
        }
    }

    private static void unmapAll(final MappedByteBuffer header, final MappedByteBuffer[] regions)
    {
        if (header != null)
        {
            IoUtil.unmap(header);
        }
        if (regions != null)
        {
            for (final MappedByteBuffer region : regions)
            {
                if (region != null)
                {
                    IoUtil.unmap(region);
                }
            }
        }
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // closing a channel we only mapped from: nothing to recover
            }
        }
    }

    private static boolean deleteQuietly(final Path path)
    {
        try
        {
            return Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete segment file: path=" + path, ex);
        }
    }

    private static void sleepQuietly()
    {
        try
        {
            TimeUnit.MILLISECONDS.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the segment", ex);
        }
    }
}
