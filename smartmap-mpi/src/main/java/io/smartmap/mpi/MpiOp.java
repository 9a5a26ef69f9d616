package io.smartmap.mpi;

/** The predefined MPI reduction operators the binding passes through ({@code MPI_SUM} ... {@code MPI_BXOR}). */
public enum MpiOp
{
    SUM(false),
    PROD(false),
    MIN(false),
    MAX(false),
    BAND(true),
    BOR(true),
    BXOR(true);

    private final boolean bitwise;

    MpiOp(final boolean bitwise)
    {
        this.bitwise = bitwise;
    }

    /** @return whether the operator applies to the datatype (MPI: bitwise operators on integer types only). */
    public boolean appliesTo(final MpiDatatype datatype)
    {
        return !bitwise || datatype.isInteger();
    }
}
