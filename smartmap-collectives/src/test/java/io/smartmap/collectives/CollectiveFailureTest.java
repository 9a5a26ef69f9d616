package io.smartmap.collectives;

import io.smartmap.core.CollectiveMismatchException;
import io.smartmap.core.ControlBlockDescriptor;
import io.smartmap.core.Jvm;
import io.smartmap.core.PeerAbortedException;
import io.smartmap.core.RegionBuffer;
import io.smartmap.core.Segment;
import io.smartmap.core.SmartMap;
import io.smartmap.core.SmartMapOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** Bad arguments, ranks that disagree, and a peer that dies mid-collective. */
class CollectiveFailureTest
{
    @TempDir
    Path dir;

    @Test
    void shouldRejectBadArgumentsBeforeTouchingSharedStateAndStayUsable() throws Exception
    {
        final List<String> messages = ThreadRanks.run(1, 8L << 20, comm ->
        {
            final RegionBuffer send = comm.allocate(16, Datatype.DOUBLE);
            final RegionBuffer recv = comm.allocate(16, Datatype.DOUBLE);
            final RegionBuffer big = comm.allocate(200, Datatype.DOUBLE);
            final RegionBuffer bigRecv = comm.allocate(200, Datatype.DOUBLE);
            final List<String> failures = new ArrayList<>();
            final List<Runnable> bad = List.of(
                () -> comm.allReduce(send, recv, -1, Datatype.DOUBLE, Op.SUM),
                () -> comm.allReduce(send, recv, 17, Datatype.DOUBLE, Op.SUM),
                () -> comm.reduce(send, recv, 4, Datatype.DOUBLE, Op.SUM, 1),
                () -> comm.bcast(send, 4, Datatype.DOUBLE, -1),
                () -> comm.allReduce(null, recv, 4, Datatype.DOUBLE, Op.SUM),
                () -> comm.allReduce(send, recv, 4, Datatype.DOUBLE, Op.BXOR),
                () -> comm.allReduce(send, recv, 4, Datatype.DOUBLE, Op.MINLOC),
                () -> comm.allReduce(send, recv, 4, Datatype.DOUBLE, null),
                () -> comm.allReduce(new int[4], recv, 4, Datatype.DOUBLE, Op.SUM),
                () -> comm.allReduce(send, send, 4, Datatype.DOUBLE, Op.SUM),
                () -> comm.bcast(send, 4, Datatype.DOUBLE, 0, Algorithm.SMARTMAP_SERIAL),
                () -> comm.allToAll(send, recv, 17, Datatype.DOUBLE),
                () -> comm.allReduce(ByteBuffer.allocate(8), recv, 4, Datatype.DOUBLE, Op.SUM),
                () -> comm.allReduce(big, bigRecv, 200, Datatype.DOUBLE, Op.SUM, Algorithm.INLINE));
            for (final Runnable call : bad)
            {
                failures.add(assertThrows(IllegalArgumentException.class, call::run).getMessage());
            }
            // nothing was touched: the communicator still works
            send.putDouble(0, 2.5);
            comm.allReduce(send, recv, 1, Datatype.DOUBLE, Op.SUM);
            assertEquals(2.5, recv.getDouble(0));
            return String.join("\n", failures);
        });
        final String text = messages.get(0);
        final String[] expected = {
            "count must not be negative: count=-1",
            "count exceeds sendBuf: count=17, capacity=16, datatype=DOUBLE",
            "root out of range: root=1, size=1",
            "root out of range: root=-1, size=1",
            "sendBuf must not be null: sendBuf=null",
            "op does not apply to datatype: op=BXOR, datatype=DOUBLE",
            "op does not apply to datatype: op=MINLOC, datatype=DOUBLE",
            "op must not be null: op=null",
            "sendBuf type does not match datatype: sendBuf=int[], datatype=DOUBLE",
            "send and receive buffers overlap",
            "algorithm does not apply to BCAST: algorithm=SMARTMAP_SERIAL",
            "count exceeds sendBuf: count=17, capacity=16, datatype=DOUBLE",
            "count exceeds sendBuf: count=4, capacity=1, datatype=DOUBLE",
            "INLINE carries at most 1128 bytes per rank (alltoall: all blocks together): algorithm=INLINE, collective=ALLREDUCE, bytes=1600"};
        final String[] lines = text.split("\n");
        for (int i = 0; i < expected.length; i++)
        {
            assertTrue(lines[i].startsWith(expected[i]), "case " + i + ": " + lines[i]);
        }
    }

    @Test
    void shouldRefuseASecondCommunicatorOnOneHandle() throws Exception
    {
        final List<String> messages = ThreadRanks.run(1, 8L << 20, comm -> assertThrows(IllegalStateException.class,
            () -> new Communicator(comm.smartMap())).getMessage());
        assertTrue(messages.get(0).startsWith("this rank's handle already has a communicator: rank=0"), messages.get(0));
    }

    @Test
    void shouldRejectABufferFromAnotherJob() throws Exception
    {
        try (Segment ignored = Segment.create(dir, "other", 1, 8L << 20);
            SmartMap other = SmartMap.join(new SmartMapOptions().dir(dir).jobId("other").rank(0).size(1)
                .regionSizeBytes(8L << 20)))
        {
            final RegionBuffer foreign = other.allocate(64);
            final List<String> messages = ThreadRanks.run(1, 8L << 20, comm ->
            {
                final RegionBuffer recv = comm.allocate(8, Datatype.DOUBLE);
                return assertThrows(IllegalArgumentException.class,
                    () -> comm.allReduce(foreign, recv, 8, Datatype.DOUBLE, Op.SUM)).getMessage();
            });
            assertTrue(messages.get(0).startsWith("sendBuf is from another job"), messages.get(0));
        }
    }

    enum Disagreement
    {
        KIND(comm -> comm.bcast(buffer(comm), 8, Datatype.DOUBLE, 0)),
        ROOT(comm -> comm.reduce(buffer(comm), buffer(comm), 8, Datatype.DOUBLE, Op.SUM, 1)),
        COUNT(comm -> comm.reduce(buffer(comm), buffer(comm), 7, Datatype.DOUBLE, Op.SUM, 0)),
        DATATYPE(comm -> comm.reduce(buffer(comm), buffer(comm), 8, Datatype.LONG, Op.SUM, 0)),
        OP(comm -> comm.reduce(buffer(comm), buffer(comm), 8, Datatype.DOUBLE, Op.MAX, 0)),
        ALGORITHM(comm -> comm.reduce(buffer(comm), buffer(comm), 8, Datatype.DOUBLE, Op.SUM, 0, Algorithm.TWO_COPY)),
        /** The same reduce on the inline path: found by rank 0's wait, and by rank 1 at its next call. */
        INLINE(comm -> comm.reduce(buffer(comm), buffer(comm), 8, Datatype.DOUBLE, Op.SUM, 0, Algorithm.INLINE)),
        /** Another count that AUTO sends inline while rank 0 asked for the serial single-copy reduce. */
        INLINE_BY_AUTO(comm -> comm.allReduce(buffer(comm), buffer(comm), 4, Datatype.DOUBLE, Op.SUM));

        final Consumer<Communicator> call;

        Disagreement(final Consumer<Communicator> call)
        {
            this.call = call;
        }

        static RegionBuffer buffer(final Communicator comm)
        {
            return comm.allocate(8, Datatype.DOUBLE);
        }
    }

    @ParameterizedTest
    @EnumSource(Disagreement.class)
    void shouldFailOnEveryRankWhenRanksDisagree(final Disagreement disagreement)
    {
        assertEveryRankFailsWithAMismatch(() -> ThreadRanks.run(2, 8L << 20, comm -> failsWithAMismatch(comm, c ->
        {
            if (c.getRank() == 0)
            {
                c.reduce(Disagreement.buffer(c), Disagreement.buffer(c), 8, Datatype.DOUBLE, Op.SUM, 0,
                    Algorithm.SMARTMAP_SERIAL);
            }
            else
            {
                disagreement.call.accept(c);
            }
            c.barrier(); // a rank that read nobody's data finds the mismatch here at the latest
        })));
    }

    /**
     * Two inline reduces whose ranks each think the other is the root: both only publish, so neither
     * reads the other's data; the mismatch is found when a rank next reuses its slot, on every rank.
     */
    @Test
    void shouldFindAnInlineMismatchThatNoRankReadAtItsNextCall()
    {
        assertEveryRankFailsWithAMismatch(() -> ThreadRanks.run(2, 8L << 20, comm -> failsWithAMismatch(comm, c ->
        {
            final int otherRank = 1 - c.getRank();
            c.reduce(Disagreement.buffer(c), Disagreement.buffer(c), 8, Datatype.DOUBLE, Op.SUM, otherRank, Algorithm.INLINE);
            c.allReduce(Disagreement.buffer(c), Disagreement.buffer(c), 8, Datatype.DOUBLE, Op.SUM, Algorithm.INLINE);
        })));
    }

    /**
     * Run one rank's side of a disagreement: it must fail with a mismatch, its own or a peer's abort
     * for one (which keeps the mismatch's reason code), rethrown as "failed as expected".
     *
     * @return never: a rank that does not fail makes the test fail.
     */
    static String failsWithAMismatch(final Communicator comm, final Consumer<Communicator> calls)
    {
        try
        {
            calls.accept(comm);
            return "no failure on rank " + comm.getRank();
        }
        catch (final CollectiveMismatchException | PeerAbortedException failure)
        {
            if (failure instanceof PeerAbortedException)
            {
                assertEquals(ControlBlockDescriptor.ABORT_MISMATCH, ((PeerAbortedException)failure).reasonCode(),
                    failure.getMessage());
            }
            assertTrue(failure.getMessage().contains("mismatch"), failure.getMessage());
            throw new IllegalStateException("rank " + comm.getRank() + " failed as expected", failure);
        }
    }

    /** Every rank of {@code ranks} ran {@link #failsWithAMismatch} and failed as expected. */
    static void assertEveryRankFailsWithAMismatch(final Executable ranks)
    {
        final Exception ex = assertThrows(Exception.class, ranks);
        assertTrue(ex instanceof IllegalStateException && ex.getMessage().endsWith("failed as expected"),
            "every rank failed with a mismatch: " + ex);
    }

    /**
     * A failed collective's scratch (the staged copies of heap arrays) is never given back: a peer
     * may still read or write it, so it must not be handed out again; and the communicator is revoked.
     */
    @Test
    void shouldAbandonTheScratchOfAFailedCollectiveAndRevokeTheCommunicator() throws Exception
    {
        final List<String> results = ThreadRanks.run(2, 8L << 20, comm ->
        {
            final int count = comm.getRank() == 0 ? 1024 : 1023; // disagree: a mismatch after both staged
            final long usedBefore = comm.smartMap().arena().usedBytes();
            assertThrows(RuntimeException.class,
                () -> comm.allReduce(new double[count], new double[count], count, Datatype.DOUBLE, Op.SUM));
            final long abandoned = comm.smartMap().arena().usedBytes() - usedBefore;
            assertTrue(abandoned >= 2L * count * Datatype.DOUBLE.extent(), "scratch kept out of the arena: " + abandoned);
            final IllegalStateException revoked = assertThrows(IllegalStateException.class, comm::barrier);
            assertTrue(revoked.getMessage().startsWith("communicator unusable after a failed collective"), revoked.getMessage());
            assertNotNull(revoked.getCause(), "the first failure is the cause");
            return "ok";
        });
        assertEquals(List.of("ok", "ok"), results);
    }

    /**
     * A call that fails before this rank published anything (its receive buffer cannot be staged
     * after its send buffer was) gives the send buffer's scratch back: no peer can know its address.
     */
    @Test
    void shouldReleaseTheScratchOfACallThatFailedBeforeItWasPublished() throws Exception
    {
        final List<String> results = ThreadRanks.run(1, 8L << 20, comm ->
        {
            final int count = 4096;
            final long bytes = (long)count * Datatype.DOUBLE.extent();
            final io.smartmap.core.Arena arena = comm.smartMap().arena();
            comm.smartMap().allocate((int)(arena.freeBytes() - bytes - 64)); // room for one scratch, not two
            final long usedBefore = arena.usedBytes();
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> comm.allReduce(new double[count], new double[count], count, Datatype.DOUBLE, Op.SUM));
            assertTrue(ex.getMessage().startsWith("arena exhausted"), ex.getMessage());
            assertEquals(usedBefore, arena.usedBytes(), "the send buffer's scratch was given back");
            return "ok";
        });
        assertEquals(List.of("ok"), results);
    }

    /** The split broadcast is a variant the peers must share: ranks configured differently get a mismatch, not a miscount. */
    @Test
    void shouldFailOnEveryRankWhenRanksDisagreeOnTheBroadcastSplit()
    {
        final int count = 16 * 1024; // 128 KiB of doubles: split by default
        assertEveryRankFailsWithAMismatch(() -> ThreadRanks.run(2, 8L << 20,
            rank -> rank == 0 ? new CollectiveConfig() : new CollectiveConfig().bcastSplitMinBytes(Long.MAX_VALUE),
            comm -> failsWithAMismatch(comm,
                c -> c.bcast(c.allocate(count, Datatype.DOUBLE), count, Datatype.DOUBLE, 0, Algorithm.SMARTMAP))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SMARTMAP_THREADED", "SMARTMAP_SERIAL", "TWO_COPY", "INLINE"})
    void shouldGivePeerFailureOnEverySurvivorWhenARankDiesMidCollective(final String algorithm) throws Exception
    {
        final int size = 4;
        final int victim = 1;
        final String job = "victim-" + algorithm.toLowerCase();
        final List<Process> ranks = new ArrayList<>();
        final List<BufferedReader> outputs = new ArrayList<>();
        try (Segment ignored = Segment.create(dir, job, size, 16L << 20))
        {
            for (int r = 0; r < size; r++)
            {
                final Process process = Jvm.startRank(dir, job, r, size, 16L << 20,
                    Jvm.command(CollectiveVictimRank.class, Integer.toString(victim), algorithm));
                ranks.add(process);
                outputs.add(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
            }
            for (int r = 0; r < size; r++)
            {
                assertEquals("ready", Jvm.awaitLine(outputs.get(r), "ready"), "rank " + r);
            }
            Thread.sleep(200);
            ranks.get(victim).destroyForcibly();
            for (int r = 0; r < size; r++)
            {
                if (r != victim)
                {
                    assertTrue(ranks.get(r).waitFor(2, TimeUnit.SECONDS), "rank " + r + " still blocked 2 s after the kill");
                    final String line = Jvm.awaitLine(outputs.get(r), "failed: ");
                    assertEquals(3, ranks.get(r).exitValue(), "rank " + r + ": " + line);
                    assertTrue(line.startsWith("failed: Peer") && line.contains("rank " + victim), line);
                }
            }
        }
        finally
        {
            ranks.forEach(Process::destroyForcibly);
        }
    }
}
