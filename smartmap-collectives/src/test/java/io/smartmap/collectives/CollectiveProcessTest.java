package io.smartmap.collectives;

import io.smartmap.core.Jvm;
import io.smartmap.core.SmartMapOptions;
import io.smartmap.core.launch.Launcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Every collective and algorithm across real rank processes started by the launcher. */
class CollectiveProcessTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void shouldComputeEveryCollectiveCorrectlyWithEveryAlgorithm(final int ranks)
    {
        final int code = launch(ranks, Jvm.command(CollectiveCheckRank.class));
        assertEquals(0, code, output());
        for (int r = 0; r < ranks; r++)
        {
            assertTrue(stdout().contains("[" + r + "] checked "), output());
        }
        assertFalse(stdout().contains("WRONG"), output());
        assertTrue(stdout().contains("failures=0"), output());
    }

    @Test
    void shouldRunOneHundredThousandMixedCollectivesOnFourProcesses()
    {
        final int iterations = Integer.getInteger("smartmap.soak.iterations", 100_000);
        final int code = launch(4, Jvm.command(MixedSoakRank.class, Integer.toString(iterations), "20261122"));
        assertEquals(0, code, output());
        for (int r = 0; r < 4; r++)
        {
            assertTrue(stdout().contains("[" + r + "] soak ok: iterations=" + iterations + " ranks=4"), output());
        }
        System.out.println(stdout().lines().filter(l -> l.startsWith("[0] soak ok")).findFirst().orElse(""));
    }

    private int launch(final int ranks, final List<String> command)
    {
        final List<String> args = new ArrayList<>(List.of("-n", Integer.toString(ranks), "--dir",
            SmartMapOptions.DEFAULT_DIR.toString(), "--region-size", Long.toString(16L << 20), "--timeout", "30"));
        args.addAll(command);
        return Launcher.run(args.toArray(new String[0]), new PrintStream(out, true), new PrintStream(err, true));
    }

    private String stdout()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String output()
    {
        return "stdout:\n" + stdout() + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8);
    }
}
