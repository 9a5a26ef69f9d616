package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.smartmap.collectives.CollectiveFailureTest.assertEveryRankFailsWithAMismatch;
import static io.smartmap.collectives.CollectiveFailureTest.failsWithAMismatch;
import static org.junit.jupiter.api.Assertions.*;

/** Bad arguments of reduce-scatter, scan, exscan and the in-place overloads, and ranks that disagree on them. */
class ReduceScatterScanFailureTest
{
    @Test
    void shouldRejectBadArgumentsOnEveryRankBeforeTouchingSharedStateAndStayUsable() throws Exception
    {
        final List<String> messages = ThreadRanks.run(2, 8L << 20, comm ->
        {
            final RegionBuffer send = comm.allocate(16, Datatype.DOUBLE);
            final RegionBuffer recv = comm.allocate(16, Datatype.DOUBLE);
            final RegionBuffer big = comm.allocate(200, Datatype.DOUBLE);
            recv.buffer().setMemory(0, recv.capacity(), (byte)0x5A);
            send.buffer().setMemory(0, send.capacity(), (byte)0x33);
            final List<String> failures = new ArrayList<>();
            final List<Runnable> bad = List.of(
                () -> comm.reduceScatterBlock(send, recv, -1, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatterBlock(send, recv, 9, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatterBlock(send, recv, 4, Datatype.DOUBLE, Op.BXOR),
                () -> comm.reduceScatterBlock(send, send, 4, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatterBlock(send, recv, 4, Datatype.DOUBLE, Op.SUM, Algorithm.INLINE),
                () -> comm.reduceScatter(send, recv, null, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatter(send, recv, new int[] {4}, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatter(send, recv, new int[] {4, -1}, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatter(send, recv, new int[] {10, 10}, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatter(big, recv, new int[] {17, 17}, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatter(send, recv, new int[] {Integer.MAX_VALUE, 1}, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduceScatter(send, recv, new int[] {4, 4}, Datatype.DOUBLE, Op.SUM, Algorithm.SMARTMAP_SERIAL),
                () -> comm.reduceScatter(send, null, new int[] {4, 4}, Datatype.DOUBLE, Op.SUM),
                () -> comm.scan(send, recv, -1, Datatype.DOUBLE, Op.SUM),
                () -> comm.scan(send, recv, 4, Datatype.DOUBLE, Op.MINLOC),
                () -> comm.scan(null, recv, 4, Datatype.DOUBLE, Op.SUM),
                () -> comm.scan(new int[4], recv, 4, Datatype.DOUBLE, Op.SUM),
                () -> comm.scan(send, recv, 4, Datatype.DOUBLE, Op.SUM, Algorithm.INLINE),
                () -> comm.exScan(send, recv, 4, Datatype.DOUBLE, null),
                () -> comm.exScan(send, recv, 17, Datatype.DOUBLE, Op.SUM),
                () -> comm.allReduce(send, -1, Datatype.DOUBLE, Op.SUM),
                () -> comm.allReduce(send, 17, Datatype.DOUBLE, Op.SUM),
                () -> comm.allReduce(null, 4, Datatype.DOUBLE, Op.SUM),
                () -> comm.allReduce(send, 4, Datatype.DOUBLE, Op.SUM, null),
                () -> comm.reduce(send, 4, Datatype.DOUBLE, Op.SUM, 2),
                () -> comm.reduce(send, 4, Datatype.DOUBLE, Op.BAND, 0),
                () -> comm.allGather(send, 9, Datatype.DOUBLE),
                () -> comm.allGather(send, 4, null),
                () -> comm.scan(send, 4, Datatype.DOUBLE, Op.BXOR),
                () -> comm.scan(null, 4, Datatype.DOUBLE, Op.SUM));
            for (int i = 0; i < bad.size(); i++)
            {
                try
                {
                    bad.get(i).run();
                    failures.add("case " + i + " did not throw");
                }
                catch (final IllegalArgumentException expected)
                {
                    failures.add(expected.getMessage());
                }
            }
            try // ThreadRanks rethrows exceptions: an assertion error of a rank becomes one
            {
                checkUntouchedAndUsable(comm, send, recv);
            }
            catch (final AssertionError failure)
            {
                throw new IllegalStateException("rank " + comm.getRank() + ": " + failure.getMessage(), failure);
            }
            return String.join("\n", failures);
        });
        final String[] expected = {
            "count must not be negative: count=-1",
            "count exceeds sendBuf: count=18, capacity=16, datatype=DOUBLE",
            "op does not apply to datatype: op=BXOR, datatype=DOUBLE",
            "send and receive buffers overlap",
            "algorithm does not apply to REDUCE_SCATTER_BLOCK: algorithm=INLINE",
            "recvCounts must not be null: recvCounts=null",
            "recvCounts shorter than size: recvCounts.length=1, size=2",
            "recvCounts must not be negative: recvCounts[1]=-1",
            "count exceeds sendBuf: count=20, capacity=16, datatype=DOUBLE",
            "count exceeds recvBuf: count=17, capacity=16, datatype=DOUBLE",
            "recvCounts total exceeds Integer.MAX_VALUE: total=2147483648",
            "algorithm does not apply to REDUCE_SCATTER: algorithm=SMARTMAP_SERIAL",
            "recvBuf must not be null: recvBuf=null",
            "count must not be negative: count=-1",
            "op does not apply to datatype: op=MINLOC, datatype=DOUBLE",
            "sendBuf must not be null: sendBuf=null",
            "sendBuf type does not match datatype: sendBuf=int[], datatype=DOUBLE",
            "algorithm does not apply to SCAN: algorithm=INLINE",
            "op must not be null: op=null",
            "count exceeds sendBuf: count=17, capacity=16, datatype=DOUBLE",
            "count must not be negative: count=-1",
            "count exceeds buf: count=17, capacity=16, datatype=DOUBLE",
            "buf must not be null: buf=null",
            "algorithm must not be null: algorithm=null",
            "root out of range: root=2, size=2",
            "op does not apply to datatype: op=BAND, datatype=DOUBLE",
            "count exceeds buf: count=18, capacity=16, datatype=DOUBLE",
            "datatype must not be null: datatype=null",
            "op does not apply to datatype: op=BXOR, datatype=DOUBLE",
            "buf must not be null: buf=null"};
        for (final String text : messages)
        {
            final String[] lines = text.split("\n");
            assertEquals(expected.length, lines.length, text);
            for (int i = 0; i < expected.length; i++)
            {
                assertTrue(lines[i].startsWith(expected[i]), "case " + i + ": " + lines[i]);
            }
        }
    }

    /** Nothing was written into the buffers of the refused calls, and the communicator still works. */
    private static void checkUntouchedAndUsable(final Communicator comm, final RegionBuffer send, final RegionBuffer recv)
    {
        final byte[] untouched = new byte[(int)recv.capacity()];
        Arrays.fill(untouched, (byte)0x5A);
        final byte[] after = new byte[untouched.length];
        recv.buffer().getBytes(0, after);
        assertArrayEquals(untouched, after, "nothing written into recvBuf");
        for (int i = 0; i < send.capacity(); i++)
        {
            assertEquals((byte)0x33, send.buffer().getByte(i), "nothing written into the in-place buffer");
        }
        // nothing was touched: the communicator still works
        send.putDouble(0, 2.5);
        send.putDouble(1, 1.0);
        comm.reduceScatterBlock(send, recv, 1, Datatype.DOUBLE, Op.SUM);
        assertEquals(comm.getRank() == 0 ? 5.0 : 2.0, recv.getDouble(0));
    }

    /** What the ranks other than rank 0 call instead of rank 0's reduce-scatter of blocks of 4 doubles. */
    enum Disagreement
    {
        /** Another layout with the same total: caught by the hash in the descriptor. */
        RECV_COUNTS(c -> c.reduceScatter(buffer(c), buffer(c), layout(c.getSize(), true), Datatype.DOUBLE, Op.SUM, algorithm(c))),
        /** Rank 0's layout is equal blocks of 4, so this one only differs in the total. */
        RECV_COUNTS_TOTAL(c ->
        {
            final int[] counts = layout(c.getSize(), false);
            counts[c.getSize() - 1] = 3;
            c.reduceScatter(buffer(c), buffer(c), counts, Datatype.DOUBLE, Op.SUM, algorithm(c));
        }),
        BLOCK_INSTEAD(c -> c.reduceScatterBlock(buffer(c), buffer(c), 4, Datatype.DOUBLE, Op.SUM, algorithm(c))),
        SCAN(c -> c.scan(buffer(c), buffer(c), 4, Datatype.DOUBLE, Op.SUM, algorithm(c))),
        EXSCAN(c -> c.exScan(buffer(c), buffer(c), 4, Datatype.DOUBLE, Op.SUM, algorithm(c))),
        DATATYPE(c -> c.reduceScatter(buffer(c), buffer(c), layout(c.getSize(), false), Datatype.LONG, Op.SUM, algorithm(c))),
        OP(c -> c.reduceScatter(buffer(c), buffer(c), layout(c.getSize(), false), Datatype.DOUBLE, Op.MAX, algorithm(c))),
        IN_PLACE_ALLREDUCE(c -> c.allReduce(buffer(c), 4, Datatype.DOUBLE, Op.SUM, algorithm(c)));

        final Consumer<Communicator> call;

        Disagreement(final Consumer<Communicator> call)
        {
            this.call = call;
        }

        static RegionBuffer buffer(final Communicator comm)
        {
            return comm.allocate(8 * comm.getSize(), Datatype.DOUBLE);
        }

        /** Blocks of 4, or (shifted) the same total cut differently: 3, 5, 4, 4, ... */
        static int[] layout(final int size, final boolean shifted)
        {
            final int[] counts = new int[size];
            Arrays.fill(counts, 4);
            if (shifted)
            {
                counts[0] = 3;
                counts[1] = 5;
            }
            return counts;
        }

        /** The algorithm of the test, which every rank shares (set per job in the configuration). */
        static Algorithm algorithm(final Communicator comm)
        {
            return comm.config().defaultAlgorithm();
        }
    }

    static Stream<Arguments> disagreements()
    {
        final List<Arguments> cases = new ArrayList<>();
        for (final Disagreement disagreement : Disagreement.values())
        {
            for (final Algorithm algorithm : new Algorithm[] {Algorithm.SMARTMAP, Algorithm.TWO_COPY})
            {
                for (final int size : new int[] {2, 3})
                {
                    cases.add(Arguments.of(disagreement, algorithm, size));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("disagreements")
    void shouldFailOnEveryRankWhenRanksDisagree(final Disagreement disagreement, final Algorithm algorithm, final int size) throws Exception
    {
        assertEveryRankFailsWithAMismatch(() -> ThreadRanks.run(size, 8L << 20,
            rank -> new CollectiveConfig().defaultAlgorithm(algorithm),
            comm -> failsWithAMismatch(comm, c ->
            {
                if (c.getRank() == 0)
                {
                    c.reduceScatter(Disagreement.buffer(c), Disagreement.buffer(c), Disagreement.layout(c.getSize(), false),
                        Datatype.DOUBLE, Op.SUM, algorithm);
                }
                else
                {
                    disagreement.call.accept(c);
                }
                c.barrier(); // a rank that read nobody's data finds the mismatch here at the latest
            })));
    }
}
