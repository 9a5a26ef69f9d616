package io.smartmap.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Liveness from the kernel, not from a pid (DESIGN.md section 2): every rank holds an exclusive
 * lock on its own byte of the job's lock file ({@link Segment#lockPathFor}) for as long as its
 * handle is open, and the kernel releases it the moment the process dies, whether its parent has
 * reaped it or not, whatever pid it had and whichever pid namespace it ran in. A peer probes with
 * {@link FileChannel#tryLock}: a lock it can take belongs to nobody, so the rank is gone.
 * <p>
 * The locks are POSIX record locks ({@code fcntl}), which a process loses on all of a file's locks
 * when it closes any descriptor of that file. So each JVM opens one channel per lock file, shared
 * by every handle of that job in the JVM (ranks as threads in tests) and closed with the last
 * one, and nothing else opens the lock file. Within one JVM the JDK's own lock table answers
 * instead of the kernel ({@link OverlappingFileLockException}: held here, so alive).
 * <p>
 * Cost: one {@code fcntl} per probe (about a microsecond), on the failure-check interval of a
 * blocked wait only. Thread-safe.
 */
final class RankLocks implements AutoCloseable
{
    private static final Map<Path, RankLocks> OPEN = new HashMap<>();

    private final Path path;
    private final FileChannel channel;
    private int users;

    private RankLocks(final Path path, final FileChannel channel)
    {
        this.path = path;
        this.channel = channel;
    }

    /**
     * @param path the job's lock file, made by {@link Segment#create} (never created here: a rank that joins
     *             after the job's files were removed must not leave a new one behind).
     * @return this JVM's locks of that file; {@link #close()} once per call.
     * @throws IllegalStateException if the file is gone (the job ended) or cannot be opened.
     */
    static RankLocks open(final Path path)
    {
        synchronized (OPEN)
        {
            RankLocks locks = OPEN.get(path);
            if (locks == null)
            {
                try
                {
                    final FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    locks = new RankLocks(path, channel);
                }
                catch (final NoSuchFileException ex)
                {
                    throw new IllegalStateException("the job's lock file is gone: the job has ended (its creator or " +
                        "launcher removed its files): path=" + path, ex);
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException("cannot open the job's lock file: path=" + path + ", " + ex, ex);
                }
                OPEN.put(path, locks);
            }
            locks.users++;
            return locks;
        }
    }

    /**
     * Take this rank's lock: from now until {@link FileLock#release()} (or death) peers see it alive.
     *
     * @param rank the rank joining.
     * @return the lock, to release on close.
     * @throws IllegalStateException if another handle, in this JVM or another process, holds the rank.
     */
    FileLock hold(final int rank)
    {
        final FileLock lock;
        try
        {
            lock = channel.tryLock(SegmentDescriptor.rankLockPosition(rank), 1, false);
        }
        catch (final OverlappingFileLockException ex)
        {
            throw new IllegalStateException("rank " + rank + " already has a live handle in this process: " +
                "use the open one (one handle per rank)", ex);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot lock the rank's byte of the lock file: rank=" + rank + ", path=" +
                path + ", " + ex, ex);
        }
        if (lock == null)
        {
            throw new IllegalStateException("rank " + rank + " is held by another live process: two processes " +
                "started with the same rank? path=" + path);
        }
        return lock;
    }

    /**
     * @param rank a rank that joined (published its pid).
     * @return whether a live process (or a handle of this JVM) holds the rank's lock.
     * @throws UncheckedIOException if the kernel refuses the probe for another reason than a held lock.
     */
    boolean isHeld(final int rank)
    {
        try
        {
            final FileLock probe = channel.tryLock(SegmentDescriptor.rankLockPosition(rank), 1, false);
            if (probe == null)
            {
                return true;
            }
            probe.release();
            return false;
        }
        catch (final OverlappingFileLockException ex)
        {
            return true; // held by a handle of this JVM (or probed by another thread of it right now)
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot probe rank " + rank + "'s lock: path=" + path, ex);
        }
    }

    /** Give back one {@link #open}; the last one closes the channel (and so any lock still held here). */
    @Override
    public void close()
    {
        synchronized (OPEN)
        {
            if (--users > 0)
            {
                return;
            }
            OPEN.remove(path);
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // closing drops our locks either way
            }
        }
    }
}
