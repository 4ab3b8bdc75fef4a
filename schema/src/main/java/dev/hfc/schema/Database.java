package dev.hfc.schema;

import dev.hfc.core.config.DbSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Connections to the configured database, and the checks every service makes at start-up. */
public final class Database {

    private Database() {}

    /** A new connection with {@code search_path} set to the configured schema. */
    public static Connection connect(DbSettings db) throws SQLException {
        Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        try (Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + db.quotedSchema());
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The server's {@code wal_level}; CDC needs {@code logical}. */
    public static String walLevel(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW wal_level")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * True when the SQL state says the connection or server went away, as opposed to a bad statement or a
     * conflict between transactions: the connection is of no more use, and a new one, with a bound on the
     * waiting, may succeed. That includes a login refused for an authorization reason (a role locked or a
     * password being rotated during maintenance): at start-up nothing retries, so a wrong password still fails at
     * once.
     */
    public static boolean isConnectionLost(SQLException e) {
        return hasState(e, Database::connectionLost) || hasIoCause(e);
    }

    /**
     * True when running the transaction again may succeed: the connection was lost ({@link #isConnectionLost}), or
     * the transaction lost a conflict with another one (a serialization failure or a deadlock), on a connection
     * that is still fine.
     */
    public static boolean isTransient(SQLException e) {
        return isConnectionLost(e) || hasState(e, state -> state.equals("40001") || state.equals("40P01"));
    }

    private static boolean connectionLost(String state) {
        return state.startsWith("08") // connection exception
                || state.equals("57P01")
                || state.equals("57P02")
                || state.equals("57P03") // shutdown
                || state.equals("53300") // too many connections
                || state.equals("28000")
                || state.equals("28P01"); // login refused: role locked, password changed
    }

    private static boolean hasState(SQLException e, java.util.function.Predicate<String> wanted) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && wanted.test(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * An I/O failure under the driver's exceptions (pgjdbc puts the socket's as the cause). The walk ends at the
     * first cause that is neither: an I/O failure under something else (Kafka's, say) is not the connection's.
     */
    private static boolean hasIoCause(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return true;
            }
            if (!(t instanceof SQLException)) {
                return false;
            }
        }
        return false;
    }
}
