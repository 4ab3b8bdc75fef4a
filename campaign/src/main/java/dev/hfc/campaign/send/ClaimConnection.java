package dev.hfc.campaign.send;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender's claiming connection: one transaction at a time (opened lazily, rolled back on failure, reopened
 * after the connection died), and the work retried with backoff while the database is unreachable. The one
 * transaction helper of the campaign.
 */
final class ClaimConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimConnection.class);

    /** Work in the claim's transaction; it commits what it wants kept. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException, InterruptedException;
    }

    private final DbSettings db;
    private Connection connection;

    ClaimConnection(DbSettings db) {
        this.db = db;
    }

    /** Runs {@code work}, retrying with backoff while the database is unreachable, up to {@code timeout}. */
    <T> T withRetry(Duration timeout, Work<T> work) throws SQLException, InterruptedException {
        return MessageDelivery.BACKOFF
                .withTimeout(timeout)
                .run(
                        e -> e instanceof SQLException sql && Database.isTransient(sql),
                        (e, pause) -> {
                            LOG.warn(
                                    "campaign: database unavailable ({}); retrying in {} ms",
                                    e.getMessage(),
                                    pause.toMillis());
                            close();
                        },
                        () -> {
                            Connection c = open();
                            try {
                                return work.run(c);
                            } catch (SQLException | RuntimeException | InterruptedException e) {
                                rollback(c, e);
                                throw e;
                            }
                        });
    }

    private Connection open() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = Database.connect(db);
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the claim connection failed", e);
            }
            connection = null;
        }
    }
}
