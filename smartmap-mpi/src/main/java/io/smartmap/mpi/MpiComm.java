package io.smartmap.mpi;

/**
 * A communicator of the system MPI library, hiding the ABI: the handle is the address of an
 * {@code ompi_communicator_t} for Open MPI, an {@code int} for the MPICH family; both fit a
 * {@code long}. Only the library that made it accepts it. Equal handles are the same communicator.
 */
public final class MpiComm
{
    private final long handle;
    private final Object owner;
    private final String name;
    private volatile boolean freed;

    /**
     * @param handle the ABI's handle as a long (an MPICH int is sign-extended).
     * @param owner  the library that made it.
     * @param name   for messages: {@code world}, {@code shared}, {@code split}.
     */
    MpiComm(final long handle, final Object owner, final String name)
    {
        this.handle = handle;
        this.owner = owner;
        this.name = name;
    }

    /** @return the ABI handle: an address (Open MPI) or a sign-extended int (MPICH). */
    long handle()
    {
        return handle;
    }

    /** @return whether {@code library} made this communicator. */
    boolean belongsTo(final Object library)
    {
        return owner == library;
    }

    /** @return whether it was freed ({@code MPI_Comm_free}): its handle must not reach MPI again. */
    boolean isFreed()
    {
        return freed;
    }

    void markFreed()
    {
        freed = true;
    }

    /** @return its name for messages. */
    String name()
    {
        return name;
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof MpiComm && ((MpiComm)other).handle == handle && ((MpiComm)other).owner == owner;
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(handle);
    }

    @Override
    public String toString()
    {
        return "MpiComm[" + name + ", handle=0x" + Long.toHexString(handle) + "]";
    }
}
