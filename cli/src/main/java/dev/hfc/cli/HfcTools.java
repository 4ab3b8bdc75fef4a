package dev.hfc.cli;

import dev.hfc.service.Hfc;
import java.time.Duration;
import picocli.CommandLine;

/**
 * {@code ./hfc}: the deployed command ({@link Hfc}, every service) plus what only a developer's machine runs:
 * {@code demo}, {@code bench}, {@code broker} (the in-process Kafka broker) and {@code generate}. The image
 * carries {@code hfc-service.jar}, without these and without the embedded servers they start.
 */
public final class HfcTools {

    private HfcTools() {}

    public static void main(String[] args) {
        System.exit(Hfc.runMain(commandLine(), args));
    }

    /** A demo or benchmark killed by a signal may wait this long for its clean-up (services stop on their own). */
    static final Duration CLEAN_UP_BOUND = Duration.ofSeconds(60);

    static CommandLine commandLine() {
        CommandLine hfc = Hfc.commandLine();
        hfc.getCommandSpec().removeSubcommand("help"); // listed last again below, after the tools
        hfc.addSubcommand(new BrokerCommand())
                .addSubcommand(new GenerateCommand())
                .addSubcommand(new DemoCommand())
                .addSubcommand(new BenchCommand())
                .addSubcommand(new CommandLine.HelpCommand());
        CommandLine.IExecutionStrategy plain = hfc.getExecutionStrategy();
        hfc.setExecutionStrategy(parsed -> {
            String command =
                    parsed.hasSubcommand() ? parsed.subcommand().commandSpec().name() : "";
            if (!command.equals("demo") && !command.equals("bench")) {
                return plain.execute(parsed);
            }
            try {
                return FinishOnSignal.run(CLEAN_UP_BOUND, () -> plain.execute(parsed));
            } catch (CommandLine.ExecutionException | CommandLine.ParameterException e) {
                throw e;
            } catch (Exception e) {
                throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), e.toString(), e);
            }
        });
        return hfc;
    }
}
