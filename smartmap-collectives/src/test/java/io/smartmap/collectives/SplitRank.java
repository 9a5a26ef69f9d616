package io.smartmap.collectives;

/**
 * Rank program: the world split into even and odd ranks (key: minus the rank, so each half is in
 * descending world order), each half running {@code args[0]} mixed collectives of its own
 * ({@link MixedSoakRank#soak}, seed {@code args[1]} plus the color) and then every collective x
 * algorithm check of {@link CollectiveCheckRank} at the same time as the other half runs its own;
 * then every rank but 0 in a second communicator (rank 0 passes {@link Communicator#UNDEFINED} and
 * gets null) running a shorter soak; both freed, a world barrier.
 * Prints "split ok" and exits 0 only when every check held; "WRONG ..." and exit 1 otherwise.
 */
public final class SplitRank
{
    private SplitRank()
    {
    }

    public static void main(final String[] args)
    {
        final int iterations = Integer.parseInt(args[0]);
        final long seed = Long.parseLong(args[1]);
        try (Communicator world = Communicator.world())
        {
            final int rank = world.getRank();
            final int size = world.getSize();
            final int color = rank % 2;
            final Communicator half = world.split(color, -rank);
            final int halfSize = (size - color + 1) / 2;
            check(half.getSize() == halfSize, "half size " + half.getSize() + ", expected " + halfSize);
            check(half.getRank() == expectedRank(rank, size, color), "half rank " + half.getRank() + ", expected " +
                expectedRank(rank, size, color));
            MixedSoakRank.soak(half, iterations, seed + color);
            // every collective (and in-place overload) x algorithm on each half, both halves at once
            final int[] checks = CollectiveCheckRank.check(half, java.util.List.of("quick"));
            check(checks[1] == 0, "half checks: " + checks[1] + " of " + checks[0] + " wrong");
            System.out.println("half checked " + checks[0] + " results, failures=" + checks[1]);

            final Communicator rest = world.split(rank == 0 ? Communicator.UNDEFINED : 1, rank);
            if (rank == 0)
            {
                check(rest == null, "UNDEFINED gave a communicator: " + rest);
            }
            else
            {
                check(rest.getSize() == size - 1 && rest.getRank() == rank - 1,
                    "rest rank " + rest.getRank() + " of " + rest.getSize());
                MixedSoakRank.soak(rest, Math.max(1, iterations / 4), seed + 2);
                rest.close();
            }
            half.close();
            world.barrier();
            System.out.println("split ok: ranks=" + size + " half=" + half.getRank() + "/" + halfSize);
        }
    }

    /** This rank's position among the ranks of its color, ordered by descending world rank. */
    private static int expectedRank(final int rank, final int size, final int color)
    {
        int position = 0;
        for (int r = size - 1; r > rank; r--)
        {
            if (r % 2 == color)
            {
                position++;
            }
        }
        return position;
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            System.out.println("WRONG " + message);
            System.exit(1);
        }
    }
}
