package io.smartmap.core;

/**
 * Segment addresses: a location in a rank's region encoded in one {@code long} as
 * {@code (rank << strideShift) | offset}, with {@code stride == 1 << strideShift}.
 * <p>
 * This is the JVM form of SMARTMAP's address translation (paper, section 3): the same buffer
 * in another rank is found by replacing the rank bits, the "flip a few upper bits" of the
 * top-level page-table trick. Control blocks publish these addresses, never raw virtual addresses,
 * because every process maps the segment at its own base.
 */
public final class Address
{
    /** Stands for "no buffer" in a control block. */
    public static final long NULL = -1L;

    private Address()
    {
    }

    /**
     * @param rank        owner rank, {@code >= 0}.
     * @param offset      byte offset in the rank's region, {@code [0, 1 << strideShift)}.
     * @param strideShift log2 of the region stride.
     * @return the encoded address.
     */
    public static long encode(final int rank, final long offset, final int strideShift)
    {
        return ((long)rank << strideShift) | offset;
    }

    /** @return the rank bits of {@code address}. */
    public static int rank(final long address, final int strideShift)
    {
        return (int)(address >>> strideShift);
    }

    /** @return the byte offset of {@code address} in its rank's region. */
    public static long offset(final long address, final int strideShift)
    {
        return address & ((1L << strideShift) - 1);
    }

    /**
     * The same location in another rank's region: replaces the rank bits.
     *
     * @param address     an encoded address.
     * @param rank        the rank to translate to.
     * @param strideShift log2 of the region stride.
     * @return {@code encode(rank, offset(address))}.
     */
    public static long toRank(final long address, final int rank, final int strideShift)
    {
        return offset(address, strideShift) | ((long)rank << strideShift);
    }
}
