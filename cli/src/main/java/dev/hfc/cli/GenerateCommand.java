package dev.hfc.cli;

import dev.hfc.core.week.Week;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.service.Cli;
import dev.hfc.service.DbOptions;
import dev.hfc.service.Hfc;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc generate}: realistic synthetic source data, loaded with COPY (§9). */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Load synthetic customers and subscriptions (two weeks back to eight ahead) with COPY. "
                + "Creates the source tables if they are missing.")
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    DbOptions db;

    @Option(names = "--customers", required = true, paramLabel = "N", description = "How many customers.")
    long customers;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "S",
            description = "Same seed, same data (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--first",
            defaultValue = "0",
            paramLabel = "I",
            description =
                    "Index of the first customer, to add more customers to an earlier run (default ${DEFAULT-VALUE}).")
    long first;

    @Override
    public Integer call() throws Exception {
        if (customers < 1) {
            throw Cli.usage("--customers", null, "must be at least 1");
        }
        var settings = db.settings();
        SchemaMigrator.migrate(settings, true);
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        Progress progress = new Progress("generate", customers);
        var loaded = SourceDataLoader.load(
                settings, new SourceDataGenerator(seed, current), first, customers, progress::update);
        progress.done();
        System.out.printf(
                "loaded %,d customers and %,d subscriptions into %s in %.1f s (%,.0f rows/s)%n",
                loaded.customers(),
                loaded.subscriptions(),
                settings.schema(),
                loaded.nanos() / 1e9,
                loaded.rowsPerSecond());
        return Hfc.OK;
    }
}
