package io.smartmap.collectives;

import static org.agrona.UnsafeApi.*;

/**
 * The scalar kernels (JDK 17 and wherever the vector ones cannot run): one plain counted loop per
 * (datatype, predefined operator) over raw addresses, no boxing and no per-element calls. C2 does not
 * vectorise these (Unsafe accesses through two addresses that may alias), so each is a tight scalar
 * loop; the bitwise operators ignore element boundaries and run eight bytes at a time for every
 * integer type. One loop per line on purpose: the table is the abstraction, and every entry has the
 * same shape {@code acc[i] = acc[i] op in[i]}.
 */
final class ScalarKernels extends KernelProvider
{
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels()
    {
        fillTable();
    }

    @Override
    public String name()
    {
        return "scalar";
    }

    @Override
    void canonicalizeNaN(final boolean single, final long address, final int count)
    {
        if (single)
        {
            canonicalizeFloats(address, count);
        }
        else
        {
            canonicalizeDoubles(address, count);
        }
    }

    @Override
    Fold fold(final Datatype datatype, final Op.Kind kind)
    {
        if ((kind == Op.Kind.BAND || kind == Op.Kind.BOR || kind == Op.Kind.BXOR) && !datatype.isPair())
        {
            return datatype.isInteger() ? bitwise(kind, datatype.extent()) : null;
        }
        return build(datatype, kind);
    }

    /** BAND, BOR, BXOR of any integer type: bits are independent, so whole longs, then the tail bytes. */
    // CHECKSTYLE:OFF one loop per line
    private static Fold bitwise(final Op.Kind kind, final int extent)
    {
        switch (kind)
        {
            case BAND: return (c, a, b, n) -> { final long e = (long)extent * n, w = e & ~7L; for (long o = 0; o < w; o += 8) putLong(c + o, getLong(a + o) & getLong(b + o)); for (long o = w; o < e; o++) putByte(c + o, (byte)(getByte(a + o) & getByte(b + o))); };
            case BOR: return (c, a, b, n) -> { final long e = (long)extent * n, w = e & ~7L; for (long o = 0; o < w; o += 8) putLong(c + o, getLong(a + o) | getLong(b + o)); for (long o = w; o < e; o++) putByte(c + o, (byte)(getByte(a + o) | getByte(b + o))); };
            default: return (c, a, b, n) -> { final long e = (long)extent * n, w = e & ~7L; for (long o = 0; o < w; o += 8) putLong(c + o, getLong(a + o) ^ getLong(b + o)); for (long o = w; o < e; o++) putByte(c + o, (byte)(getByte(a + o) ^ getByte(b + o))); };
        }
    }

    private static Fold build(final Datatype datatype, final Op.Kind kind)
    {
        switch (datatype)
        {
            case BYTE:
                switch (kind)
                {
                    case SUM: return (c, a, b, n) -> { for (int i = 0; i < n; i++) putByte(c + i, (byte)(getByte(a + i) + getByte(b + i))); };
                    case PROD: return (c, a, b, n) -> { for (int i = 0; i < n; i++) putByte(c + i, (byte)(getByte(a + i) * getByte(b + i))); };
                    case MIN: return (c, a, b, n) -> { for (int i = 0; i < n; i++) putByte(c + i, (byte)Math.min(getByte(a + i), getByte(b + i))); };
                    case MAX: return (c, a, b, n) -> { for (int i = 0; i < n; i++) putByte(c + i, (byte)Math.max(getByte(a + i), getByte(b + i))); };
                    default: return null;
                }
            case INT:
                switch (kind)
                {
                    case SUM: return (c, a, b, n) -> { for (long o = 0, e = 4L * n; o < e; o += 4) putInt(c + o, getInt(a + o) + getInt(b + o)); };
                    case PROD: return (c, a, b, n) -> { for (long o = 0, e = 4L * n; o < e; o += 4) putInt(c + o, getInt(a + o) * getInt(b + o)); };
                    case MIN: return (c, a, b, n) -> { for (long o = 0, e = 4L * n; o < e; o += 4) putInt(c + o, Math.min(getInt(a + o), getInt(b + o))); };
                    case MAX: return (c, a, b, n) -> { for (long o = 0, e = 4L * n; o < e; o += 4) putInt(c + o, Math.max(getInt(a + o), getInt(b + o))); };
                    default: return null;
                }
            case LONG:
                switch (kind)
                {
                    case SUM: return (c, a, b, n) -> { for (long o = 0, e = 8L * n; o < e; o += 8) putLong(c + o, getLong(a + o) + getLong(b + o)); };
                    case PROD: return (c, a, b, n) -> { for (long o = 0, e = 8L * n; o < e; o += 8) putLong(c + o, getLong(a + o) * getLong(b + o)); };
                    case MIN: return (c, a, b, n) -> { for (long o = 0, e = 8L * n; o < e; o += 8) putLong(c + o, Math.min(getLong(a + o), getLong(b + o))); };
                    case MAX: return (c, a, b, n) -> { for (long o = 0, e = 8L * n; o < e; o += 8) putLong(c + o, Math.max(getLong(a + o), getLong(b + o))); };
                    default: return null;
                }
            case FLOAT:
                switch (kind)
                {
                    case SUM: return (c, a, b, n) -> { for (long o = 0, e = 4L * n; o < e; o += 4) putFloat(c + o, getFloat(a + o) + getFloat(b + o)); };
                    case PROD: return (c, a, b, n) -> { for (long o = 0, e = 4L * n; o < e; o += 4) putFloat(c + o, getFloat(a + o) * getFloat(b + o)); };
                    case MIN: return (c, a, b, n) -> { for (long o = 0, e = 4L * n; o < e; o += 4) putFloat(c + o, Math.min(getFloat(a + o), getFloat(b + o))); };
                    case MAX: return (c, a, b, n) -> { for (long o = 0, e = 4L * n; o < e; o += 4) putFloat(c + o, Math.max(getFloat(a + o), getFloat(b + o))); };
                    default: return null;
                }
            case DOUBLE:
                switch (kind)
                {
                    case SUM: return (c, a, b, n) -> { for (long o = 0, e = 8L * n; o < e; o += 8) putDouble(c + o, getDouble(a + o) + getDouble(b + o)); };
                    case PROD: return (c, a, b, n) -> { for (long o = 0, e = 8L * n; o < e; o += 8) putDouble(c + o, getDouble(a + o) * getDouble(b + o)); };
                    case MIN: return (c, a, b, n) -> { for (long o = 0, e = 8L * n; o < e; o += 8) putDouble(c + o, Math.min(getDouble(a + o), getDouble(b + o))); };
                    case MAX: return (c, a, b, n) -> { for (long o = 0, e = 8L * n; o < e; o += 8) putDouble(c + o, Math.max(getDouble(a + o), getDouble(b + o))); };
                    default: return null;
                }
            default:
                return kind == Op.Kind.MINLOC || kind == Op.Kind.MAXLOC ? location(datatype, kind == Op.Kind.MAXLOC) : null;
        }
    }
    // CHECKSTYLE:ON

    private static final long DOUBLE_EXPONENT = 0x7FF0000000000000L;
    private static final long DOUBLE_ABS = 0x7FFFFFFFFFFFFFFFL;
    private static final long DOUBLE_CANONICAL_NAN = 0x7FF8000000000000L;
    private static final int FLOAT_EXPONENT = 0x7F800000;
    private static final int FLOAT_ABS = 0x7FFFFFFF;
    private static final int FLOAT_CANONICAL_NAN = 0x7FC00000;

    /** Branch-free (vectorisable): {@code mask} is all ones exactly where the bits are a NaN. */
    static void canonicalizeDoubles(final long address, final int count)
    {
        for (long o = 0, e = 8L * count; o < e; o += 8)
        {
            final long bits = getLong(address + o);
            final long mask = (DOUBLE_EXPONENT - (bits & DOUBLE_ABS)) >> 63;
            putLong(address + o, (bits & ~mask) | (DOUBLE_CANONICAL_NAN & mask));
        }
    }

    static void canonicalizeFloats(final long address, final int count)
    {
        for (long o = 0, e = 4L * count; o < e; o += 4)
        {
            final int bits = getInt(address + o);
            final int mask = (FLOAT_EXPONENT - (bits & FLOAT_ABS)) >> 31;
            putInt(address + o, (bits & ~mask) | (FLOAT_CANONICAL_NAN & mask));
        }
    }

    /**
     * MINLOC/MAXLOC over value-index pairs: take the incoming pair if its value is better, or equal
     * with a smaller index (MPI 4.1 section 6.9.4). Values that do not compare (NaN) keep the accumulator.
     */
    private static Fold location(final Datatype datatype, final boolean max)
    {
        final int extent = datatype.extent();
        final int indexOffset = datatype.indexOffset();
        return (c, a, b, n) ->
        {
            for (long o = 0, e = (long)extent * n; o < e; o += extent)
            {
                final int order = compareValues(datatype, a + o, b + o); // left vs right
                final boolean better = max ? order == -1 : order == 1;
                if (better || order == 0 && getInt(b + o + indexOffset) < getInt(a + o + indexOffset))
                {
                    copyMemory(b + o, c + o, extent);
                }
                else if (c != a)
                {
                    copyMemory(a + o, c + o, extent);
                }
            }
        };
    }

    private static int compareValues(final Datatype datatype, final long acc, final long in)
    {
        switch (datatype)
        {
            case INT_INT:
                return Integer.compare(getInt(acc), getInt(in));
            case LONG_INT:
                return Long.compare(getLong(acc), getLong(in));
            case FLOAT_INT:
            {
                final float x = getFloat(acc);
                final float y = getFloat(in);
                return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2; // 2: unordered, neither better nor tied
            }
            default:
            {
                final double x = getDouble(acc);
                final double y = getDouble(in);
                return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
            }
        }
    }
}
