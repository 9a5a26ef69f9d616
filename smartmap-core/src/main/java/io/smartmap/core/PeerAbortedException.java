package io.smartmap.core;

/**
 * A peer rank marked itself aborted (or closed) in its control block while this rank waited on
 * it. {@link #reasonCode()} is one of the {@code ControlBlockDescriptor.ABORT_*} codes, and the
 * message carries the peer's own reason text.
 */
public final class PeerAbortedException extends PeerFailureException
{
    private static final long serialVersionUID = 1L;

    private final int reasonCode;

    public PeerAbortedException(final String message, final int peerRank, final String awaited, final int reasonCode)
    {
        super(message, peerRank, awaited);
        this.reasonCode = reasonCode;
    }

    /** @return the peer's abort reason code, e.g. {@link ControlBlockDescriptor#ABORT_MISMATCH}. */
    public int reasonCode()
    {
        return reasonCode;
    }
}
