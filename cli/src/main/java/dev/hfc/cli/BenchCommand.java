package dev.hfc.cli;

import picocli.CommandLine.Command;

/** {@code hfc bench <name> [--json]}: benchmarks with their alternatives, side by side (§9). */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Run a benchmark.",
        subcommands = {
            BenchSinkCommand.class,
            BenchCdcCommand.class,
            BenchSegmenterCommand.class,
            BenchEndToEndCommand.class,
            BenchBatchVsStreamCommand.class,
            BenchCampaignCommand.class
        })
final class BenchCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "name a benchmark: sink, cdc, segmenter, e2e, batch-vs-stream or campaign");
    }
}
