package dev.hfc.service;

import java.io.PrintWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code hfc}: one executable with a subcommand per service (§8, §9), as a deployment runs it (the image's
 * {@code hfc-service.jar}). A developer's {@code ./hfc} adds the tools to the same command ({@code HfcTools}).
 */
@Command(
        name = "hfc",
        mixinStandardHelpOptions = true,
        versionProvider = Hfc.Version.class,
        description = "Pause-campaign pipeline: CDC producer, Kafka Streams segmenter, COPY sink, campaign sender.",
        subcommands = {
            DbCommand.class,
            ProducerCommand.class,
            SegmenterCommand.class,
            SinkCommand.class,
            OpsCheckCommand.class,
            ReplayCommand.class,
            SnapshotCommand.class,
            CampaignCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Hfc implements Runnable {

    /** §9 exit codes. */
    public static final int OK = 0;

    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Z0-9_]+)");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(runMain(commandLine(), args));
    }

    /** Runs {@code commandLine} as the process's command and returns its exit code. */
    public static int runMain(CommandLine commandLine, String[] args) {
        // java.util.logging (Jakarta Mail's) goes through SLF4J, so logback.xml decides what shows, on stderr.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        return commandLine.execute(args);
    }

    /** The command with the service subcommands, its usage errors (exit 2) and failures (exit 1) handled. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Hfc());
        cl.setParameterExceptionHandler(Hfc::onBadParameter);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof Cli.ConfigurationException) {
                commandLine.getErr().println("hfc: " + e.getMessage());
                return USAGE;
            }
            commandLine.getErr().println("hfc " + commandLine.getCommandName() + " failed: " + e);
            org.slf4j.LoggerFactory.getLogger(Hfc.class).error("{} failed", commandLine.getCommandName(), e);
            return FAILED;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** Says which flag was wrong, and which environment variable it came from when it was not on the line. */
    private static int onBadParameter(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        String message = e.getMessage();
        ArgSpec arg = e.getArgSpec();
        if (arg instanceof OptionSpec option
                && option.defaultValueString(false) != null
                && (e.getCommandLine().getParseResult() == null
                        || !e.getCommandLine().getParseResult().hasMatchedOption(option))) {
            Matcher m = ENV_DEFAULT.matcher(option.defaultValueString(false));
            if (m.find() && System.getenv(m.group(1)) != null) {
                message += " (from environment variable " + m.group(1) + ")";
            }
        }
        err.println("hfc: " + message);
        err.println("Try 'hfc " + (cl.getCommandSpec().qualifiedName(" ").replaceFirst("^hfc ?", "") + " --help").trim()
                + "'.");
        return USAGE;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Hfc.class.getPackage().getImplementationVersion();
            return new String[] {"hfc " + (v == null ? "(development build)" : v)};
        }
    }
}
