package io.smartmap.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class SegmentTest
{
    private static final long SMALL_REGION = RegionDescriptor.minRegionBytes(4);
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);

    @TempDir
    Path dir;

    @Test
    void shouldCreateOwnerOnlyFileWithHeaderAndPowerOfTwoStride() throws IOException
    {
        try (Segment segment = Segment.create(dir, "job1", 4, 700_000))
        {
            assertEquals(1024 * 1024, segment.strideBytes());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(segment.path())));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                Segment.lockPathFor(dir, "job1"))), "the lock file is the creator's too");
            assertEquals(SegmentDescriptor.segmentLength(4, 1024 * 1024), Files.size(segment.path()));
            final UnsafeBuffer header = segment.header();
            assertEquals(SegmentDescriptor.MAGIC, SegmentDescriptor.magic(header));
            assertEquals(SegmentDescriptor.STATE_READY, SegmentDescriptor.stateAcquire(header));
            assertEquals(4, SegmentDescriptor.rankCount(header));
            assertEquals("job1", SegmentDescriptor.jobId(header));
            assertEquals(ProcessHandle.current().pid(), SegmentDescriptor.creatorPid(header));
        }
    }

    @Test
    void shouldShareRegionsBetweenMappings()
    {
        try (Segment creator = Segment.create(dir, "share", 4, SMALL_REGION);
            Segment attacher = Segment.attach(dir, "share", 4, SMALL_REGION, TIMEOUT_NS))
        {
            for (int r = 0; r < 4; r++)
            {
                creator.region(r).putLong(8192, 1000L + r);
            }
            for (int r = 0; r < 4; r++)
            {
                assertEquals(1000L + r, attacher.region(r).getLong(8192));
                final long address = Address.encode(r, 8192, attacher.strideShift());
                assertEquals(attacher.region(r).addressOffset() + 8192, attacher.memoryAddress(address));
            }
        }
    }

    @Test
    void shouldMapJobsLargerThanTwoGibibytes()
    {
        final long regionBytes = 512L << 20;
        try (Segment creator = Segment.create(dir, "big", 8, regionBytes);
            Segment attacher = Segment.attach(dir, "big", 8, regionBytes, TIMEOUT_NS))
        {
            final int last = (int)regionBytes - Long.BYTES;
            creator.region(7).putLong(last, 0x1234_5678_9ABCL);
            assertEquals(0x1234_5678_9ABCL, attacher.region(7).getLong(last));
            assertTrue(creator.strideBytes() * 8 > Integer.MAX_VALUE);
        }
    }

    /**
     * A rank that attached just before its launcher removed the job's files (a peer died, the job ended)
     * and only now opens the lock file must not create a new one: nobody would ever delete it.
     */
    @Test
    void shouldNotBringBackTheLockFileOfAJobWhoseFilesAreGone() throws IOException
    {
        try (Segment ignored = Segment.create(dir, "ended", 2, SMALL_REGION))
        {
            assertTrue(Segment.delete(dir, "ended"));
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> RankLocks.open(Segment.lockPathFor(dir, "ended")));
            assertTrue(ex.getMessage().startsWith("the job's lock file is gone"), ex.getMessage());
        }
        assertEmpty(dir);
    }

    @Test
    void shouldRejectRegionTooSmallAndLeaveNothingBehind() throws IOException
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> Segment.create(dir, "small", 2, 4096));
        assertTrue(ex.getMessage().startsWith("region too small: regionSize=4096"), ex.getMessage());
        assertEmpty(dir);
    }

    /**
     * Issue 9: a 1024-rank job with 1 MiB regions fits a 24 GiB tmpfs (1 GiB and a page), every rank's
     * region holds its control block, rings of 128-byte fragments and an arena, and a second mapping
     * sees what the first wrote in the last rank's region.
     */
    @Test
    void shouldCreateA1024RankJobWithOneMebibyteRegions() throws IOException
    {
        final long regionBytes = 1L << 20;
        try (Segment creator = Segment.create(dir, "thousand", 1024, regionBytes, path -> 24L << 30);
            Segment attacher = Segment.attach(dir, "thousand", 1024, regionBytes, TIMEOUT_NS))
        {
            assertEquals(regionBytes, creator.strideBytes());
            assertEquals(SegmentDescriptor.HEADER_LENGTH + 1024 * regionBytes, Files.size(creator.path()));
            assertEquals(128, RegionDescriptor.fragmentBytes(1024, creator.strideBytes()));
            final int arenaOffset = RegionDescriptor.arenaOffset(1024, creator.strideBytes());
            assertEquals(ControlBlockDescriptor.CONTROL_BLOCK_LENGTH + 1024 * RegionDescriptor.RING_SLOTS * 128, arenaOffset);
            final Arena arena = new Arena(attacher, 1023);
            assertEquals(regionBytes - arenaOffset, arena.freeBytes());
            final RegionBuffer buffer = arena.allocate(256 * 1024);
            buffer.putLong(0, 42);
            assertEquals(42, creator.region(1023).getLong(arenaOffset));
            for (int r = 0; r < 1024; r++)
            {
                creator.region(r).putLongRelease(ControlBlockDescriptor.SEQUENCE_OFFSET, r + 1);
            }
            for (int r = 0; r < 1024; r++)
            {
                assertEquals(r + 1, attacher.region(r).getLongAcquire(ControlBlockDescriptor.SEQUENCE_OFFSET));
            }
        }
        assertTrue(Segment.delete(dir, "thousand"));
    }

    @Test
    void shouldRejectARegionTooSmallForTheRankCountNamingTheMinimum() throws IOException
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> Segment.create(dir, "thousand", 1024, 256 * 1024));
        assertEquals("region too small: regionSize=262144 bytes, min=360448 bytes for size=1024 (control block " +
            "32768 bytes, 1024 two-copy rings of 4 x 64-byte fragments, arena 65536 bytes)", ex.getMessage());
        assertEquals(360448, RegionDescriptor.minRegionBytes(1024));
        try (Segment smallest = Segment.create(dir, "thousand", 1024, RegionDescriptor.minRegionBytes(1024)))
        {
            assertEquals(512 * 1024, smallest.strideBytes(), "the minimum rounded up to a power of two");
            assertEquals(64, RegionDescriptor.fragmentBytes(1024, smallest.strideBytes()));
        }
        Segment.delete(dir, "thousand");
        assertEmpty(dir);
    }

    @Test
    void shouldRejectBadRankCount() throws IOException
    {
        final IllegalArgumentException zero = assertThrows(
            IllegalArgumentException.class, () -> Segment.create(dir, "ranks", 0, SMALL_REGION));
        assertTrue(zero.getMessage().contains("size=0"), zero.getMessage());
        final IllegalArgumentException tooMany = assertThrows(
            IllegalArgumentException.class, () -> Segment.create(dir, "ranks", 1025, 1L << 20));
        assertTrue(tooMany.getMessage().startsWith("rank count out of range: size=1025, min=1, max=1024"), tooMany.getMessage());
        assertEmpty(dir);
    }

    @Test
    void shouldRejectBadJobId()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> Segment.create(dir, "../evil", 1, SMALL_REGION));
        assertTrue(ex.getMessage().contains("job=../evil"), ex.getMessage());
    }

    @Test
    void shouldRejectUnwritableDirectory() throws IOException
    {
        final Path unwritable;
        if ("root".equals(System.getProperty("user.name")))
        {
            unwritable = Path.of("/sys"); // permission bits do not stop root; sysfs refuses new files
        }
        else
        {
            unwritable = Files.createDirectory(dir.resolve("ro"));
            Files.setPosixFilePermissions(unwritable, PosixFilePermissions.fromString("r-x------"));
        }
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> Segment.create(unwritable, "ro", 1, SMALL_REGION));
        assertTrue(ex.getMessage().startsWith("segment directory is not writable: dir=" + unwritable), ex.getMessage());
        assertFalse(Files.exists(Segment.pathFor(unwritable, "ro")));
    }

    @Test
    void shouldRejectMissingDirectory()
    {
        final Path missing = dir.resolve("missing");
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> Segment.create(missing, "x", 1, SMALL_REGION));
        assertTrue(ex.getMessage().contains("dir=" + missing), ex.getMessage());
    }

    @Test
    void shouldRefuseSegmentLargerThanFreeSpaceOnTmpfs() throws IOException
    {
        final Path shm = Path.of("/dev/shm");
        final long requested = SegmentDescriptor.segmentLength(64, RegionDescriptor.MAX_STRIDE_BYTES);
        final long available = Files.getFileStore(shm).getUsableSpace();
        final IllegalStateException ex;
        if (requested > available)
        {
            ex = assertThrows(IllegalStateException.class,
                () -> Segment.create(shm, "huge-" + ProcessHandle.current().pid(), 64, RegionDescriptor.MAX_STRIDE_BYTES));
        }
        else
        {
            // a machine with a tmpfs larger than 64 GiB: same check, with the free space reported smaller
            ex = assertThrows(IllegalStateException.class, () -> Segment.create(
                shm, "huge-" + ProcessHandle.current().pid(), 64, RegionDescriptor.MAX_STRIDE_BYTES, path -> requested - 1));
        }
        assertTrue(ex.getMessage().startsWith("not enough free space for segment: requested=" + requested + " bytes"),
            ex.getMessage());
        assertFalse(Files.exists(Segment.pathFor(shm, "huge-" + ProcessHandle.current().pid())));
    }

    @Test
    void shouldRefuseExistingSegmentOfLiveCreator()
    {
        try (Segment ignored = Segment.create(dir, "dup", 1, SMALL_REGION))
        {
            final IllegalStateException ex = assertThrows(
                IllegalStateException.class, () -> Segment.create(dir, "dup", 1, SMALL_REGION));
            assertTrue(ex.getMessage().startsWith("segment file already exists"), ex.getMessage());
        }
    }

    @Test
    void shouldReplaceStaleSegmentOfDeadCreator() throws IOException
    {
        try (Segment stale = Segment.create(dir, "stale", 1, SMALL_REGION))
        {
            stale.header().putLong(SegmentDescriptor.CREATOR_PID_OFFSET, deadPid());
        }
        try (Segment fresh = Segment.create(dir, "stale", 1, SMALL_REGION))
        {
            assertEquals(ProcessHandle.current().pid(), SegmentDescriptor.creatorPid(fresh.header()));
        }
    }

    @Test
    void shouldRefuseAttachWithOtherRankCountStrideOrJob()
    {
        try (Segment ignored = Segment.create(dir, "check", 2, SMALL_REGION))
        {
            final IllegalStateException size = assertThrows(IllegalStateException.class,
                () -> Segment.attach(dir, "check", 3, SMALL_REGION, TIMEOUT_NS));
            assertTrue(size.getMessage().startsWith("segment rank count mismatch"), size.getMessage());
            assertTrue(size.getMessage().contains("size=2, expected=3"), size.getMessage());

            final IllegalStateException stride = assertThrows(IllegalStateException.class,
                () -> Segment.attach(dir, "check", 2, 4 * SMALL_REGION, TIMEOUT_NS));
            assertTrue(stride.getMessage().startsWith("segment region stride mismatch"), stride.getMessage());
        }
    }

    @Test
    void shouldRefuseAttachWithOtherJobId() throws IOException
    {
        try (Segment segment = Segment.create(dir, "real", 1, SMALL_REGION))
        {
            Files.copy(segment.path(), Segment.pathFor(dir, "other"));
        }
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> Segment.attach(dir, "other", 1, SMALL_REGION, TIMEOUT_NS));
        assertTrue(ex.getMessage().contains("job=real, expected=other"), ex.getMessage());
    }

    @Test
    void shouldRefuseAttachWithOtherMagicOrVersion()
    {
        try (Segment segment = Segment.create(dir, "magic", 1, SMALL_REGION))
        {
            segment.header().putInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET, 99);
            final IllegalStateException version = assertThrows(IllegalStateException.class,
                () -> Segment.attach(dir, "magic", 1, SMALL_REGION, TIMEOUT_NS));
            assertTrue(version.getMessage().contains("version=99, expected=" + SegmentDescriptor.LAYOUT_VERSION),
                version.getMessage());

            segment.header().putLong(SegmentDescriptor.MAGIC_OFFSET, 0xBADL);
            final IllegalStateException magic = assertThrows(IllegalStateException.class,
                () -> Segment.attach(dir, "magic", 1, SMALL_REGION, TIMEOUT_NS));
            assertTrue(magic.getMessage().startsWith("not a smartmap segment"), magic.getMessage());
            assertTrue(magic.getMessage().contains("magic=0xbad"), magic.getMessage());
        }
    }

    @Test
    void shouldRefuseTruncatedFile() throws IOException
    {
        final Path path = Segment.pathFor(dir, "short");
        try (Segment segment = Segment.create(dir, "short", 2, SMALL_REGION))
        {
            assertEquals(path, segment.path());
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(SegmentDescriptor.HEADER_LENGTH + 100);
        }
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> Segment.attach(dir, "short", 2, SMALL_REGION, TIMEOUT_NS));
        assertTrue(ex.getMessage().startsWith("segment file too short"), ex.getMessage());
    }

    @Test
    void shouldTimeOutAttachingToMissingOrUnreadySegment() throws IOException
    {
        final IllegalStateException missing = assertThrows(IllegalStateException.class,
            () -> Segment.attach(dir, "never", 1, SMALL_REGION, TimeUnit.MILLISECONDS.toNanos(50)));
        assertTrue(missing.getMessage().startsWith("segment file did not appear in time"), missing.getMessage());

        try (FileChannel channel = FileChannel.open(Segment.pathFor(dir, "unready"),
            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(1), SegmentDescriptor.segmentLength(1, Segment.strideFor(SMALL_REGION)) - 1);
        }
        final IllegalStateException unready = assertThrows(IllegalStateException.class,
            () -> Segment.attach(dir, "unready", 1, SMALL_REGION, TimeUnit.MILLISECONDS.toNanos(50)));
        assertTrue(unready.getMessage().startsWith("segment header not ready in time"), unready.getMessage());
    }

    @Test
    void shouldBeIdempotentOnClose()
    {
        final Segment segment = Segment.create(dir, "close", 1, SMALL_REGION);
        segment.close();
        segment.close();
        assertTrue(segment.isClosed());
        assertTrue(Segment.delete(dir, "close"));
        assertFalse(Segment.delete(dir, "close"));
    }

    private static long deadPid() throws IOException
    {
        final Process process = new ProcessBuilder("true").start();
        try
        {
            process.waitFor();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return process.pid();
    }

    private static void assertEmpty(final Path dir) throws IOException
    {
        try (var files = Files.list(dir))
        {
            assertEquals(0, files.count(), "files left behind in " + dir);
        }
    }
}
