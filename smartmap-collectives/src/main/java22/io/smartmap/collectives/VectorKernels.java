package io.smartmap.collectives;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.AND;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.OR;
import static jdk.incubator.vector.VectorOperators.XOR;

/**
 * The SIMD kernels (JDK 22+, {@code jdk.incubator.vector} over {@link MemorySegment}), at the CPU's
 * preferred vector shape, picked at run time (512-bit with AVX-512, 256-bit with AVX2; below 256
 * bits the scalar kernels are used, see {@link #MIN_VECTOR_BYTES}). Each kernel runs whole vectors
 * and leaves the last {@code count % lanes} elements to the scalar kernel of the same operator, so the
 * bits are the scalar ones: every operation is element-wise, {@code FloatVector.min/max} are
 * {@link Math#min}/{@link Math#max} lane by lane, and MINLOC/MAXLOC blend whole pairs under masks.
 * <p>
 * Why one loop per (datatype, operator) instead of one generic loop: the Vector API compiles to
 * SIMD instructions only where C2 sees the species and the operator as constants in the compiled
 * loop; a loop shared by several species or operators falls back to boxed vectors, 10-100x slower.
 * Each lambda below is its own class, so each loop is compiled on its own with its constants.
 * <p>
 * Addresses are raw addresses of this process (the segment's regions as mapped here, or direct
 * buffers): every access goes through one segment spanning the whole address space, made with
 * {@link MemorySegment#reinterpret(long)}, a restricted method (hence
 * {@code --enable-native-access=ALL-UNNAMED}). Callers guarantee the ranges, as with Unsafe.
 */
final class VectorKernels extends KernelProvider
{
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Bytes per vector: every preferred species has the same shape. */
    private static final int VB = B.vectorByteSize();
    /**
     * 256 bits at least: with SSE only (-XX:UseAVX=0 here) C2 has no SIMD form of float MIN/MAX or of the
     * MINLOC/MAXLOC blends, which then run boxed at 0.1-1 GB/s, far below the scalar kernels.
     */
    private static final int MIN_VECTOR_BYTES = 32;

    private static final int FLOAT_ABS = 0x7FFFFFFF;
    private static final int FLOAT_EXPONENT = 0x7F800000;
    private static final int FLOAT_CANONICAL_NAN = 0x7FC00000;
    private static final long DOUBLE_ABS = 0x7FFFFFFFFFFFFFFFL;
    private static final long DOUBLE_EXPONENT = 0x7FF0000000000000L;
    private static final long DOUBLE_CANONICAL_NAN = 0x7FF8000000000000L;

    /** Swaps the two longs of every 16-byte pair; the odd lanes (index and padding of a pair). */
    private static final VectorShuffle<Long> SWAP_PAIRS = VectorShuffle.fromOp(L, i -> i ^ 1);
    private static final VectorMask<Long> ODD_LANES = VectorMask.fromLong(L, 0xAAAAAAAAAAAAAAAAL);

    /** Whole vectors of {@code bytes} (a multiple of {@link #VB}): {@code out = left op right}. */
    @FunctionalInterface
    private interface Loop
    {
        void run(long out, long left, long right, long bytes);
    }

    /** Made by {@link KernelProvider}'s lookup, once, by reflection. */
    VectorKernels()
    {
        if (VB < MIN_VECTOR_BYTES)
        {
            throw new UnsupportedOperationException("the preferred vector shape is " + (VB * 8) +
                "-bit: below 256 bits (x86 without AVX) float MIN/MAX and MINLOC/MAXLOC do not compile to SIMD");
        }
        fillTable();
    }

    @Override
    public String name()
    {
        return "vector " + (VB * 8) + "-bit";
    }

    @Override
    Fold fold(final Datatype datatype, final Op.Kind kind)
    {
        final Fold tail = ScalarKernels.INSTANCE.fold(datatype, kind);
        if (tail == null)
        {
            return null;
        }
        final int extent = datatype.extent();
        final Loop loop;
        if (datatype.isPair())
        {
            // pairs are read as longs: the value-then-index layout below assumes little-endian
            loop = NATIVE == ByteOrder.LITTLE_ENDIAN ? location(datatype, kind == Op.Kind.MAXLOC) : null;
        }
        else if (kind == Op.Kind.BAND || kind == Op.Kind.BOR || kind == Op.Kind.BXOR)
        {
            loop = bitwise(kind);
        }
        else
        {
            loop = arithmetic(datatype, kind);
        }
        return loop == null ? tail : withTail(loop, tail, extent);
    }

    /** The vector loop over whole vectors, then the scalar kernel over the rest. */
    private static Fold withTail(final Loop loop, final Fold tail, final int extent)
    {
        final int lanesMask = VB / extent - 1; // lanes are a power of two: no division per call
        return (out, left, right, count) ->
        {
            final int main = count & ~lanesMask;
            final long bytes = (long)main * extent;
            loop.run(out, left, right, bytes);
            if (main < count)
            {
                tail.run(out + bytes, left + bytes, right + bytes, count - main);
            }
        };
    }

    // CHECKSTYLE:OFF one loop per line, as in ScalarKernels: the table is the abstraction
    private static Loop arithmetic(final Datatype datatype, final Op.Kind kind)
    {
        switch (datatype)
        {
            case BYTE:
                switch (kind)
                {
                    case SUM: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vb(a + o).add(vb(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case PROD: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vb(a + o).mul(vb(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MIN: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vb(a + o).min(vb(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MAX: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vb(a + o).max(vb(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    default: return null;
                }
            case INT:
                switch (kind)
                {
                    case SUM: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vi(a + o).add(vi(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case PROD: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vi(a + o).mul(vi(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MIN: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vi(a + o).min(vi(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MAX: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vi(a + o).max(vi(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    default: return null;
                }
            case LONG:
                switch (kind)
                {
                    case SUM: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vl(a + o).add(vl(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case PROD: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vl(a + o).mul(vl(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MIN: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vl(a + o).min(vl(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MAX: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vl(a + o).max(vl(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    default: return null;
                }
            case FLOAT:
                switch (kind)
                {
                    case SUM: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vf(a + o).add(vf(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case PROD: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vf(a + o).mul(vf(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MIN: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vf(a + o).min(vf(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MAX: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vf(a + o).max(vf(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    default: return null;
                }
            case DOUBLE:
                switch (kind)
                {
                    case SUM: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vd(a + o).add(vd(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case PROD: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vd(a + o).mul(vd(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MIN: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vd(a + o).min(vd(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    case MAX: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vd(a + o).max(vd(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
                    default: return null;
                }
            default:
                return null;
        }
    }

    /** BAND, BOR, BXOR of any integer type: bits are independent of element boundaries, so longs. */
    private static Loop bitwise(final Op.Kind kind)
    {
        switch (kind)
        {
            case BAND: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vl(a + o).lanewise(AND, vl(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
            case BOR: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vl(a + o).lanewise(OR, vl(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
            default: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) vl(a + o).lanewise(XOR, vl(b + o)).intoMemorySegment(ALL, c + o, NATIVE); };
        }
    }
    // CHECKSTYLE:ON

    /**
     * MINLOC/MAXLOC with masks and blends (MPI 4.1 section 6.9.4): take the incoming pair where its
     * value is better, or equal with a smaller index; NaN compares false both ways, so it keeps the
     * accumulator, as the scalar kernel does. The whole pair is blended, padding included.
     */
    private static Loop location(final Datatype datatype, final boolean max)
    {
        switch (datatype)
        {
            case INT_INT: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) intIntPairs(c + o, a + o, b + o, max); };
            case FLOAT_INT: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) floatIntPairs(c + o, a + o, b + o, max); };
            case LONG_INT: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) longIntPairs(c + o, a + o, b + o, max); };
            case DOUBLE_INT: return (c, a, b, e) -> { for (long o = 0; o < e; o += VB) doubleIntPairs(c + o, a + o, b + o, max); };
            default: return null;
        }
    }

    /** {int value; int index} as one long per pair: value in the low half, index in the high half. */
    private static void intIntPairs(final long c, final long a, final long b, final boolean max)
    {
        final LongVector acc = vl(a);
        final LongVector in = vl(b);
        // value << 32 orders as the int value does (signed); index >> 32 is the index sign-extended
        final LongVector accValue = acc.lanewise(LSHL, 32);
        final LongVector inValue = in.lanewise(LSHL, 32);
        final VectorMask<Long> better = max ? accValue.compare(LT, inValue) : inValue.compare(LT, accValue);
        final VectorMask<Long> tie = accValue.compare(EQ, inValue).and(in.lanewise(ASHR, 32).compare(LT, acc.lanewise(ASHR, 32)));
        acc.blend(in, better.or(tie)).intoMemorySegment(ALL, c, NATIVE);
    }

    /** {float value; int index}: the float comparisons of the even float lanes, moved into long lanes. */
    private static void floatIntPairs(final long c, final long a, final long b, final boolean max)
    {
        final LongVector acc = vl(a);
        final LongVector in = vl(b);
        final FloatVector accValue = vf(a);
        final FloatVector inValue = vf(b);
        final VectorMask<Long> better = lowHalf(max ? accValue.compare(LT, inValue) : inValue.compare(LT, accValue));
        final VectorMask<Long> tie = lowHalf(accValue.compare(EQ, inValue)).and(in.lanewise(ASHR, 32).compare(LT, acc.lanewise(ASHR, 32)));
        acc.blend(in, better.or(tie)).intoMemorySegment(ALL, c, NATIVE);
    }

    /** {long value; int index; pad}: even long lanes hold values, odd ones index and padding. */
    private static void longIntPairs(final long c, final long a, final long b, final boolean max)
    {
        final LongVector acc = vl(a);
        final LongVector in = vl(b);
        final LongVector better = (max ? acc.compare(LT, in) : in.compare(LT, acc)).toVector().reinterpretAsLongs();
        final LongVector equal = acc.compare(EQ, in).toVector().reinterpretAsLongs();
        acc.blend(in, takeWholePairs(better, equal, acc, in)).intoMemorySegment(ALL, c, NATIVE);
    }

    /** {double value; int index; pad}: as {@link #longIntPairs} with double comparisons of the even lanes. */
    private static void doubleIntPairs(final long c, final long a, final long b, final boolean max)
    {
        final LongVector acc = vl(a);
        final LongVector in = vl(b);
        final DoubleVector accValue = vd(a);
        final DoubleVector inValue = vd(b);
        final LongVector better = (max ? accValue.compare(LT, inValue) : inValue.compare(LT, accValue)).cast(L).toVector().reinterpretAsLongs();
        final LongVector equal = accValue.compare(EQ, inValue).cast(L).toVector().reinterpretAsLongs();
        acc.blend(in, takeWholePairs(better, equal, acc, in)).intoMemorySegment(ALL, c, NATIVE);
    }

    /**
     * For 16-byte pairs: {@code better} and {@code equal} (all ones or zero) are valid in the even
     * lanes, the index comparison in the odd lanes (index in the low half, compared shifted left).
     * Combine each even lane with its odd neighbour and spread the decision over both lanes.
     */
    private static VectorMask<Long> takeWholePairs(final LongVector better, final LongVector equal, final LongVector acc, final LongVector in)
    {
        final LongVector indexLess = in.lanewise(LSHL, 32).compare(LT, acc.lanewise(LSHL, 32)).toVector().reinterpretAsLongs();
        final LongVector take = better.or(equal.and(indexLess.rearrange(SWAP_PAIRS))); // valid in even lanes
        return take.blend(take.rearrange(SWAP_PAIRS), ODD_LANES).compare(NE, 0);
    }

    /** A float-lane mask to a long-lane mask of its even (low-half) float lanes. */
    private static VectorMask<Long> lowHalf(final VectorMask<Float> mask)
    {
        return mask.cast(I).toVector().reinterpretAsLongs().lanewise(LSHL, 32).compare(NE, 0);
    }

    /** Read-mostly: a vector is written back only if it holds a NaN; the tail goes to the scalar pass. */
    @Override
    void canonicalizeNaN(final boolean single, final long address, final int count)
    {
        final int extent = single ? 4 : 8;
        final int main = count & -(VB / extent);
        final long end = (long)main * extent;
        if (single)
        {
            for (long o = 0; o < end; o += VB)
            {
                final IntVector bits = vi(address + o);
                final VectorMask<Integer> nan = bits.lanewise(AND, FLOAT_ABS).compare(GT, FLOAT_EXPONENT);
                if (nan.anyTrue())
                {
                    bits.blend(FLOAT_CANONICAL_NAN, nan).intoMemorySegment(ALL, address + o, NATIVE);
                }
            }
        }
        else
        {
            for (long o = 0; o < end; o += VB)
            {
                final LongVector bits = vl(address + o);
                final VectorMask<Long> nan = bits.lanewise(AND, DOUBLE_ABS).compare(GT, DOUBLE_EXPONENT);
                if (nan.anyTrue())
                {
                    bits.blend(DOUBLE_CANONICAL_NAN, nan).intoMemorySegment(ALL, address + o, NATIVE);
                }
            }
        }
        if (main < count)
        {
            ScalarKernels.INSTANCE.canonicalizeNaN(single, address + end, count - main);
        }
    }

    /** {@code vb}, {@code vi}, {@code vl}, {@code vf}, {@code vd}: the vector of bytes, ints, ... at an address. */
    private static ByteVector vb(final long address)
    {
        return ByteVector.fromMemorySegment(B, ALL, address, NATIVE);
    }

    private static IntVector vi(final long address)
    {
        return IntVector.fromMemorySegment(I, ALL, address, NATIVE);
    }

    private static LongVector vl(final long address)
    {
        return LongVector.fromMemorySegment(L, ALL, address, NATIVE);
    }

    private static FloatVector vf(final long address)
    {
        return FloatVector.fromMemorySegment(F, ALL, address, NATIVE);
    }

    private static DoubleVector vd(final long address)
    {
        return DoubleVector.fromMemorySegment(D, ALL, address, NATIVE);
    }
}
