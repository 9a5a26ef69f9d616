package io.smartmap.core;

/**
 * Base of the exceptions smartmap raises for protocol failures (bad arguments are plain
 * {@link IllegalArgumentException}s, bad files or states {@link IllegalStateException}s).
 */
public class SmartMapException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public SmartMapException(final String message)
    {
        super(message);
    }

    public SmartMapException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
