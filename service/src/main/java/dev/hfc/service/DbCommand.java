package dev.hfc.service;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.schema.Tables;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc db ...}: schema management. */
@Command(
        name = "db",
        mixinStandardHelpOptions = true,
        description = "Database schema management.",
        subcommands = DbCommand.Migrate.class)
final class DbCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (migrate)");
    }

    @Command(
            name = "migrate",
            mixinStandardHelpOptions = true,
            description = "Apply the versioned migrations of the output tables (and the source tables when asked).")
    static final class Migrate implements Callable<Integer> {

        @Mixin
        DbOptions db;

        @Option(
                names = "--with-source-tables",
                description = "Also create the source tables " + Tables.CUSTOMER + " and " + Tables.SUBSCRIPTION
                        + " (demo, tests, benchmarks).")
        boolean withSourceTables;

        @Override
        public Integer call() {
            DbSettings settings = db.settings();
            var outcome = SchemaMigrator.migrate(settings, withSourceTables);
            System.out.println("schema " + settings.schema() + ": output tables at version " + outcome.outputVersion()
                    + " (" + outcome.outputApplied() + " applied)"
                    + (withSourceTables
                            ? "; source tables at version " + outcome.sourceVersion() + " (" + outcome.sourceApplied()
                                    + " applied)"
                            : ""));
            return Hfc.OK;
        }
    }
}
