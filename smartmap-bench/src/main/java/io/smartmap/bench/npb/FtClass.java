package io.smartmap.bench.npb;

/**
 * NPB FT problem classes (NPB 3.3 {@code npbparams}) with NPB's published per-iteration
 * checksums ({@code verify} in the NPB sources): grid {@code nx x ny x nz}, 6 iterations.
 */
enum FtClass
{
    S(64, 64, 64,
        new double[] {5.546087004964e+02, 5.546385409189e+02, 5.546148406171e+02, 5.545423607415e+02,
            5.544255039624e+02, 5.542683411902e+02},
        new double[] {4.845363331978e+02, 4.865304269511e+02, 4.883910722336e+02, 4.901273169046e+02,
            4.917475857993e+02, 4.932597244941e+02}),
    W(128, 128, 32,
        new double[] {5.673612178944e+02, 5.631436885271e+02, 5.594024089970e+02, 5.560698047020e+02,
            5.530898991250e+02, 5.504159734538e+02},
        new double[] {5.293246849175e+02, 5.282149986629e+02, 5.270996558037e+02, 5.260027904925e+02,
            5.249400845633e+02, 5.239212247086e+02}),
    A(256, 256, 128,
        new double[] {5.046735008193e+02, 5.059412319734e+02, 5.069376896287e+02, 5.077892868474e+02,
            5.085233095391e+02, 5.091487099959e+02},
        new double[] {5.114047905510e+02, 5.098809666433e+02, 5.098144042213e+02, 5.101336130759e+02,
            5.104914655194e+02, 5.107917842803e+02});

    /** NPB's relative tolerance on each checksum component. */
    static final double EPSILON = 1.0e-12;
    static final double SEED = 314159265.0;
    static final double MULTIPLIER = 1220703125.0;
    static final double ALPHA = 1.0e-6;

    final int nx;
    final int ny;
    final int nz;
    final double[] checksumReal;
    final double[] checksumImag;

    FtClass(final int nx, final int ny, final int nz, final double[] checksumReal, final double[] checksumImag)
    {
        this.nx = nx;
        this.ny = ny;
        this.nz = nz;
        this.checksumReal = checksumReal;
        this.checksumImag = checksumImag;
    }

    int iterations()
    {
        return checksumReal.length;
    }

    long total()
    {
        return (long)nx * ny * nz;
    }

    /** @return NPB's operation count, for Mop/s. */
    double operations()
    {
        final double n = total();
        return n * (14.8157 + 7.19641 * Math.log(n) + (5.23518 + 7.21113 * Math.log(n)) * iterations());
    }
}
