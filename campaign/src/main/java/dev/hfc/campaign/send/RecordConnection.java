package dev.hfc.campaign.send;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection the workers record outcomes on (deliveries, deferrals, suppressions), each statement committed
 * by itself. A record is what keeps a message from being sent again, so it is retried through a database outage
 * (up to the retry timeout); the first failure also loses the batch's lease, so nothing more is sent meanwhile.
 */
final class RecordConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RecordConnection.class);

    @FunctionalInterface
    interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    @FunctionalInterface
    interface Statement {
        void run(Connection c) throws SQLException;
    }

    private final DbSettings db;
    private final Duration retryTimeout;
    private Connection connection;

    RecordConnection(DbSettings db, Duration retryTimeout) {
        this.db = db;
        this.retryTimeout = retryTimeout;
    }

    void run(Statement statement, BatchLease lease) throws SQLException, InterruptedException {
        call(
                c -> {
                    statement.run(c);
                    return null;
                },
                lease);
    }

    synchronized <T> T call(Query<T> query, BatchLease lease) throws SQLException, InterruptedException {
        return MessageDelivery.BACKOFF
                .withTimeout(retryTimeout)
                .run(
                        e -> e instanceof SQLException sql && Database.isTransient(sql),
                        (e, pause) -> {
                            lease.lose((SQLException) e);
                            LOG.warn(
                                    "campaign: database unavailable while recording an outcome ({}); retrying in {} ms",
                                    e.getMessage(),
                                    pause.toMillis());
                            close();
                        },
                        () -> query.run(open()));
    }

    private Connection open() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = Database.connect(db);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the record connection failed", e);
            }
            connection = null;
        }
    }
}
