package io.smartmap.collectives;

import io.smartmap.core.CollectiveKind;
import io.smartmap.core.ControlBlockDescriptor;
import org.junit.jupiter.api.Test;

import static io.smartmap.collectives.Algorithm.*;
import static io.smartmap.core.CollectiveKind.*;
import static org.junit.jupiter.api.Assertions.*;

/** The selection table: AUTO's rules, per-collective overrides, and the algorithms refused where they do not apply. */
class SelectionTest
{
    private final CollectiveConfig config = new CollectiveConfig();

    private Algorithm select(final int size, final int cores, final CollectiveKind kind, final Algorithm requested,
        final long bytes, final Op op)
    {
        return new Selection(config, size, cores).select(kind, requested, bytes, op);
    }

    @Test
    void shouldSendSmallPayloadsInlineAndLargeOnesBySingleOrTwoCopy()
    {
        final long slot = ControlBlockDescriptor.INLINE_PAYLOAD_BYTES;
        for (final CollectiveKind kind : new CollectiveKind[] {BCAST, ALLGATHER})
        {
            final long inlineMax = config.inlineMaxBytes(kind);
            assertTrue(inlineMax <= slot, kind.name());
            assertEquals(INLINE, select(2, 2, kind, AUTO, 8, null), kind.name());
            assertEquals(INLINE, select(2, 2, kind, AUTO, inlineMax, null), kind.name());
            assertEquals(SMARTMAP, select(2, 2, kind, AUTO, inlineMax + 8, null), kind.name());
            assertEquals(INLINE, select(2, 2, kind, INLINE, slot, null), kind.name()); // asked for: up to a full slot
        }
        assertEquals(INLINE, select(2, 2, ALLREDUCE, AUTO, 8, Op.SUM));
        assertEquals(SMARTMAP_THREADED, select(2, 2, ALLREDUCE, AUTO, 2048, Op.SUM));
        assertEquals(TWO_COPY, select(2, 2, REDUCE, AUTO, slot + 8, Op.SUM)); // below the reduce's single-copy threshold
        // alltoall carries all of a rank's blocks in its slot
        final long allToAllMax = config.inlineMaxBytes(ALLTOALL);
        assertEquals(INLINE, select(4, 4, ALLTOALL, AUTO, allToAllMax / 4, null));
        assertEquals(SMARTMAP, select(4, 4, ALLTOALL, AUTO, allToAllMax / 4 + 8, null));
        assertEquals(INLINE, select(2, 2, BARRIER, AUTO, 0, null));
    }

    @Test
    void shouldLeaveTheInlinePathAboveItsRankLimitAndWhereConfiguredOff()
    {
        final int many = config.inlineMaxRanks() + 1;
        assertEquals(SMARTMAP, select(many, many, BARRIER, AUTO, 0, null));
        assertEquals(TWO_COPY, select(many, many, ALLREDUCE, AUTO, 8, Op.SUM));
        config.inlineMaxBytes(ALLREDUCE, 0);
        assertEquals(TWO_COPY, select(2, 2, ALLREDUCE, AUTO, 8, Op.SUM));
        assertEquals(INLINE, select(2, 2, REDUCE, AUTO, 8, Op.SUM)); // other collectives keep their rule
        config.inlineMaxBytes(ALLREDUCE, 64);
        assertEquals(INLINE, select(2, 2, ALLREDUCE, AUTO, 64, Op.SUM));
        assertEquals(TWO_COPY, select(2, 2, ALLREDUCE, AUTO, 72, Op.SUM));
    }

    @Test
    void shouldUseTheOversubscribedInlineThresholdsWhenRanksOutnumberCores()
    {
        final long slot = ControlBlockDescriptor.INLINE_PAYLOAD_BYTES;
        final long dedicatedMax = config.inlineMaxBytes(ALLREDUCE);
        assertTrue(dedicatedMax < slot);
        assertEquals(SMARTMAP_THREADED, select(4, 4, ALLREDUCE, AUTO, 1024, Op.SUM));
        assertEquals(INLINE, select(4, 2, ALLREDUCE, AUTO, 1024, Op.SUM)); // a full slot when oversubscribed
        assertEquals(INLINE, select(4, 2, ALLGATHER, AUTO, 1024, null));
        assertEquals(SMARTMAP, select(4, 4, ALLGATHER, AUTO, 1024, null));
        final long bcastMax = config.oversubscribedInlineMaxBytes(BCAST);
        assertEquals(INLINE, select(4, 2, BCAST, AUTO, bcastMax, null));
        assertEquals(SMARTMAP, select(4, 2, BCAST, AUTO, bcastMax + 8, null)); // single copy from any size there
        assertEquals(INLINE, select(4, 4, BCAST, AUTO, bcastMax + 8, null)); // dedicated cores: its own threshold
        config.oversubscribedBcastSingleCopyMinBytes(4096);
        assertEquals(TWO_COPY, select(4, 2, BCAST, AUTO, bcastMax + 8, null));
        config.oversubscribedInlineMaxBytes(ALLREDUCE, 0);
        assertEquals(TWO_COPY, select(4, 2, ALLREDUCE, AUTO, 8, Op.SUM));
    }

    @Test
    void shouldLetOneCollectiveOverrideTheTable()
    {
        config.autoAlgorithm(BCAST, TWO_COPY);
        assertEquals(TWO_COPY, select(2, 2, BCAST, AUTO, 8, null));
        assertEquals(INLINE, select(2, 2, BCAST, INLINE, 8, null)); // an explicit request still wins
        assertEquals(INLINE, select(2, 2, ALLGATHER, AUTO, 8, null));
        config.autoAlgorithm(REDUCE, SMARTMAP);
        assertEquals(SMARTMAP_SERIAL, select(2, 2, REDUCE, AUTO, 8, Op.SUM)); // SMARTMAP still resolves serial/threaded
        config.autoAlgorithm(BCAST, AUTO);
        assertEquals(INLINE, select(2, 2, BCAST, AUTO, 8, null));
    }

    @Test
    void shouldKeepThePapersReductionRuleAndTheOversubscribedReduceThreshold()
    {
        assertEquals(SMARTMAP_SERIAL, select(2, 2, ALLREDUCE, SMARTMAP, 512, Op.SUM));
        assertEquals(SMARTMAP_THREADED, select(2, 2, ALLREDUCE, SMARTMAP, 1024, Op.SUM));
        assertEquals(SMARTMAP_SERIAL, select(2, 2, REDUCE, SMARTMAP, 1 << 20, Op.MINLOC));
        config.inlineMaxRanks(0);
        assertEquals(SMARTMAP_THREADED, select(2, 2, REDUCE, AUTO, config.reduceSingleCopyMinBytes(), Op.SUM));
        assertEquals(TWO_COPY, select(4, 2, REDUCE, AUTO, config.reduceSingleCopyMinBytes(), Op.SUM));
    }

    @Test
    void shouldChooseGatherScatterAndTheVectorVariantsByTheirSingleCopyThresholds()
    {
        assertEquals(SMARTMAP, select(2, 2, GATHER, AUTO, 8, null)); // single copy at every size
        config.gatherSingleCopyMinBytes(64);
        assertEquals(TWO_COPY, select(2, 2, GATHER, AUTO, 8, null));
        final long scatterMin = config.scatterSingleCopyMinBytes();
        assertEquals(TWO_COPY, select(2, 2, SCATTER, AUTO, scatterMin - 8, null));
        assertEquals(SMARTMAP, select(2, 2, SCATTER, AUTO, scatterMin, null));
        final long allGathervMin = config.allGathervSingleCopyMinBytes();
        assertEquals(TWO_COPY, select(4, 4, ALLGATHERV, AUTO, allGathervMin - 8, null));
        assertEquals(SMARTMAP, select(4, 4, ALLGATHERV, AUTO, allGathervMin, null));
        for (final CollectiveKind kind : new CollectiveKind[] {GATHERV, SCATTERV, ALLTOALLV})
        {
            // no size every rank knows: the communicator passes 0, and single copy is the rule
            assertEquals(SMARTMAP, select(2, 2, kind, AUTO, 0, null), kind.name());
            assertEquals(TWO_COPY, select(2, 2, kind, TWO_COPY, 0, null), kind.name());
        }
        config.autoAlgorithm(GATHERV, TWO_COPY);
        assertEquals(TWO_COPY, select(2, 2, GATHERV, AUTO, 0, null));
        for (final CollectiveKind kind : new CollectiveKind[] {GATHER, SCATTER, GATHERV, SCATTERV, ALLGATHERV, ALLTOALLV})
        {
            final IllegalArgumentException inline = assertThrows(IllegalArgumentException.class,
                () -> select(2, 2, kind, INLINE, 8, null));
            assertTrue(inline.getMessage().startsWith("algorithm does not apply to " + kind + ": algorithm=INLINE"),
                inline.getMessage());
        }
    }

    @Test
    void shouldRefuseAlgorithmsThatDoNotApply()
    {
        final IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
            () -> select(2, 2, ALLTOALL, INLINE, ControlBlockDescriptor.INLINE_PAYLOAD_BYTES / 2 + 8, null));
        assertTrue(tooLarge.getMessage().startsWith("INLINE carries at most"), tooLarge.getMessage());
        final IllegalArgumentException serial = assertThrows(IllegalArgumentException.class,
            () -> select(2, 2, BCAST, SMARTMAP_SERIAL, 8, null));
        assertTrue(serial.getMessage().startsWith("algorithm does not apply to BCAST"), serial.getMessage());
        assertEquals(SMARTMAP, select(2, 2, BARRIER, TWO_COPY, 0, null)); // no data: the control-line barrier
    }

    /** Reduce-scatter and the scans: two copy below their single-copy thresholds, single copy from there, never inline. */
    @Test
    void shouldRunReduceScatterAndScansBySingleCopyFromTheirThresholds()
    {
        for (final CollectiveKind kind : new CollectiveKind[] {REDUCE_SCATTER_BLOCK, REDUCE_SCATTER, SCAN, EXSCAN})
        {
            final boolean scan = kind == SCAN || kind == EXSCAN;
            final long min = scan ? config.scanSingleCopyMinBytes() : config.reduceScatterSingleCopyMinBytes();
            assertEquals(TWO_COPY, select(2, 2, kind, AUTO, 8, Op.SUM), kind.name()); // no inline path
            assertEquals(TWO_COPY, select(2, 2, kind, AUTO, min - 8, Op.SUM), kind.name());
            assertEquals(SMARTMAP, select(2, 2, kind, AUTO, min, Op.MINLOC), kind.name());
            assertEquals(SMARTMAP, select(2, 2, kind, SMARTMAP, 8, Op.SUM), kind.name()); // no serial/threaded split
            assertThrows(IllegalArgumentException.class, () -> select(2, 2, kind, INLINE, 8, Op.SUM), kind.name());
            assertThrows(IllegalArgumentException.class, () -> select(2, 2, kind, SMARTMAP_THREADED, 8, Op.SUM), kind.name());
        }
        config.reduceScatterSingleCopyMinBytes(64).scanSingleCopyMinBytes(128);
        assertEquals(SMARTMAP, select(2, 2, REDUCE_SCATTER, AUTO, 64, Op.SUM));
        assertEquals(TWO_COPY, select(2, 2, EXSCAN, AUTO, 64, Op.SUM));
        config.autoAlgorithm(SCAN, TWO_COPY);
        assertEquals(TWO_COPY, select(2, 2, SCAN, AUTO, 1 << 20, Op.SUM));
    }
}
