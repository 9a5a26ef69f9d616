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
    private final String reason;

    public PeerAbortedException(
        final String message, final int peerRank, final String awaited, final int reasonCode, final String reason)
    {
        super(message, peerRank, awaited);
        this.reasonCode = reasonCode;
        this.reason = reason;
    }

    /** @return the peer's own reason text (for a cascade: the first failure's), empty if it closed. */
    public String reason()
    {
        return reason;
    }

    /** @return the peer's abort reason code, e.g. {@link ControlBlockDescriptor#ABORT_MISMATCH}. */
    public int reasonCode()
    {
        return reasonCode;
    }
}
