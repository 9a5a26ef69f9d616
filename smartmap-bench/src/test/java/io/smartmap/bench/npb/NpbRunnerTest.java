package io.smartmap.bench.npb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** NPB CG and FT across real rank processes, verified against NPB's official values. */
class NpbRunnerTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @ParameterizedTest
    @CsvSource({"S, 1, auto", "S, 2, smartmap", "S, 4, two-copy", "W, 2, auto", "W, 4, smartmap"})
    void shouldVerifyCgAgainstNpbsZeta(final String problemClass, final int ranks, final String algorithm)
    {
        final int code = run("cg", "--class", problemClass, "--ranks", Integer.toString(ranks), "--algorithm", algorithm);
        assertEquals(0, code, output());
        assertTrue(stdout().contains("[0]  Verification    =               SUCCESSFUL"), output());
        assertTrue(stdout().contains("[0]  Total ranks     = " + String.format("%24d", ranks)), output());
    }

    @ParameterizedTest
    @CsvSource({"S, 1, auto", "S, 2, smartmap", "S, 4, two-copy", "W, 2, auto", "W, 4, smartmap"})
    void shouldVerifyFtAgainstNpbsChecksums(final String problemClass, final int ranks, final String algorithm)
    {
        final int code = run("ft", "--class", problemClass, "--ranks", Integer.toString(ranks), "--algorithm", algorithm);
        assertEquals(0, code, output());
        assertTrue(stdout().contains("[0]  Result verification successful"), output());
        assertTrue(stdout().contains("[0]  Verification    =               SUCCESSFUL"), output());
        assertEquals(6, stdout().lines().filter(l -> l.startsWith("[0]  T = ")).count(), output());
    }

    @Test
    void shouldFailVerificationWhenTheGeneratorSeedChanges()
    {
        final int code = run("cg", "--class", "S", "--ranks", "2", "--seed", "271828183.0");
        assertEquals(1, code, output());
        assertTrue(stdout().contains("[0]  VERIFICATION FAILED"), output());
        assertTrue(stdout().contains("The correct zeta is  8.5971775078648E+00"), output());
        assertTrue(stdout().contains("[0]  Verification    =             UNSUCCESSFUL"), output());
    }

    @Test
    void shouldFailFtVerificationWhenTheInitialConditionsChange()
    {
        final int code = run("ft", "--class", "S", "--ranks", "2", "--seed", "271828183.0");
        assertEquals(1, code, output());
        assertTrue(stdout().contains("[0]  Result verification failed"), output());
        assertTrue(stdout().contains("[0]  Verification    =             UNSUCCESSFUL"), output());
    }

    @Test
    void shouldRejectBadOptionsWithExitCodeTwo()
    {
        assertEquals(2, run("mg"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("smartmap-npb: kernel must be cg or ft: kernel=mg"), output());
        err.reset();
        assertEquals(2, run("cg", "--class", "Z"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("smartmap-npb: --class must be S, W or A"), output());
        err.reset();
        assertEquals(2, run("cg", "--algorithm", "fast"));
        assertEquals(1, err.toString(StandardCharsets.UTF_8).strip().lines().count(), output());
    }

    private int run(final String... args)
    {
        return NpbRunner.run(args, new PrintStream(out, true), new PrintStream(err, true));
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
