package io.smartmap.core;

/**
 * Ranks entered the same collective sequence with different operations (collective kind, root,
 * count, datatype, operator or algorithm): an erroneous MPI program. Raised by the rank that
 * compared the descriptors; its peers then see it aborted with
 * {@link ControlBlockDescriptor#ABORT_MISMATCH}.
 */
public final class CollectiveMismatchException extends SmartMapException
{
    private static final long serialVersionUID = 1L;

    public CollectiveMismatchException(final String message)
    {
        super(message);
    }
}
