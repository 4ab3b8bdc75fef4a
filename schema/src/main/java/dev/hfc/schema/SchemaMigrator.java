package dev.hfc.schema;

import dev.hfc.core.config.DbSettings;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned migrations (Flyway) to the configured schema, creating the schema if needed.
 *
 * <p>Two independent sets, each with its own history table: the output set (the sink's
 * {@code rec_campaigns_weekly} and offsets), always; and the source tables ({@code customer},
 * {@code subscription}), only when asked, because in production they belong to another system.
 */
public final class SchemaMigrator {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

    static final String OUTPUT_LOCATION = "classpath:db/output";
    static final String OUTPUT_HISTORY = "hfc_schema_history";
    static final String SOURCE_LOCATION = "classpath:db/source";
    static final String SOURCE_HISTORY = "hfc_source_schema_history";

    private SchemaMigrator() {}

    /** What was applied: the versions each set is at afterwards, and how many migrations ran. */
    public record Outcome(String outputVersion, int outputApplied, String sourceVersion, int sourceApplied) {}

    public static Outcome migrate(DbSettings db, boolean withSourceTables) {
        MigrateResult output = flyway(db, OUTPUT_LOCATION, OUTPUT_HISTORY).migrate();
        LOG.info(
                "schema {}: output tables at version {} ({} applied)",
                db.schema(),
                versionAfter(output),
                output.migrationsExecuted);
        if (!withSourceTables) {
            return new Outcome(versionAfter(output), output.migrationsExecuted, null, 0);
        }
        MigrateResult source = flyway(db, SOURCE_LOCATION, SOURCE_HISTORY).migrate();
        LOG.info(
                "schema {}: source tables at version {} ({} applied)",
                db.schema(),
                versionAfter(source),
                source.migrationsExecuted);
        return new Outcome(
                versionAfter(output), output.migrationsExecuted, versionAfter(source), source.migrationsExecuted);
    }

    /** Flyway leaves the target version empty when nothing ran; the schema is then still where it was. */
    private static String versionAfter(MigrateResult result) {
        return result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
    }

    static Flyway flyway(DbSettings db, String location, String historyTable) {
        return Flyway.configure()
                .dataSource(db.url(), db.user(), db.password())
                .schemas(db.schema())
                .defaultSchema(db.schema())
                .createSchemas(true)
                .locations(location)
                .table(historyTable)
                // The schema may already hold other tables (in production, the source system's own):
                // start this set's history at version 0 there, so that all of its migrations still run.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .loggers("slf4j")
                .load();
    }
}
