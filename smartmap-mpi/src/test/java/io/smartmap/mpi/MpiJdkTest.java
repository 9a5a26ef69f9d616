package io.smartmap.mpi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The release-17 entry: on JDK 17-21 one clear exception, on 22+ none (runs in every build). */
class MpiJdkTest
{
    @Test
    void shouldNameTheJdkNeededAndTheOneRunningBelow22()
    {
        final int feature = Runtime.version().feature();
        if (feature >= Mpi.MIN_JDK)
        {
            assertTrue(Mpi.isSupportedJdk());
            assertDoesNotThrow(Mpi::requireSupportedJdk);
            return;
        }
        assertFalse(Mpi.isSupportedJdk());
        final MpiUnavailableException ex = assertThrows(MpiUnavailableException.class, Mpi::requireSupportedJdk);
        assertTrue(ex.getMessage().contains("needs JDK 22+"), ex.getMessage());
        assertTrue(ex.getMessage().contains("running JDK " + feature), ex.getMessage());
    }
}
