package io.smartmap.collectives;

import io.smartmap.core.Jvm;
import io.smartmap.core.launch.JvmFlags;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The kernels of {@link KernelProvider#instance()} (vector on JDK 22+ with the module, as surefire
 * runs them there; scalar on JDK 17) against the sequential model, bit for bit: generated datatypes,
 * operators, counts 0..100,000, 1..8 contributions folded in rank order, accumulator and inputs at
 * independent misaligned offsets, awkward values (NaN with payloads, -0.0, infinities, extreme
 * integers). The scalar kernels are checked the same way, so both paths stay proven on either JDK.
 */
class KernelPropertiesTest
{
    private static final int EXAMPLES = Integer.getInteger("smartmap.properties.examples", 40);
    private static final Op[] PREDEFINED = {Op.SUM, Op.PROD, Op.MIN, Op.MAX, Op.BAND, Op.BOR, Op.BXOR, Op.MINLOC, Op.MAXLOC};
    private static final int FLOAT_CANONICAL_NAN = 0x7FC00000;
    private static final long DOUBLE_CANONICAL_NAN = 0x7FF8000000000000L;

    @Test
    void shouldPickVectorKernelsExactlyWhereTheJvmCanRunThem()
    {
        final boolean canRun = Runtime.version().feature() >= KernelProvider.VECTOR_MIN_FEATURE &&
            ModuleLayer.boot().findModule(KernelProvider.VECTOR_MODULE).isPresent() &&
            !System.getProperty("java.vm.info", "").contains("emulated-client") && preferredVectorBits() >= 256;
        if (canRun)
        {
            assertTrue(KernelProvider.instance().name().matches("vector \\d+-bit"), KernelProvider.instance().name());
            assertSame(KernelProvider.vector(), KernelProvider.instance());
        }
        else
        {
            assertEquals("scalar", KernelProvider.instance().name());
            final UnsupportedOperationException ex = assertThrows(UnsupportedOperationException.class, KernelProvider::vector);
            assertTrue(ex.getMessage().startsWith("vector kernels unavailable: "), ex.getMessage());
        }
        assertEquals("scalar", KernelProvider.scalar().name());
    }

    @Test
    void instanceKernelsMatchTheRankOrderModelBitForBit()
    {
        qt().withExamples(EXAMPLES * 5).withShrinkCycles(20)
            .forAll(integers().between(1, 8), integers().between(0, 100_000), longs().all())
            .checkAssert((ranks, count, seed) -> check(KernelProvider.instance(), ranks, count, seed));
    }

    @Test
    void scalarKernelsMatchTheRankOrderModelBitForBit()
    {
        qt().withExamples(EXAMPLES * 2).withShrinkCycles(20)
            .forAll(integers().between(1, 8), integers().between(0, 20_000), longs().all())
            .checkAssert((ranks, count, seed) -> check(KernelProvider.scalar(), ranks, count, seed));
    }

    /** Every predefined (datatype, op) at least once, at a count with a vector part and a tail. */
    @ParameterizedTest
    @EnumSource(Datatype.class)
    void everyPredefinedOperatorMatchesTheModel(final Datatype datatype)
    {
        for (final Op op : PREDEFINED)
        {
            if (op.appliesTo(datatype))
            {
                for (final int count : new int[] {1, 7, 64, 1000, 4099})
                {
                    for (long seed = 0; seed < 3; seed++) // each first step: copy + apply, combine, combine in place
                    {
                        fold(KernelProvider.instance(), datatype, op, 3, count, 3 * (count + op.code()) + seed, 5, 13);
                    }
                }
            }
        }
    }

    /**
     * Vector MIN/MAX follow {@link Math#min}/{@link Math#max}: NaN wins over anything, -0.0 is below
     * 0.0 (whichever operand it is). Each case sits at every lane position of the vector part.
     */
    @Test
    void minAndMaxFollowMathOnNaNAndSignedZero()
    {
        final double[][] cases = {
            {Double.NaN, 1.0}, {1.0, Double.NaN}, {-0.0, 0.0}, {0.0, -0.0}, {Double.NaN, Double.NEGATIVE_INFINITY},
            {Double.POSITIVE_INFINITY, Double.NaN}, {-0.0, -0.0}, {-1.0, -0.0}, {Double.MIN_VALUE, -0.0}};
        final int count = 256;
        for (final KernelProvider provider : providers())
        {
            for (final double[] pair : cases)
            {
                for (final boolean single : new boolean[] {true, false})
                {
                    final Datatype datatype = single ? Datatype.FLOAT : Datatype.DOUBLE;
                    final int extent = datatype.extent();
                    for (final Op op : new Op[] {Op.MIN, Op.MAX})
                    {
                        final UnsafeBuffer acc = buffer(count * extent);
                        final UnsafeBuffer in = buffer(count * extent);
                        for (int i = 0; i < count; i++)
                        {
                            put(acc, i, single, pair[0]);
                            put(in, i, single, pair[1]);
                        }
                        final ReductionKernel kernel = provider.kernel(datatype, op);
                        kernel.apply(acc.addressOffset(), in.addressOffset(), count);
                        kernel.finish(acc.addressOffset(), count);
                        Reference.reachabilityFence(in);
                        final double expected = op == Op.MIN ? Math.min(pair[0], pair[1]) : Math.max(pair[0], pair[1]);
                        for (int i = 0; i < count; i++)
                        {
                            final String what = provider + " " + datatype + " " + op + "(" + pair[0] + ", " + pair[1] + ") at " + i;
                            if (single)
                            {
                                assertEquals(Float.floatToIntBits((float)expected), acc.getInt(i * 4), what);
                            }
                            else
                            {
                                assertEquals(Double.doubleToLongBits(expected), acc.getLong(i * 8), what);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Every NaN bit pattern becomes the canonical NaN; every other value keeps its bits (vector part and tail). */
    @Test
    void finishCanonicalisesEveryNaNAndNothingElse()
    {
        final int[] floats = {0x7F800001, 0xFFC00000, 0x7FFFFFFF, 0xFFFFFFFF, 0x7FC00001, 0x7F800000, 0xFF800000,
            0x80000000, 0, 0x3F800000, 0x7F7FFFFF};
        final long[] doubles = {0x7FF0000000000001L, 0xFFF8000000000000L, 0x7FFFFFFFFFFFFFFFL, -1L, 0x7FF8000000000001L,
            0x7FF0000000000000L, 0xFFF0000000000000L, Long.MIN_VALUE, 0, 0x3FF0000000000000L, 0x7FEFFFFFFFFFFFFFL};
        final int count = 1003;
        for (final KernelProvider provider : providers())
        {
            final UnsafeBuffer f = buffer(count * 4);
            final UnsafeBuffer d = buffer(count * 8);
            for (int i = 0; i < count; i++)
            {
                f.putInt(i * 4, floats[i % floats.length]);
                d.putLong(i * 8, doubles[i % doubles.length]);
            }
            provider.kernel(Datatype.FLOAT, Op.SUM).finish(f.addressOffset(), count);
            provider.kernel(Datatype.DOUBLE, Op.SUM).finish(d.addressOffset(), count);
            for (int i = 0; i < count; i++)
            {
                final int fb = floats[i % floats.length];
                final long db = doubles[i % doubles.length];
                assertEquals(Float.isNaN(Float.intBitsToFloat(fb)) ? FLOAT_CANONICAL_NAN : fb, f.getInt(i * 4), provider + " float at " + i);
                assertEquals(Double.isNaN(Double.longBitsToDouble(db)) ? DOUBLE_CANONICAL_NAN : db, d.getLong(i * 8), provider + " double at " + i);
            }
        }
    }

    /**
     * Started without {@code --add-modules=jdk.incubator.vector}, a JVM uses the scalar kernels; on
     * JDK 22+ it says why in exactly one warning, on older JDKs (where scalar is the design) it says nothing.
     */
    @Test
    void shouldFallBackToScalarAndSayOnceWhenTheModuleIsAbsent() throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of(Jvm.javaExecutable()));
        for (final String flag : JvmFlags.all())
        {
            if (!flag.equals(JvmFlags.ADD_VECTOR_MODULE))
            {
                command.add(flag);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelProbe.class.getName()));
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("JDK_JAVA_OPTIONS");
        final Process process = builder.start();
        final String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), stdout + stderr);
        assertEquals(List.of("scalar", "scalar", "41.0"), stdout.lines().toList(), stdout + stderr);
        final long warnings = stderr.lines().filter(l -> l.contains("scalar reduction kernels, vector kernels unavailable")).count();
        if (Runtime.version().feature() >= KernelProvider.VECTOR_MIN_FEATURE)
        {
            assertEquals(1, warnings, stderr);
            assertTrue(stderr.contains("--add-modules=jdk.incubator.vector"), stderr);
        }
        else
        {
            assertEquals(0, warnings, stderr);
        }
    }

    /** Asks for the kernels twice and uses one: prints the provider's name twice and a sum. */
    static final class KernelProbe
    {
        public static void main(final String[] args)
        {
            System.out.println(KernelProvider.instance().name());
            System.out.println(KernelProvider.instance().name());
            final UnsafeBuffer acc = buffer(8);
            final UnsafeBuffer in = buffer(8);
            acc.putDouble(0, 40.0);
            in.putDouble(0, 1.0);
            Op.SUM.kernel(Datatype.DOUBLE).apply(acc.addressOffset(), in.addressOffset(), 1);
            Reference.reachabilityFence(in);
            System.out.println(acc.getDouble(0));
        }
    }

    /** The CPU's preferred vector size as the Vector API sees it (by reflection: this test compiles for Java 17). */
    private static int preferredVectorBits()
    {
        try
        {
            final Object shape = Class.forName("jdk.incubator.vector.VectorShape").getMethod("preferredShape").invoke(null);
            return (Integer)shape.getClass().getMethod("vectorBitSize").invoke(shape);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new AssertionError("the vector module is resolved but its API is not reachable", ex);
        }
    }

    private static void check(final KernelProvider provider, final int ranks, final int count, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Datatype datatype = Datatype.values()[random.nextInt(Datatype.values().length)];
        final List<Op> ops = new ArrayList<>();
        for (final Op op : PREDEFINED)
        {
            if (op.appliesTo(datatype))
            {
                ops.add(op);
            }
        }
        final Op op = ops.get(random.nextInt(ops.size()));
        fold(provider, datatype, op, ranks, count, seed, random.nextInt(64), random.nextInt(64));
    }

    /**
     * Fold {@code ranks} contributions with the provider's kernel as the algorithms do (rank 0 and 1
     * combined, or rank 0 copied and rank 1 applied; then ranks 2.. applied; finish once if more than
     * one) and compare with {@link Model#reduce}.
     */
    private static void fold(final KernelProvider provider, final Datatype datatype, final Op op, final int ranks,
        final int count, final long seed, final int accMisalignment, final int inMisalignment)
    {
        final int bytes = count * datatype.extent();
        final byte[][] contributions = new byte[ranks][];
        for (int r = 0; r < ranks; r++)
        {
            contributions[r] = withNaNPayloads(Model.values(seed, r, count, datatype, op), datatype, seed + r);
        }
        final byte[] expected = Model.reduce(contributions, count, datatype, op);

        final UnsafeBuffer acc = new UnsafeBuffer(buffer(bytes + 64), accMisalignment, bytes);
        final UnsafeBuffer in = new UnsafeBuffer(buffer(bytes + 64), inMisalignment, bytes);
        final ReductionKernel kernel = provider.kernel(datatype, op);
        // the first step three ways, by seed: copy then apply; combine into a third buffer; combine in place
        final int firstStep = ranks > 1 ? Math.floorMod(seed, 3) : 0;
        UnsafeBuffer left = null;
        if (firstStep == 1)
        {
            left = new UnsafeBuffer(buffer(bytes + 64), (accMisalignment + 17) % 64, bytes);
            left.putBytes(0, contributions[0]);
            in.putBytes(0, contributions[1]);
            kernel.combine(acc.addressOffset(), left.addressOffset(), in.addressOffset(), count);
        }
        else if (firstStep == 2)
        {
            acc.putBytes(0, contributions[0]);
            in.putBytes(0, contributions[1]);
            kernel.combine(acc.addressOffset(), acc.addressOffset(), in.addressOffset(), count);
        }
        else
        {
            acc.putBytes(0, contributions[0]);
        }
        for (int r = firstStep == 0 ? 1 : 2; r < ranks; r++)
        {
            in.putBytes(0, contributions[r]);
            kernel.apply(acc.addressOffset(), in.addressOffset(), count);
        }
        if (ranks > 1)
        {
            kernel.finish(acc.addressOffset(), count);
        }
        Reference.reachabilityFence(in); // the kernels saw only addresses: keep the memory until they are done
        Reference.reachabilityFence(left);
        final byte[] actual = new byte[bytes];
        acc.getBytes(0, actual);
        assertArrayEquals(expected, actual, () -> provider + " " + datatype + " " + op + " ranks=" + ranks + " count=" +
            count + " seed=" + seed + " misalignment=" + accMisalignment + "/" + inMisalignment + ": first difference at byte " +
            firstDifference(expected, actual));
    }

    /** Replace some float/double values by NaNs with other payloads and signs than {@code Double.NaN}'s. */
    private static byte[] withNaNPayloads(final byte[] values, final Datatype datatype, final long seed)
    {
        if (datatype != Datatype.FLOAT && datatype != Datatype.DOUBLE)
        {
            return values;
        }
        final SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        final ByteBuffer buffer = ByteBuffer.wrap(values).order(ByteOrder.nativeOrder());
        final int extent = datatype.extent();
        for (int at = 0; at + extent <= values.length; at += extent)
        {
            if (random.nextInt(64) == 0)
            {
                if (extent == 4)
                {
                    buffer.putInt(at, 0x7F800000 | (random.nextBoolean() ? 0x80000000 : 0) | (1 + random.nextInt(0x7FFFFF)));
                }
                else
                {
                    buffer.putLong(at, 0x7FF0000000000000L | (random.nextBoolean() ? Long.MIN_VALUE : 0) |
                        (1 + random.nextLong(0xFFFFFFFFFFFFFL)));
                }
            }
        }
        return values;
    }

    private static int firstDifference(final byte[] expected, final byte[] actual)
    {
        for (int i = 0; i < expected.length; i++)
        {
            if (expected[i] != actual[i])
            {
                return i;
            }
        }
        return -1;
    }

    private static List<KernelProvider> providers()
    {
        return KernelProvider.instance() == KernelProvider.scalar() ?
            List.of(KernelProvider.scalar()) : List.of(KernelProvider.instance(), KernelProvider.scalar());
    }

    private static UnsafeBuffer buffer(final int bytes)
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(64, (bytes + 63) & ~63), 64));
    }

    private static void put(final UnsafeBuffer buffer, final int index, final boolean single, final double value)
    {
        if (single)
        {
            buffer.putFloat(index * 4, (float)value);
        }
        else
        {
            buffer.putDouble(index * 8, value);
        }
    }
}
