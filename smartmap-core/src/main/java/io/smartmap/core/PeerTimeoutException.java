package io.smartmap.core;

/** A wait outlived its deadline while its peers were still alive: a hang turned into an error. */
public final class PeerTimeoutException extends PeerFailureException
{
    private static final long serialVersionUID = 1L;

    public PeerTimeoutException(final String message, final int peerRank, final String awaited)
    {
        super(message, peerRank, awaited);
    }
}
