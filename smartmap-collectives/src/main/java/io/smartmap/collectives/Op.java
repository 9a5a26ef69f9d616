package io.smartmap.collectives;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reduction operator (MPI 4.1 section 6.9.2): the predefined ones, or a user-defined
 * {@link UserFunction} made with {@link #create}. Every operator is associative; reductions fold
 * contributions in rank order 0..size-1 whatever the algorithm, so non-commutative operators are
 * safe too. Ranks must pass operators that agree: the same predefined constant, or user operators
 * created in the same order on every rank (their codes are compared like MPI handles).
 */
public final class Op
{
    enum Kind
    {
        SUM, PROD, MIN, MAX, BAND, BOR, BXOR, MINLOC, MAXLOC, USER
    }

    /** Sum; applies to every non-pair datatype (integers wrap around). */
    public static final Op SUM = new Op(Kind.SUM, true, null, Kind.SUM.ordinal() + 1);
    /** Product; applies to every non-pair datatype. */
    public static final Op PROD = new Op(Kind.PROD, true, null, Kind.PROD.ordinal() + 1);
    /** Minimum ({@link Math#min} for floating point: NaN wins, -0.0 is below 0.0). */
    public static final Op MIN = new Op(Kind.MIN, true, null, Kind.MIN.ordinal() + 1);
    /** Maximum ({@link Math#max} for floating point: NaN wins, 0.0 is above -0.0). */
    public static final Op MAX = new Op(Kind.MAX, true, null, Kind.MAX.ordinal() + 1);
    /** Bitwise and; integer datatypes only. */
    public static final Op BAND = new Op(Kind.BAND, true, null, Kind.BAND.ordinal() + 1);
    /** Bitwise or; integer datatypes only. */
    public static final Op BOR = new Op(Kind.BOR, true, null, Kind.BOR.ordinal() + 1);
    /** Bitwise exclusive or; integer datatypes only. */
    public static final Op BXOR = new Op(Kind.BXOR, true, null, Kind.BXOR.ordinal() + 1);
    /** Smallest value and its index, the smaller index on ties; pair datatypes only. */
    public static final Op MINLOC = new Op(Kind.MINLOC, true, null, Kind.MINLOC.ordinal() + 1);
    /** Largest value and its index, the smaller index on ties; pair datatypes only. */
    public static final Op MAXLOC = new Op(Kind.MAXLOC, true, null, Kind.MAXLOC.ordinal() + 1);

    private static final int FIRST_USER_CODE = 1000;
    private static final AtomicInteger NEXT_USER_CODE = new AtomicInteger(FIRST_USER_CODE);

    private final Kind kind;
    private final boolean commutative;
    private final UserFunction function;
    private final int code;

    private Op(final Kind kind, final boolean commutative, final UserFunction function, final int code)
    {
        this.kind = kind;
        this.commutative = commutative;
        this.function = function;
        this.code = code;
    }

    /**
     * A user-defined operator (MPI_Op_create). It must be associative; it may be non-commutative.
     *
     * @param function    the reduction of a slice, accumulator first.
     * @param commutative whether {@code a op b == b op a}.
     * @return the operator; its code is the order of creation in this JVM.
     * @throws IllegalArgumentException if {@code function} is null.
     */
    public static Op create(final UserFunction function, final boolean commutative)
    {
        if (function == null)
        {
            throw new IllegalArgumentException("user function must not be null: function=null");
        }
        return new Op(Kind.USER, commutative, function, NEXT_USER_CODE.getAndIncrement());
    }

    /** @return whether {@code a op b == b op a}. */
    public boolean isCommutative()
    {
        return commutative;
    }

    /** @return whether this operator was made with {@link #create}. */
    public boolean isUserDefined()
    {
        return kind == Kind.USER;
    }

    /** @return whether this is MINLOC or MAXLOC. */
    public boolean isLocation()
    {
        return kind == Kind.MINLOC || kind == Kind.MAXLOC;
    }

    /**
     * @param datatype an element type.
     * @return whether this operator is defined on it (MPI 4.1 section 6.9.2's table).
     */
    public boolean appliesTo(final Datatype datatype)
    {
        switch (kind)
        {
            case SUM:
            case PROD:
            case MIN:
            case MAX:
                return !datatype.isPair();
            case BAND:
            case BOR:
            case BXOR:
                return datatype.isInteger() && !datatype.isPair();
            case MINLOC:
            case MAXLOC:
                return datatype.isPair();
            default:
                return true;
        }
    }

    /**
     * The reduction kernel of this operator on a datatype from {@link KernelProvider#instance()}, over
     * raw addresses of this process (for benchmarks and custom algorithms; collectives use it internally).
     *
     * @param datatype an element type this operator applies to.
     * @return the kernel; a user-defined operator's kernel is not thread-safe (it reuses its views).
     * @throws IllegalArgumentException if the operator does not apply to the datatype.
     */
    public ReductionKernel kernel(final Datatype datatype)
    {
        return KernelProvider.instance().kernel(datatype, this);
    }

    /** @return the code stored in a control block's operation descriptor. */
    public int code()
    {
        return code;
    }

    Kind kind()
    {
        return kind;
    }

    UserFunction function()
    {
        return function;
    }

    @Override
    public String toString()
    {
        return kind == Kind.USER ? "USER(" + code + (commutative ? ", commutative)" : ", non-commutative)") : kind.name();
    }
}
