package dev.hfc.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.config.DbSettings;
import dev.hfc.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link JdbcSession}, the one transaction helper, on a real server ({@link JdbcSessionTest} has the rest). */
class JdbcSessionIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @Test
    void aNewConnectionWhoseSetupFailsIsClosedNotLeaked() throws Exception {
        DbSettings db = POSTGRES.db("setup");
        String app = "hfc-setup-" + UUID.randomUUID().toString().substring(0, 8);
        DbSettings named = new DbSettings(
                db.url() + (db.url().contains("?") ? "&" : "?") + "ApplicationName=" + app,
                db.user(),
                db.password(),
                db.schema());
        String count = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'";
        try (JdbcSession good = JdbcSession.transactional(named, "SELECT 1")) {
            good.inTransaction(c -> 1);
            assertThat(column(db, count))
                    .as("a connection kept open is seen under its name")
                    .containsExactly("1");
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> column(db, count), List.of("0")::equals);
        try (JdbcSession session = JdbcSession.transactional(named, "CREATE TEMP TABLE broken (")) {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> session.inTransaction(c -> 1))
                        .isInstanceOf(SQLException.class)
                        .extracting(e -> ((SQLException) e).getSQLState())
                        .isEqualTo("42601");
            }
            // Each failed setup closed its connection: none of the three is left open on the server.
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> column(db, count), List.of("0")::equals);
        }
    }

    @Test
    void aLostConflictKeepsTheConnectionALostConnectionIsReplaced() throws Exception {
        DbSettings db = POSTGRES.db("conflict");
        try (JdbcSession session = JdbcSession.transactional(db, "SELECT 1")) {
            int first = session.inTransaction(JdbcSessionIT::backendPid);
            for (String conflict : List.of("40P01", "40001")) {
                assertThatThrownBy(() -> session.inTransaction(c -> {
                            throw new SQLException("lost a conflict", conflict);
                        }))
                        .isInstanceOf(SQLException.class);
                assertThat(session.inTransaction(JdbcSessionIT::backendPid))
                        .as("the backend after %s", conflict)
                        .isEqualTo(first);
            }
            assertThatThrownBy(() -> session.inTransaction(c -> {
                        throw new SQLException("terminated by administrator", "57P01");
                    }))
                    .isInstanceOf(SQLException.class);
            assertThat(session.inTransaction(JdbcSessionIT::backendPid)).isNotEqualTo(first);
        }
    }

    @Test
    void workThatCommitsItselfKeepsWhatItCommittedAndTheSessionKeepsTheConnection() throws Exception {
        DbSettings db = POSTGRES.db("own_commits");
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA own_commits");
            s.execute("CREATE TABLE own_commits.numbers (n int)");
        }
        try (JdbcSession session = JdbcSession.transactional(db)) {
            int first = session.withConnection(JdbcSessionIT::backendPid);
            assertThatThrownBy(() -> session.withConnection(c -> {
                        number(c, 1);
                        c.commit();
                        number(c, 2);
                        throw new SQLException("terminated by administrator", "57P01");
                    }))
                    .isInstanceOf(SQLException.class);
            assertThat(session.withConnection(JdbcSessionIT::backendPid))
                    .as("withConnection leaves closing a lost connection to its caller")
                    .isEqualTo(first);
        }
        assertThat(column(db, "SELECT n::text FROM numbers"))
                .as("what the work committed")
                .containsExactly("1");
        try (JdbcSession session = JdbcSession.autoCommitting(db)) {
            assertThatThrownBy(() -> session.withConnection(c -> {
                        number(c, 3);
                        throw new SQLException("lost a conflict", "40001");
                    }))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(e.getSuppressed())
                            .as("no rollback in autocommit")
                            .isEmpty());
            assertThatThrownBy(() -> session.inTransaction(c -> 1)).isInstanceOf(IllegalStateException.class);
        }
        assertThat(column(db, "SELECT n::text FROM numbers ORDER BY n"))
                .as("each statement in autocommit commits by itself")
                .containsExactly("1", "3");
    }

    /** The server process of a connection: the same one while the session keeps its connection. */
    private static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void number(Connection c, int n) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO numbers (n) VALUES (" + n + ")");
        }
    }

    private static List<String> column(DbSettings db, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
