package io.smartmap.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ArenaTest
{
    @TempDir
    Path dir;
    private Segment segment;
    private Arena arena;

    @BeforeEach
    void setUp()
    {
        segment = Segment.create(dir, "arena", 2, RegionDescriptor.minRegionBytes(2));
        arena = new Arena(segment, 1);
    }

    @AfterEach
    void tearDown()
    {
        segment.close();
    }

    @Test
    void shouldAllocateAlignedBuffersThatKnowTheirAddress()
    {
        final RegionBuffer a = arena.allocate(3);
        final RegionBuffer b = arena.allocate(100);
        assertEquals(0, a.memoryAddress() % 64);
        assertEquals(0, b.memoryAddress() % 64);
        assertEquals(a.regionOffset() + 64, b.regionOffset());
        assertEquals(1, Address.rank(b.address(), segment.strideShift()));
        assertEquals(segment.memoryAddress(b.address()), b.memoryAddress());

        b.putDouble(3, Math.PI);
        assertEquals(Math.PI, b.asDoubleBuffer().get(3));
        assertEquals(Math.PI, segment.region(1).getDouble(b.regionOffset() + 24));
        b.putInt(1, -7);
        assertEquals(-7, b.asIntBuffer().get(1));
        b.putLong(5, Long.MIN_VALUE);
        assertEquals(Long.MIN_VALUE, b.asLongBuffer().get(5));
        b.putFloat(0, 1.5f);
        assertEquals(1.5f, b.asFloatBuffer().get(0));
    }

    @Test
    void shouldFailExhaustionWithRequestedAndFreeBytes()
    {
        final long free = arena.freeBytes();
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> arena.allocate((int)free + 1));
        assertTrue(ex.getMessage().startsWith("arena exhausted: requested=" + (free + 1) + " bytes, free=" + free),
            ex.getMessage());
        assertEquals(free, arena.freeBytes());
    }

    @Test
    void shouldReclaimReleasedBuffersInStackOrderAndOnReset()
    {
        final long free = arena.freeBytes();
        final RegionBuffer a = arena.allocate(1000);
        final RegionBuffer b = arena.allocate(1000);
        arena.release(a);
        assertEquals(free - 2048, arena.freeBytes(), "a is below b: reclaimed with b");
        arena.release(b);
        assertEquals(free, arena.freeBytes());

        arena.allocate(64);
        final RegionBuffer c = arena.allocate(64);
        arena.reset();
        assertEquals(free, arena.freeBytes());
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> arena.release(c));
        assertTrue(ex.getMessage().startsWith("buffer already released"), ex.getMessage());
    }

    @Test
    void shouldRejectForeignOrNegativeBuffers()
    {
        final RegionBuffer other = new Arena(segment, 0).allocate(8);
        final IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> arena.release(other));
        assertTrue(foreign.getMessage().startsWith("buffer not from this arena"), foreign.getMessage());
        final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1));
        assertTrue(negative.getMessage().contains("bytes=-1"), negative.getMessage());
    }
}
