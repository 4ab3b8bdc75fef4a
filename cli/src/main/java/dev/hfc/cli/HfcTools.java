package dev.hfc.cli;

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

    static CommandLine commandLine() {
        CommandLine hfc = Hfc.commandLine();
        hfc.getCommandSpec().removeSubcommand("help"); // listed last again below, after the tools
        hfc.addSubcommand(new BrokerCommand())
                .addSubcommand(new GenerateCommand())
                .addSubcommand(new DemoCommand())
                .addSubcommand(new BenchCommand())
                .addSubcommand(new CommandLine.HelpCommand());
        return hfc;
    }
}
