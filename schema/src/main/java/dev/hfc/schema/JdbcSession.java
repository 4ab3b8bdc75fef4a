package dev.hfc.schema;

import dev.hfc.core.config.DbSettings;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At most one connection to the database, and the work run on it: the one place of the pattern "connect when
 * needed, commit or roll back, close what is lost". The connection is opened when first needed, and again once
 * it was closed; a new connection of a {@link #transactional(DbSettings, String) session with a setup} runs the
 * setup and commits it before its first work, and is closed at once if that fails.
 *
 * <ul>
 *   <li>{@link #inTransaction}: the work runs in a transaction of its own, which the session commits, or rolls
 *       back and rethrows. A failure that says the connection is gone ({@link Database#isConnectionLost}) also
 *       closes it, so that the caller's retry gets a fresh one; a lost conflict between transactions (a deadlock,
 *       a serialization failure) does not, since the connection is fine.
 *   <li>{@link #withConnection}: the work commits what it wants kept itself (a transaction that spans more than
 *       the database, or statements that commit by themselves). On a transactional session a failure rolls back
 *       what the work left open; either way it is rethrown, and the connection is kept: the caller closes it
 *       ({@link #close}) when it decides to, say before a retry.
 * </ul>
 *
 * <p>A rollback that fails is added to the failure it follows, as suppressed. Not thread-safe: a caller that shares
 * a session between threads serializes its calls.
 */
public final class JdbcSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcSession.class);

    /**
     * Work on the session's connection; {@code E} is what it throws besides {@link SQLException} (inferred as
     * {@link RuntimeException} for work that throws nothing else).
     */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run(Connection c) throws SQLException, E;
    }

    /** Opens a new connection: {@link Database#connect}, or a test's own. */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private final Opener opener;
    private final boolean autoCommit;
    private final String setupSql;
    private Connection connection;

    /** @param setupSql null for none; a session in autocommit has none */
    JdbcSession(Opener opener, boolean autoCommit, String setupSql) {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.autoCommit = autoCommit;
        this.setupSql = setupSql;
    }

    /** A session whose connection is in autocommit: each statement of a {@link #withConnection} commits by itself. */
    public static JdbcSession autoCommitting(DbSettings db) {
        return new JdbcSession(() -> Database.connect(db), true, null);
    }

    /** A session whose connection has autocommit off: work runs in transactions. */
    public static JdbcSession transactional(DbSettings db) {
        return new JdbcSession(() -> Database.connect(db), false, null);
    }

    /**
     * As {@link #transactional(DbSettings)}, with {@code setupSql} run and committed on every new connection before
     * its first work (a temporary table the transactions use, say).
     */
    public static JdbcSession transactional(DbSettings db, String setupSql) {
        return new JdbcSession(() -> Database.connect(db), false, Objects.requireNonNull(setupSql, "setupSql"));
    }

    /**
     * Runs {@code work} in one transaction on a connection of its own, closed afterwards: for a one-off write (a
     * replay's positions, say). Committed, or rolled back and rethrown, as {@link #inTransaction}.
     */
    public static <T, E extends Exception> T once(DbSettings db, Work<T, E> work) throws SQLException, E {
        try (JdbcSession session = transactional(db)) {
            return session.inTransaction(work);
        }
    }

    /**
     * Runs {@code work} in one transaction and commits it; nothing is committed if it or the commit throws, and the
     * failure is rethrown. Only on a transactional session.
     */
    public <T, E extends Exception> T inTransaction(Work<T, E> work) throws SQLException, E {
        if (autoCommit) {
            throw new IllegalStateException("a session in autocommit runs no transactions; use withConnection");
        }
        Connection c = connection();
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (Exception e) {
            rollbackQuietly(c, e);
            if (e instanceof SQLException sql && Database.isConnectionLost(sql)) {
                close();
            }
            throw e;
        }
    }

    /**
     * Runs {@code work}, which commits what it wants kept. When it throws on a transactional session, what it left
     * open is rolled back; the failure is rethrown, and the connection kept.
     */
    public <T, E extends Exception> T withConnection(Work<T, E> work) throws SQLException, E {
        Connection c = connection();
        try {
            return work.run(c);
        } catch (Exception e) {
            if (!autoCommit) { // in autocommit every statement ended with itself: nothing is left open
                rollbackQuietly(c, e);
            }
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection c = opener.open();
            try {
                c.setAutoCommit(autoCommit);
                if (setupSql != null) {
                    try (Statement s = c.createStatement()) {
                        s.execute(setupSql);
                    }
                    c.commit();
                }
            } catch (SQLException | RuntimeException e) {
                try {
                    c.close(); // not kept, so not left open either: the next work opens another
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Closes the connection, if there is one; the next work opens another. A failure to close is only logged. */
    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing a connection failed", e);
            }
            connection = null;
        }
    }
}
