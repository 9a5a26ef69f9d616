package io.smartmap.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rank of the process tests, started by {@code mpirun -n N}: initialises MPI, runs every bound call
 * with exact expected values, provokes MPI errors, then NullPointerExceptions in compiled code and a
 * StackOverflowError (both need the JVM's SIGSEGV handler), finalizes and prints
 * {@code ok rank=R size=N abi=...}, with {@code libcPatched=[...]}: the libc functions whose first bytes
 * changed between the start of the program and the end of {@code MPI_Init_thread} (UCX's {@code bistro}
 * hooks rewrite them beneath running threads; the binding turns them off, see FabricEnvironment). Any failure prints {@code FAIL rank=R: ...} and exits 1.
 * <p>
 * Argument: the expected world size.
 */
public final class MpiRankProgram
{
    private static int rank = -1;

    private MpiRankProgram()
    {
    }

    public static void main(final String[] args)
    {
        try
        {
            run(Integer.parseInt(args[0]));
        }
        catch (final Throwable ex)
        {
            System.out.println("FAIL rank=" + rank + ": " + ex);
            ex.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void run(final int expectedSize)
    {
        final Map<String, byte[]> libcBefore = libcEntries();
        final FfmMpiLibrary mpi = (FfmMpiLibrary)MpiLibrary.load();
        final ThreadLevel level = mpi.initThread(ThreadLevel.MULTIPLE);
        final List<String> libcPatched = changed(libcBefore, libcEntries());
        final MpiComm world = mpi.world();
        rank = mpi.rank(world);
        final int size = mpi.size(world);
        check(size == expectedSize, "size=" + size + ", expected=" + expectedSize);
        check(level == mpi.threadLevel(), "threadLevel");
        try
        {
            MpiLibrary.load().initThread(ThreadLevel.SINGLE);
            throw new AssertionError("a second MPI_Init_thread was let through");
        }
        catch (final IllegalStateException expected)
        {
            check(expected.getMessage().contains("MPI allows it once"), expected.getMessage());
        }

        try (Arena arena = Arena.ofConfined())
        {
            allReduce(mpi, world, arena, size);
            bcastAndReduce(mpi, world, arena, size);
            reduceScatterBlock(mpi, world, arena, size);
            gathers(mpi, world, arena, size);
            allToAlls(mpi, world, arena, size);
            ring(mpi, world, arena, size);
            mpi.barrier(world);
            communicators(mpi, world, arena, size);
            errors(mpi, world, arena, size);
        }

        final int npes = nullPointers();
        final int depth = stackOverflow();
        mpi.barrier(world);
        mpi.finalizeMpi();
        System.out.println("ok rank=" + rank + " size=" + size + " abi=" + mpi.abi() + " library=" + mpi.library() +
            " threadLevel=" + level + " npes=" + npes + " stackDepth=" + depth +
            " environmentSet=" + mpi.environmentSet() + " signalsRestored=" + mpi.signalsRestored() +
            " libcPatched=" + libcPatched);
        System.out.flush();
    }

    /** The memory calls UCX's memory hooks intercept; 16 bytes cover any patch written at a function's entry. */
    private static Map<String, byte[]> libcEntries()
    {
        final Map<String, byte[]> entries = new LinkedHashMap<>();
        for (final String name : List.of("mmap", "munmap", "mremap", "madvise", "shmat", "shmdt", "brk", "sbrk"))
        {
            Linker.nativeLinker().defaultLookup().find(name).ifPresent(address ->
                entries.put(name, address.reinterpret(16).toArray(ValueLayout.JAVA_BYTE)));
        }
        return entries;
    }

    private static List<String> changed(final Map<String, byte[]> before, final Map<String, byte[]> after)
    {
        final List<String> names = new ArrayList<>();
        before.forEach((name, bytes) ->
        {
            if (!java.util.Arrays.equals(bytes, after.get(name)))
            {
                names.add(name);
            }
        });
        return names;
    }

    private static void allReduce(final MpiLibrary mpi, final MpiComm world, final Arena arena, final int size)
    {
        // several sizes: MPI libraries switch algorithms by message size
        for (final int count : new int[] {1, 1000, 1 << 16})
        {
            final MemorySegment send = arena.allocate((long)count * 4);
            final MemorySegment recv = arena.allocate((long)count * 4);
            for (int i = 0; i < count; i++)
            {
                send.setAtIndex(ValueLayout.JAVA_FLOAT, i, rank + 1 + (i % 1000));
            }
            mpi.allReduce(send, recv, count, MpiDatatype.FLOAT, MpiOp.SUM, world);
            for (int i = 0; i < count; i++)
            {
                // small integers: every partial sum is exact in float, whatever the order
                final float expected = size * (size + 1) / 2f + size * (float)(i % 1000);
                check(recv.getAtIndex(ValueLayout.JAVA_FLOAT, i) == expected,
                    "allreduce float SUM count=" + count + " i=" + i + " got=" + recv.getAtIndex(ValueLayout.JAVA_FLOAT, i) +
                        " expected=" + expected);
            }

            final MemorySegment sendL = arena.allocate((long)count * 8);
            final MemorySegment recvL = arena.allocate((long)count * 8);
            for (int i = 0; i < count; i++)
            {
                sendL.setAtIndex(ValueLayout.JAVA_LONG, i, (rank + 1) * 1_000_000_007L * 1_000_003L + i);
            }
            mpi.allReduce(sendL, recvL, count, MpiDatatype.LONG, MpiOp.SUM, world);
            for (int i = 0; i < count; i++)
            {
                final long expected = size * (size + 1) / 2L * 1_000_000_007L * 1_000_003L + (long)size * i;
                check(recvL.getAtIndex(ValueLayout.JAVA_LONG, i) == expected, "allreduce long SUM count=" + count + " i=" + i);
            }
        }
        // the other operators and datatypes on one element each
        final MemorySegment one = arena.allocate(8);
        final MemorySegment out = arena.allocate(8);
        one.set(ValueLayout.JAVA_INT, 0, rank * 3 - 1);
        mpi.allReduce(one, out, 1, MpiDatatype.INT, MpiOp.MAX, world);
        check(out.get(ValueLayout.JAVA_INT, 0) == (size - 1) * 3 - 1, "allreduce INT MAX");
        mpi.allReduce(one, out, 1, MpiDatatype.INT, MpiOp.MIN, world);
        check(out.get(ValueLayout.JAVA_INT, 0) == -1, "allreduce INT MIN");
        one.set(ValueLayout.JAVA_DOUBLE, 0, rank + 2.0);
        mpi.allReduce(one, out, 1, MpiDatatype.DOUBLE, MpiOp.PROD, world);
        double product = 1;
        for (int r = 0; r < size; r++)
        {
            product *= r + 2.0;
        }
        check(out.get(ValueLayout.JAVA_DOUBLE, 0) == product, "allreduce DOUBLE PROD");
        one.set(ValueLayout.JAVA_BYTE, 0, (byte)(1 << rank));
        mpi.allReduce(one, out, 1, MpiDatatype.BYTE, MpiOp.BOR, world);
        check(out.get(ValueLayout.JAVA_BYTE, 0) == (byte)((1 << size) - 1), "allreduce BYTE BOR");
        mpi.allReduce(one, out, 1, MpiDatatype.BYTE, MpiOp.BXOR, world);
        check(out.get(ValueLayout.JAVA_BYTE, 0) == (byte)((1 << size) - 1), "allreduce BYTE BXOR");
        mpi.allReduce(one, out, 1, MpiDatatype.BYTE, MpiOp.BAND, world);
        check(out.get(ValueLayout.JAVA_BYTE, 0) == (size == 1 ? 1 : 0), "allreduce BYTE BAND");
        one.set(ValueLayout.JAVA_BYTE, 0, (byte)100);
        mpi.allReduce(one, out, 1, MpiDatatype.BYTE, MpiOp.SUM, world);
        check(out.get(ValueLayout.JAVA_BYTE, 0) == (byte)(100 * size), "allreduce BYTE SUM (signed, wraps)");
    }

    private static void bcastAndReduce(final MpiLibrary mpi, final MpiComm world, final Arena arena, final int size)
    {
        final int count = 5000;
        final int root = size - 1;
        final MemorySegment buffer = arena.allocate(count * 8L);
        for (int i = 0; i < count; i++)
        {
            buffer.setAtIndex(ValueLayout.JAVA_DOUBLE, i, rank == root ? i * 0.5 : -1);
        }
        mpi.bcast(buffer, count, MpiDatatype.DOUBLE, root, world);
        for (int i = 0; i < count; i++)
        {
            check(buffer.getAtIndex(ValueLayout.JAVA_DOUBLE, i) == i * 0.5, "bcast i=" + i);
        }

        final int reduceRoot = 1 % size;
        final MemorySegment send = arena.allocate(count * 4L);
        for (int i = 0; i < count; i++)
        {
            send.setAtIndex(ValueLayout.JAVA_INT, i, rank * count + i);
        }
        final MemorySegment recv = rank == reduceRoot ? arena.allocate(count * 4L) : null;
        mpi.reduce(send, recv, count, MpiDatatype.INT, MpiOp.SUM, reduceRoot, world);
        if (rank == reduceRoot)
        {
            for (int i = 0; i < count; i++)
            {
                check(recv.getAtIndex(ValueLayout.JAVA_INT, i) == size * (size - 1) / 2 * count + size * i, "reduce i=" + i);
            }
        }
    }

    private static void reduceScatterBlock(final MpiLibrary mpi, final MpiComm world, final Arena arena, final int size)
    {
        final int block = 3;
        final MemorySegment send = arena.allocate((long)block * size * 8);
        for (int j = 0; j < block * size; j++)
        {
            send.setAtIndex(ValueLayout.JAVA_LONG, j, rank * 100L + j);
        }
        final MemorySegment recv = arena.allocate(block * 8L);
        mpi.reduceScatterBlock(send, recv, block, MpiDatatype.LONG, MpiOp.SUM, world);
        for (int k = 0; k < block; k++)
        {
            final long expected = 100L * size * (size - 1) / 2 + (long)size * (rank * block + k);
            check(recv.getAtIndex(ValueLayout.JAVA_LONG, k) == expected, "reduce_scatter_block k=" + k);
        }
    }

    private static void gathers(final MpiLibrary mpi, final MpiComm world, final Arena arena, final int size)
    {
        final MemorySegment send = arena.allocate(16);
        send.setAtIndex(ValueLayout.JAVA_LONG, 0, rank);
        send.setAtIndex(ValueLayout.JAVA_LONG, 1, rank * 10L);
        final MemorySegment recv = arena.allocate(16L * size);
        mpi.allGather(send, recv, 2, MpiDatatype.LONG, world);
        for (int r = 0; r < size; r++)
        {
            check(recv.getAtIndex(ValueLayout.JAVA_LONG, 2 * r) == r && recv.getAtIndex(ValueLayout.JAVA_LONG, 2 * r + 1) == r * 10L,
                "allgather r=" + r);
        }

        // rank r contributes r + 1 ints of value r, packed in rank order
        final int[] counts = new int[size];
        final int[] displs = new int[size];
        int total = 0;
        for (int r = 0; r < size; r++)
        {
            counts[r] = r + 1;
            displs[r] = total;
            total += counts[r];
        }
        final MemorySegment mine = arena.allocate((rank + 1) * 4L);
        for (int i = 0; i <= rank; i++)
        {
            mine.setAtIndex(ValueLayout.JAVA_INT, i, rank);
        }
        final MemorySegment all = arena.allocate(total * 4L);
        mpi.allGatherv(mine, rank + 1, all, counts, displs, MpiDatatype.INT, world);
        for (int r = 0; r < size; r++)
        {
            for (int i = 0; i < counts[r]; i++)
            {
                check(all.getAtIndex(ValueLayout.JAVA_INT, displs[r] + i) == r, "allgatherv r=" + r + " i=" + i);
            }
        }
    }

    private static void allToAlls(final MpiLibrary mpi, final MpiComm world, final Arena arena, final int size)
    {
        final MemorySegment send = arena.allocate(8L * size);
        final MemorySegment recv = arena.allocate(8L * size);
        for (int j = 0; j < size; j++)
        {
            send.setAtIndex(ValueLayout.JAVA_INT, 2 * j, rank * 10 + j);
            send.setAtIndex(ValueLayout.JAVA_INT, 2 * j + 1, -(rank * 10 + j));
        }
        mpi.allToAll(send, recv, 2, MpiDatatype.INT, world);
        for (int j = 0; j < size; j++)
        {
            check(recv.getAtIndex(ValueLayout.JAVA_INT, 2 * j) == j * 10 + rank &&
                recv.getAtIndex(ValueLayout.JAVA_INT, 2 * j + 1) == -(j * 10 + rank), "alltoall j=" + j);
        }

        // to rank j: j + 1 floats of value rank * 100 + j; from rank j: rank + 1 floats of value j * 100 + rank
        final int[] sendCounts = new int[size];
        final int[] sendDispls = new int[size];
        final int[] recvCounts = new int[size];
        final int[] recvDispls = new int[size];
        int sendTotal = 0;
        int recvTotal = 0;
        for (int j = 0; j < size; j++)
        {
            sendCounts[j] = j + 1;
            sendDispls[j] = sendTotal;
            sendTotal += j + 1;
            recvCounts[j] = rank + 1;
            recvDispls[j] = recvTotal;
            recvTotal += rank + 1;
        }
        final MemorySegment sendV = arena.allocate(sendTotal * 4L);
        final MemorySegment recvV = arena.allocate(recvTotal * 4L);
        for (int j = 0; j < size; j++)
        {
            for (int i = 0; i < sendCounts[j]; i++)
            {
                sendV.setAtIndex(ValueLayout.JAVA_FLOAT, sendDispls[j] + i, rank * 100 + j);
            }
        }
        mpi.allToAllv(sendV, sendCounts, sendDispls, recvV, recvCounts, recvDispls, MpiDatatype.FLOAT, world);
        for (int j = 0; j < size; j++)
        {
            for (int i = 0; i < recvCounts[j]; i++)
            {
                check(recvV.getAtIndex(ValueLayout.JAVA_FLOAT, recvDispls[j] + i) == j * 100 + rank, "alltoallv j=" + j);
            }
        }
    }

    private static void ring(final MpiLibrary mpi, final MpiComm world, final Arena arena, final int size)
    {
        final int count = 100_000; // beyond every eager limit: a real rendezvous
        final MemorySegment out = arena.allocate(count * 8L);
        final MemorySegment in = arena.allocate(count * 8L);
        for (int i = 0; i < count; i++)
        {
            out.setAtIndex(ValueLayout.JAVA_LONG, i, rank * 1_000_000L + i);
        }
        final int next = (rank + 1) % size;
        final int previous = (rank + size - 1) % size;
        // even ranks send first, odd ranks receive first: no cycle of blocked sends
        if (rank % 2 == 0)
        {
            mpi.send(out, count, MpiDatatype.LONG, next, 7, world);
            mpi.recv(in, count, MpiDatatype.LONG, previous, 7, world);
        }
        else
        {
            mpi.recv(in, count, MpiDatatype.LONG, previous, 7, world);
            mpi.send(out, count, MpiDatatype.LONG, next, 7, world);
        }
        for (int i = 0; i < count; i++)
        {
            check(in.getAtIndex(ValueLayout.JAVA_LONG, i) == previous * 1_000_000L + i, "ring i=" + i);
        }
    }

    private static void communicators(final MpiLibrary mpi, final MpiComm world, final Arena arena, final int size)
    {
        final MpiComm node = mpi.splitShared(world, rank);
        // one machine: the node is the world, ranks in key (= world rank) order
        check(mpi.size(node) == size && mpi.rank(node) == rank, "split_type SHARED size=" + mpi.size(node));

        // two colors by parity, reversed within each by key
        final MpiComm half = mpi.split(world, rank % 2, -rank);
        final int halfSize = (size + 1 - rank % 2) / 2;
        check(mpi.size(half) == halfSize, "split size=" + mpi.size(half) + ", expected=" + halfSize);
        check(mpi.rank(half) == halfSize - 1 - rank / 2, "split rank=" + mpi.rank(half));
        final MemorySegment one = arena.allocate(8);
        final MemorySegment sum = arena.allocate(8);
        one.set(ValueLayout.JAVA_LONG, 0, rank);
        mpi.allReduce(one, sum, 1, MpiDatatype.LONG, MpiOp.SUM, half);
        long expected = 0;
        for (int r = rank % 2; r < size; r += 2)
        {
            expected += r;
        }
        check(sum.get(ValueLayout.JAVA_LONG, 0) == expected, "allreduce on split");

        final MpiComm others = mpi.split(world, rank == 0 ? MpiLibrary.UNDEFINED : 0, 0);
        check(rank == 0 ? others == null : mpi.size(others) == size - 1, "split UNDEFINED");
        if (others != null)
        {
            mpi.free(others);
        }
        mpi.free(half);
        mpi.free(node);
        expectIllegalArgument(() -> mpi.barrier(half), "comm was freed");
        expectIllegalArgument(() -> mpi.free(world), "MPI_COMM_WORLD cannot be freed");
    }

    private static void errors(final MpiLibrary mpi, final MpiComm world, final Arena arena, final int size)
    {
        final MemorySegment buffer = arena.allocate(64);
        // every rank checks the root before communicating, so all see the error and none waits
        final MpiException badRoot = expectMpi(() -> mpi.bcast(buffer, 4, MpiDatatype.INT, size, world), "MPI_Bcast");
        System.out.println("rank " + rank + " bad root: " + badRoot.getMessage());
        final MpiException badRank = expectMpi(() -> mpi.send(buffer, 1, MpiDatatype.INT, size, 0, world), "MPI_Send");
        System.out.println("rank " + rank + " bad dest: " + badRank.getMessage());
        final MpiException badRootReduce = expectMpi(
            () -> mpi.reduce(buffer, arena.allocate(64), 1, MpiDatatype.LONG, MpiOp.SUM, size + 5, world), "MPI_Reduce");
        System.out.println("rank " + rank + " bad reduce root: " + badRootReduce.getMessage());
        expectIllegalArgument(() -> mpi.allReduce(buffer, arena.allocate(64), -1, MpiDatatype.INT, MpiOp.SUM, world),
            "count is negative");
        check(!mpi.errorString(badRoot.errorCode()).isEmpty(), "errorString");
        expectIllegalArgument(() -> mpi.bcast(buffer, 17, MpiDatatype.INT, 0, world), "count exceeds buffer");
        expectIllegalArgument(() -> mpi.bcast(MemorySegment.ofArray(new int[4]), 4, MpiDatatype.INT, 0, world),
            "not native memory");
        expectIllegalArgument(() -> mpi.bcast(buffer.asReadOnly(), 4, MpiDatatype.INT, 0, world), "read-only");
        expectIllegalArgument(() -> mpi.allReduce(buffer, buffer, 1, MpiDatatype.FLOAT, MpiOp.BXOR, world),
            "op does not apply");
        mpi.barrier(world); // the communicator still works
    }

    /** NPEs from compiled code: after warm-up C2 compiles {@link #length} with an implicit null check (a SIGSEGV). */
    private static int nullPointers()
    {
        final String[] values = {"a", "bb", "ccc"};
        long sum = 0;
        int caught = 0;
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 200_000; i++)
            {
                sum += length(values[i % 3]);
            }
            for (int i = 0; i < 1000; i++)
            {
                try
                {
                    sum += length(null);
                }
                catch (final NullPointerException expected)
                {
                    caught++;
                }
            }
        }
        check(sum > 0, "sum");
        return caught;
    }

    private static int length(final String value)
    {
        return value.length();
    }

    private static int stackOverflow()
    {
        int deepest = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            final int[] depth = {0};
            try
            {
                recurse(depth);
                throw new IllegalStateException("recursion ended");
            }
            catch (final StackOverflowError expected)
            {
                deepest = Math.max(deepest, depth[0]);
            }
        }
        return deepest;
    }

    private static void recurse(final int[] depth)
    {
        depth[0]++;
        recurse(depth);
    }

    private static MpiException expectMpi(final Runnable call, final String name)
    {
        try
        {
            call.run();
        }
        catch (final MpiException ex)
        {
            check(ex.call().equals(name), "call=" + ex.call());
            check(ex.getMessage().contains(ex.mpiMessage()) && !ex.mpiMessage().isBlank(), "message=" + ex.getMessage());
            return ex;
        }
        throw new AssertionError("no MpiException from " + name);
    }

    private static void expectIllegalArgument(final Runnable call, final String text)
    {
        try
        {
            call.run();
        }
        catch (final IllegalArgumentException ex)
        {
            check(ex.getMessage().contains(text), "message=" + ex.getMessage() + ", expected=" + text);
            return;
        }
        throw new AssertionError("no IllegalArgumentException: " + text);
    }

    private static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError("rank " + rank + ": " + what);
        }
    }
}
