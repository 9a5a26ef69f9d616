package io.smartmap.mpi;

/**
 * The element types the binding passes to MPI, in native byte order. Each maps to the fixed-width
 * MPI type of its Java namesake, so the bits are the same on every platform: BYTE is
 * {@code MPI_INT8_T} (a signed byte, so arithmetic operators apply, unlike {@code MPI_BYTE}), INT
 * {@code MPI_INT32_T}, LONG {@code MPI_INT64_T}, FLOAT {@code MPI_FLOAT}, DOUBLE {@code MPI_DOUBLE}.
 */
public enum MpiDatatype
{
    BYTE(1, true),
    INT(4, true),
    LONG(8, true),
    FLOAT(4, false),
    DOUBLE(8, false);

    private final int extent;
    private final boolean integer;

    MpiDatatype(final int extent, final boolean integer)
    {
        this.extent = extent;
        this.integer = integer;
    }

    /** @return bytes per element. */
    public int extent()
    {
        return extent;
    }

    /** @return whether it is an integer type (bitwise operators apply). */
    public boolean isInteger()
    {
        return integer;
    }
}
