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
     * True when the SQL state says the connection or server went away, as opposed to a bad statement: worth
     * retrying, with a bound, by a service that was already running. That includes a login refused for an
     * authorization reason (a role locked or a password being rotated during maintenance): at start-up
     * nothing retries, so a wrong password still fails at once.
     */
    public static boolean isConnectionFailure(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null
                        && (state.startsWith("08") // connection exception
                                || state.equals("57P01")
                                || state.equals("57P02")
                                || state.equals("57P03") // shutdown
                                || state.equals("53300") // too many connections
                                || state.equals("40001")
                                || state.equals("40P01") // serialization, deadlock
                                || state.equals("28000")
                                || state.equals("28P01"))) { // login refused: role locked, password changed
                    return true;
                }
            }
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }
}
