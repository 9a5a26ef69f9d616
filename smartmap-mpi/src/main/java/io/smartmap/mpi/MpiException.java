package io.smartmap.mpi;

/**
 * An MPI call returned an error code (every communicator of the binding has
 * {@code MPI_ERRORS_RETURN}, so errors come back instead of aborting the job). Carries the call's
 * name, the code and the library's own text for it ({@code MPI_Error_string}).
 */
public class MpiException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errorCode;
    private final String mpiMessage;

    /**
     * @param call       the C function, e.g. {@code MPI_Bcast}.
     * @param errorCode  what it returned.
     * @param mpiMessage {@code MPI_Error_string} of the code.
     * @param context    {@code name=value} pairs of the call's arguments, or empty.
     */
    public MpiException(final String call, final int errorCode, final String mpiMessage, final String context)
    {
        super(call + " failed: " + mpiMessage + ": errorCode=" + errorCode + (context.isEmpty() ? "" : ", " + context));
        this.call = call;
        this.errorCode = errorCode;
        this.mpiMessage = mpiMessage;
    }

    /** @return the C function that failed, e.g. {@code MPI_Bcast}. */
    public String call()
    {
        return call;
    }

    /** @return the error code it returned (library-specific beyond the standard classes). */
    public int errorCode()
    {
        return errorCode;
    }

    /** @return the library's text for the code ({@code MPI_Error_string}). */
    public String mpiMessage()
    {
        return mpiMessage;
    }
}
