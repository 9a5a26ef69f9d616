package io.smartmap.collectives;

/**
 * Element types of collective buffers (MPI standard 4.1, section 3.2.2 and, for the pair types
 * used by MINLOC/MAXLOC, section 6.9.4). Counts are always in elements of a datatype; a pair
 * element is laid out like the C struct {@code {value; int index}} with the struct's padding,
 * native byte order.
 */
public enum Datatype
{
    BYTE(1, true, false),
    INT(4, true, false),
    LONG(8, true, false),
    FLOAT(4, false, false),
    DOUBLE(8, false, false),
    /** {@code {int value; int index}}, 8 bytes. */
    INT_INT(8, true, true),
    /** {@code {long value; int index}}, 16 bytes (4 bytes of padding). */
    LONG_INT(16, true, true),
    /** {@code {float value; int index}}, 8 bytes. */
    FLOAT_INT(8, false, true),
    /** {@code {double value; int index}}, 16 bytes (4 bytes of padding). */
    DOUBLE_INT(16, false, true);

    private static final Datatype[] VALUES = values();

    private final int extent;
    private final boolean integer;
    private final boolean pair;

    Datatype(final int extent, final boolean integer, final boolean pair)
    {
        this.extent = extent;
        this.integer = integer;
        this.pair = pair;
    }

    /** @return bytes per element. */
    public int extent()
    {
        return extent;
    }

    /** @return whether the (value part is an) integer type: bitwise operators apply. */
    public boolean isInteger()
    {
        return integer;
    }

    /** @return whether this is a value-index pair type for MINLOC/MAXLOC. */
    public boolean isPair()
    {
        return pair;
    }

    /** @return the byte offset of the index within a pair element. */
    public int indexOffset()
    {
        return extent == 16 ? 8 : 4;
    }

    /** @return the code stored in a control block's operation descriptor. */
    public int code()
    {
        return ordinal() + 1;
    }

    static Datatype fromCode(final int code)
    {
        return VALUES[code - 1];
    }
}
