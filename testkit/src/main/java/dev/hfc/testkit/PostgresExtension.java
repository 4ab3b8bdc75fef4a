package dev.hfc.testkit;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.SqlIdentifier;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a database of its own on the run's shared PostgreSQL server ({@link PostgresServer}),
 * created before the class and dropped after it, with any replication slot left in it.
 *
 * <pre>{@code @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();}</pre>
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {

    private PostgresServer server;
    private String database;
    private DbSettings settings;

    @Override
    public void beforeAll(ExtensionContext context) throws SQLException {
        server = SharedInfrastructure.postgres(context);
        String name = context.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT);
        database = SqlIdentifier.validate(
                "database",
                "t_" + name.substring(0, Math.min(40, name.length())) + "_"
                        + UUID.randomUUID().toString().substring(0, 8));
        try (Connection c = admin();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + SqlIdentifier.quote(database));
        }
        settings = new DbSettings(server.urlFor(database), server.user(), server.password(), DbSettings.DEFAULT_SCHEMA);
    }

    @Override
    public void afterAll(ExtensionContext context) throws SQLException {
        if (database == null) {
            return;
        }
        try (Connection c = admin()) {
            // A slot nobody reads pins WAL forever: drop this database's slots before the database.
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = ? AND active_pid IS NOT NULL")) {
                ps.setString(1, database);
                ps.execute();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = ?")) {
                ps.setString(1, database);
                ps.execute();
            }
            try (Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + SqlIdentifier.quote(database) + " WITH (FORCE)");
            }
        }
    }

    /** The class's database, schema {@code public}. */
    public DbSettings db() {
        if (settings == null) {
            throw new IllegalStateException("the database exists only from beforeAll on");
        }
        return settings;
    }

    /** The class's database with another schema name (created by whoever uses it, e.g. migrations). */
    public DbSettings db(String schema) {
        return db().withSchema(schema);
    }

    public String databaseName() {
        return database;
    }

    public PostgresServer server() {
        return server;
    }

    /** A new connection to the class's database. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(settings.url(), settings.user(), settings.password());
    }

    private Connection admin() throws SQLException {
        return DriverManager.getConnection(server.adminUrl(), server.user(), server.password());
    }
}
