package io.smartmap.mpi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;

/**
 * Open MPI's ABI ({@code libmpi.so.40}, Open MPI 4.x and 5.x): a handle is the address of a
 * predefined object the library exports ({@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world},
 * {@code MPI_FLOAT} {@code &ompi_mpi_float}, {@code MPI_SUM} {@code &ompi_mpi_op_sum}), looked up once;
 * a communicator made by MPI is a pointer it writes. Constants from Open MPI 4.1's {@code mpi.h}:
 * {@code MPI_COMM_TYPE_SHARED} 0, {@code MPI_STATUS_IGNORE} NULL.
 */
final class OpenMpiLibrary extends FfmMpiLibrary
{
    /** The symbol that tells this ABI apart. */
    static final String MARKER = "ompi_mpi_comm_world";

    private final long commWorld;
    private final long commNull;
    private final long errorsReturn;
    private final long infoNull;
    /** In {@link MpiDatatype} order. */
    private final long[] datatypeTable;
    /** In {@link MpiOp} order. */
    private final long[] opTable;

    OpenMpiLibrary(final String library, final SymbolLookup lookup, final List<String> environmentSet,
        final Map<String, MemorySegment> jvmSignals)
    {
        // a pointer handle passed as a 64-bit integer: the same register or stack slot on LP64
        super(library, lookup, ValueLayout.JAVA_LONG, environmentSet, jvmSignals);
        commWorld = symbol("ompi_mpi_comm_world");
        commNull = symbol("ompi_mpi_comm_null");
        errorsReturn = symbol("ompi_mpi_errors_return");
        infoNull = symbol("ompi_mpi_info_null");
        datatypeTable = new long[] {symbol("ompi_mpi_int8_t"), symbol("ompi_mpi_int32_t"), symbol("ompi_mpi_int64_t"),
            symbol("ompi_mpi_float"), symbol("ompi_mpi_double")};
        opTable = new long[] {symbol("ompi_mpi_op_sum"), symbol("ompi_mpi_op_prod"), symbol("ompi_mpi_op_min"),
            symbol("ompi_mpi_op_max"), symbol("ompi_mpi_op_band"), symbol("ompi_mpi_op_bor"), symbol("ompi_mpi_op_bxor")};
    }

    @Override
    public String abi()
    {
        return "Open MPI";
    }

    @Override
    long commWorldHandle()
    {
        return commWorld;
    }

    @Override
    long commNullHandle()
    {
        return commNull;
    }

    @Override
    long datatypeHandle(final MpiDatatype datatype)
    {
        return datatypeTable[datatype.ordinal()];
    }

    @Override
    long opHandle(final MpiOp op)
    {
        return opTable[op.ordinal()];
    }

    @Override
    long errorsReturnHandle()
    {
        return errorsReturn;
    }

    @Override
    long infoNullHandle()
    {
        return infoNull;
    }

    @Override
    MemorySegment statusIgnore()
    {
        return MemorySegment.NULL;
    }

    @Override
    int commTypeShared()
    {
        return 0;
    }
}
