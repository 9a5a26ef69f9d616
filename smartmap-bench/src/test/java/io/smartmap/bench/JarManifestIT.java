package io.smartmap.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * After {@code package} (failsafe, in the bench module, the last of the reactor): every jar the
 * build makes names its module in its manifest, and every module has its sources and javadoc jars.
 */
class JarManifestIT
{
    /** Module directory to the Automatic-Module-Name of its jars (the core's test jar has its own). */
    private static final Map<String, String> MODULES = Map.of(
        "smartmap-core", "io.smartmap.core",
        "smartmap-collectives", "io.smartmap.collectives",
        "smartmap-bench", "io.smartmap.bench");

    @Test
    void shouldNameTheModuleInEveryJarsManifest() throws IOException
    {
        final List<String> checked = new ArrayList<>();
        for (final Map.Entry<String, String> module : MODULES.entrySet())
        {
            final List<Path> jars = jars(module.getKey());
            assertTrue(jars.stream().anyMatch(j -> j.getFileName().toString().matches(module.getKey() + "-[0-9].*[0-9T]\\.jar")),
                "main jar of " + module.getKey() + " in " + jars);
            for (final Path jar : jars)
            {
                final String name = jar.getFileName().toString();
                if (name.endsWith("-sources.jar") || name.endsWith("-javadoc.jar"))
                {
                    continue;
                }
                final String expected = name.endsWith("-tests.jar") ? module.getValue() + ".tests" : module.getValue();
                try (JarFile file = new JarFile(jar.toFile()))
                {
                    assertNotNull(file.getManifest(), "manifest of " + jar);
                    assertEquals(expected, file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"), jar.toString());
                }
                checked.add(name);
            }
        }
        assertTrue(checked.contains("smartmap-core-all.jar") && checked.contains("smartmap-collectives-all.jar") &&
            checked.contains("benchmarks.jar"), "the shaded jars are among " + checked);
    }

    @Test
    void shouldAttachSourcesAndJavadocJarsToEveryModule() throws IOException
    {
        for (final String module : MODULES.keySet())
        {
            final List<Path> jars = jars(module);
            final Path sources = jars.stream().filter(j -> j.toString().endsWith("-sources.jar")).findFirst()
                .orElseThrow(() -> new AssertionError("no sources jar for " + module + " in " + jars));
            final Path javadoc = jars.stream().filter(j -> j.toString().endsWith("-javadoc.jar")).findFirst()
                .orElseThrow(() -> new AssertionError("no javadoc jar for " + module + " in " + jars));
            final String packagePath = MODULES.get(module).replace('.', '/') + "/";
            try (JarFile file = new JarFile(sources.toFile()))
            {
                assertTrue(file.stream().anyMatch(e -> e.getName().startsWith(packagePath) && e.getName().endsWith(".java")),
                    sources + " holds the module's sources");
            }
            try (JarFile file = new JarFile(javadoc.toFile()))
            {
                assertNotNull(file.getEntry("index.html"), javadoc + " holds the javadoc");
                assertTrue(file.stream().noneMatch(e -> e.getName().contains("jmh_generated")), javadoc + " without JMH's classes");
            }
        }
    }

    /** @return the jars in the module's target directory (the bench module's own is the working directory). */
    private static List<Path> jars(final String module) throws IOException
    {
        final Path target = (Files.isDirectory(Path.of("..", module)) ? Path.of("..", module) : Path.of(".")).resolve("target");
        try (Stream<Path> files = Files.list(target))
        {
            return files.filter(f -> f.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
    }
}
