package io.smartmap.bench.npb;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One rank of NPB FT (started by {@link NpbRunner} through the launcher). As NPB 3.3: the whole
 * problem once untimed (NPB does this too, to touch the data; here it also lets C2 compile), then
 * timed: initial conditions, forward transform and the iterations, each checksum compared with
 * NPB's within NPB's epsilon. Rank 0 prints the report, writes the result file like
 * {@link CgRank} and exits 1 when verification fails.
 * <p>
 * Arguments: {@code CLASS ALGORITHM RESULT_FILE SEED}.
 */
public final class FtRank
{
    private FtRank()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final FtClass problem = FtClass.valueOf(args[0]);
        final Algorithm algorithm = Algorithm.valueOf(args[1]);
        final Path resultFile = Path.of(args[2]);
        final double seed = Double.parseDouble(args[3]);
        boolean verified = true;
        try (Communicator comm = Communicator.world())
        {
            final boolean root = comm.getRank() == 0;
            final FourierTransform ft = new FourierTransform(comm, problem, algorithm, seed);
            ft.initialize();
            for (int iteration = 1; iteration <= problem.iterations(); iteration++)
            {
                ft.step();
            }
            if (root)
            {
                System.out.printf(Locale.ROOT, "%n%n NAS Parallel Benchmarks (smartmap, NPB 3.3 method) - FT Benchmark%n%n");
                System.out.printf(Locale.ROOT, " Size                : %4dx%4dx%4d%n Iterations          : %7d%n" +
                    " Ranks               : %7d%n Algorithm           : %s%n%n",
                    problem.nx, problem.ny, problem.nz, problem.iterations(), comm.getSize(), algorithm);
            }

            comm.barrier();
            final long collectiveBefore = ft.collectiveNs();
            final long start = System.nanoTime();
            ft.initialize();
            final double[][] sums = new double[problem.iterations()][];
            for (int iteration = 1; iteration <= problem.iterations(); iteration++)
            {
                sums[iteration - 1] = ft.step();
            }
            comm.barrier();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double[] collective = NpbReport.collectiveSeconds(comm, ft.collectiveNs() - collectiveBefore);

            for (int i = 0; i < sums.length; i++)
            {
                final double errorReal = Math.abs((sums[i][0] - problem.checksumReal[i]) / problem.checksumReal[i]);
                final double errorImag = Math.abs((sums[i][1] - problem.checksumImag[i]) / problem.checksumImag[i]);
                verified &= errorReal <= FtClass.EPSILON && errorImag <= FtClass.EPSILON;
                if (root)
                {
                    System.out.printf(Locale.ROOT, " T = %5d     Checksum = %22.12e %22.12e   (NPB %22.12e %22.12e)%n",
                        i + 1, sums[i][0], sums[i][1], problem.checksumReal[i], problem.checksumImag[i]);
                }
            }
            if (root)
            {
                System.out.println(verified ? " Result verification successful" : " Result verification failed");
                NpbReport.printCompleted("FT", problem.name(), problem.nx + "x" + problem.ny + "x" + problem.nz,
                    problem.iterations(), seconds, comm.getSize(), problem.operations(), "floating point", verified,
                    algorithm, collective);
                NpbReport.writeResult(resultFile, seconds, collective, verified, sums[sums.length - 1][0]);
            }
            else
            {
                verified = true; // rank 0 speaks for the job
            }
        }
        System.exit(verified ? 0 : 1);
    }
}
