package io.smartmap.bench.npb;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;
import io.smartmap.core.RegionBuffer;
import org.jtransforms.fft.DoubleFFT_1D;
import pl.edu.icm.jlargearrays.ConcurrencyUtils;

import java.nio.DoubleBuffer;

/**
 * NPB FT (NPB 3.3): solve a 3-D diffusion PDE spectrally. The initial field comes from NPB's
 * random stream; it is transformed once, then each iteration multiplies the spectrum by
 * {@code exp(-4 alpha pi^2 (i^2 + j^2 + k^2))}, transforms back and takes NPB's checksum.
 * <p>
 * Slab decomposition: rank r owns z-planes {@code [r nz/P, (r+1) nz/P)} for the x and y
 * transforms ("layout A", {@code [z][y][x]}) and y-rows {@code [r ny/P, (r+1) ny/P)} for the z
 * transform ("layout B", {@code [y][z][x]}); the transposes between them are one
 * {@code allToAll} each, straight between region buffers. 1-D transforms are JTransforms' (one
 * thread per rank). NPB's forward transform uses {@code e^{+i}} and neither direction scales,
 * which is JTransforms' unscaled inverse and forward respectively.
 */
final class FourierTransform
{
    private final Communicator comm;
    private final FtClass problem;
    private final Algorithm algorithm;
    private final double seed;
    private final int nx;
    private final int ny;
    private final int nz;
    private final int ranks;
    private final int planes;
    private final int rows;
    private final int blockDoubles;
    private final double[] slabA;
    private final double[] spectrum;
    private final double[] work;
    private final double[] twiddle;
    private final double[] line;
    private final RegionBuffer send;
    private final RegionBuffer recv;
    private final DoubleBuffer sendView;
    private final DoubleBuffer recvView;
    private final DoubleFFT_1D fftX;
    private final DoubleFFT_1D fftY;
    private final DoubleFFT_1D fftZ;
    private final double[] sumIn = new double[2];
    private final double[] sumOut = new double[2];
    private long collectiveNs;

    FourierTransform(final Communicator comm, final FtClass problem, final Algorithm algorithm, final double seed)
    {
        ConcurrencyUtils.setNumberOfThreads(1);
        this.comm = comm;
        this.problem = problem;
        this.algorithm = algorithm;
        this.seed = seed;
        this.nx = problem.nx;
        this.ny = problem.ny;
        this.nz = problem.nz;
        this.ranks = comm.getSize();
        if (nz % ranks != 0 || ny % ranks != 0)
        {
            throw new IllegalArgumentException("FT needs ranks dividing ny and nz: ranks=" + ranks + ", ny=" + ny +
                ", nz=" + nz);
        }
        this.planes = nz / ranks;
        this.rows = ny / ranks;
        final int local = planes * ny * nx * 2;
        this.blockDoubles = planes * rows * nx * 2;
        this.slabA = new double[local];
        this.spectrum = new double[local];
        this.work = new double[local];
        this.twiddle = new double[local / 2];
        this.line = new double[2 * Math.max(nx, Math.max(ny, nz))];
        this.send = comm.allocate(local, Datatype.DOUBLE);
        this.recv = comm.allocate(local, Datatype.DOUBLE);
        this.sendView = send.asDoubleBuffer();
        this.recvView = recv.asDoubleBuffer();
        this.fftX = new DoubleFFT_1D(nx);
        this.fftY = new DoubleFFT_1D(ny);
        this.fftZ = new DoubleFFT_1D(nz);
        computeTwiddle();
    }

    long collectiveNs()
    {
        return collectiveNs;
    }

    /** Initial conditions and the forward transform into {@link #spectrum} (layout B). */
    void initialize()
    {
        initialConditions();
        transformXY(true);
        transposeAtoB();
        transformZ(work, true);
        System.arraycopy(work, 0, spectrum, 0, work.length);
    }

    /**
     * One time step: evolve the spectrum, transform back, checksum.
     *
     * @return the checksum {real, imaginary} (the same on every rank).
     */
    double[] step()
    {
        for (int p = 0, c = 0; c < twiddle.length; c++, p += 2)
        {
            spectrum[p] *= twiddle[c];
            spectrum[p + 1] *= twiddle[c];
        }
        System.arraycopy(spectrum, 0, work, 0, work.length);
        transformZ(work, false);
        transposeBtoA();
        transformXY(false);
        return checksum();
    }

    /** NPB's random field, one continuous stream over [z][y][x] (real, imaginary), jumped to this rank's planes. */
    private void initialConditions()
    {
        final int firstPlane = comm.getRank() * planes;
        final double perPlane = NpbRandom.power(FtClass.MULTIPLIER, 2L * nx * ny);
        final NpbRandom start = new NpbRandom(seed);
        start.next(NpbRandom.power(FtClass.MULTIPLIER, 2L * nx * ny * firstPlane));
        for (int plane = 0; plane < planes; plane++)
        {
            final NpbRandom stream = new NpbRandom(start.seed());
            final int base = plane * ny * nx * 2;
            for (int k = 0; k < ny * nx * 2; k++)
            {
                slabA[base + k] = stream.next(FtClass.MULTIPLIER);
            }
            start.next(perPlane);
        }
    }

    /** exp(-4 alpha pi^2 (ii^2 + jj^2 + kk^2)) for layout B, with NPB's folded frequencies. */
    private void computeTwiddle()
    {
        final double ap = -4.0 * FtClass.ALPHA * Math.PI * Math.PI;
        final int firstRow = comm.getRank() * rows;
        for (int jl = 0; jl < rows; jl++)
        {
            final int jj = folded(firstRow + jl, ny);
            for (int k = 0; k < nz; k++)
            {
                final int kk = folded(k, nz);
                for (int i = 0; i < nx; i++)
                {
                    final int ii = folded(i, nx);
                    twiddle[(jl * nz + k) * nx + i] = Math.exp(ap * (ii * ii + jj * jj + kk * kk));
                }
            }
        }
    }

    private static int folded(final int index, final int n)
    {
        return (index + n / 2) % n - n / 2;
    }

    /** x then y transforms (forward) or y then x (backward) on layout A in {@link #slabA}. */
    private void transformXY(final boolean forward)
    {
        for (int plane = 0; plane < planes; plane++)
        {
            final int base = plane * ny * nx * 2;
            if (forward)
            {
                transformRows(base, forward);
                transformColumns(base, forward);
            }
            else
            {
                transformColumns(base, forward);
                transformRows(base, forward);
            }
        }
    }

    private void transformRows(final int base, final boolean forward)
    {
        for (int j = 0; j < ny; j++)
        {
            apply(fftX, slabA, base + j * nx * 2, forward);
        }
    }

    private void transformColumns(final int base, final boolean forward)
    {
        for (int i = 0; i < nx; i++)
        {
            for (int j = 0; j < ny; j++)
            {
                line[2 * j] = slabA[base + (j * nx + i) * 2];
                line[2 * j + 1] = slabA[base + (j * nx + i) * 2 + 1];
            }
            apply(fftY, line, 0, forward);
            for (int j = 0; j < ny; j++)
            {
                slabA[base + (j * nx + i) * 2] = line[2 * j];
                slabA[base + (j * nx + i) * 2 + 1] = line[2 * j + 1];
            }
        }
    }

    /** z transforms on layout B ({@code [y][z][x]}). */
    private void transformZ(final double[] b, final boolean forward)
    {
        for (int jl = 0; jl < rows; jl++)
        {
            for (int i = 0; i < nx; i++)
            {
                for (int k = 0; k < nz; k++)
                {
                    line[2 * k] = b[((jl * nz + k) * nx + i) * 2];
                    line[2 * k + 1] = b[((jl * nz + k) * nx + i) * 2 + 1];
                }
                apply(fftZ, line, 0, forward);
                for (int k = 0; k < nz; k++)
                {
                    b[((jl * nz + k) * nx + i) * 2] = line[2 * k];
                    b[((jl * nz + k) * nx + i) * 2 + 1] = line[2 * k + 1];
                }
            }
        }
    }

    /** NPB forward = e^{+i}, unscaled: JTransforms' unscaled inverse; NPB backward = JTransforms' forward. */
    private static void apply(final DoubleFFT_1D fft, final double[] data, final int offset, final boolean forward)
    {
        if (forward)
        {
            fft.complexInverse(data, offset, false);
        }
        else
        {
            fft.complexForward(data, offset);
        }
    }

    /** Layout A (my z-planes, all y) to layout B (my y-rows, all z) in {@link #work}. */
    private void transposeAtoB()
    {
        final int row = nx * 2;
        for (int q = 0; q < ranks; q++)
        {
            for (int plane = 0; plane < planes; plane++)
            {
                for (int jl = 0; jl < rows; jl++)
                {
                    sendView.put(q * blockDoubles + (plane * rows + jl) * row, slabA,
                        (plane * ny + q * rows + jl) * row, row);
                }
            }
        }
        allToAll();
        for (int r = 0; r < ranks; r++)
        {
            for (int plane = 0; plane < planes; plane++)
            {
                for (int jl = 0; jl < rows; jl++)
                {
                    recvView.get(r * blockDoubles + (plane * rows + jl) * row, work,
                        (jl * nz + r * planes + plane) * row, row);
                }
            }
        }
    }

    /** Layout B in {@link #work} back to layout A in {@link #slabA}. */
    private void transposeBtoA()
    {
        final int row = nx * 2;
        for (int q = 0; q < ranks; q++)
        {
            for (int jl = 0; jl < rows; jl++)
            {
                for (int plane = 0; plane < planes; plane++)
                {
                    sendView.put(q * blockDoubles + (jl * planes + plane) * row, work,
                        (jl * nz + q * planes + plane) * row, row);
                }
            }
        }
        allToAll();
        for (int r = 0; r < ranks; r++)
        {
            for (int jl = 0; jl < rows; jl++)
            {
                for (int plane = 0; plane < planes; plane++)
                {
                    recvView.get(r * blockDoubles + (jl * planes + plane) * row, slabA,
                        (plane * ny + r * rows + jl) * row, row);
                }
            }
        }
    }

    private void allToAll()
    {
        final long start = System.nanoTime();
        comm.allToAll(send, recv, blockDoubles, Datatype.DOUBLE, algorithm);
        collectiveNs += System.nanoTime() - start;
    }

    /** NPB's checksum: 1024 fixed points of the field (layout A), summed over ranks, over nx*ny*nz. */
    private double[] checksum()
    {
        final int firstPlane = comm.getRank() * planes;
        double re = 0.0;
        double im = 0.0;
        for (int j = 1; j <= 1024; j++)
        {
            final int q = j % nx;
            final int r = (3 * j) % ny;
            final int s = (5 * j) % nz;
            if (s >= firstPlane && s < firstPlane + planes)
            {
                final int at = ((s - firstPlane) * ny + r) * nx + q;
                re += slabA[2 * at];
                im += slabA[2 * at + 1];
            }
        }
        sumIn[0] = re;
        sumIn[1] = im;
        final long start = System.nanoTime();
        comm.allReduce(sumIn, sumOut, 2, Datatype.DOUBLE, Op.SUM, algorithm);
        collectiveNs += System.nanoTime() - start;
        return new double[] {sumOut[0] / problem.total(), sumOut[1] / problem.total()};
    }
}
