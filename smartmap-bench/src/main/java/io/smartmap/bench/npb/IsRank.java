package io.smartmap.bench.npb;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One rank of NPB IS (started by {@link NpbRunner} through the launcher). Follows NPB 3.4 MPI's main
 * program: generate the keys, rank once untimed (iteration 1), then ten timed iterations with
 * partial verification, then the untimed full verification; verified when every test key was
 * ranked right in every timed iteration and no key is out of sort ({@code 5 * 10 + ranks} passes,
 * NPB's count). Before NPB's untimed iteration the JVM gets warm-up iterations (at least ten, and
 * at least 2^27 keys ranked), so the JIT has compiled the loops and the collectives before the clock
 * starts; the keys are then restored to the generated ones, so
 * the timed iterations see exactly NPB's keys. Rank 0 prints the report, writes the result file like
 * {@link CgRank} and exits 1 when verification fails.
 * <p>
 * Arguments: {@code CLASS ALGORITHM RESULT_FILE SEED}.
 */
public final class IsRank
{
    private IsRank()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final IsClass problem = IsClass.valueOf(args[0]);
        final Algorithm algorithm = Algorithm.valueOf(args[1]);
        final Path resultFile = Path.of(args[2]);
        final double seed = Double.parseDouble(args[3]);
        boolean verified;
        try (Communicator comm = Communicator.world())
        {
            final boolean root = comm.getRank() == 0;
            final long initStart = System.nanoTime();
            final IntegerSort is = new IntegerSort(comm, problem, algorithm, seed);
            // JVM warm-up, not NPB's: at least 2^27 keys ranked, so small classes call the collectives
            // often enough for the JIT to compile them too (class S: 2048 passes, W: 128, A: 16, B: 10)
            final int warmUps = Math.max(IsClass.ITERATIONS, 1 << Math.max(0, 27 - problem.totalKeysLog2));
            for (int pass = 0; pass < warmUps; pass++)
            {
                if (pass % IsClass.ITERATIONS == 0)
                {
                    is.restoreKeys(); // each round of ten starts from NPB's keys, so its verification holds too
                }
                is.rank(1 + pass % IsClass.ITERATIONS);
            }
            is.restoreKeys();
            is.rank(1); // NPB's untimed iteration
            final double initSeconds = (System.nanoTime() - initStart) / 1e9;
            if (root)
            {
                System.out.printf(Locale.ROOT, "%n%n NAS Parallel Benchmarks (smartmap, NPB 3.4 method) - IS Benchmark%n%n");
                System.out.printf(Locale.ROOT, " Size:  %d  (class %s)%n Iterations:   %d%n Total number of processes:  %d%n" +
                    " Algorithm: %s%n", problem.totalKeys(), problem, IsClass.ITERATIONS, comm.getSize(), algorithm);
                System.out.printf(Locale.ROOT, " Initialization time = %15.3f seconds (keys, warm-up, untimed iteration)%n",
                    initSeconds);
                if (problem != IsClass.S)
                {
                    System.out.printf(Locale.ROOT, "%n   iteration%n");
                }
            }

            comm.barrier();
            final long collectiveBefore = is.collectiveNs();
            final long start = System.nanoTime();
            int passed = 0;
            for (int iteration = 1; iteration <= IsClass.ITERATIONS; iteration++)
            {
                if (root && problem != IsClass.S) // as NPB
                {
                    System.out.printf(Locale.ROOT, "        %d%n", iteration);
                }
                passed += is.rank(iteration);
            }
            comm.barrier();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double[] collective = NpbReport.collectiveSeconds(comm, is.collectiveNs() - collectiveBefore);

            final int outOfSort = is.fullVerify();
            // NPB's passed_verification: test keys ranked right, plus one per rank whose keys are in order
            final int[] sums = is.sumOverRanks(new int[] {passed, outOfSort == 0 ? 1 : 0, outOfSort});
            final int expected = IsClass.TEST_KEYS * IsClass.ITERATIONS;
            verified = sums[0] + sums[1] == expected + comm.getSize() && sums[2] == 0;
            if (root)
            {
                System.out.printf(Locale.ROOT, " Partial verification: %d of %d test keys ranked as NPB expects" +
                    " (%d per timed iteration)%n", sums[0], expected, IsClass.TEST_KEYS);
                System.out.printf(Locale.ROOT, " Full verification: %d of %d ranks sorted, %d keys out of sort (on the ranks" +
                    " and across them)%n", sums[1], comm.getSize(), sums[2]);
                NpbReport.printCompleted("IS", problem.name(), Integer.toString(problem.totalKeys()), IsClass.ITERATIONS,
                    seconds, comm.getSize(), problem.operations(), "keys ranked", verified, algorithm, collective);
                NpbReport.writeResult(resultFile, seconds, collective, verified, sums[0] + sums[1]);
            }
            else
            {
                verified = true; // rank 0 speaks for the job
            }
        }
        System.exit(verified ? 0 : 1);
    }
}
