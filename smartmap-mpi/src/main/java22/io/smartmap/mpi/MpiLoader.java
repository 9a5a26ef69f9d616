package io.smartmap.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the MPI library, opens it for the life of the JVM and picks the ABI class by what it exports:
 * {@value OpenMpiLibrary#MARKER} is Open MPI; {@code MPI_Init_thread} without it is the MPICH family;
 * {@code MPI_Abi_get_version} (the MPI-5 standard ABI) is refused, its handles are neither.
 */
final class MpiLoader
{
    private MpiLoader()
    {
    }

    static MpiLibrary load()
    {
        Mpi.requireSupportedJdk();
        final String property = System.getProperty(Mpi.LIBRARY_PROPERTY);
        if (property != null && !property.isBlank())
        {
            return load(property.trim());
        }
        return load(Mpi.libraryCandidates(System.getenv()));
    }

    static MpiLibrary load(final String library)
    {
        Mpi.requireSupportedJdk();
        return load(List.of(library));
    }

    /** Try each name in turn; the first that opens decides (a wrong ABI is an error, not a reason to go on). */
    static MpiLibrary load(final List<String> candidates)
    {
        if (ValueLayout.ADDRESS.byteSize() != 8)
        {
            throw new MpiUnavailableException("the MPI binding needs a 64-bit JVM: address bytes=" +
                ValueLayout.ADDRESS.byteSize());
        }
        // before dlopen: UCX reads its settings when it is loaded, and libmpich loads it
        final List<String> environmentSet = FabricEnvironment.prepare();
        final Map<String, MemorySegment> jvmSignals = SignalGuard.snapshot();
        final List<String> failures = new ArrayList<>();
        for (final String candidate : candidates)
        {
            final SymbolLookup lookup;
            try
            {
                lookup = candidate.contains("/") ?
                    SymbolLookup.libraryLookup(Path.of(candidate), Arena.global()) :
                    SymbolLookup.libraryLookup(candidate, Arena.global());
            }
            catch (final IllegalArgumentException ex)
            {
                failures.add(candidate + " (" + ex.getMessage() + ")");
                continue;
            }
            final FfmMpiLibrary library = open(candidate, lookup, environmentSet, jvmSignals);
            library.checkSignals("dlopen " + candidate);
            return library;
        }
        throw new MpiUnavailableException("no MPI library found: searched " + String.join(", ", failures) +
            " (dlopen: LD_LIBRARY_PATH and the system library path); install Open MPI or MPICH " +
            "(apt-get install -y openmpi-bin libopenmpi3 mpich libmpich12) or set -D" + Mpi.LIBRARY_PROPERTY +
            "=PATH to the library's path");
    }

    private static FfmMpiLibrary open(final String candidate, final SymbolLookup lookup,
        final List<String> environmentSet, final Map<String, MemorySegment> jvmSignals)
    {
        if (lookup.find(OpenMpiLibrary.MARKER).isPresent())
        {
            return new OpenMpiLibrary(candidate, lookup, environmentSet, jvmSignals);
        }
        if (lookup.find("MPI_Abi_get_version").isPresent())
        {
            throw new MpiUnavailableException("the MPI-5 standard ABI is not supported (only the Open MPI and MPICH ABIs): " +
                "library=" + candidate + "; set -D" + Mpi.LIBRARY_PROPERTY + "= to an Open MPI or MPICH library");
        }
        if (lookup.find("MPI_Init_thread").isPresent())
        {
            return new MpichLibrary(candidate, lookup, environmentSet, jvmSignals);
        }
        throw new MpiUnavailableException("not an MPI library: it exports neither " + OpenMpiLibrary.MARKER +
            " (Open MPI) nor MPI_Init_thread (MPICH family): library=" + candidate + "; set -D" + Mpi.LIBRARY_PROPERTY +
            "=PATH to the MPI library");
    }
}
