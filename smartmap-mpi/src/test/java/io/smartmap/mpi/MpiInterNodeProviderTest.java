package io.smartmap.mpi;

import io.smartmap.collectives.InterNodeProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The ServiceLoader registration that {@code Communicator.world()} relies on under an MPI launcher. */
class MpiInterNodeProviderTest
{
    @Test
    void shouldBeFoundByTheServiceLoaderOnEveryJdk()
    {
        final List<Class<?>> providers = ServiceLoader.load(InterNodeProvider.class).stream()
            .map(ServiceLoader.Provider::type).collect(Collectors.toList());
        assertEquals(List.of(MpiInterNodeProvider.class), providers);
    }

    @Test
    void shouldNameTheJdkNeededBelowJdk22()
    {
        assumeFalse(Mpi.isSupportedJdk(), "JDK 22+: the binding would load the MPI library");
        final MpiUnavailableException ex = assertThrows(MpiUnavailableException.class, () -> new MpiInterNodeProvider().join());
        assertTrue(ex.getMessage().contains("needs JDK 22+"), ex.getMessage());
    }
}
