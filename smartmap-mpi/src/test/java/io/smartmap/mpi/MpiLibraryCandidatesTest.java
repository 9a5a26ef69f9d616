package io.smartmap.mpi;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The library search order follows the launcher that started the process. */
class MpiLibraryCandidatesTest
{
    @Test
    void shouldTryOpenMpiFirstOutsideHydra()
    {
        assertEquals(List.of("libmpi.so.40", "libmpich.so.12", "libmpi.so.12"), Mpi.libraryCandidates(Map.of()));
        assertEquals(List.of("libmpi.so.40", "libmpich.so.12", "libmpi.so.12"),
            Mpi.libraryCandidates(Map.of("OMPI_COMM_WORLD_SIZE", "4", "PMI_SIZE", "4")));
    }

    @Test
    void shouldTryTheMpichFamilyFirstUnderHydra()
    {
        assertEquals(List.of("libmpich.so.12", "libmpi.so.12", "libmpi.so.40"),
            Mpi.libraryCandidates(Map.of("PMI_SIZE", "4", "PMI_RANK", "0")));
    }
}
