package io.smartmap.bench.npb;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One rank of NPB CG (started by {@link NpbRunner} through the launcher). Follows NPB 3.3's main
 * program: generate the matrix, untimed iterations (NPB does one; we do a full pass so the JIT has
 * compiled the loops), reset, {@code niter} timed iterations, then verify zeta against NPB's value
 * within NPB's epsilon. Rank 0 prints the NPB-style report
 * and writes {@code seconds collective_mean_seconds collective_min_seconds verified zeta} to the
 * result file; it exits 1 when
 * verification fails.
 * <p>
 * Arguments: {@code CLASS ALGORITHM RESULT_FILE SEED}.
 */
public final class CgRank
{
    private CgRank()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final CgClass problem = CgClass.valueOf(args[0]);
        final Algorithm algorithm = Algorithm.valueOf(args[1]);
        final Path resultFile = Path.of(args[2]);
        final double seed = Double.parseDouble(args[3]);
        boolean verified;
        try (Communicator comm = Communicator.world())
        {
            final long initStart = System.nanoTime();
            final NpbRandom random = new NpbRandom(seed);
            random.next(CgClass.MULTIPLIER); // NPB draws once before makea
            final CgMatrix matrix = CgMatrix.generate(problem, random);
            final ConjugateGradient cg = new ConjugateGradient(comm, matrix, algorithm, problem.shift);
            // NPB runs one untimed iteration to touch the pages; a JVM also needs C2 to have compiled
            // the loops, or on a 2-core machine the compiler threads steal the ranks' cores mid-run
            for (int warmUp = 0; warmUp < problem.niter; warmUp++)
            {
                cg.iterate();
            }
            cg.resetStart();
            final double initSeconds = (System.nanoTime() - initStart) / 1e9;
            final boolean root = comm.getRank() == 0;
            if (root)
            {
                System.out.printf(Locale.ROOT, "%n%n NAS Parallel Benchmarks (smartmap, NPB 3.3 method) - CG Benchmark%n%n");
                System.out.printf(Locale.ROOT, " Size: %11d%n Iterations: %5d%n Ranks: %10d%n Algorithm: %s%n",
                    problem.na, problem.niter, comm.getSize(), algorithm);
                System.out.printf(Locale.ROOT, " Initialization time = %15.3f seconds%n", initSeconds);
                System.out.printf(Locale.ROOT, "%n   iteration           ||r||                 zeta%n");
            }

            comm.barrier();
            final long collectiveBefore = cg.collectiveNs();
            final long start = System.nanoTime();
            double zeta = 0.0;
            for (int iteration = 1; iteration <= problem.niter; iteration++)
            {
                final double[] result = cg.iterate();
                zeta = result[1];
                if (root)
                {
                    System.out.printf(Locale.ROOT, "    %5d       %20.14E%20.13f%n", iteration, result[0], zeta);
                }
            }
            comm.barrier();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double[] collective = NpbReport.collectiveSeconds(comm, cg.collectiveNs() - collectiveBefore);

            final double error = Math.abs(zeta - problem.zetaVerify) / problem.zetaVerify;
            verified = error <= CgClass.EPSILON;
            if (root)
            {
                report(problem, zeta, error, verified);
                NpbReport.printCompleted("CG", problem.name(), Integer.toString(problem.na), problem.niter, seconds,
                    comm.getSize(), problem.operations(), "floating point", verified,
                    algorithm, collective);
                NpbReport.writeResult(resultFile, seconds, collective, verified, zeta);
            }
            else
            {
                verified = true; // rank 0 speaks for the job
            }
        }
        System.exit(verified ? 0 : 1);
    }

    private static void report(final CgClass problem, final double zeta, final double error, final boolean verified)
    {
        System.out.println(" Benchmark completed");
        if (verified)
        {
            System.out.printf(Locale.ROOT, " VERIFICATION SUCCESSFUL%n Zeta is    %20.13E%n Error is   %20.13E%n", zeta, error);
        }
        else
        {
            System.out.printf(Locale.ROOT, " VERIFICATION FAILED%n Zeta                %20.13E%n The correct zeta is %20.13E%n",
                zeta, problem.zetaVerify);
        }
    }
}
