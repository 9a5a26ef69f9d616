package io.smartmap.collectives;

/**
 * The {@link java.util.ServiceLoader} service by which {@link Communicator#world()} finds the
 * inter-node side when an MPI launcher started the process ({@link InterNode#launchedByMpi}):
 * {@code smartmap-mpi} registers one in {@code META-INF/services/io.smartmap.collectives.InterNodeProvider}.
 */
public interface InterNodeProvider
{
    /**
     * Initialise the inter-node side (MPI), group the ranks into nodes, create or attach this rank's
     * node segment. Collective over the MPI world.
     *
     * @return this rank's inter-node side, its node handle open.
     * @throws IllegalStateException (or a subclass naming the cause) if the MPI library or the JDK is unusable.
     */
    InterNode join();
}
