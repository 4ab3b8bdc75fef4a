package dev.hfc.campaign.send;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import dev.hfc.schema.JdbcSession;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection the workers record outcomes on (deliveries, deferrals, suppressions), each statement committed
 * by itself. A record is what keeps a message from being sent again, so it is retried through a database outage
 * (up to the retry timeout); the first failure also loses the batch's lease, so nothing more is sent meanwhile.
 * The connection is a {@link JdbcSession} in autocommit, closed before each retry.
 */
final class RecordConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RecordConnection.class);

    @FunctionalInterface
    interface Query<T> extends JdbcSession.Work<T, RuntimeException> {}

    @FunctionalInterface
    interface Statement {
        void run(Connection c) throws SQLException;
    }

    private final JdbcSession session;
    private final Duration retryTimeout;

    RecordConnection(DbSettings db, Duration retryTimeout) {
        this.session = JdbcSession.autoCommitting(db);
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
                .<T, SQLException>run(
                        e -> e instanceof SQLException sql && Database.isTransient(sql),
                        (e, pause) -> {
                            lease.lose((SQLException) e);
                            LOG.warn(
                                    "campaign: database unavailable or a conflict lost while recording an outcome ({}); retrying in {} ms",
                                    e.getMessage(),
                                    pause.toMillis());
                            if (e instanceof SQLException sql && Database.isConnectionLost(sql)) {
                                close(); // a lost conflict leaves the connection fine: it is kept
                            }
                        },
                        () -> session.withConnection(query));
    }

    @Override
    public synchronized void close() {
        session.close();
    }
}
