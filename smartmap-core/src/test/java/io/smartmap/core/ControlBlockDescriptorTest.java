package io.smartmap.core;

import org.junit.jupiter.api.Test;

import static io.smartmap.core.ControlBlockDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

class ControlBlockDescriptorTest
{
    @Test
    void shouldKeepFieldsWrittenByDifferentRanks128BytesApart()
    {
        final int[] sections = {SEQUENCE_OFFSET, STATE_OFFSET, TURN_OFFSET, FINISHED_OFFSET, PUBLISHED_OFFSET};
        for (int i = 0; i < sections.length; i++)
        {
            assertEquals(0, sections[i] % LINE_PAIR_BYTES, "section " + i + " aligned");
            if (i > 0)
            {
                assertTrue(sections[i] - sections[i - 1] >= LINE_PAIR_BYTES, "section " + i + " apart");
            }
        }
        assertTrue(ALGORITHM_OFFSET + Integer.BYTES <= STATE_OFFSET);
        assertTrue(REASON_OFFSET + MAX_REASON_BYTES <= TURN_OFFSET);
        assertTrue(multicastAckedOffset(MAX_RANKS - 1) + Long.BYTES <= CONTROL_BLOCK_LENGTH);
        assertEquals(0, RegionDescriptor.FRAGMENT_AREA_OFFSET % 4096);
    }
}
