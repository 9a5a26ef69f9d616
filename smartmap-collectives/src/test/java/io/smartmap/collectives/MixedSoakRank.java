package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Rank program: {@code args[0]} back-to-back mixed collectives (random kinds, sizes, roots,
 * datatypes, operators and algorithms, the same sequence on every rank from the shared seed
 * {@code args[1]}), every result checked against the model. Now and then one random rank is late
 * (a random delay before it enters), and every rank scribbles over its send buffer as soon as a
 * collective returns: a peer that still read it after this rank left would get a wrong result,
 * which its own check catches. Each rank also picks, on its own, what it passes each time: the
 * region buffers, heap ByteBuffers or direct ByteBuffers outside the region (staged, or copied in
 * place where the algorithm allows) or a ByteBuffer view of the region buffers (used in place),
 * so ranks of one collective mix the paths. Exits 1 on the
 * first wrong result.
 */
public final class MixedSoakRank
{
    private static final Datatype[] DATATYPES = {Datatype.DOUBLE, Datatype.LONG, Datatype.INT, Datatype.BYTE};
    private static final Op[] OPS = {Op.SUM, Op.MAX, Op.MIN, Op.PROD, Op.BXOR};
    private static final int MAX_COUNT = 20_000;

    private MixedSoakRank()
    {
    }

    public static void main(final String[] args)
    {
        final int iterations = Integer.parseInt(args[0]);
        final long seed = Long.parseLong(args[1]);
        try (Communicator comm = Communicator.world())
        {
            soak(comm, iterations, seed);
            comm.barrier();
        }
    }

    /**
     * Run {@code iterations} mixed collectives from {@code seed} on {@code comm} (every rank of it
     * calls this with the same arguments), print "soak ok: ..." and give the buffers back; print
     * "WRONG ..." and exit 1 on the first wrong result.
     */
    static void soak(final Communicator comm, final int iterations, final long seed)
    {
        final SplittableRandom shared = new SplittableRandom(seed);
        final long start = System.nanoTime();
        {
            final int size = comm.getSize();
            final int rank = comm.getRank();
            final RegionBuffer sendRegion = comm.allocate(MAX_COUNT * size, Datatype.LONG);
            final RegionBuffer recvRegion = comm.allocate(MAX_COUNT * size, Datatype.LONG);
            final int capacity = MAX_COUNT * size * Long.BYTES;
            // the region buffers themselves, heap and direct ByteBuffers (staged), and a ByteBuffer view of the region buffers
            final ByteBuffer sendView = sendRegion.byteBuffer();
            final ByteBuffer recvView = recvRegion.byteBuffer();
            final ByteBuffer[] sends = {sendView, ByteBuffer.allocate(capacity), ByteBuffer.allocateDirect(capacity), sendView};
            final ByteBuffer[] recvs = {recvView, ByteBuffer.allocate(capacity), ByteBuffer.allocateDirect(capacity), recvView};
            final SplittableRandom own = new SplittableRandom(seed + 7919L * (rank + 1)); // this rank's choices only
            final int[] perKind = new int[6];
            for (int i = 0; i < iterations; i++)
            {
                final int kind = shared.nextInt(6);
                final Datatype datatype = DATATYPES[shared.nextInt(DATATYPES.length)];
                final int roll = shared.nextInt(100);
                final int count = roll < 70 ? shared.nextInt(64) : roll < 98 ? shared.nextInt(64, 2048) :
                    shared.nextInt(2048, MAX_COUNT);
                final int root = shared.nextInt(size);
                Op op = OPS[shared.nextInt(OPS.length)];
                if (!op.appliesTo(datatype))
                {
                    op = Op.SUM;
                }
                final int algorithmRoll = shared.nextInt(6); // 5: INLINE where the payload fits a slot, else AUTO
                // now and then one random rank is late (every rank draws the same numbers: the stream stays shared)
                final boolean delayed = shared.nextInt(100) == 0;
                final int lateRank = delayed ? shared.nextInt(size) : -1;
                final long delayNs = delayed ? shared.nextLong(1, 200_000) : 0;
                final long caseSeed = seed * 1_000_003L + i;
                final int block = count * datatype.extent();
                final byte[] mine = Model.values(caseSeed, rank, kind == 3 ? count * size : count, datatype, op);
                final int path = own.nextInt(sends.length);
                final ByteBuffer sendBytes = sends[path];
                final ByteBuffer recvBytes = recvs[path];
                final Object send = path == 0 ? sendRegion : sendBytes;
                final Object recv = path == 0 ? recvRegion : recvBytes;
                sendBytes.clear();
                sendBytes.put(mine).clear();
                fill(recvBytes, Math.max(block * size, 8), (byte)3);
                if (rank == lateRank)
                {
                    LockSupport.parkNanos(delayNs);
                }
                final byte[] expected;
                final int checkBytes;
                switch (kind)
                {
                    case 0:
                        comm.barrier(algorithmRoll == 5 ? Algorithm.INLINE : algorithmRoll == 4 ? Algorithm.SMARTMAP : Algorithm.AUTO);
                        expected = null;
                        checkBytes = 0;
                        break;
                    case 1:
                    {
                        final Algorithm algorithm = moveAlgorithm(algorithmRoll, block);
                        final byte[] rootData = Model.values(caseSeed, root, count, datatype, op);
                        if (rank == root)
                        {
                            recvBytes.put(rootData).clear();
                        }
                        comm.bcast(recv, count, datatype, root, algorithm);
                        expected = rootData;
                        checkBytes = block;
                        break;
                    }
                    case 2:
                    case 4:
                    {
                        final Algorithm algorithm = algorithmRoll < 5 ? Algorithm.values()[algorithmRoll] :
                            moveAlgorithm(algorithmRoll, block);
                        final byte[][] all = new byte[size][];
                        for (int r = 0; r < size; r++)
                        {
                            all[r] = r == rank ? mine : Model.values(caseSeed, r, count, datatype, op);
                        }
                        if (kind == 2)
                        {
                            comm.reduce(send, recv, count, datatype, op, root, algorithm);
                            expected = rank == root ? Model.reduce(all, count, datatype, op) : null;
                        }
                        else
                        {
                            comm.allReduce(send, recv, count, datatype, op, algorithm);
                            expected = Model.reduce(all, count, datatype, op);
                        }
                        checkBytes = block;
                        break;
                    }
                    case 3:
                    {
                        comm.allToAll(send, recv, count, datatype, moveAlgorithm(algorithmRoll, (long)block * size));
                        expected = new byte[block * size];
                        for (int r = 0; r < size; r++)
                        {
                            final byte[] theirs = r == rank ? mine : Model.values(caseSeed, r, count * size, datatype, op);
                            System.arraycopy(theirs, rank * block, expected, r * block, block);
                        }
                        checkBytes = block * size;
                        break;
                    }
                    default:
                    {
                        comm.allGather(send, recv, count, datatype, moveAlgorithm(algorithmRoll, block));
                        expected = new byte[block * size];
                        for (int r = 0; r < size; r++)
                        {
                            final byte[] theirs = r == rank ? mine : Model.values(caseSeed, r, count, datatype, op);
                            System.arraycopy(theirs, 0, expected, r * block, block);
                        }
                        checkBytes = block * size;
                        break;
                    }
                }
                perKind[kind]++;
                fill(sendBytes, Math.max(mine.length, 8), (byte)0x5A); // nobody may read it any more
                if (expected != null)
                {
                    final byte[] actual = new byte[checkBytes];
                    recvBytes.get(actual).clear();
                    if (!Arrays.equals(expected, actual))
                    {
                        System.out.println("WRONG at iteration " + i + ": kind=" + kind + ", datatype=" + datatype +
                            ", op=" + op + ", count=" + count + ", root=" + root + ", algorithmRoll=" + algorithmRoll +
                            ", path=" + path);
                        System.exit(1);
                    }
                }
            }
            System.out.printf("soak ok: iterations=%d ranks=%d perKind=%s seconds=%.1f%n", iterations, size,
                Arrays.toString(perKind), (System.nanoTime() - start) / 1e9);
            comm.free(recvRegion);
            comm.free(sendRegion);
        }
    }

    private static void fill(final ByteBuffer buffer, final int bytes, final byte value)
    {
        for (int i = 0; i < bytes; i++)
        {
            buffer.put(i, value);
        }
    }

    private static Algorithm moveAlgorithm(final int roll, final long payloadBytes)
    {
        if (roll == 5)
        {
            return payloadBytes <= io.smartmap.core.ControlBlockDescriptor.INLINE_PAYLOAD_BYTES ? Algorithm.INLINE : Algorithm.AUTO;
        }
        return roll < 2 ? Algorithm.AUTO : roll < 4 ? Algorithm.SMARTMAP : Algorithm.TWO_COPY;
    }
}
