package io.smartmap.bench.npb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** NPB CG, FT and IS across real rank processes, verified against NPB's official values. */
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

    @ParameterizedTest
    @CsvSource({"1, auto", "2, smartmap", "4, two-copy", "4, auto"})
    void shouldPassIsPartialAndFullVerificationOfClassS(final int ranks, final String algorithm)
    {
        final int code = run("is", "--class", "S", "--ranks", Integer.toString(ranks), "--algorithm", algorithm);
        assertEquals(0, code, output());
        assertTrue(stdout().contains("[0]  Partial verification: 50 of 50 test keys ranked as NPB expects"), output());
        assertTrue(stdout().contains("[0]  Full verification: " + ranks + " of " + ranks +
            " ranks sorted, 0 keys out of sort"), output());
        assertFalse(stdout().contains("Failed partial verification"), output());
        assertFalse(stdout().contains("Full_verify"), output());
        assertTrue(stdout().contains("[0]  Verification    =               SUCCESSFUL"), output());
        assertTrue(stdout().contains("[0]  Operation type  =              keys ranked"), output());
        assertTrue(stdout().contains("[0]  Total ranks     = " + String.format("%24d", ranks)), output());
    }

    @Test
    void shouldFailIsPartialVerificationWhenTheKeysChange()
    {
        final int code = run("is", "--class", "S", "--ranks", "2", "--seed", "271828183.0");
        assertEquals(1, code, output());
        assertTrue(stdout().contains("Failed partial verification: iteration 1, processor "), output());
        assertTrue(stdout().contains("[0]  Full verification: 2 of 2 ranks sorted, 0 keys out of sort"), output());
        assertTrue(stdout().contains("[0]  Verification    =             UNSUCCESSFUL"), output());
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
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("smartmap-npb: kernel must be cg, ft or is: kernel=mg"),
            output());
        err.reset();
        assertEquals(2, run("cg", "--class", "Z"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("smartmap-npb: --class must be S, W or A"), output());
        err.reset();
        assertEquals(2, run("cg", "--class", "B"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("smartmap-npb: --class must be S, W or A (or B for is)"),
            output());
        err.reset();
        assertEquals(2, run("is", "--ranks", "3"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("smartmap-npb: --ranks must be a power of two for is"),
            output());
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
