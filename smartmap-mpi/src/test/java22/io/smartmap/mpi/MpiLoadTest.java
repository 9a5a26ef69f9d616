package io.smartmap.mpi;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finding and opening the library, in this JVM (no mpirun, no MPI_Init). */
class MpiLoadTest
{
    @Test
    void shouldNameWhatWasSearchedAndThePropertyWhenNoLibraryIsFound()
    {
        final MpiUnavailableException ex = assertThrows(MpiUnavailableException.class,
            () -> MpiLoader.load(List.of("libsmartmap-no-mpi.so.40", "/nonexistent/libmpich.so.12")));
        assertTrue(ex.getMessage().startsWith("no MPI library found: searched libsmartmap-no-mpi.so.40"), ex.getMessage());
        assertTrue(ex.getMessage().contains("/nonexistent/libmpich.so.12"), ex.getMessage());
        assertTrue(ex.getMessage().contains("-Dsmartmap.mpi.library=PATH"), ex.getMessage());
        assertTrue(ex.getMessage().contains("apt-get install"), ex.getMessage());
    }

    @Test
    void shouldSearchOnlyThePropertysLibraryWhenSet()
    {
        final String before = System.getProperty(Mpi.LIBRARY_PROPERTY);
        System.setProperty(Mpi.LIBRARY_PROPERTY, "/nonexistent/libmpi.so.40");
        try
        {
            final MpiUnavailableException ex = assertThrows(MpiUnavailableException.class, MpiLibrary::load);
            assertTrue(ex.getMessage().startsWith("no MPI library found: searched /nonexistent/libmpi.so.40 ("),
                ex.getMessage());
        }
        finally
        {
            if (before == null)
            {
                System.clearProperty(Mpi.LIBRARY_PROPERTY);
            }
            else
            {
                System.setProperty(Mpi.LIBRARY_PROPERTY, before);
            }
        }
    }

    @Test
    void shouldRefuseALibraryThatIsNotMpi()
    {
        final MpiUnavailableException ex = assertThrows(MpiUnavailableException.class, () -> MpiLibrary.load("libc.so.6"));
        assertTrue(ex.getMessage().startsWith("not an MPI library"), ex.getMessage());
        assertTrue(ex.getMessage().contains("library=libc.so.6"), ex.getMessage());
    }

    @Test
    void shouldTellTheAbiByItsSymbolsAndRefuseCallsBeforeInit()
    {
        // both libraries are installed where these tests run (see the module README); opened, never initialised
        final MpiLibrary openMpi = MpiLibrary.load(Mpi.OPEN_MPI_LIBRARY);
        assertEquals("Open MPI", openMpi.abi());
        final MpiLibrary mpich = MpiLibrary.load("libmpich.so.12");
        assertEquals("MPICH", mpich.abi());
        for (final MpiLibrary mpi : List.of(openMpi, mpich))
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class, mpi::world);
            assertTrue(ex.getMessage().startsWith("MPI is not initialised (call initThread first)"), ex.getMessage());
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment buffer = arena.allocate(8);
                assertThrows(IllegalStateException.class,
                    () -> mpi.allReduce(buffer, buffer, 1, MpiDatatype.INT, MpiOp.SUM, null));
            }
        }
        // the binding keeps fabric libraries off the JVM's signals and libc's code: set before the first dlopen unless set
        assertTrue(Libc.getenv(FabricEnvironment.UCX_ERROR_SIGNALS) != null);
        assertTrue(Libc.getenv(FabricEnvironment.UCX_MEM_MMAP_HOOK_MODE) != null);
        assertTrue(Libc.getenv(FabricEnvironment.OMPI_MCA_MEMORY) != null);
    }
}
