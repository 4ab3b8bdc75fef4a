package dev.hfc.campaign.send;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import dev.hfc.schema.JdbcSession;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender's claiming connection: one transaction at a time on a {@link JdbcSession} (opened lazily, rolled back
 * on failure, reopened after the connection was closed), and the work retried with backoff while the database is
 * unreachable, the connection closed before each retry.
 */
final class ClaimConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimConnection.class);

    /** Work in the claim's transaction; it commits what it wants kept. */
    @FunctionalInterface
    interface Work<T> extends JdbcSession.Work<T, InterruptedException> {}

    private final JdbcSession session;

    ClaimConnection(DbSettings db) {
        this.session = JdbcSession.transactional(db);
    }

    /** Runs {@code work}, retrying with backoff while the database is unreachable, up to {@code timeout}. */
    <T> T withRetry(Duration timeout, Work<T> work) throws SQLException, InterruptedException {
        return MessageDelivery.BACKOFF
                .withTimeout(timeout)
                .<T, SQLException>run(
                        e -> e instanceof SQLException sql && Database.isTransient(sql),
                        (e, pause) -> {
                            LOG.warn(
                                    "campaign: database unavailable or a conflict lost ({}); retrying in {} ms",
                                    e.getMessage(),
                                    pause.toMillis());
                            if (e instanceof SQLException sql && Database.isConnectionLost(sql)) {
                                close(); // a lost conflict leaves the connection fine: it is kept
                            }
                        },
                        () -> session.withConnection(work));
    }

    @Override
    public void close() {
        session.close();
    }
}
