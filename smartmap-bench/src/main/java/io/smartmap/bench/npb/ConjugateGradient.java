package io.smartmap.bench.npb;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;
import io.smartmap.core.RegionBuffer;

import java.nio.DoubleBuffer;

/**
 * NPB CG's inverse power iteration (NPB 3.3 {@code conj_grad} and the main loop) with the matrix
 * rows split into equal blocks across ranks: every dot product is a local sum then an
 * {@code allReduce} (rank order, so every rank holds the same bits), and the direction vector
 * {@code p} (and {@code z} before the residual) is assembled with an {@code allGather} straight
 * into a region buffer that the sparse matrix-vector product reads. Time spent inside collectives
 * is accumulated separately.
 */
final class ConjugateGradient
{
    private static final int CG_ITERATIONS = 25;

    private final Communicator comm;
    private final CgMatrix matrix;
    private final Algorithm algorithm;
    private final double shift;
    private final int block;
    private final int firstRow;
    private final int lastRow;
    private final double[] x;
    private final double[] z;
    private final double[] r;
    private final double[] q;
    private final RegionBuffer ownBlock;
    private final RegionBuffer gatheredP;
    private final RegionBuffer gatheredZ;
    private final DoubleBuffer p;
    private final DoubleBuffer zAll;
    private final double[] sumIn = new double[2];
    private final double[] sumOut = new double[2];
    private long collectiveNs;

    ConjugateGradient(final Communicator comm, final CgMatrix matrix, final Algorithm algorithm, final double shift)
    {
        this.comm = comm;
        this.matrix = matrix;
        this.algorithm = algorithm;
        this.shift = shift;
        final int size = comm.getSize();
        this.block = (matrix.n + size - 1) / size;
        this.firstRow = Math.min(matrix.n, comm.getRank() * block);
        this.lastRow = Math.min(matrix.n, firstRow + block);
        final int padded = block * size;
        this.x = new double[padded];
        this.z = new double[padded];
        this.r = new double[padded];
        this.q = new double[padded];
        this.ownBlock = comm.allocate(block, Datatype.DOUBLE);
        this.gatheredP = comm.allocate(padded, Datatype.DOUBLE);
        this.gatheredZ = comm.allocate(padded, Datatype.DOUBLE);
        this.p = gatheredP.asDoubleBuffer();
        this.zAll = gatheredZ.asDoubleBuffer();
        resetStart();
    }

    /** x = (1, ..., 1), as NPB before the untimed and the timed iterations. */
    void resetStart()
    {
        java.util.Arrays.fill(x, 0, matrix.n, 1.0);
    }

    /** @return nanoseconds spent inside collectives so far. */
    long collectiveNs()
    {
        return collectiveNs;
    }

    /**
     * One outer iteration: solve, then zeta = shift + 1 / (x.z) and x = z / ||z||.
     *
     * @return {rnorm, zeta}.
     */
    double[] iterate()
    {
        final double rnorm = solve();
        double xz = 0.0;
        double zz = 0.0;
        for (int j = firstRow; j < lastRow; j++)
        {
            xz += x[j] * z[j];
            zz += z[j] * z[j];
        }
        final double[] sums = allReduce(xz, zz);
        final double scale = 1.0 / Math.sqrt(sums[1]);
        for (int j = 0; j < matrix.n; j++)
        {
            x[j] = scale * zAll.get(j); // z was gathered for the residual: every rank normalises all of it
        }
        return new double[] {rnorm, shift + 1.0 / sums[0]};
    }

    /** {@code conj_grad}: 25 CG iterations on A z = x, then ||x - A z||. */
    private double solve()
    {
        for (int j = 0; j < x.length; j++)
        {
            q[j] = 0.0;
            z[j] = 0.0;
            r[j] = x[j];
            p.put(j, x[j]);
        }
        double rho = allReduce(dot(r, r), 0)[0];
        for (int iteration = 0; iteration < CG_ITERATIONS; iteration++)
        {
            multiply(p, q);
            double pq = 0.0;
            for (int j = firstRow; j < lastRow; j++)
            {
                pq += p.get(j) * q[j];
            }
            final double alpha = rho / allReduce(pq, 0)[0];
            final double rho0 = rho;
            for (int j = firstRow; j < lastRow; j++)
            {
                z[j] += alpha * p.get(j);
                r[j] -= alpha * q[j];
            }
            rho = allReduce(dot(r, r), 0)[0];
            final double beta = rho / rho0;
            for (int j = firstRow; j < lastRow; j++)
            {
                p.put(j, r[j] + beta * p.get(j));
            }
            gather(p, gatheredP);
        }
        for (int j = firstRow; j < lastRow; j++)
        {
            zAll.put(j, z[j]);
        }
        gather(zAll, gatheredZ);
        multiply(zAll, r);
        double sum = 0.0;
        for (int j = firstRow; j < lastRow; j++)
        {
            final double d = x[j] - r[j];
            sum += d * d;
        }
        return Math.sqrt(allReduce(sum, 0)[0]);
    }

    /** out[j] = (A v)[j] for this rank's rows. */
    private void multiply(final DoubleBuffer v, final double[] out)
    {
        final int[] rowStart = matrix.rowStart;
        final int[] column = matrix.column;
        final double[] value = matrix.value;
        for (int j = firstRow; j < lastRow; j++)
        {
            double sum = 0.0;
            for (int k = rowStart[j]; k < rowStart[j + 1]; k++)
            {
                sum += value[k] * v.get(column[k]);
            }
            out[j] = sum;
        }
    }

    private double dot(final double[] a, final double[] b)
    {
        double sum = 0.0;
        for (int j = firstRow; j < lastRow; j++)
        {
            sum += a[j] * b[j];
        }
        return sum;
    }

    /** Sum two partial values over all ranks (one allreduce of two doubles). */
    private double[] allReduce(final double first, final double second)
    {
        sumIn[0] = first;
        sumIn[1] = second;
        final long start = System.nanoTime();
        comm.allReduce(sumIn, sumOut, 2, Datatype.DOUBLE, Op.SUM, algorithm);
        collectiveNs += System.nanoTime() - start;
        return sumOut;
    }

    /** Assemble the full vector from every rank's block of rows (allGather into the region buffer). */
    private void gather(final DoubleBuffer full, final RegionBuffer target)
    {
        for (int j = 0; j < block; j++)
        {
            ownBlock.putDouble(j, full.get(firstRowOfBlock() + j));
        }
        final long start = System.nanoTime();
        comm.allGather(ownBlock, target, block, Datatype.DOUBLE, algorithm);
        collectiveNs += System.nanoTime() - start;
    }

    private int firstRowOfBlock()
    {
        return comm.getRank() * block;
    }
}
