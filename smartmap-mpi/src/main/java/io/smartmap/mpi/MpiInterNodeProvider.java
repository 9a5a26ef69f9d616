package io.smartmap.mpi;

import io.smartmap.collectives.InterNode;
import io.smartmap.collectives.InterNodeProvider;

import java.lang.reflect.InvocationTargetException;

/**
 * The {@link InterNodeProvider} that {@code META-INF/services} names: a release-17 class, so that the
 * {@link java.util.ServiceLoader} finds it on every JDK. On JDK 17-21 {@link #join()} throws the
 * binding's {@link MpiUnavailableException} naming the JDK needed; on JDK 22+ it reflects into
 * {@code MpiInterNode} (JDK 22 classes: {@code META-INF/versions/22} of the multi-release jar).
 */
public final class MpiInterNodeProvider implements InterNodeProvider
{
    static final String IMPLEMENTATION = "io.smartmap.mpi.MpiInterNode";

    @Override
    public InterNode join()
    {
        Mpi.requireSupportedJdk();
        try
        {
            return (InterNode)Class.forName(IMPLEMENTATION).getDeclaredMethod("join").invoke(null);
        }
        catch (final InvocationTargetException ex)
        {
            if (ex.getCause() instanceof RuntimeException)
            {
                throw (RuntimeException)ex.getCause();
            }
            if (ex.getCause() instanceof Error)
            {
                throw (Error)ex.getCause();
            }
            throw new IllegalStateException("cannot join the MPI job: " + ex.getCause(), ex.getCause());
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new MpiUnavailableException("the MPI binding's JDK 22 classes are missing (a smartmap-mpi jar built " +
                "on JDK 17-21 has none): class=" + IMPLEMENTATION + ", " + ex, ex);
        }
    }
}
