package dev.hfc.cli.demo;

import static dev.hfc.cli.demo.DemoLogging.say;

import dev.hfc.core.config.DbSettings;
import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.producer.cdc.SourceDatabase;
import dev.hfc.schema.Database;
import dev.hfc.service.Cli;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** What the demo sets up around the pipeline and removes after it: a checked database, the broker, schema, slot and data. */
public final class DemoEnvironment {

    private DemoEnvironment() {}

    /** A named database must be reachable and ready for CDC; otherwise say exactly what to do (exit 2). */
    public static void checkGivenDatabase(DbSettings db) {
        try (Connection c = Database.connect(db)) {
            String wal = Database.walLevel(c);
            if (!"logical".equals(wal)) {
                throw Cli.usage(
                        "--db-url",
                        "HFC_DB_URL",
                        "PostgreSQL at " + DbSettings.redactUrl(db.url()) + " has wal_level="
                                + wal
                                + ", and CDC needs 'logical'. Fix: psql -c \"ALTER SYSTEM SET wal_level = logical\" and restart "
                                + "PostgreSQL (e.g. pg_ctlcluster <version> main restart), or leave out --db-url to use an embedded one");
            }
        } catch (SQLException e) {
            throw Cli.usage(
                    "--db-url",
                    "HFC_DB_URL",
                    "cannot connect to PostgreSQL at " + DbSettings.redactUrl(db.url())
                            + " as " + db.user() + ": "
                            + e.getMessage().lines().findFirst().orElse("")
                            + ". Check that it runs and accepts the user, or leave out --db-url to use an embedded one");
        }
    }

    /** Starts the demo's in-process Kafka broker with its log under the work directory. */
    public static InProcessKafkaBroker startBroker(Path work) {
        say("starting an in-process Kafka broker (KRaft, single node)");
        return InProcessKafkaBroker.start(0, work.resolve("kafka"));
    }

    /** Drops the demo's replication slot and, unless kept, its schema; says what to drop by hand if that fails. */
    public static void cleanUp(DbSettings db, String slot, boolean keepSchema) {
        try {
            SourceDatabase.dropSlot(db, slot, slot); // a slot nobody reads pins WAL forever
            if (!keepSchema) {
                try (Connection c = Database.connect(db);
                        Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS " + db.quotedSchema() + " CASCADE");
                }
            }
        } catch (Exception e) {
            System.err.println("hfc demo: clean-up incomplete (" + e.getMessage() + "); drop schema " + db.schema()
                    + " and replication slot " + slot + " by hand");
        }
    }

    /** The broker's log and the segmenter's state (hundreds of MB at the defaults) go, whether the demo passed or not. */
    public static void deleteWorkDirectory(Path work) {
        try {
            org.apache.kafka.common.utils.Utils.delete(work.toFile());
        } catch (java.io.IOException e) {
            System.err.println(
                    "hfc demo: could not delete its temporary data in " + work + " (" + e.getMessage() + ")");
        }
    }
}
