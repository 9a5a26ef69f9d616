package io.smartmap.core;

/**
 * A wait on a peer could not complete: the peer timed out, died or aborted. Names the peer rank
 * ({@code -1} when the wait depended on any peer) and what was awaited.
 */
public class PeerFailureException extends SmartMapException
{
    private static final long serialVersionUID = 1L;

    private final int peerRank;
    private final String awaited;

    public PeerFailureException(final String message, final int peerRank, final String awaited)
    {
        super(message);
        this.peerRank = peerRank;
        this.awaited = awaited;
    }

    /** @return the rank that failed, or -1 if the wait was on any peer. */
    public int peerRank()
    {
        return peerRank;
    }

    /** @return what the waiting rank was waiting for. */
    public String awaited()
    {
        return awaited;
    }
}
