package io.smartmap.mpi;

import java.lang.reflect.InvocationTargetException;

/**
 * The MPI library's own collectives on {@code MPI_COMM_WORLD}, for release-17 callers: the baseline that
 * {@code bin/smartmap-bench --mpi} measures the hierarchical world against, in the same process and the same
 * run. Buffers are native addresses (a smartmap region buffer's {@code memoryAddress()}, any memory this
 * process owns) with counts in elements of the datatype, as in MPI; the caller guarantees the memory is there
 * (these calls do not know its bounds: {@code MpiLibrary}, on {@code MemorySegment}s, is the checked API).
 * <p>
 * MPI must already be initialised in this process, once, by its first user ({@code Communicator.world()} under
 * an MPI launcher does it): {@link #current()} uses that library, it never initialises MPI itself, and every
 * call after that user finalized MPI throws {@link IllegalStateException}. On JDK 17-21 {@link #current()}
 * throws {@link MpiUnavailableException} naming the JDK needed (the binding is in {@code META-INF/versions/22}).
 * One thread at a time, unless the thread level MPI granted says more.
 */
public interface MpiWorld
{
    /** The JDK 22 implementation, reached by reflection so that this interface loads on every JDK. */
    String IMPLEMENTATION = "io.smartmap.mpi.FfmMpiWorld";

    /**
     * @return {@code MPI_COMM_WORLD} of the library this process initialised.
     * @throws MpiUnavailableException on JDK 17-21, or where the jar has no JDK 22 classes.
     * @throws IllegalStateException   if MPI is not initialised in this process, or already finalized.
     */
    static MpiWorld current()
    {
        Mpi.requireSupportedJdk();
        try
        {
            return (MpiWorld)Class.forName(IMPLEMENTATION).getDeclaredMethod("current").invoke(null);
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
            throw new IllegalStateException("cannot reach MPI_COMM_WORLD: " + ex.getCause(), ex.getCause());
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new MpiUnavailableException("the MPI binding's JDK 22 classes are missing (a smartmap-mpi jar built " +
                "on JDK 17-21 has none): class=" + IMPLEMENTATION + ", " + ex, ex);
        }
    }

    /** @return the ABI: {@code "Open MPI"} or {@code "MPICH"}. */
    String abi();

    /** @return what was opened: the name or path given to {@code dlopen}. */
    String library();

    /** @return {@code MPI_Comm_rank} of {@code MPI_COMM_WORLD}. */
    int rank();

    /** @return {@code MPI_Comm_size} of {@code MPI_COMM_WORLD}. */
    int size();

    /** {@code MPI_Barrier}. */
    void barrier();

    /** {@code MPI_Bcast} of {@code count} elements at {@code address} from {@code root}. */
    void bcast(long address, int count, MpiDatatype datatype, int root);

    /** {@code MPI_Reduce} into {@code recvAddress} of {@code root} (0 allowed elsewhere). */
    void reduce(long sendAddress, long recvAddress, int count, MpiDatatype datatype, MpiOp op, int root);

    /** {@code MPI_Allreduce}. */
    void allReduce(long sendAddress, long recvAddress, int count, MpiDatatype datatype, MpiOp op);

    /** {@code MPI_Allgather}: {@code count} elements from each rank, {@code count * size()} into {@code recvAddress}. */
    void allGather(long sendAddress, long recvAddress, int count, MpiDatatype datatype);

    /** {@code MPI_Alltoall}: {@code count} elements per block, {@code size()} blocks each way. */
    void allToAll(long sendAddress, long recvAddress, int count, MpiDatatype datatype);
}
