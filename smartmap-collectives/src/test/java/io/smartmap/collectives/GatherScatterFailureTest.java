package io.smartmap.collectives;

import io.smartmap.core.CollectiveMismatchException;
import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.PeerAbortedException;
import io.smartmap.core.RegionBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.smartmap.collectives.CollectiveFailureTest.assertEveryRankFailsWithAMismatch;
import static io.smartmap.collectives.CollectiveFailureTest.failsWithAMismatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad arguments and ranks whose counts disagree, for gather, scatter and the v-variants. */
class GatherScatterFailureTest
{
    private static final Datatype D = Datatype.DOUBLE;
    private static final byte SENTINEL = (byte)0x5A;

    /** A bad call and the start of its message; {@code rootOnly}: only the root checks it, so only it calls. */
    private static final class Bad
    {
        final boolean rootOnly;
        final Consumer<Buffers> call;
        final String message;

        Bad(final boolean rootOnly, final Consumer<Buffers> call, final String message)
        {
            this.rootOnly = rootOnly;
            this.call = call;
            this.message = message;
        }
    }

    private static final class Buffers
    {
        final Communicator comm;
        final RegionBuffer send;
        final RegionBuffer recv;
        final RegionBuffer small;

        Buffers(final Communicator comm)
        {
            this.comm = comm;
            this.send = comm.allocate(4, D);
            this.recv = comm.allocate(12, D);
            this.small = comm.allocate(11, D);
        }
    }

    private static final List<Bad> BAD = List.of(
        new Bad(false, b -> b.comm.gather(b.send, b.recv, -1, D, 0), "count must not be negative: count=-1"),
        new Bad(false, b -> b.comm.gather(b.send, b.recv, 4, D, 3), "root out of range: root=3, size=3"),
        new Bad(false, b -> b.comm.scatterv(b.send, new int[] {1, 1, 1}, new int[] {0, 1, 2}, b.recv, 1, D, -1),
            "root out of range: root=-1, size=3"),
        new Bad(false, b -> b.comm.gather(b.send, b.recv, 5, D, 0), "count exceeds sendBuf: count=5, capacity=4, datatype=DOUBLE"),
        new Bad(false, b -> b.comm.gather(b.send, b.recv, 4, D, 0, Algorithm.INLINE),
            "algorithm does not apply to GATHER: algorithm=INLINE"),
        new Bad(false, b -> b.comm.scatter(b.send, b.recv, 1, D, 0, Algorithm.INLINE),
            "algorithm does not apply to SCATTER: algorithm=INLINE"),
        new Bad(false, b -> b.comm.allToAllv(b.send, new int[] {1, 1, 1}, new int[] {0, 1, 2}, b.recv, new int[] {1, 1, 1},
            new int[] {0, 1, 2}, D, Algorithm.INLINE), "algorithm does not apply to ALLTOALLV: algorithm=INLINE"),
        new Bad(false, b -> b.comm.scatter(b.send, b.recv, 1, D, 0, Algorithm.SMARTMAP_SERIAL),
            "algorithm does not apply to SCATTER: algorithm=SMARTMAP_SERIAL"),
        new Bad(false, b -> b.comm.gatherv(b.send, -1, b.recv, new int[] {1, 1, 1}, new int[] {0, 1, 2}, D, 0),
            "sendCount must not be negative: sendCount=-1"),
        new Bad(false, b -> b.comm.scatterv(b.send, new int[] {1, 1, 1}, new int[] {0, 1, 2}, b.recv, -2, D, 0),
            "recvCount must not be negative: recvCount=-2"),
        new Bad(false, b -> b.comm.allGatherv(b.send, 1, b.recv, new int[] {1, 1}, new int[] {0, 1, 2}, D),
            "recvCounts shorter than the communicator: recvCounts.length=2, size=3"),
        new Bad(false, b -> b.comm.allGatherv(b.send, 1, b.recv, new int[] {1, 1, 1}, null, D),
            "displs must not be null: displs=null"),
        new Bad(false, b -> b.comm.allGatherv(b.send, 1, b.recv, new int[] {1, 1, 1}, new int[] {0, 1, -1}, D),
            "displs[2] must not be negative: displs[2]=-1"),
        new Bad(false, b -> b.comm.allGatherv(b.send, 1, b.recv, new int[] {1, -1, 1}, new int[] {0, 1, 2}, D),
            "recvCounts[1] must not be negative: recvCounts[1]=-1"),
        new Bad(false, b -> b.comm.allGatherv(b.send, 4, b.recv, new int[] {4, 4, 4}, new int[] {0, 4, 9}, D),
            "block runs past the end of recvBuf: rank=2, recvCounts[2]=4, displs[2]=9, capacity=12, datatype=DOUBLE"),
        new Bad(false, b -> b.comm.allGatherv(b.send, 2, b.recv, new int[] {2, 2, 2}, new int[] {0, 3, 1}, D),
            "receive blocks overlap in recvBuf: rank 0 recvCounts[0]=2, displs[0]=0; rank 2 recvCounts[2]=2, displs[2]=1"),
        new Bad(false, b -> b.comm.allGatherv(new int[1], 1, b.recv, new int[] {1, 1, 1}, new int[] {0, 1, 2}, D),
            "sendBuf type does not match datatype: sendBuf=int[], datatype=DOUBLE"),
        new Bad(false, b -> b.comm.allToAllv(b.send, new int[] {1, 1, 1}, new int[] {0, 1, 2}, b.recv, new int[] {1, 1, 1},
            new int[] {0, 0, 1}, D), "receive blocks overlap in recvBuf: rank 0 recvCounts[0]=1, rDispls[0]=0; rank 1 recvCounts[1]=1, rDispls[1]=0"),
        new Bad(false, b -> b.comm.allToAllv(b.send, new int[] {2, 2, 2}, new int[] {0, 1, 3}, b.recv, new int[] {2, 2, 2},
            new int[] {0, 2, 4}, D), "block runs past the end of sendBuf: rank=2, sendCounts[2]=2, sDispls[2]=3, capacity=4"),
        new Bad(false, b -> b.comm.allToAllv(b.send, new int[] {1, 1, 1}, new int[] {0, 1}, b.recv, new int[] {1, 1, 1},
            new int[] {0, 1, 2}, D), "sDispls shorter than the communicator: sDispls.length=2, size=3"),
        new Bad(false, b -> b.comm.allToAllv(b.recv, new int[] {1, 1, 1}, new int[] {0, 1, 2}, b.recv, new int[] {1, 1, 1},
            new int[] {3, 4, 5}, D), "send and receive buffers overlap"),
        new Bad(true, b -> b.comm.gather(b.send, b.small, 4, D, 0), "count exceeds recvBuf: count=12, capacity=11"),
        new Bad(true, b -> b.comm.gather(b.send, null, 4, D, 0), "recvBuf must not be null: recvBuf=null"),
        new Bad(true, b -> b.comm.scatter(null, b.recv, 1, D, 0), "sendBuf must not be null: sendBuf=null"),
        new Bad(true, b -> b.comm.gatherv(b.send, 1, b.recv, null, new int[] {0, 1, 2}, D, 0),
            "recvCounts must not be null: recvCounts=null"),
        new Bad(true, b -> b.comm.gatherv(b.send, 1, b.recv, new int[] {1, 1, 1}, new int[] {0, 1, 1}, D, 0),
            "receive blocks overlap in recvBuf: rank 1 recvCounts[1]=1, displs[1]=1; rank 2 recvCounts[2]=1, displs[2]=1"),
        new Bad(true, b -> b.comm.gatherv(b.recv, 1, b.recv, new int[] {1, 1, 1}, new int[] {0, 1, 2}, D, 0),
            "send and receive buffers overlap"),
        new Bad(true, b -> b.comm.scatterv(b.send, new int[] {1, 1, 1}, new int[] {0, 1, 4}, b.recv, 1, D, 0),
            "block runs past the end of sendBuf: rank=2, sendCounts[2]=1, displs[2]=4, capacity=4"),
        new Bad(true, b -> b.comm.scatterv(b.send, new int[] {1, 1}, new int[] {0, 1, 2}, b.recv, 1, D, 0),
            "sendCounts shorter than the communicator: sendCounts.length=2, size=3"));

    /**
     * Every bad call is refused with an IllegalArgumentException naming the argument and values, before
     * anything is published or written: the receive buffers keep their bytes, and the communicator then
     * runs a gatherv (empty blocks lying inside others' blocks, which is legal) and an alltoallv right.
     */
    @Test
    void shouldRejectBadArgumentsBeforeTouchingAnything() throws Exception
    {
        final List<String> results = ThreadRanks.run(3, 8L << 20, comm ->
        {
            final Buffers b = new Buffers(comm);
            b.recv.buffer().setMemory(0, b.recv.capacity(), SENTINEL);
            b.small.buffer().setMemory(0, b.small.capacity(), SENTINEL);
            final List<String> wrong = new ArrayList<>();
            for (final Bad bad : BAD)
            {
                if (bad.rootOnly && comm.getRank() != 0)
                {
                    continue;
                }
                final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> bad.call.accept(b),
                    bad.message);
                if (!ex.getMessage().startsWith(bad.message))
                {
                    wrong.add("expected '" + bad.message + "' but got '" + ex.getMessage() + "'");
                }
            }
            for (int i = 0; i < b.recv.capacity(); i++)
            {
                if (b.recv.buffer().getByte(i) != SENTINEL || i < b.small.capacity() && b.small.buffer().getByte(i) != SENTINEL)
                {
                    wrong.add("byte " + i + " of a receive buffer written by a refused call");
                    break;
                }
            }
            final int rank = comm.getRank();
            for (int i = 0; i < 4; i++)
            {
                b.send.putDouble(i, rank * 10 + i);
            }
            // rank 0 sends nothing: its empty block lies inside rank 1's
            comm.gatherv(b.send, rank == 0 ? 0 : 2, b.recv, new int[] {0, 2, 2}, new int[] {1, 0, 5}, D, 0);
            if (rank == 0)
            {
                final double[] expected = {10, 11, Double.NaN, Double.NaN, Double.NaN, 20, 21};
                for (int i = 0; i < expected.length; i++)
                {
                    final boolean untouched = b.recv.buffer().getByte(i * 8) == SENTINEL;
                    if (Double.isNaN(expected[i]) ? !untouched : b.recv.getDouble(i) != expected[i])
                    {
                        wrong.add("gatherv element " + i + ": " + b.recv.getDouble(i));
                    }
                }
            }
            comm.allToAllv(b.send, new int[] {1, 1, 1}, new int[] {0, 1, 2}, b.recv, new int[] {1, 1, 1},
                new int[] {2, 1, 0}, D);
            for (int j = 0; j < 3; j++)
            {
                if (b.recv.getDouble(2 - j) != j * 10 + rank)
                {
                    wrong.add("alltoallv from rank " + j + ": " + b.recv.getDouble(2 - j));
                }
            }
            return String.join("\n", wrong);
        });
        assertEquals(List.of("", "", ""), results);
    }

    /** Ranks whose counts (or other arguments) disagree: one rank's side of each, on three ranks. */
    enum Disagreement
    {
        /** Rank 1 sends 2 elements, the root expects 3. */
        GATHERV_SEND_COUNT((c, a) -> c.gatherv(buffer(c), c.getRank() == 1 ? 2 : 3, buffer(c), new int[] {3, 3, 3},
            new int[] {0, 3, 6}, D, 0, a)),
        /** The root's own send count is not its own receive count; the others agree with it. */
        GATHERV_ROOT_ITSELF((c, a) -> c.gatherv(buffer(c), c.getRank() == 0 ? 2 : 3, buffer(c), new int[] {3, 3, 3},
            new int[] {0, 3, 6}, D, 0, a)),
        /** Rank 2 expects 1 element, the root sends it 2. */
        SCATTERV_RECV_COUNT((c, a) -> c.scatterv(buffer(c), new int[] {2, 2, 2}, new int[] {0, 2, 4}, buffer(c),
            c.getRank() == 2 ? 1 : 2, D, 1, a)),
        SCATTERV_ROOT_ITSELF((c, a) -> c.scatterv(buffer(c), new int[] {2, 2, 2}, new int[] {0, 2, 4}, buffer(c),
            c.getRank() == 1 ? 3 : 2, D, 1, a)),
        /** Rank 2's receive counts differ from the others' (and from rank 0's send count). */
        ALLGATHERV_RECV_COUNTS((c, a) -> c.allGatherv(buffer(c), 2, buffer(c),
            c.getRank() == 2 ? new int[] {1, 2, 2} : new int[] {2, 2, 2}, new int[] {0, 2, 4}, D, a)),
        /** Rank 1's own receive count for itself is not its send count. */
        ALLGATHERV_OWN_COUNT((c, a) -> c.allGatherv(buffer(c), c.getRank() == 1 ? 3 : 2, buffer(c), new int[] {2, 2, 2},
            new int[] {0, 2, 4}, D, a)),
        /** Rank 0 sends 3 elements to rank 1, which expects 2 from it. */
        ALLTOALLV_PAIR((c, a) -> c.allToAllv(buffer(c), c.getRank() == 0 ? new int[] {2, 3, 2} : new int[] {2, 2, 2},
            new int[] {0, 3, 6}, buffer(c), new int[] {2, 2, 2}, new int[] {0, 3, 6}, D, a)),
        GATHER_COUNT((c, a) -> c.gather(buffer(c), buffer(c), c.getRank() == 1 ? 3 : 2, D, 0, a)),
        SCATTER_ROOT((c, a) -> c.scatter(buffer(c), buffer(c), 2, D, c.getRank() == 2 ? 1 : 0, a)),
        /** Rank 1 calls gatherv, the others scatterv. */
        KIND((c, a) ->
        {
            if (c.getRank() == 1)
            {
                c.gatherv(buffer(c), 2, buffer(c), null, null, D, 0, a);
            }
            else
            {
                c.scatterv(buffer(c), new int[] {2, 2, 2}, new int[] {0, 2, 4}, buffer(c), 2, D, 0, a);
            }
        });

        final java.util.function.BiConsumer<Communicator, Algorithm> call;

        Disagreement(final java.util.function.BiConsumer<Communicator, Algorithm> call)
        {
            this.call = call;
        }

        static RegionBuffer buffer(final Communicator comm)
        {
            return comm.allocate(16, D);
        }
    }

    static Stream<Arguments> disagreements()
    {
        final List<Arguments> cases = new ArrayList<>();
        for (final Disagreement disagreement : Disagreement.values())
        {
            for (final Algorithm algorithm : new Algorithm[] {Algorithm.SMARTMAP, Algorithm.TWO_COPY, Algorithm.AUTO})
            {
                cases.add(Arguments.of(disagreement, algorithm));
            }
        }
        return cases.stream();
    }

    /**
     * Every rank fails with a mismatch (its own or a peer's abort for one): in the call, or (a rank that
     * left before the disagreement was found, having read nobody's counts) at its next call at the latest.
     */
    @ParameterizedTest
    @MethodSource("disagreements")
    void shouldFailOnEveryRankWhenCountsDisagree(final Disagreement disagreement, final Algorithm algorithm)
        throws Exception
    {
        // the shared helpers first (as for the other collectives), then every rank's own outcome
        assertEveryRankFailsWithAMismatch(() -> ThreadRanks.run(3, 8L << 20, comm -> failsWithAMismatch(comm, c ->
        {
            disagreement.call.accept(c, algorithm);
            c.barrier();
        })));
        final List<String> outcomes = ThreadRanks.run(3, 8L << 20, comm ->
        {
            try
            {
                disagreement.call.accept(comm, algorithm);
                comm.barrier();
                return "no failure on rank " + comm.getRank();
            }
            catch (final CollectiveMismatchException ex)
            {
                return ex.getMessage().contains("mismatch") ? "found" : ex.toString();
            }
            catch (final PeerAbortedException ex)
            {
                return ex.reasonCode() == ControlBlockDescriptor.ABORT_MISMATCH && ex.getMessage().contains("mismatch") ?
                    "aborted" : ex.toString();
            }
        });
        assertTrue(outcomes.stream().allMatch(o -> o.equals("found") || o.equals("aborted")) && outcomes.contains("found"),
            outcomes.toString());
    }

    /** The rank that compares the counts names both sides of the disagreement. */
    @Test
    void shouldNameBothSidesOfACountsMismatch() throws Exception
    {
        final List<String> messages = ThreadRanks.run(2, 8L << 20, comm ->
        {
            try
            {
                comm.allToAllv(comm.allocate(8, D), comm.getRank() == 0 ? new int[] {1, 3} : new int[] {2, 2},
                    new int[] {0, 4}, comm.allocate(8, D), comm.getRank() == 0 ? new int[] {1, 2} : new int[] {2, 2}, new int[] {0, 4}, D,
                    Algorithm.SMARTMAP);
                return "no failure";
            }
            catch (final io.smartmap.core.CollectiveMismatchException ex)
            {
                return ex.getMessage();
            }
            catch (final io.smartmap.core.PeerAbortedException ex)
            {
                return "aborted";
            }
        });
        final String found = messages.get(0).equals("aborted") ? messages.get(1) : messages.get(0);
        assertTrue(found.contains("ALLTOALLV counts disagree: rank 0 sendCounts[1]=3 but rank 1 recvCounts[0]=2"),
            messages.toString());
    }
}
