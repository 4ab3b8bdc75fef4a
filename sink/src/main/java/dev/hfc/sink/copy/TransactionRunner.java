package dev.hfc.sink.copy;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A writer's one connection and the transactions run on it, so that the pattern is written once: the
 * connection is opened when first needed (and again after it broke), each piece of work runs in a transaction
 * of its own that commits, or rolls back and rethrows. A failure that says the connection is gone also closes
 * it, so that the caller's retry gets a fresh one; a lost conflict between transactions (a deadlock, a
 * serialization failure, a moved position) does not, since the connection is fine. A new connection whose setup
 * fails is closed at once.
 */
final class TransactionRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionRunner.class);

    /** The work of one transaction on its connection; the runner commits it, or rolls it back if it throws. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DbSettings db;
    private final String setupSql;
    private Connection connection;

    /**
     * @param setupSql run and committed on every new connection before its first transaction (a temporary
     *     table the transactions use)
     */
    TransactionRunner(DbSettings db, String setupSql) {
        this.db = db;
        this.setupSql = setupSql;
    }

    /** Runs {@code work} in one transaction and commits it; nothing is committed if it or the commit throws. */
    <T> T run(Work<T> work) throws SQLException {
        Connection c = connection();
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            if (e instanceof SQLException sql && Database.isConnectionLost(sql)) {
                closeQuietly();
            }
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection c = Database.connect(db);
            try {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute(setupSql);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.close(); // not kept, so not left open either: the next run opens another
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    private void rollbackQuietly(Connection c, Exception cause) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private void closeQuietly() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            LOG.debug("closing a broken connection failed", e);
        }
        connection = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
