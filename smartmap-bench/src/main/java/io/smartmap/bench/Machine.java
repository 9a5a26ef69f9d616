package io.smartmap.bench;

import io.smartmap.collectives.KernelProvider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The facts about this machine and JVM that a run's figures depend on: the run's header and
 * {@code results.json} ({@code machine}) both come from here.
 */
final class Machine
{
    /** CPU model from {@code /proc/cpuinfo} ({@code lscpu} where that has none), or {@code unknown}. */
    final String cpuModel;
    /** Cores this JVM may use ({@link Runtime#availableProcessors()}). */
    final int cores;
    /** JVM vendor and runtime version, e.g. {@code Eclipse Adoptium 25.0.3+9-LTS}. */
    final String jdk;
    /** Operating system name and kernel version. */
    final String os;
    /** The reduction kernels this JVM runs: {@link KernelProvider#name()}, e.g. {@code vector 512-bit}. */
    final String kernels;

    private Machine(final String cpuModel, final int cores, final String jdk, final String os, final String kernels)
    {
        this.cpuModel = cpuModel;
        this.cores = cores;
        this.jdk = jdk;
        this.os = os;
        this.kernels = kernels;
    }

    /** @return the facts of this machine and JVM. */
    static Machine current()
    {
        return new Machine(cpuModel(), Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"),
            System.getProperty("os.name") + " " + System.getProperty("os.version"), KernelProvider.instance().name());
    }

    /** @return the commit of the working directory's git checkout, or {@code unknown}. */
    static String commit()
    {
        final String head = run(List.of("git", "rev-parse", "HEAD"));
        return head.isEmpty() ? "unknown" : head;
    }

    private static String cpuModel()
    {
        try
        {
            final String model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElse("");
            if (!model.isEmpty())
            {
                return model;
            }
        }
        catch (final IOException ex)
        {
            // no /proc/cpuinfo: ask lscpu
        }
        return run(List.of("lscpu")).lines().filter(l -> l.startsWith("Model name:"))
            .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
    }

    /** @return the command's standard output, trimmed, or an empty string if it cannot run or fails. */
    private static String run(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.waitFor() == 0 ? output : "";
        }
        catch (final IOException ex)
        {
            return "";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
