package io.smartmap.bench.npb;

import io.smartmap.collectives.Algorithm;
import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;
import io.smartmap.core.RegionBuffer;

import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * NPB IS (NPB 3.4 MPI {@code is.c}): bucketed parallel ranking of integer keys. Each rank generates
 * its share of NPB's key sequence ({@link #findMySeed}, {@link #createKeys}); an iteration
 * ({@link #rank(int)}) counts and sorts its keys into buckets, sums the bucket counts over ranks
 * ({@code allReduce}, the five test keys riding along in five extra slots), gives each rank a run of
 * whole buckets holding about {@code totalKeys / size} keys (NPB's assignment), exchanges the send
 * counts ({@code allToAll}) and the keys ({@code allToAllv} between region buffers, so the single-copy
 * path writes straight into the peers' receive buffers), then ranks the received keys by counting
 * and checks the test keys' ranks against NPB's table (partial verification). {@link #fullVerify()}
 * sorts the last iteration's keys and checks the order on and across ranks.
 * <p>
 * One thread per rank; every method but the key generators is collective.
 */
final class IntegerSort
{
    private final Communicator comm;
    private final IsClass problem;
    private final Algorithm algorithm;
    private final int rank;
    private final int size;
    private final int numKeys;
    private final int shift;
    private final int buckets;

    /** NPB's {@code key_array}, and a copy of the generated keys to start over from. */
    private final int[] keys;
    private final int[] generated;
    /** {@code bucket_size} and {@code bucket_size_totals}: counts per bucket, then the five test keys. */
    private final int[] bucketSize;
    private final int[] bucketTotals;
    private final int[] bucketPtrs;
    /** First and last bucket of each rank ({@code process_bucket_distrib_ptr1/2}). */
    private final int[] firstBucket;
    private final int[] lastBucket;
    private final int[] sendCounts;
    private final int[] sendDispls;
    private final int[] recvCounts;
    private final int[] recvDispls;
    /** Population, then cumulative count, of each key in this rank's key range. */
    private final int[] density;

    private final RegionBuffer bucketSizeShared;
    private final RegionBuffer bucketTotalsShared;
    private final RegionBuffer sendCountsShared;
    private final RegionBuffer recvCountsShared;
    private final IntBuffer bucketSizeView;
    private final IntBuffer bucketTotalsView;
    private final IntBuffer sendCountsView;
    private final IntBuffer recvCountsView;
    /** {@code key_buff1} (keys in bucket order, the send buffer) and {@code key_buff2} (the receive buffer). */
    private final RegionBuffer sendKeysShared;
    private final RegionBuffer recvKeysShared;
    private final IntBuffer sendKeys;
    private final IntBuffer recvKeys;
    private final int recvCapacity;

    /** The last iteration's local key range and key count, for {@link #fullVerify()}. */
    private int minKey;
    private int localKeys;
    private long collectiveNs;

    IntegerSort(final Communicator comm, final IsClass problem, final Algorithm algorithm, final double seed)
    {
        this.comm = comm;
        this.problem = problem;
        this.algorithm = algorithm;
        this.rank = comm.getRank();
        this.size = comm.getSize();
        if (Integer.bitCount(size) != 1 || problem.totalKeys() / size <= 2 * IsClass.ITERATIONS)
        {
            throw new IllegalArgumentException("IS needs a power-of-two number of ranks, each with more than " +
                2 * IsClass.ITERATIONS + " keys: ranks=" + size + ", class=" + problem);
        }
        this.numKeys = problem.totalKeys() / size;
        this.shift = problem.maxKeyLog2 - problem.bucketsLog2;
        this.buckets = problem.buckets();
        this.generated = createKeys(findMySeed(rank, size, 4L * problem.totalKeys(), seed, IsClass.MULTIPLIER),
            IsClass.MULTIPLIER, numKeys, problem.maxKey());
        this.keys = generated.clone();
        this.bucketSize = new int[buckets + IsClass.TEST_KEYS];
        this.bucketTotals = new int[buckets + IsClass.TEST_KEYS];
        this.bucketPtrs = new int[buckets];
        this.firstBucket = new int[size];
        this.lastBucket = new int[size];
        this.sendCounts = new int[size];
        this.sendDispls = new int[size];
        this.recvCounts = new int[size];
        this.recvDispls = new int[size];
        this.density = new int[problem.maxKey()];
        this.bucketSizeShared = comm.allocate(bucketSize.length, Datatype.INT);
        this.bucketTotalsShared = comm.allocate(bucketTotals.length, Datatype.INT);
        this.sendCountsShared = comm.allocate(size, Datatype.INT);
        this.recvCountsShared = comm.allocate(size, Datatype.INT);
        this.bucketSizeView = bucketSizeShared.asIntBuffer();
        this.bucketTotalsView = bucketTotalsShared.asIntBuffer();
        this.sendCountsView = sendCountsShared.asIntBuffer();
        this.recvCountsView = recvCountsShared.asIntBuffer();
        // NPB's SIZE_OF_BUFFERS below 256 ranks: a rank may receive more than its share
        this.recvCapacity = 3 * numKeys / 2;
        this.sendKeysShared = comm.allocate(numKeys, Datatype.INT);
        this.recvKeysShared = comm.allocate(recvCapacity, Datatype.INT);
        this.sendKeys = sendKeysShared.asIntBuffer();
        this.recvKeys = recvKeysShared.asIntBuffer();
    }

    /**
     * NPB's {@code find_my_seed}: the seed of rank {@code kn}'s part of a sequence of {@code nn} randoms
     * split evenly over {@code np} ranks, i.e. {@code s * a^(kn * nn / np) mod 2^46}: {@code a} squared
     * {@code log2(nn / np)} times, then raised to {@code kn} by binary powering.
     */
    static double findMySeed(final int kn, final int np, final long nn, final double s, final double a)
    {
        int squarings = 0;
        for (long nq = nn / np; nq > 1; nq /= 2)
        {
            squarings++;
        }
        final NpbRandom an = new NpbRandom(a);
        for (int i = 0; i < squarings; i++)
        {
            an.next(an.seed());
        }
        final NpbRandom t1 = new NpbRandom(s);
        final NpbRandom t2 = new NpbRandom(an.seed());
        for (long k = kn; ; k /= 2)
        {
            if (k % 2 != 0)
            {
                t1.next(t2.seed());
            }
            if (k / 2 == 0)
            {
                return t1.seed();
            }
            t2.next(t2.seed());
        }
    }

    /**
     * NPB's {@code create_seq}: each key is {@code MAX_KEY / 4} times the sum of four consecutive
     * {@code randlc} values (a roughly Gaussian spread over {@code [0, MAX_KEY)}).
     */
    static int[] createKeys(final double seed, final double a, final int count, final int maxKey)
    {
        final NpbRandom random = new NpbRandom(seed);
        final double k = maxKey / 4;
        final int[] keys = new int[count];
        for (int i = 0; i < count; i++)
        {
            double x = random.next(a);
            x += random.next(a);
            x += random.next(a);
            x += random.next(a);
            keys[i] = (int)(k * x);
        }
        return keys;
    }

    /** @return nanoseconds spent inside the iterations' collectives so far. */
    long collectiveNs()
    {
        return collectiveNs;
    }

    /** Back to the generated keys, undoing the iterations' key changes (after the JIT's warm-up passes). */
    void restoreKeys()
    {
        System.arraycopy(generated, 0, keys, 0, numKeys);
    }

    /**
     * NPB's {@code rank(iteration)}.
     *
     * @return the test keys whose rank this rank found as NPB expects (a test key is checked on the
     * rank whose key range holds it); each failure is printed as NPB does.
     */
    int rank(final int iteration)
    {
        if (rank == 0)
        {
            keys[iteration] = iteration;
            keys[iteration + IsClass.ITERATIONS] = problem.maxKey() - iteration;
        }
        Arrays.fill(bucketSize, 0);
        for (int i = 0; i < IsClass.TEST_KEYS; i++)
        {
            final int index = problem.testIndex(i);
            if (index / numKeys == rank)
            {
                bucketSize[buckets + i] = keys[index % numKeys];
            }
        }
        for (int i = 0; i < numKeys; i++)
        {
            bucketSize[keys[i] >> shift]++;
        }
        bucketPtrs[0] = 0;
        for (int i = 1; i < buckets; i++)
        {
            bucketPtrs[i] = bucketPtrs[i - 1] + bucketSize[i - 1];
        }
        for (int i = 0; i < numKeys; i++)
        {
            final int key = keys[i];
            sendKeys.put(bucketPtrs[key >> shift]++, key);
        }

        long start = System.nanoTime();
        bucketSizeView.put(0, bucketSize);
        comm.allReduce(bucketSizeShared, bucketTotalsShared, bucketTotals.length, Datatype.INT, Op.SUM, algorithm);
        bucketTotalsView.get(0, bucketTotals);
        collectiveNs += System.nanoTime() - start;

        assignBuckets();

        start = System.nanoTime();
        sendCountsView.put(0, sendCounts);
        comm.allToAll(sendCountsShared, recvCountsShared, 1, Datatype.INT, algorithm);
        recvCountsView.get(0, recvCounts);
        int received = 0;
        for (int r = 0; r < size; r++)
        {
            recvDispls[r] = received;
            received += recvCounts[r];
        }
        if (received > recvCapacity)
        {
            throw new IllegalStateException("received keys exceed buffer: received=" + received + ", capacity=" +
                recvCapacity + ", rank=" + rank);
        }
        comm.allToAllv(sendKeysShared, sendCounts, sendDispls, recvKeysShared, recvCounts, recvDispls, Datatype.INT,
            algorithm);
        collectiveNs += System.nanoTime() - start;

        return rankReceived(iteration);
    }

    /**
     * NPB's redistribution: walk the buckets accumulating the global counts; when the sum passes
     * {@code (j + 1) * numKeys} the buckets so far (since the last cut) go to rank j. Ranks left
     * without buckets (possible only with nearly as many ranks as buckets) get none.
     */
    private void assignBuckets()
    {
        long total = 0;
        int local = 0;
        int j = 0;
        firstBucket[0] = 0;
        for (int i = 0; i < buckets; i++)
        {
            total += bucketTotals[i];
            local += bucketSize[i];
            if (total >= (long)(j + 1) * numKeys)
            {
                sendCounts[j] = local;
                if (j != 0)
                {
                    firstBucket[j] = lastBucket[j - 1] + 1;
                }
                lastBucket[j++] = i;
                local = 0;
            }
        }
        for (; j < size; j++)
        {
            sendCounts[j] = 0;
            firstBucket[j] = 1; // an empty run: first > last
            lastBucket[j] = 0;
        }
        int displ = 0;
        for (int r = 0; r < size; r++)
        {
            sendDispls[r] = displ;
            displ += sendCounts[r];
        }
    }

    /** Count the received keys' populations, accumulate them to ranks, check the test keys. */
    private int rankReceived(final int iteration)
    {
        minKey = firstBucket[rank] << shift;
        final int maxKey = ((lastBucket[rank] + 1) << shift) - 1;
        final int range = Math.max(0, maxKey - minKey + 1);
        int lesser = 0; // keys held by lower ranks: NPB's m
        for (int r = 0; r < rank; r++)
        {
            for (int i = firstBucket[r]; i <= lastBucket[r]; i++)
            {
                lesser += bucketTotals[i];
            }
        }
        localKeys = 0;
        for (int i = firstBucket[rank]; i <= lastBucket[rank]; i++)
        {
            localKeys += bucketTotals[i];
        }
        Arrays.fill(density, 0, range, 0);
        for (int i = 0; i < localKeys; i++)
        {
            density[recvKeys.get(i) - minKey]++;
        }
        for (int i = 1; i < range; i++)
        {
            density[i] += density[i - 1];
        }

        int passed = 0;
        for (int i = 0; i < IsClass.TEST_KEYS; i++)
        {
            final int key = bucketTotals[buckets + i]; // the test key's value, summed in with the counts
            if (minKey <= key && key <= maxKey)
            {
                // keys below the test key: on lower ranks, plus here (NPB reads density[key - 1] even at minKey)
                final int keyRank = lesser + (key > minKey ? density[key - 1 - minKey] : 0);
                if (keyRank == problem.expectedRank(i, iteration))
                {
                    passed++;
                }
                else
                {
                    System.out.printf(Locale.ROOT, "Failed partial verification: iteration %d, processor %d, test key %d," +
                        " key rank %d%n", iteration, rank, i, keyRank);
                }
            }
        }
        return passed;
    }

    /**
     * NPB's {@code full_verify} after the last iteration: sort this rank's keys with the ranks just
     * computed, count keys out of order here, and check that the previous non-empty rank's largest key
     * is not above this rank's smallest (NPB sends it point to point; here an {@code allGather} of every
     * rank's key count, first and last key).
     *
     * @return keys out of sort on this rank (0 when verified).
     */
    int fullVerify()
    {
        final int[] sorted = new int[localKeys];
        for (int i = 0; i < localKeys; i++)
        {
            final int key = recvKeys.get(i);
            sorted[--density[key - minKey]] = key;
        }
        int outOfSort = 0;
        for (int i = 1; i < localKeys; i++)
        {
            if (sorted[i - 1] > sorted[i])
            {
                outOfSort++;
            }
        }
        final int[] mine = {localKeys, localKeys > 0 ? sorted[0] : 0, localKeys > 0 ? sorted[localKeys - 1] : 0};
        final int[] all = new int[3 * size];
        comm.allGather(mine, all, 3, Datatype.INT, algorithm);
        for (int r = rank - 1; r >= 0 && localKeys > 0; r--)
        {
            if (all[3 * r] > 0)
            {
                if (all[3 * r + 2] > sorted[0])
                {
                    outOfSort++;
                }
                break;
            }
        }
        if (outOfSort != 0)
        {
            System.out.printf(Locale.ROOT, "Processor %d:  Full_verify: number of keys out of sort: %d%n", rank, outOfSort);
        }
        return outOfSort;
    }

    /** @return the element-wise sum over ranks of {@code counts} (NPB reduces its verification counter). */
    int[] sumOverRanks(final int[] counts)
    {
        final int[] sums = new int[counts.length];
        comm.allReduce(counts, sums, counts.length, Datatype.INT, Op.SUM, algorithm);
        return sums;
    }
}
