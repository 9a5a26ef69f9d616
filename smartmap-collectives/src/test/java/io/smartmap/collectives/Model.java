package io.smartmap.collectives;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * The sequential reference: contributions folded in rank order 0..size-1, element by element,
 * written independently of the kernels (plain switch over datatype and operator).
 */
final class Model
{
    /** Non-commutative, associative user operator on INT_INT: affine maps (a, b) composed, x -> a*x + b. */
    static final UserFunction AFFINE_COMPOSE = (inout, in, count, datatype) ->
    {
        for (int i = 0; i < count; i++)
        {
            final int a1 = inout.getInt(8 * i, ByteOrder.nativeOrder());
            final int b1 = inout.getInt(8 * i + 4, ByteOrder.nativeOrder());
            final int a2 = in.getInt(8 * i, ByteOrder.nativeOrder());
            final int b2 = in.getInt(8 * i + 4, ByteOrder.nativeOrder());
            inout.putInt(8 * i, a1 * a2, ByteOrder.nativeOrder());
            inout.putInt(8 * i + 4, a1 * b2 + b1, ByteOrder.nativeOrder());
        }
    };

    private Model()
    {
    }

    /** Fill {@code count} elements of rank data with values that include the awkward ones. */
    static byte[] values(final long seed, final int rank, final int count, final Datatype datatype, final Op op)
    {
        final SplittableRandom random = new SplittableRandom(seed * 1_000_003L + rank);
        final ByteBuffer bytes = ByteBuffer.allocate(count * datatype.extent()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < count; i++)
        {
            final int at = i * datatype.extent();
            final boolean special = random.nextInt(8) == 0;
            switch (datatype)
            {
                case BYTE:
                    bytes.put(at, (byte)random.nextInt());
                    break;
                case INT:
                    bytes.putInt(at, special ? pick(random, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1) : random.nextInt());
                    break;
                case LONG:
                    bytes.putLong(at, special ? pick(random, Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L) : random.nextLong());
                    break;
                case FLOAT:
                    bytes.putFloat(at, special ? (float)specialDouble(random) : (float)(random.nextDouble() * 200 - 100));
                    break;
                case DOUBLE:
                    bytes.putDouble(at, special ? specialDouble(random) : random.nextDouble() * 2e6 - 1e6);
                    break;
                case INT_INT:
                    if (op.isUserDefined())
                    {
                        bytes.putInt(at, random.nextInt(7) - 3).putInt(at + 4, random.nextInt());
                    }
                    else
                    {
                        bytes.putInt(at, random.nextInt(5)).putInt(at + 4, random.nextInt(1000));
                    }
                    break;
                case LONG_INT:
                    bytes.putLong(at, special ? pick(random, Long.MIN_VALUE, Long.MAX_VALUE, 0L, 0L) : random.nextLong(5))
                        .putInt(at + 8, random.nextInt(1000));
                    break;
                case FLOAT_INT:
                    bytes.putFloat(at, special ? (float)specialDouble(random) : random.nextInt(5)).putInt(at + 4, random.nextInt(1000));
                    break;
                case DOUBLE_INT:
                    bytes.putDouble(at, special ? specialDouble(random) : random.nextInt(5)).putInt(at + 8, random.nextInt(1000));
                    break;
                default:
                    throw new AssertionError(datatype);
            }
        }
        return bytes.array();
    }

    /** Fold every rank's contribution in rank order. */
    static byte[] reduce(final byte[][] contributions, final int count, final Datatype datatype, final Op op)
    {
        final ByteBuffer acc = ByteBuffer.wrap(contributions[0].clone()).order(ByteOrder.nativeOrder());
        for (int r = 1; r < contributions.length; r++)
        {
            final ByteBuffer in = ByteBuffer.wrap(contributions[r]).order(ByteOrder.nativeOrder());
            if (op.isUserDefined())
            {
                final org.agrona.concurrent.UnsafeBuffer a = new org.agrona.concurrent.UnsafeBuffer(acc.array());
                op.function().apply(a, new org.agrona.concurrent.UnsafeBuffer(in.array()), count, datatype);
                continue;
            }
            for (int i = 0; i < count; i++)
            {
                combine(acc, in, i * datatype.extent(), datatype, op.kind());
            }
        }
        return acc.array();
    }

    /**
     * The first {@code count} elements of ranks 0..{@code last} folded in rank order: a scan's result at
     * rank {@code last}, an exscan's at rank {@code last + 1}. Contributions may be longer than {@code count}.
     */
    static byte[] prefix(final byte[][] contributions, final int last, final int count, final Datatype datatype, final Op op)
    {
        final byte[][] first = new byte[last + 1][];
        for (int r = 0; r <= last; r++)
        {
            first[r] = java.util.Arrays.copyOf(contributions[r], count * datatype.extent());
        }
        return reduce(first, count, datatype, op);
    }

    private static void combine(final ByteBuffer acc, final ByteBuffer in, final int at, final Datatype type, final Op.Kind op)
    {
        switch (type)
        {
            case BYTE:
                acc.put(at, (byte)integer(acc.get(at), in.get(at), op));
                break;
            case INT:
                acc.putInt(at, (int)integer(acc.getInt(at), in.getInt(at), op));
                break;
            case LONG:
                acc.putLong(at, integer(acc.getLong(at), in.getLong(at), op));
                break;
            case FLOAT:
                acc.putFloat(at, canonical((float)floating(acc.getFloat(at), in.getFloat(at), op, true)));
                break;
            case DOUBLE:
                acc.putDouble(at, canonical(floating(acc.getDouble(at), in.getDouble(at), op, false)));
                break;
            default:
                location(acc, in, at, type, op == Op.Kind.MAXLOC);
        }
    }

    /** Our contract: a NaN result is the canonical NaN, whatever NaN the JVM produced. */
    private static float canonical(final float value)
    {
        return Float.isNaN(value) ? Float.intBitsToFloat(0x7fc00000) : value;
    }

    private static double canonical(final double value)
    {
        return Double.isNaN(value) ? Double.longBitsToDouble(0x7ff8000000000000L) : value;
    }

    private static long integer(final long a, final long b, final Op.Kind op)
    {
        switch (op)
        {
            case SUM: return a + b;
            case PROD: return a * b;
            case MIN: return Math.min(a, b);
            case MAX: return Math.max(a, b);
            case BAND: return a & b;
            case BOR: return a | b;
            case BXOR: return a ^ b;
            default: throw new AssertionError(op);
        }
    }

    private static double floating(final double a, final double b, final Op.Kind op, final boolean single)
    {
        switch (op)
        {
            case SUM: return single ? (float)a + (float)b : a + b;
            case PROD: return single ? (float)a * (float)b : a * b;
            case MIN: return single ? Math.min((float)a, (float)b) : Math.min(a, b);
            case MAX: return single ? Math.max((float)a, (float)b) : Math.max(a, b);
            default: throw new AssertionError(op);
        }
    }

    private static void location(final ByteBuffer acc, final ByteBuffer in, final int at, final Datatype type, final boolean max)
    {
        final double a;
        final double b;
        final int indexAt = at + type.indexOffset();
        switch (type)
        {
            case INT_INT: a = acc.getInt(at); b = in.getInt(at); break;
            case LONG_INT:
            {
                final int c = Long.compare(acc.getLong(at), in.getLong(at));
                a = c;
                b = 0;
                break;
            }
            case FLOAT_INT: a = acc.getFloat(at); b = in.getFloat(at); break;
            default: a = acc.getDouble(at); b = in.getDouble(at); break;
        }
        final boolean inBetter = max ? b > a : b < a;
        final boolean tie = a == b && in.getInt(indexAt) < acc.getInt(indexAt);
        if (inBetter || tie)
        {
            for (int i = 0; i < type.extent(); i++)
            {
                acc.put(at + i, in.get(at + i));
            }
        }
    }

    private static double specialDouble(final SplittableRandom random)
    {
        final double[] specials = {Double.NaN, -0.0, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE};
        return specials[random.nextInt(specials.length)];
    }

    private static int pick(final SplittableRandom random, final int... choices)
    {
        return choices[random.nextInt(choices.length)];
    }

    private static long pick(final SplittableRandom random, final long... choices)
    {
        return choices[random.nextInt(choices.length)];
    }
}
