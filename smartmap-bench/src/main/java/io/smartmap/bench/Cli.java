package io.smartmap.bench;

import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The command-line contract of our tools: bad arguments give one line on stderr naming the tool
 * and exit 2; an {@link IllegalArgumentException} from the command is a bad argument too; any
 * other failure is one line and exit 1.
 */
public final class Cli
{
    private Cli()
    {
    }

    /**
     * Parse {@code args} into {@code command} and run it.
     *
     * @return the exit code.
     */
    public static int execute(
        final String name, final Object command, final String[] args, final PrintStream stdout, final PrintStream stderr)
    {
        return new CommandLine(command)
            .setOut(new PrintWriter(stdout, true))
            .setErr(new PrintWriter(stderr, true))
            .setParameterExceptionHandler((ex, arguments) ->
            {
                stderr.println(name + ": " + ex.getMessage() + " (try " + name + " -h)");
                return CommandLine.ExitCode.USAGE;
            })
            .setExecutionExceptionHandler((ex, commandLine, parseResult) ->
            {
                stderr.println(name + ": " + ex.getMessage());
                return ex instanceof IllegalArgumentException ? CommandLine.ExitCode.USAGE : 1;
            })
            .execute(args);
    }
}
