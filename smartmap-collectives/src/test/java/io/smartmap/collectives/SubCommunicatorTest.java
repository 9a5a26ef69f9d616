package io.smartmap.collectives;

import io.smartmap.core.ControlBlockDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Communicator#split}, {@link Communicator#dup} and freeing sub-communicators, with threads as
 * ranks (each attaches on its own; the multi-process proof is {@link SubCommunicatorProcessTest}).
 */
class SubCommunicatorTest
{
    private static final Algorithm[] ALGORITHMS = {Algorithm.AUTO, Algorithm.SMARTMAP, Algorithm.TWO_COPY, Algorithm.INLINE};

    /**
     * Three colors, keys reversing the order: every sub-communicator has the right ranks in the right
     * order, and every collective x algorithm on it gives the rank-order result over its members only.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 8})
    void shouldSplitByColorOrderByKeyAndComputeOverTheMembersOnly(final int size) throws Exception
    {
        final List<String> results = ThreadRanks.run(size, 8L << 20, comm ->
        {
            final int rank = comm.getRank();
            final int color = rank % 3;
            try (Communicator sub = comm.split(color, -rank))
            {
                final List<Integer> members = new ArrayList<>(); // world ranks of this color, by descending rank
                for (int r = size - 1; r >= 0; r--)
                {
                    if (r % 3 == color)
                    {
                        members.add(r);
                    }
                }
                assertEquals(members.size(), sub.getSize(), "size of color " + color);
                assertEquals(members.indexOf(rank), sub.getRank(), "rank " + rank + " in color " + color);
                for (final Algorithm algorithm : ALGORITHMS)
                {
                    for (final int count : new int[] {1, 7, 3000})
                    {
                        if (algorithm == Algorithm.INLINE && count * 8L * sub.getSize() > ControlBlockDescriptor.INLINE_PAYLOAD_BYTES)
                        {
                            continue; // INLINE refuses payloads beyond a slot (alltoall: every block)
                        }
                        checkCollectives(sub, members, algorithm, count);
                    }
                }
                sub.barrier();
            }
            return "ok";
        });
        assertEquals(size, results.size());
        results.forEach(r -> assertEquals("ok", r));
    }

    /** Each collective on {@code sub}, whose rank {@code i} is world rank {@code members.get(i)}. */
    private static void checkCollectives(final Communicator sub, final List<Integer> members, final Algorithm algorithm,
        final int count)
    {
        final int size = sub.getSize();
        final int me = members.get(sub.getRank());
        final long[] send = new long[count * size];
        final long[] recv = new long[count * size];
        for (int k = 0; k < send.length; k++)
        {
            send[k] = value(me, k);
        }
        sub.allReduce(send, recv, count, Datatype.LONG, Op.SUM, algorithm);
        for (int k = 0; k < count; k++)
        {
            long expected = 0;
            for (final int member : members)
            {
                expected += value(member, k);
            }
            assertEquals(expected, recv[k], "allreduce " + algorithm + " count " + count + " element " + k);
        }
        final int root = size - 1;
        final long[] buffer = sub.getRank() == root ? send.clone() : new long[count];
        sub.bcast(buffer, count, Datatype.LONG, root, algorithm);
        for (int k = 0; k < count; k++)
        {
            assertEquals(value(members.get(root), k), buffer[k], "bcast " + algorithm + " element " + k);
        }
        sub.allGather(send, recv, count, Datatype.LONG, algorithm);
        for (int r = 0; r < size; r++)
        {
            for (int k = 0; k < count; k++)
            {
                assertEquals(value(members.get(r), k), recv[r * count + k], "allgather " + algorithm + " block " + r);
            }
        }
        sub.allToAll(send, recv, count, Datatype.LONG, algorithm);
        for (int r = 0; r < size; r++)
        {
            for (int k = 0; k < count; k++)
            {
                assertEquals(value(members.get(r), sub.getRank() * count + k), recv[r * count + k],
                    "alltoall " + algorithm + " block " + r);
            }
        }
        final Algorithm reduction = algorithm;
        sub.reduce(send, recv, count, Datatype.LONG, Op.MAX, 0, reduction);
        if (sub.getRank() == 0)
        {
            for (int k = 0; k < count; k++)
            {
                long expected = Long.MIN_VALUE;
                for (final int member : members)
                {
                    expected = Math.max(expected, value(member, k));
                }
                assertEquals(expected, recv[k], "reduce " + algorithm + " element " + k);
            }
        }
        sub.barrier(algorithm);
    }

    private static long value(final int worldRank, final int index)
    {
        return (worldRank + 1) * 1_000_003L + index * 31L;
    }

    /** {@link Communicator#UNDEFINED} gets null; a dup has the parent's ranks; both are independent of the parent. */
    @Test
    void shouldGiveNullForUndefinedAndTheSameRanksForDup() throws Exception
    {
        final List<String> results = ThreadRanks.run(4, 8L << 20, comm ->
        {
            final Communicator none = comm.split(comm.getRank() == 2 ? Communicator.UNDEFINED : 0, 0);
            if (comm.getRank() == 2)
            {
                assertNull(none);
            }
            else
            {
                assertEquals(3, none.getSize());
                assertEquals(comm.getRank() < 2 ? comm.getRank() : 2, none.getRank()); // equal keys: old rank order
                none.close();
            }
            try (Communicator dup = comm.dup())
            {
                assertEquals(comm.getRank(), dup.getRank());
                assertEquals(comm.getSize(), dup.getSize());
                final long[] recv = new long[1];
                dup.allReduce(new long[] {comm.getRank()}, recv, 1, Datatype.LONG, Op.SUM);
                assertEquals(6, recv[0]);
            }
            return "ok";
        });
        results.forEach(r -> assertEquals("ok", r));
    }

    /** Freeing gives every byte of the context back to the arena, so splitting over and over leaks nothing. */
    @Test
    void shouldGiveTheContextBackToTheArenaWhenFreed() throws Exception
    {
        final List<String> results = ThreadRanks.run(3, 8L << 20, comm ->
        {
            final long before = comm.smartMap().arena().usedBytes();
            for (int i = 0; i < 50; i++)
            {
                final Communicator sub = comm.split(comm.getRank() % 2, 0);
                sub.allReduce(new long[] {1}, new long[1], 1, Datatype.LONG, Op.SUM);
                sub.close();
                sub.close(); // idempotent
            }
            assertEquals(before, comm.smartMap().arena().usedBytes(), "arena bytes after 50 split/free cycles");
            return "ok";
        });
        results.forEach(r -> assertEquals("ok", r));
    }

    /** Calls on a freed communicator, and a bad color, are refused clearly; the parent stays usable. */
    @Test
    void shouldRefuseCallsOnAFreedCommunicatorAndABadColor() throws Exception
    {
        final List<String> results = ThreadRanks.run(2, 8L << 20, comm ->
        {
            final IllegalArgumentException color = assertThrows(IllegalArgumentException.class, () -> comm.split(-5, 0));
            assertTrue(color.getMessage().contains("color") && color.getMessage().contains("-5"), color.getMessage());
            final Communicator sub = comm.dup();
            sub.close();
            assertTrue(sub.isClosed());
            final IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> sub.allReduce(new long[1], new long[1], 1, Datatype.LONG, Op.SUM));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            assertThrows(IllegalStateException.class, sub::dup);
            assertThrows(IllegalStateException.class, sub::barrier);
            final long[] recv = new long[1];
            comm.allReduce(new long[] {2}, recv, 1, Datatype.LONG, Op.SUM);
            assertEquals(4, recv[0]);
            return "ok";
        });
        results.forEach(r -> assertEquals("ok", r));
    }

    /** A rank that frees while its peer runs a collective on the communicator: a mismatch on both, no hang. */
    @Test
    void shouldFindAFreeThatMeetsAnotherCollective() throws Exception
    {
        CollectiveFailureTest.assertEveryRankFailsWithAMismatch(() -> ThreadRanks.run(2, 8L << 20, comm ->
        {
            final Communicator sub = comm.dup();
            return CollectiveFailureTest.failsWithAMismatch(sub, c ->
            {
                if (comm.getRank() == 0)
                {
                    c.allReduce(new long[] {1}, new long[1], 1, Datatype.LONG, Op.SUM, Algorithm.TWO_COPY);
                }
                else
                {
                    c.close();
                }
            });
        }));
    }
}
