package io.smartmap.core;

/** The process of a peer rank is gone (crashed or killed) while this rank waited on it. */
public final class PeerDeadException extends PeerFailureException
{
    private static final long serialVersionUID = 1L;

    public PeerDeadException(final String message, final int peerRank, final String awaited)
    {
        super(message, peerRank, awaited);
    }
}
