package io.smartmap.mpi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The release-17 entry to the binding to the system MPI library: which JDK it needs, which library
 * names it searches, and the system property that overrides the search. The binding itself,
 * {@code MpiLibrary} and its two ABI classes, calls the library through {@code java.lang.foreign}
 * (final from JDK 22) and lives in {@code META-INF/versions/22} of this multi-release jar, built
 * when the jar is built on JDK 22+; {@code MpiLibrary.load()} starts with
 * {@link #requireSupportedJdk()}, and release-17 code (e.g. a launcher deciding whether it can
 * join an MPI job) asks here first, so JDK 17-21 get one clear exception instead of a
 * {@code NoClassDefFoundError}.
 * <p>
 * Install the libraries (Debian/Ubuntu): {@code apt-get install -y openmpi-bin libopenmpi3 mpich libmpich12};
 * the rank JVM needs {@code --enable-native-access=ALL-UNNAMED}.
 */
public final class Mpi
{
    /** System property: a library path (contains '/') or a name for {@code dlopen}; searched alone when set. */
    public static final String LIBRARY_PROPERTY = "smartmap.mpi.library";
    /** The first JDK feature release whose {@code java.lang.foreign} is final. */
    public static final int MIN_JDK = 22;
    /** Open MPI's library (4.x and 5.x share the soname). */
    public static final String OPEN_MPI_LIBRARY = "libmpi.so.40";
    /** The MPICH family's libraries: MPICH itself, and {@code libmpi.so.12} of Intel MPI and other MPICH ABI builds. */
    public static final List<String> MPICH_LIBRARIES = List.of("libmpich.so.12", "libmpi.so.12");

    private Mpi()
    {
    }

    /** @return whether this JVM can run the binding (JDK {@value #MIN_JDK}+). */
    public static boolean isSupportedJdk()
    {
        return Runtime.version().feature() >= MIN_JDK;
    }

    /**
     * @throws MpiUnavailableException on JDK 17-21, naming the JDK needed and the one running.
     */
    public static void requireSupportedJdk()
    {
        if (!isSupportedJdk())
        {
            throw new MpiUnavailableException("the MPI binding needs JDK " + MIN_JDK + "+ (java.lang.foreign): " +
                "running JDK " + Runtime.version().feature() + " (java.version=" + System.getProperty("java.version") +
                ", java.home=" + System.getProperty("java.home") + ")");
        }
    }

    /**
     * The library names to try in order, when {@link #LIBRARY_PROPERTY} is not set: all of them, the
     * family whose launcher started this process first. Open MPI's {@code mpirun} sets
     * {@code OMPI_COMM_WORLD_SIZE}; MPICH's Hydra sets {@code PMI_SIZE} (and {@code PMI_RANK}).
     * With both libraries installed, loading the other family's library under one's {@code mpirun}
     * makes every rank a singleton job, so the hint matters; the ABI is still decided by the symbols
     * the library exports, never by the name.
     *
     * @param environment the process environment ({@code System.getenv()}).
     * @return names for {@code dlopen}.
     */
    public static List<String> libraryCandidates(final Map<String, String> environment)
    {
        final List<String> names = new ArrayList<>();
        final boolean hydra = environment.get("OMPI_COMM_WORLD_SIZE") == null && environment.get("PMI_SIZE") != null;
        if (hydra)
        {
            names.addAll(MPICH_LIBRARIES);
            names.add(OPEN_MPI_LIBRARY);
        }
        else
        {
            names.add(OPEN_MPI_LIBRARY);
            names.addAll(MPICH_LIBRARIES);
        }
        return List.copyOf(names);
    }
}
