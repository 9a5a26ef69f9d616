package io.smartmap.bench.npb;

/**
 * NPB CG problem classes (NPB 3.3 {@code npbparams}, verification values from the NPB sources):
 * matrix order {@code na}, nonzeros per generated row vector {@code nonzer}, outer iterations,
 * the eigenvalue shift, and the official {@code zeta_verify_value}.
 */
enum CgClass
{
    S(1400, 7, 15, 10.0, 8.5971775078648),
    W(7000, 8, 15, 12.0, 10.362595087124),
    A(14000, 11, 15, 20.0, 17.130235054029);

    /** NPB's relative tolerance on zeta. */
    static final double EPSILON = 1.0e-10;
    /** Condition number of the generated matrix. */
    static final double RCOND = 0.1;
    /** Seed and multiplier of the matrix generator. */
    static final double SEED = 314159265.0;
    static final double MULTIPLIER = 1220703125.0;

    final int na;
    final int nonzer;
    final int niter;
    final double shift;
    final double zetaVerify;

    CgClass(final int na, final int nonzer, final int niter, final double shift, final double zetaVerify)
    {
        this.na = na;
        this.nonzer = nonzer;
        this.niter = niter;
        this.shift = shift;
        this.zetaVerify = zetaVerify;
    }

    /** @return NPB's operation count per run, for Mop/s. */
    double operations()
    {
        final double perRow = nonzer * (nonzer + 1.0);
        return 2.0 * niter * na * (3.0 + perRow + 25.0 * (5.0 + perRow) + 3.0);
    }
}
