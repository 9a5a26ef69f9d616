package io.smartmap.mpi;

/**
 * The binding cannot run here: a JDK older than {@value Mpi#MIN_JDK}, no MPI library found, or a
 * library of an ABI this binding does not know. The message says what was searched or needed and
 * what to set; a caller may catch it to stay on a single node.
 */
public class MpiUnavailableException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message what is missing and how to fix it. */
    public MpiUnavailableException(final String message)
    {
        super(message);
    }

    /**
     * @param message what is missing and how to fix it.
     * @param cause   the failure underneath (e.g. the {@code dlopen} refusal).
     */
    public MpiUnavailableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
