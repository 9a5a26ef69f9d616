package io.smartmap.core;

import java.io.IOException;

/**
 * Rank program for failure tests: after one barrier, rank {@code args[0]} either waits to be
 * killed ({@code args[1] == "wait"}) or SIGKILLs itself ({@code "suicide"}); the other ranks enter
 * a second barrier, which must fail. Survivors print the exception and exit 3.
 */
public final class VictimRank
{
    private VictimRank()
    {
    }

    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final int victim = Integer.parseInt(args[0]);
        try (SmartMap smartMap = SmartMap.join())
        {
            smartMap.barrier();
            System.out.println("ready");
            if (smartMap.rank() == victim)
            {
                if ("suicide".equals(args[1]))
                {
                    new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                }
                Thread.sleep(60_000);
                System.exit(0);
            }
            try
            {
                smartMap.barrier();
            }
            catch (final PeerFailureException ex)
            {
                System.out.println("failed: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
                System.exit(3);
            }
            System.exit(0);
        }
    }
}
