package dev.hfc.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.config.DbSettings;
import dev.hfc.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SchemaMigratorIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @Test
    void migratesAFreshSchemaAndEnforcesOneRowPerWeekAndUser() throws Exception {
        DbSettings db = POSTGRES.db("campaigns_a");
        var outcome = SchemaMigrator.migrate(db, false);
        assertThat(outcome.outputVersion()).isEqualTo("12");
        assertThat(outcome.outputApplied()).isEqualTo(12);
        assertThat(tables(db))
                .contains("rec_campaigns_weekly", "hfc_sink_offsets")
                .doesNotContain("customer", "subscription");

        try (Connection c = Database.connect(db)) {
            UUID user = UUID.randomUUID();
            insert(c, user, "2026-W49");
            insert(c, user, "2026-W50");
            assertThatThrownBy(() -> insert(c, user, "2026-W49"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"))
                    .hasMessageContaining("rec_campaigns_weekly_week_user_key");
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT count(*), bool_or(campaign_sent), count(DISTINCT id) FROM rec_campaigns_weekly")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
                assertThat(rs.getBoolean(2)).as("rows start unsent").isFalse();
                assertThat(rs.getInt(3)).as("ids are generated").isEqualTo(2);
            }
            assertThatThrownBy(() -> {
                        try (PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO rec_campaigns_weekly "
                                        + "(user_id, email, segment, subscription_week, subscription_id) VALUES (?, 'a@b.co', 'huge', '2026-W49', ?)")) {
                            ps.setObject(1, UUID.randomUUID());
                            ps.setObject(2, UUID.randomUUID());
                            ps.executeUpdate();
                        }
                    })
                    .hasMessageContaining("rec_campaigns_weekly_segment_check");
        }
    }

    @Test
    void sourceTablesOnlyWhenAskedAndMigrationIsIdempotent() throws Exception {
        DbSettings db = POSTGRES.db("campaigns_b");
        SchemaMigrator.migrate(db, false);
        var second = SchemaMigrator.migrate(db, true);
        assertThat(second.outputApplied()).isZero();
        assertThat(second.sourceApplied()).isEqualTo(1);
        assertThat(tables(db)).contains("customer", "subscription", "rec_campaigns_weekly");
        var third = SchemaMigrator.migrate(db, true);
        assertThat(third.outputApplied()).isZero();
        assertThat(third.sourceApplied()).isZero();
        assertThat(third.outputVersion())
                .as("nothing ran, so the schema stays at its version")
                .isEqualTo("12");
        assertThat(third.sourceVersion()).isEqualTo("1");

        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT relname, relreplident FROM pg_class WHERE relname IN ('customer','subscription') "
                                + "AND relnamespace = 'campaigns_b'::regnamespace ORDER BY relname")) {
            while (rs.next()) {
                assertThat(rs.getString(2))
                        .as("replica identity of %s", rs.getString(1))
                        .isEqualTo("f");
            }
        }
    }

    @Test
    void migratesASchemaThatAlreadyHoldsTheSourceSystemsTables() throws Exception {
        DbSettings db = POSTGRES.db("production_like");
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA production_like");
            s.execute("CREATE TABLE production_like.customer (user_id uuid PRIMARY KEY, email varchar(64))");
        }
        var outcome = SchemaMigrator.migrate(db, false);
        assertThat(outcome.outputApplied()).isEqualTo(12);
        assertThat(tables(db)).contains("customer", "rec_campaigns_weekly", "hfc_sink_offsets");
    }

    @Test
    void theTableCatalogNamesEveryTableTheMigrationsCreateAndNoOther() throws Exception {
        DbSettings db = POSTGRES.db("table_names");
        List<String> histories = List.of(SchemaMigrator.OUTPUT_HISTORY, SchemaMigrator.SOURCE_HISTORY);
        SchemaMigrator.migrate(db, false);
        List<String> output = tables(db);
        assertThat(output).contains(SchemaMigrator.OUTPUT_HISTORY);
        output.removeAll(histories);
        assertThat(output)
                .as("the tables of db/output (left) against Tables.output() (right): add a new table to Tables")
                .containsExactlyInAnyOrderElementsOf(Tables.output());

        SchemaMigrator.migrate(db, true);
        List<String> all = tables(db);
        assertThat(all).contains(SchemaMigrator.SOURCE_HISTORY);
        all.removeAll(histories);
        List<String> source = new ArrayList<>(all);
        source.removeAll(output);
        assertThat(source)
                .as("the tables of db/source (left) against Tables.source() (right): add a new table to Tables")
                .containsExactlyInAnyOrderElementsOf(Tables.source());
        assertThat(Tables.all()).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void noForeignKeyFromTheOutputTable() throws Exception {
        DbSettings db = POSTGRES.db("campaigns_c");
        SchemaMigrator.migrate(db, true);
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                        + "AND conrelid = 'campaigns_c.rec_campaigns_weekly'::regclass")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void rewritingEveryRowOfItsPagesInOneTransactionStaysHot() throws Exception {
        DbSettings db = POSTGRES.db("campaigns_ff");
        SchemaMigrator.migrate(db, false);
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.executeUpdate(
                    "INSERT INTO rec_campaigns_weekly (user_id, email, segment, subscription_week, subscription_id, pause_weeks) "
                            + "SELECT gen_random_uuid(), 'user' || g || '@example.com', 'low', '2026-W49', gen_random_uuid(), 1 "
                            + "FROM generate_series(1, 2000) g");
            c.setAutoCommit(false);
            // What a sink batch does to rows written together: every unindexed value changes at once.
            int updated =
                    s.executeUpdate("UPDATE rec_campaigns_weekly SET email = 'changed.' || email, segment = 'medium', "
                            + "subscription_id = gen_random_uuid(), pause_weeks = 2");
            try (ResultSet rs = s.executeQuery(
                    "SELECT pg_stat_get_xact_tuples_hot_updated('campaigns_ff.rec_campaigns_weekly'::regclass)")) {
                rs.next();
                assertThat(updated).isEqualTo(2000);
                // A few new versions are longer than the old ones and spill; at fillfactor 75 two thirds did.
                assertThat(rs.getLong(1)).as("HOT updates of 2,000").isGreaterThanOrEqualTo(1900);
            }
            c.rollback();
        }
    }

    @Test
    void theServerRunsWithLogicalWalForCdc() throws Exception {
        try (Connection c = Database.connect(POSTGRES.db())) {
            assertThat(Database.walLevel(c)).isEqualTo("logical");
        }
    }

    private static void insert(Connection c, UUID user, String week) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO rec_campaigns_weekly "
                + "(user_id, email, segment, subscription_week, subscription_id) VALUES (?, 'a@b.co', 'low', ?, ?)")) {
            ps.setObject(1, user);
            ps.setString(2, week);
            ps.setObject(3, UUID.randomUUID());
            ps.executeUpdate();
        }
    }

    @Test
    void v12RewritesStoredAddressesIntoTheirCanonicalFormAndMergesWhatBecomesOne() throws Exception {
        DbSettings db = POSTGRES.db("canonical_addresses");
        org.flywaydb.core.Flyway.configure()
                .configuration(SchemaMigrator.flyway(db, SchemaMigrator.OUTPUT_LOCATION, SchemaMigrator.OUTPUT_HISTORY)
                        .getConfiguration())
                .target("11")
                .load()
                .migrate();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute(
                    "INSERT INTO hfc_campaign_suppressions (email, reason) VALUES ('anna@xn--bcher-kva.example', 'complaint'), "
                            + "('Anna@Bücher.example', 'hard bounce'), ('Jamie@X.com', 'hard bounce'), ('not an address', 'kept')");
            s.execute("INSERT INTO hfc_campaign_optouts (user_id, email, how) VALUES (NULL, 'jamie@x.com', 'webhook'), "
                    + "(NULL, 'JAMIE@X.COM', 'mailto'), ('" + UUID.randomUUID() + "', 'Kim@Example.com', 'one-click')");
            s.execute(
                    "INSERT INTO hfc_campaign_bounces (email, type, event_id) VALUES ('Erik@Example.com', 'soft', 'e1'), "
                            + "('erik@example.com', 'soft', 'e1'), ('ERIK@example.com', 'soft', 'e2')");
            s.execute(
                    "INSERT INTO hfc_campaign_deliveries (subscription_week, user_id, email, segment, message_id) VALUES "
                            + "('2026-W50', '" + UUID.randomUUID() + "', 'Zoë@Bücher.Example', 'low', '<m@x>')");
        }
        var outcome = SchemaMigrator.migrate(db, false);
        assertThat(outcome.outputVersion()).isEqualTo("12");
        assertThat(column(db, "SELECT email FROM hfc_campaign_suppressions ORDER BY email"))
                .containsExactly("anna@xn--bcher-kva.example", "jamie@x.com", "not an address");
        assertThat(column(db, "SELECT email FROM hfc_campaign_optouts ORDER BY email"))
                .containsExactly("jamie@x.com", "kim@example.com");
        assertThat(column(db, "SELECT email || ' ' || event_id FROM hfc_campaign_bounces ORDER BY 1"))
                .containsExactly("erik@example.com e1", "erik@example.com e2");
        assertThat(column(db, "SELECT email FROM hfc_campaign_deliveries"))
                .containsExactly("zoë@xn--bcher-kva.example");
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

    private static List<String> tables(DbSettings db) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = Database.connect(db);
                PreparedStatement ps =
                        c.prepareStatement("SELECT table_name FROM information_schema.tables WHERE table_schema = ?")) {
            ps.setString(1, db.schema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }
}
