package io.smartmap.bench.npb;

/**
 * NPB IS problem classes (NPB 3.4 MPI {@code is.c}): {@code 2^totalKeysLog2} keys in
 * {@code [0, 2^maxKeyLog2)}, ranked through {@code 2^bucketsLog2} buckets, and the partial
 * verification data: the global indices of five test keys and their ranks before the
 * per-iteration adjustment of {@link #expectedRank}.
 */
enum IsClass
{
    S(16, 11, 9, new int[] {48427, 17148, 23627, 62548, 4431}, new int[] {0, 18, 346, 64917, 65463}),
    W(20, 16, 10, new int[] {357773, 934767, 875723, 898999, 404505}, new int[] {1249, 11698, 1039987, 1043896, 1048018}),
    A(23, 19, 10, new int[] {2112377, 662041, 5336171, 3642833, 4250760}, new int[] {104, 17523, 123928, 8288932, 8388264}),
    B(25, 21, 10, new int[] {41869, 812306, 5102857, 18232239, 26860214}, new int[] {33422937, 10244, 59149, 33135281, 99});

    /** Timed iterations ({@code MAX_ITERATIONS}); NPB also runs iteration 1 once untimed before them. */
    static final int ITERATIONS = 10;
    /** Test keys per iteration ({@code TEST_ARRAY_SIZE}). */
    static final int TEST_KEYS = 5;
    static final double SEED = 314159265.0;
    static final double MULTIPLIER = 1220703125.0;

    final int totalKeysLog2;
    final int maxKeyLog2;
    final int bucketsLog2;
    private final int[] testIndex;
    private final int[] testRank;

    IsClass(final int totalKeysLog2, final int maxKeyLog2, final int bucketsLog2, final int[] testIndex,
        final int[] testRank)
    {
        this.totalKeysLog2 = totalKeysLog2;
        this.maxKeyLog2 = maxKeyLog2;
        this.bucketsLog2 = bucketsLog2;
        this.testIndex = testIndex;
        this.testRank = testRank;
    }

    int totalKeys()
    {
        return 1 << totalKeysLog2;
    }

    int maxKey()
    {
        return 1 << maxKeyLog2;
    }

    int buckets()
    {
        return 1 << bucketsLog2;
    }

    /** @return the global index (over all ranks' key arrays, in rank order) of test key {@code i}. */
    int testIndex(final int i)
    {
        return testIndex[i];
    }

    /**
     * NPB's expected rank of test key {@code i} in an iteration: the tabulated rank moved by the
     * keys NPB changes each iteration ({@code key[it] = it}, {@code key[it + 10] = MAX_KEY - it}),
     * with the class-specific signs and offsets of {@code is.c}'s {@code switch (CLASS)}.
     */
    int expectedRank(final int i, final int iteration)
    {
        final int rank = testRank[i];
        switch (this)
        {
            case S:
                return i <= 2 ? rank + iteration : rank - iteration;
            case W:
                return i < 2 ? rank + iteration - 2 : rank - iteration;
            case A:
                return i <= 2 ? rank + iteration - 1 : rank - (iteration - 1);
            case B:
                return i == 1 || i == 2 || i == 4 ? rank + iteration : rank - iteration;
            default:
                throw new IllegalStateException("no partial verification data: class=" + this);
        }
    }

    /** @return NPB's operation count: keys ranked over the timed iterations, for Mop/s. */
    double operations()
    {
        return (double)ITERATIONS * totalKeys();
    }
}
