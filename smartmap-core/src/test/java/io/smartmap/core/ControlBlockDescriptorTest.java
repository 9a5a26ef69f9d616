package io.smartmap.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static io.smartmap.core.ControlBlockDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

class ControlBlockDescriptorTest
{
    /** A section of the block: its own line pairs, one kind of writer. */
    private static final class Section
    {
        final String name;
        final int offset;
        final int length;

        Section(final String name, final int offset, final int length)
        {
            this.name = name;
            this.offset = offset;
            this.length = length;
        }

        int end()
        {
            return offset + length;
        }

        @Override
        public String toString()
        {
            return name + "[" + offset + ", " + end() + ")";
        }
    }

    private static List<Section> sections()
    {
        final List<Section> sections = new ArrayList<>();
        sections.add(new Section("descriptor", SEQUENCE_OFFSET, STAGED_OFFSET + Long.BYTES - SEQUENCE_OFFSET));
        sections.add(new Section("state", STATE_OFFSET, REASON_OFFSET + MAX_REASON_BYTES - STATE_OFFSET));
        sections.add(new Section("turn", TURN_OFFSET, Long.BYTES));
        sections.add(new Section("finished", FINISHED_OFFSET, Long.BYTES));
        sections.add(new Section("beats", BEATS_OFFSET, Long.BYTES));
        for (int round = 0; round < BARRIER_ROUNDS; round++)
        {
            sections.add(new Section("barrier round " + round, barrierRoundOffset(round), Long.BYTES));
        }
        for (int slot = 0; slot < INLINE_SLOTS; slot++)
        {
            sections.add(new Section("inline slot " + slot, inlineSlotOffset(slot), INLINE_SLOT_BYTES));
        }
        sections.add(new Section("published", PUBLISHED_OFFSET, MAX_RANKS * Long.BYTES));
        sections.add(new Section("acked", ACKED_OFFSET, MAX_RANKS * Long.BYTES));
        sections.add(new Section("multicast acked", MULTICAST_ACKED_OFFSET, MAX_RANKS * Long.BYTES));
        sections.sort(Comparator.comparingInt(s -> s.offset));
        return sections;
    }

    @Test
    void shouldKeepFieldsWrittenByDifferentRanks128BytesApart()
    {
        final List<Section> sections = sections();
        for (int i = 0; i < sections.size(); i++)
        {
            final Section section = sections.get(i);
            assertEquals(0, section.offset % LINE_PAIR_BYTES, section + " starts a line pair");
            if (i > 0)
            {
                final Section previous = sections.get(i - 1);
                // no two sections share a line pair: the next starts at or after the previous one's last line pair
                assertTrue(section.offset >= align(previous.end(), LINE_PAIR_BYTES), previous + " and " + section);
            }
        }
        assertTrue(ALGORITHM_OFFSET + Integer.BYTES <= STAGED_OFFSET);
        assertEquals(0, STAGED_OFFSET % Long.BYTES);
        assertEquals(0, sections.get(0).offset, "the sequence and descriptor come first");
        assertEquals("descriptor", sections.get(0).name);
    }

    @Test
    void shouldFitEveryFieldForMaxRanksInWholePages()
    {
        assertEquals(1024, MAX_RANKS);
        assertEquals(10, BARRIER_ROUNDS, "ceil(log2(MAX_RANKS))");
        assertTrue(1 << BARRIER_ROUNDS >= MAX_RANKS);
        final List<Section> sections = sections();
        assertTrue(sections.get(sections.size() - 1).end() <= CONTROL_BLOCK_LENGTH, sections.toString());
        assertEquals(MULTICAST_ACKED_OFFSET + MAX_RANKS * Long.BYTES, sections.get(sections.size() - 1).end());
        assertEquals(0, CONTROL_BLOCK_LENGTH % 4096);
        assertEquals(CONTROL_BLOCK_LENGTH, RegionDescriptor.FRAGMENT_AREA_OFFSET);
        assertEquals(0, RegionDescriptor.FRAGMENT_AREA_OFFSET % 4096);
    }

    @Test
    void shouldKeepLongCountersAlignedForAtomics()
    {
        final int[] longs = {SEQUENCE_OFFSET, DESCRIPTOR_SEQUENCE_OFFSET, CONTEXT_OFFSET, STAGED_OFFSET, PID_OFFSET,
            TURN_OFFSET, FINISHED_OFFSET, BEATS_OFFSET, barrierRoundOffset(BARRIER_ROUNDS - 1),
            publishedOffset(MAX_RANKS - 1), ackedOffset(MAX_RANKS - 1), multicastAckedOffset(MAX_RANKS - 1),
            inlineSequenceOffset(0), inlineSequenceOffset(1)};
        for (final int offset : longs)
        {
            assertEquals(0, offset % Long.BYTES, "offset " + offset);
        }
        assertEquals(inlineSlotOffset(0), inlineSequenceOffset(2), "slot = sequence & 1");
        assertEquals(inlineSlotOffset(1), inlineSequenceOffset(3));
        assertTrue(INLINE_DATA_OFFSET + INLINE_PAYLOAD_BYTES == INLINE_SLOT_BYTES);
    }
}
