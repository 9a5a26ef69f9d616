package io.smartmap.core;

/**
 * Layout of {@code coll_info}, the control block at the start of every rank's region
 * (SMARTMAP paper, section 4: "every process has a coll_info structure at the same place").
 * <p>
 * Fields written by different ranks sit 128 bytes apart (two cache lines, so the adjacent-line
 * prefetcher does not couple them). Every counter is a 64-bit monotonically increasing number
 * that is never reset: waiters compare with {@code >=} against a target they computed locally,
 * so a fast rank already in collective {@code k+1} can never be confused with one still in {@code k}.
 * The fixed-size fields come first, so their offsets do not depend on {@link #MAX_RANKS}; the
 * per-peer arrays ({@code MAX_RANKS} longs each, 8 KiB at 1024 ranks) follow.
 * <pre>
 *  offset  written by   field
 *  ------  -----------  ---------------------------------------------------------------
 *       0  owner        SEQUENCE            long  last collective entered (release, written last)
 *       8  owner        DESCRIPTOR_SEQUENCE long  collective whose descriptor is being written (seqlock)
 *      16  owner        CONTEXT             long  communicator context id
 *      24  owner        SEND_ADDRESS        long  segment address of the send buffer, or -1
 *      32  owner        RECV_ADDRESS        long  segment address of the receive buffer, or -1
 *      40  owner        COUNT               long  count in elements
 *      48  owner        KIND                int   collective kind ({@link CollectiveKind} code)
 *      52  owner        ROOT                int   root rank, or -1
 *      56  owner        DATATYPE            int   datatype code, or -1
 *      60  owner        OP                  int   operator code, or -1
 *      64  owner        ALGORITHM           int   algorithm code, or -1
 *      72  owner        STAGED              long  bytes of the send buffer ready to read (release): reset
 *                                                 when the descriptor is published, raised chunk by chunk
 *                                                 while a staged send is copied in; Long.MAX_VALUE if ready
 *      80  owner        VECTOR_ADDRESS      long  segment address of the rank's per-rank counts and displacements
 *                                                 (v-variants, reduce-scatter), or -1; written before SEQUENCE
 *     128  owner        STATE               int   0 not joined, 1 alive, 2 aborted, 3 closed
 *     132  owner        REASON_CODE         int   why aborted (ABORT_* codes)
 *     136  owner        PID                 long  process id of the rank
 *     144  owner        REASON_LENGTH       int   bytes of REASON
 *     148  owner        REASON              bytes UTF-8 reason text, at most 108 bytes
 *     256  peers        TURN                long  whose turn it is in a serial reduce
 *     384  peers        FINISHED            long  peers done with this rank's buffers (atomic add)
 *     512  owner        BEATS               long  failure checks made while blocked (a stopped rank's stand still)
 *     640  one peer     BARRIER_ROUND[10]   long  one per 128-byte line pair: dissemination barrier round k,
 *                                                 written (release) only by rank (owner - 2^k) mod size
 *    1920  owner        INLINE_SLOT[2]      1152 bytes each: the inline (small-message) path, slot = sequence &amp; 1
 *    4224  owner        PUBLISHED[1024]     long  fragments published into ring d (two-copy)
 *   12416  owner        ACKED[1024]         long  fragments consumed from rank p's ring to me
 *   20608  owner        MULTICAST_ACKED[1024] long  fragments consumed from rank p's multicast ring
 *   28800  -            reserved up to CONTROL_BLOCK_LENGTH (32768)
 * </pre>
 * One inline slot (Open MPI xhc's copy-in/copy-out lines): the sequence, the operation and the
 * first 40 bytes of the payload share the slot's first cache line, so one acquire load of the
 * sequence finds the data that came with it; longer payloads continue in the next lines.
 * <pre>
 *  offset  field
 *  ------  ---------------------------------------------------------------------------
 *       0  INLINE_SEQUENCE    long  collective whose payload the slot holds (release, written last)
 *       8  INLINE_OPERATION   long  kind | datatype &lt;&lt; 8 | op &lt;&lt; 16 | (root + 1) &lt;&lt; 32, for mismatch checks
 *      16  INLINE_COUNT       long  count in elements
 *      24  INLINE_DATA        bytes up to INLINE_PAYLOAD_BYTES of payload
 * </pre>
 * A rank writes slot {@code s & 1} for collective {@code s} only after every peer has entered
 * collective {@code s - 1}, so nobody still reads what the slot held for {@code s - 2}.
 */
public final class ControlBlockDescriptor
{
    /** Largest job: the per-peer counter arrays have this many slots. */
    public static final int MAX_RANKS = 1024;
    /** Distance between fields written by different ranks. */
    public static final int LINE_PAIR_BYTES = 128;

    public static final int SEQUENCE_OFFSET;
    public static final int DESCRIPTOR_SEQUENCE_OFFSET;
    public static final int CONTEXT_OFFSET;
    public static final int SEND_ADDRESS_OFFSET;
    public static final int RECV_ADDRESS_OFFSET;
    public static final int COUNT_OFFSET;
    public static final int KIND_OFFSET;
    public static final int ROOT_OFFSET;
    public static final int DATATYPE_OFFSET;
    public static final int OP_OFFSET;
    public static final int ALGORITHM_OFFSET;
    public static final int STAGED_OFFSET;
    public static final int VECTOR_ADDRESS_OFFSET;

    public static final int STATE_OFFSET;
    public static final int REASON_CODE_OFFSET;
    public static final int PID_OFFSET;
    public static final int REASON_LENGTH_OFFSET;
    public static final int REASON_OFFSET;
    public static final int MAX_REASON_BYTES;

    public static final int TURN_OFFSET;
    public static final int FINISHED_OFFSET;
    public static final int PUBLISHED_OFFSET;
    public static final int ACKED_OFFSET;
    public static final int MULTICAST_ACKED_OFFSET;
    public static final int BEATS_OFFSET;
    public static final int BARRIER_ROUND_OFFSET;
    public static final int INLINE_OFFSET;

    /** Rounds of the dissemination barrier at {@link #MAX_RANKS} ranks: {@code ceil(log2(MAX_RANKS))}. */
    public static final int BARRIER_ROUNDS = 32 - Integer.numberOfLeadingZeros(MAX_RANKS - 1);

    /** Inline slots per rank (double-buffered by sequence parity). */
    public static final int INLINE_SLOTS = 2;
    /** Bytes per inline slot: header and payload. */
    public static final int INLINE_SLOT_BYTES = 1152;
    public static final int INLINE_SEQUENCE_OFFSET = 0;
    public static final int INLINE_OPERATION_OFFSET = 8;
    public static final int INLINE_COUNT_OFFSET = 16;
    public static final int INLINE_DATA_OFFSET = 24;
    /** Largest payload of one inline slot in bytes. */
    public static final int INLINE_PAYLOAD_BYTES = INLINE_SLOT_BYTES - INLINE_DATA_OFFSET;

    /** Bytes reserved for the control block at the start of each region (a whole number of 4 KiB pages). */
    public static final int CONTROL_BLOCK_LENGTH = 32 * 1024;

    public static final int STATE_NOT_JOINED = 0;
    public static final int STATE_ALIVE = 1;
    public static final int STATE_ABORTED = 2;
    public static final int STATE_CLOSED = 3;

    /** Abort reason: an exception in the rank's own code or arguments. */
    public static final int ABORT_ERROR = 1;
    /** Abort reason: the rank found that peers called a different collective. */
    public static final int ABORT_MISMATCH = 2;
    /** Abort reason: the rank timed out waiting for a peer. */
    public static final int ABORT_TIMEOUT = 3;
    /** Abort reason: the rank saw a peer die or abort. */
    public static final int ABORT_PEER_FAILED = 4;

    static
    {
        int offset = 0;
        SEQUENCE_OFFSET = offset;
        offset += Long.BYTES;
        DESCRIPTOR_SEQUENCE_OFFSET = offset;
        offset += Long.BYTES;
        CONTEXT_OFFSET = offset;
        offset += Long.BYTES;
        SEND_ADDRESS_OFFSET = offset;
        offset += Long.BYTES;
        RECV_ADDRESS_OFFSET = offset;
        offset += Long.BYTES;
        COUNT_OFFSET = offset;
        offset += Long.BYTES;
        KIND_OFFSET = offset;
        offset += Integer.BYTES;
        ROOT_OFFSET = offset;
        offset += Integer.BYTES;
        DATATYPE_OFFSET = offset;
        offset += Integer.BYTES;
        OP_OFFSET = offset;
        offset += Integer.BYTES;
        ALGORITHM_OFFSET = offset;
        offset += Integer.BYTES;
        offset = align(offset, Long.BYTES);
        STAGED_OFFSET = offset;
        offset += Long.BYTES;
        VECTOR_ADDRESS_OFFSET = offset;
        offset += Long.BYTES;

        offset = align(offset, LINE_PAIR_BYTES);
        STATE_OFFSET = offset;
        offset += Integer.BYTES;
        REASON_CODE_OFFSET = offset;
        offset += Integer.BYTES;
        PID_OFFSET = offset;
        offset += Long.BYTES;
        REASON_LENGTH_OFFSET = offset;
        offset += Integer.BYTES;
        REASON_OFFSET = offset;
        MAX_REASON_BYTES = STATE_OFFSET + LINE_PAIR_BYTES - REASON_OFFSET;
        offset = STATE_OFFSET + LINE_PAIR_BYTES;

        TURN_OFFSET = offset;
        offset += LINE_PAIR_BYTES;
        FINISHED_OFFSET = offset;
        offset += LINE_PAIR_BYTES;
        BEATS_OFFSET = offset; // a line pair of its own: written every few ms while waiting, read only on timeout
        offset += LINE_PAIR_BYTES;

        BARRIER_ROUND_OFFSET = offset; // each round's word has its own writer, so its own line pair
        offset += BARRIER_ROUNDS * LINE_PAIR_BYTES;

        INLINE_OFFSET = offset;
        offset += INLINE_SLOTS * INLINE_SLOT_BYTES;

        PUBLISHED_OFFSET = offset;
        offset += MAX_RANKS * Long.BYTES;
        ACKED_OFFSET = offset;
        offset += MAX_RANKS * Long.BYTES;
        MULTICAST_ACKED_OFFSET = offset;
        offset += MAX_RANKS * Long.BYTES;

        if (offset > CONTROL_BLOCK_LENGTH)
        {
            throw new AssertionError("control block overflows CONTROL_BLOCK_LENGTH: " + offset);
        }
    }

    private ControlBlockDescriptor()
    {
    }

    /** Offset of inline slot {@code slot} ({@code sequence & 1}) in the control block. */
    public static int inlineSlotOffset(final int slot)
    {
        return INLINE_OFFSET + slot * INLINE_SLOT_BYTES;
    }

    /** Offset of the sequence word of the inline slot that collective {@code sequence} uses. */
    public static int inlineSequenceOffset(final long sequence)
    {
        return inlineSlotOffset((int)(sequence & 1)) + INLINE_SEQUENCE_OFFSET;
    }

    /**
     * Offset of the dissemination barrier's word for round {@code round}: in rank {@code t}'s block
     * it is written only by rank {@code (t - 2^round) mod size}.
     *
     * @param round round in {@code [0, BARRIER_ROUNDS)}.
     * @return byte offset in the control block, on a 128-byte line pair of its own.
     */
    public static int barrierRoundOffset(final int round)
    {
        return BARRIER_ROUND_OFFSET + round * LINE_PAIR_BYTES;
    }

    /** Offset of {@code PUBLISHED[ring]}. */
    public static int publishedOffset(final int ring)
    {
        return PUBLISHED_OFFSET + ring * Long.BYTES;
    }

    /** Offset of {@code ACKED[producer]}. */
    public static int ackedOffset(final int producer)
    {
        return ACKED_OFFSET + producer * Long.BYTES;
    }

    /** Offset of {@code MULTICAST_ACKED[producer]}. */
    public static int multicastAckedOffset(final int producer)
    {
        return MULTICAST_ACKED_OFFSET + producer * Long.BYTES;
    }

    static int align(final int value, final int alignment)
    {
        return (value + alignment - 1) & -alignment;
    }
}
