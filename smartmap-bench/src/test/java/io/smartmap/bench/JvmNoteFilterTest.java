package io.smartmap.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class JvmNoteFilterTest
{
    @Test
    void shouldDropTheRanksJvmNotesAndPassEverythingElse()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream filtered = JvmNoteFilter.filtering(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        filtered.println("[0] NOTE: Picked up JDK_JAVA_OPTIONS: --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
        filtered.println("[12] WARNING: Using incubator modules: jdk.incubator.vector");
        filtered.println("[1] Exception in thread \"main\" java.lang.IllegalStateException: integrity check failed");
        filtered.println("smartmap-run: rank 1 exited with code 1; stopping the other ranks");
        filtered.println("NOTE: Picked up JDK_JAVA_OPTIONS: not a rank's line, kept");
        filtered.print("[0] no newline yet");
        assertEquals("[1] Exception in thread \"main\" java.lang.IllegalStateException: integrity check failed\n" +
            "smartmap-run: rank 1 exited with code 1; stopping the other ranks\n" +
            "NOTE: Picked up JDK_JAVA_OPTIONS: not a rank's line, kept\n", bytes.toString(StandardCharsets.UTF_8));
        filtered.close();
        assertTrue(bytes.toString(StandardCharsets.UTF_8).endsWith("[0] no newline yet\n"), bytes.toString(StandardCharsets.UTF_8));
    }
}
