package io.smartmap.mpi;

/** MPI thread support levels, in order ({@code MPI_THREAD_SINGLE} 0 ... {@code MPI_THREAD_MULTIPLE} 3 in both ABIs). */
public enum ThreadLevel
{
    /** Only one thread exists. */
    SINGLE,
    /** Only the thread that initialised MPI calls it. */
    FUNNELED,
    /** Any thread calls MPI, one at a time. */
    SERIALIZED,
    /** Any thread calls MPI at any time. */
    MULTIPLE;

    /** @return the MPI constant. */
    public int value()
    {
        return ordinal();
    }

    /**
     * @param value an MPI constant.
     * @return its level.
     * @throws IllegalArgumentException if it is none.
     */
    public static ThreadLevel of(final int value)
    {
        if (value < 0 || value >= values().length)
        {
            throw new IllegalArgumentException("unknown MPI thread level: value=" + value);
        }
        return values()[value];
    }
}
