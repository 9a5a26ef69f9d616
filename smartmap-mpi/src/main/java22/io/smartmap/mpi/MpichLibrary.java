package io.smartmap.mpi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;

/**
 * The MPICH ABI ({@code libmpich.so.12}; {@code libmpi.so.12} of Intel MPI, Cray MPICH and MVAPICH,
 * which keep it): a handle is an {@code int} constant of {@code mpi.h}, the same in every library of
 * the family. The values below are those of MPICH 4.0's {@code mpi.h}
 * ({@code /usr/include/x86_64-linux-gnu/mpich/mpi.h}); the header is not needed at run time.
 */
final class MpichLibrary extends FfmMpiLibrary
{
    static final int MPI_COMM_WORLD = 0x44000000;
    static final int MPI_COMM_NULL = 0x04000000;
    static final int MPI_ERRORS_RETURN = 0x54000001;
    static final int MPI_INFO_NULL = 0x1c000000;
    static final int MPI_COMM_TYPE_SHARED = 1;
    /** {@code MPI_STATUS_IGNORE} is {@code (MPI_Status *)1}. */
    private static final MemorySegment STATUS_IGNORE = MemorySegment.ofAddress(1);

    /** In {@link MpiDatatype} order: MPI_INT8_T, MPI_INT32_T, MPI_INT64_T, MPI_FLOAT, MPI_DOUBLE. */
    private static final long[] DATATYPES = {0x4c000137, 0x4c000439, 0x4c00083a, 0x4c00040a, 0x4c00080b};
    /** In {@link MpiOp} order: MPI_SUM, MPI_PROD, MPI_MIN, MPI_MAX, MPI_BAND, MPI_BOR, MPI_BXOR. */
    private static final long[] OPS = {0x58000003, 0x58000004, 0x58000002, 0x58000001, 0x58000006, 0x58000008, 0x5800000a};

    MpichLibrary(final String library, final SymbolLookup lookup, final List<String> environmentSet,
        final Map<String, MemorySegment> jvmSignals)
    {
        super(library, lookup, ValueLayout.JAVA_INT, environmentSet, jvmSignals);
    }

    @Override
    public String abi()
    {
        return "MPICH";
    }

    @Override
    long commWorldHandle()
    {
        return MPI_COMM_WORLD;
    }

    @Override
    long commNullHandle()
    {
        return MPI_COMM_NULL;
    }

    @Override
    long datatypeHandle(final MpiDatatype datatype)
    {
        return DATATYPES[datatype.ordinal()];
    }

    @Override
    long opHandle(final MpiOp op)
    {
        return OPS[op.ordinal()];
    }

    @Override
    long errorsReturnHandle()
    {
        return MPI_ERRORS_RETURN;
    }

    @Override
    long infoNullHandle()
    {
        return MPI_INFO_NULL;
    }

    @Override
    MemorySegment statusIgnore()
    {
        return STATUS_IGNORE;
    }

    @Override
    int commTypeShared()
    {
        return MPI_COMM_TYPE_SHARED;
    }
}
