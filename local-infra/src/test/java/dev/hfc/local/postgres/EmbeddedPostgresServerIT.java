package dev.hfc.local.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("no-database")
class EmbeddedPostgresServerIT {

    @Test
    void startsWithLogicalReplicationEnabled() throws Exception {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(0);
                Connection c =
                        DriverManager.getConnection(pg.jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER, "");
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW wal_level")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("logical");
            }
            try (ResultSet rs = s.executeQuery("SELECT rolreplication FROM pg_roles WHERE rolname = current_user")) {
                rs.next();
                assertThat(rs.getBoolean(1))
                        .as("the superuser can open a replication slot")
                        .isTrue();
            }
        }
    }
}
