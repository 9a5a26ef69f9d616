package io.smartmap.collectives;

import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;

/**
 * The reduction kernels of every predefined (datatype, operator), chosen once per JVM the way
 * Lucene's {@code VectorizationProvider} chooses its vector code: on JDK 22+ with the
 * {@code jdk.incubator.vector} module and the C2 compiler, SIMD kernels over
 * {@code java.lang.foreign.MemorySegment} at the widest vector shape the CPU offers (found at run time,
 * from {@code src/main/java22}, in {@code META-INF/versions/22} of the multi-release jar); otherwise
 * the scalar kernels. One table serves every algorithm, the two-copy baseline included.
 * <p>
 * Both give the same bits: every kernel is element-wise ({@code acc[i] = acc[i] op in[i]}, no
 * reordering of a fold), vector MIN/MAX follow {@link Math#min}/{@link Math#max} on NaN and -0.0, and
 * float/double results are canonicalised ({@link ReductionKernel#finish}).
 * <p>
 * Selection: the system property {@code smartmap.kernels} = {@code auto} (default), {@code vector}
 * (fails if unavailable) or {@code scalar}; per communicator with {@link CollectiveConfig#kernels}.
 * When the vector kernels are wanted but cannot run on a JDK 22+ for a reason the user can fix
 * (module not added, native access denied, a jar built on an older JDK), the scalar ones are used
 * and one warning says why; on JDK 17-21, with C2 disabled or on a CPU whose vectors are narrower
 * than 256 bits the scalar kernels are the design and the line is logged at DEBUG. The
 * flags the vector path needs: {@code --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED}
 * ({@code bin/smartmap-run} adds them to every rank).
 */
public abstract class KernelProvider
{
    /** The system property that forces {@code scalar} or {@code vector} kernels. */
    public static final String PROPERTY = "smartmap.kernels";
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    static final int VECTOR_MIN_FEATURE = 22;
    private static final String VECTOR_CLASS = "io.smartmap.collectives.VectorKernels";

    private final ReductionKernel[][] table = new ReductionKernel[Datatype.values().length][];

    /** Subclasses build their table in their own constructor ({@link #fillTable}): only this package makes them. */
    KernelProvider()
    {
    }

    /** @return the kernels this JVM uses unless a communicator's configuration says otherwise. */
    public static KernelProvider instance()
    {
        return Chosen.INSTANCE;
    }

    /** @return the scalar kernels (plain Java loops), available everywhere. */
    public static KernelProvider scalar()
    {
        return ScalarKernels.INSTANCE;
    }

    /**
     * @return the vector kernels.
     * @throws UnsupportedOperationException if they cannot run in this JVM; the message says why
     *                                       (JDK older than 22, module not added, C2 disabled, ...).
     */
    public static KernelProvider vector()
    {
        final Object vector = VectorHolder.VECTOR;
        if (vector instanceof KernelProvider)
        {
            return (KernelProvider)vector;
        }
        throw new UnsupportedOperationException("vector kernels unavailable: " + ((Unavailable)vector).reason);
    }

    /** @return what runs, e.g. {@code "vector 512-bit"} or {@code "scalar"} (the bench reports it). */
    public abstract String name();

    /**
     * The kernel of an operator on a datatype, over raw addresses of this process.
     *
     * @param datatype an element type the operator applies to.
     * @param op       a predefined or user-defined operator.
     * @return the kernel; a user-defined operator's kernel calls its function once per slice and is
     * not thread-safe (it reuses its views).
     * @throws IllegalArgumentException if either is null or the operator does not apply to the datatype.
     */
    public final ReductionKernel kernel(final Datatype datatype, final Op op)
    {
        if (datatype == null || op == null || !op.appliesTo(datatype))
        {
            throw new IllegalArgumentException("op does not apply to datatype: op=" + op + ", datatype=" + datatype);
        }
        return op.isUserDefined() ? user(datatype, op.function()) : table[datatype.ordinal()][op.kind().ordinal()];
    }

    @Override
    public String toString()
    {
        return name();
    }

    /**
     * {@code out[i] = left[i] op right[i]} for {@code i < count}, addresses of this process; {@code out}
     * may be {@code left} (then it is {@code acc = acc op in}), otherwise it overlaps neither input.
     */
    @FunctionalInterface
    interface Fold
    {
        void run(long out, long left, long right, int count);
    }

    /**
     * @return the fold of one predefined operator without NaN canonicalisation, or null if the
     * operator does not apply to the datatype.
     */
    abstract Fold fold(Datatype datatype, Op.Kind kind);

    /**
     * Store every NaN among {@code count} float ({@code single}) or double elements at
     * {@code address} as the canonical NaN; leave every other value's bits alone.
     */
    abstract void canonicalizeNaN(boolean single, long address, int count);

    /** Build the table from {@link #fold} and {@link #canonicalizeNaN}; subclasses call it once, last in their constructor. */
    final void fillTable()
    {
        for (final Datatype datatype : Datatype.values())
        {
            final ReductionKernel[] row = new ReductionKernel[Op.Kind.values().length];
            for (final Op.Kind kind : Op.Kind.values())
            {
                final Fold fold = kind == Op.Kind.USER ? null : fold(datatype, kind);
                row[kind.ordinal()] = fold == null ? null : new Predefined(fold, datatype, this);
            }
            table[datatype.ordinal()] = row;
        }
    }

    /** A kernel that calls a user function once per slice through reusable views. */
    private static ReductionKernel user(final Datatype datatype, final UserFunction function)
    {
        return new ReductionKernel()
        {
            private final UnsafeBuffer acc = new UnsafeBuffer(0, 0);
            private final UnsafeBuffer in = new UnsafeBuffer(0, 0);

            @Override
            public void apply(final long accAddress, final long inAddress, final int count)
            {
                final int bytes = count * datatype.extent();
                acc.wrap(accAddress, bytes);
                in.wrap(inAddress, bytes);
                function.apply(acc, in, count, datatype);
            }

            @Override
            public void combine(final long outAddress, final long leftAddress, final long rightAddress, final int count)
            {
                if (outAddress != leftAddress)
                {
                    UnsafeApi.copyMemory(leftAddress, outAddress, (long)count * datatype.extent());
                }
                apply(outAddress, rightAddress, count);
            }
        };
    }

    /**
     * A predefined operator's kernel: its {@link Fold} both ways, and for float and double a
     * {@link #finish} that stores every NaN of the final result as the canonical NaN. Java leaves the
     * payload and sign of a NaN result unspecified (JLS 15.18.2), C2 may swap the operands of a
     * commutative add, and a vector loop and its scalar tail may treat payloads differently; whether
     * a result is NaN is reproducible, so canonicalising once at the end gives the same bits
     * everywhere and keeps the fold loops free of checks.
     */
    private static final class Predefined implements ReductionKernel
    {
        private final Fold fold;
        private final boolean floating;
        private final boolean single;
        private final KernelProvider provider;

        Predefined(final Fold fold, final Datatype datatype, final KernelProvider provider)
        {
            this.fold = fold;
            this.floating = datatype == Datatype.FLOAT || datatype == Datatype.DOUBLE;
            this.single = datatype == Datatype.FLOAT;
            this.provider = provider;
        }

        @Override
        public void apply(final long accAddress, final long inAddress, final int count)
        {
            fold.run(accAddress, accAddress, inAddress, count);
        }

        @Override
        public void combine(final long outAddress, final long leftAddress, final long rightAddress, final int count)
        {
            fold.run(outAddress, leftAddress, rightAddress, count);
        }

        @Override
        public void finish(final long accAddress, final int count)
        {
            if (floating)
            {
                provider.canonicalizeNaN(single, accAddress, count);
            }
        }
    }

    /** Why the vector kernels cannot run here, and whether the user can fix it (then it is worth a warning). */
    private static final class Unavailable
    {
        final String reason;
        final boolean fixable;

        Unavailable(final String reason, final boolean fixable)
        {
            this.reason = reason;
            this.fixable = fixable;
        }
    }

    /**
     * The vector kernels if this JVM can run them, else {@link Unavailable}, found once. Every check
     * that needs no class of the vector path comes first, so JDK 17 never touches them.
     */
    private static final class VectorHolder
    {
        static final Object VECTOR = load();

        private static Object load()
        {
            final int feature = Runtime.version().feature();
            if (feature < VECTOR_MIN_FEATURE)
            {
                return new Unavailable("JDK " + feature + " is older than " + VECTOR_MIN_FEATURE +
                    " (java.lang.foreign is final from 22)", false);
            }
            final String vmInfo = System.getProperty("java.vm.info", "");
            if (vmInfo.contains("emulated-client") || vmInfo.contains("interpreted mode"))
            {
                return new Unavailable("the C2 compiler is disabled (java.vm.info: " + vmInfo +
                    "): vector code would run boxed", false);
            }
            if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty())
            {
                return new Unavailable("module " + VECTOR_MODULE + " not resolved: start the JVM with --add-modules=" +
                    VECTOR_MODULE, true);
            }
            try
            {
                return Class.forName(VECTOR_CLASS).getDeclaredConstructor().newInstance();
            }
            catch (final ClassNotFoundException ex)
            {
                return new Unavailable("this jar was built on a JDK older than " + VECTOR_MIN_FEATURE +
                    " (no META-INF/versions/22): rebuild with JDK " + VECTOR_MIN_FEATURE + "+", true);
            }
            catch (final InvocationTargetException ex)
            {
                if (ex.getCause() instanceof UnsupportedOperationException)
                {
                    return new Unavailable(ex.getCause().getMessage(), false); // this CPU: nothing to fix
                }
                return new Unavailable("the vector kernels failed to start: " + ex.getCause() +
                    " (native access denied? start the JVM with --enable-native-access=ALL-UNNAMED)", true);
            }
            catch (final ReflectiveOperationException | LinkageError | RuntimeException ex)
            {
                return new Unavailable("the vector kernels failed to load: " + ex +
                    " (native access denied? start the JVM with --enable-native-access=ALL-UNNAMED)", true);
            }
        }
    }

    /** The choice of {@link #instance()}: made once, logged once when the fast path is missed for a fixable reason. */
    private static final class Chosen
    {
        static final KernelProvider INSTANCE = choose();

        private static KernelProvider choose()
        {
            final String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
            switch (wanted)
            {
                case "scalar":
                    return scalar();
                case "vector":
                    return vector();
                case "auto":
                    break;
                default:
                    throw new IllegalArgumentException("unknown kernels: " + PROPERTY + "=" + wanted +
                        " (use auto, vector or scalar)");
            }
            final Object vector = VectorHolder.VECTOR;
            if (vector instanceof KernelProvider)
            {
                return (KernelProvider)vector;
            }
            // JDK 17-21, a C1-only JVM or a CPU without 256-bit vectors: scalar by design, said at DEBUG;
            // a fixable miss: one warning
            final Unavailable unavailable = (Unavailable)vector;
            System.getLogger(KernelProvider.class.getName()).log(
                unavailable.fixable ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                "smartmap: scalar reduction kernels, vector kernels unavailable: " + unavailable.reason);
            return scalar();
        }
    }
}
