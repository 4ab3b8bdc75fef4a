package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.local.postgres.EmbeddedPostgresServer;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.CampaignTargets;
import dev.hfc.testkit.PostgresExtension;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code hfc campaign send} as processes against servers we did not write, as processes too: a strict SMTP relay
 * (aiosmtpd: a 452 for one recipient, a slow DATA, no SMTPUTF8) and PostgreSQL, whose connections are cut
 * ({@code pg_terminate_backend}) or which is stopped for seconds in the middle of a batch.
 */
@Tag("processes")
class CampaignOutsideServersIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final Week W = Week.parse("2027-W01");

    @Test
    void aFullMailboxAtAStrictRelayDefersItsRowAndTheOthersGoOutThenItIsSentWhenTheMailboxTakesMail() throws Exception {
        DbSettings db = schema(POSTGRES.db("outside_full_mailbox"));
        // A deferral is tried again only until its week's end, by the clock: the coming target week, not a fixed one
        // (with the fixed W, 2027-W01, it would fail from 2027-01-11 on).
        Week week = Week.target(java.time.Instant.now(), java.time.ZoneOffset.UTC);
        // The lowest user id is claimed first: before, its 452 stopped the whole week.
        CampaignTargets.insert(
                db,
                week,
                UUID.fromString("00000000-0000-0000-0000-000000000001"),
                "full@example.com",
                Segment.MEDIUM,
                2);
        for (int i = 0; i < 59; i++) {
            CampaignTargets.insert(db, week, UUID.randomUUID(), "customer" + i + "@example.com", Segment.MEDIUM, 2);
        }
        try (StrictRelay relay = StrictRelay.start(List.of("full@example.com"), 0)) {
            Map<String, String> env = env(db, relay);
            HfcProcess.Result first = HfcProcess.run(
                    Duration.ofSeconds(120),
                    env,
                    "campaign",
                    "send",
                    "--week",
                    week.toString(),
                    "--rate",
                    "0",
                    "--deferral-first-ms",
                    "1000");
            assertThat(first.exitCode()).as(first.stderr()).isZero();
            assertThat(first.stdout())
                    .contains(": sent 59 (")
                    .contains("1 deferred by the recipient's server (4xx), 1 waiting");
            assertThat(first.stderr()).contains("<full@example.com> deferred by its server (452 4.2.2");
            assertThat(relay.copiesByRecipient()).hasSize(59).doesNotContainKey("full@example.com");
            assertThat(count(db, "SELECT count(*) FROM hfc_campaign_deferrals WHERE attempts = 1 AND NOT expired"))
                    .isEqualTo(1);

            relay.policy(List.of(), 0); // the customer made room
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> count(db, "SELECT count(*) FROM hfc_campaign_deferrals WHERE next_attempt_at <= now()")
                            == 1);
            HfcProcess.Result later = HfcProcess.run(
                    Duration.ofSeconds(120),
                    env,
                    "campaign",
                    "send",
                    "--week",
                    week.toString(),
                    "--rate",
                    "0",
                    "--deferral-first-ms",
                    "1000");
            assertThat(later.exitCode()).as(later.stderr()).isZero();
            assertThat(later.stdout()).contains(": sent 1 (");
            assertThat(relay.copiesByRecipient())
                    .hasSize(60)
                    .allSatisfy((to, copies) -> assertThat(copies).as(to).isEqualTo(1));
        }
        assertThat(count(db, "SELECT count(*) FROM rec_campaigns_weekly WHERE NOT campaign_sent"))
                .isZero();
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_suppressions")).isZero();
    }

    @Test
    void theDatabaseGoingAwayMidBatchRepeatsAtMostTheMessageEachSmtpConnectionHadInHand() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = Files.createTempDirectory("hfc-outage-pg");
        EmbeddedPostgresServer[] pg = {EmbeddedPostgresServer.start(port, data.resolve("pgdata"))};
        List<String> figures = new ArrayList<>();
        try (StrictRelay relay = StrictRelay.start(List.of(), 60)) { // a slow relay: 60 ms a message
            int scenario = 0;
            for (String fault : List.of("terminate", "stop")) {
                for (int senders : List.of(1, 2)) {
                    scenario++;
                    DbSettings db = schema(new DbSettings(
                            pg[0].jdbcUrl("postgres"),
                            EmbeddedPostgresServer.SUPERUSER,
                            "",
                            "outage_" + fault + "_" + senders));
                    int rows = 80;
                    List<String> emails = new ArrayList<>();
                    for (int i = 0; i < rows; i++) {
                        String email = "s" + scenario + "-" + i + "@example.com";
                        emails.add(email);
                        CampaignTargets.insert(db, W, UUID.randomUUID(), email, Segment.MEDIUM, 2);
                    }
                    int before = relay.accepted().size();
                    List<HfcProcess> running = new ArrayList<>();
                    try {
                        for (int i = 0; i < senders; i++) {
                            running.add(HfcProcess.start(
                                    env(db, relay),
                                    "campaign",
                                    "send",
                                    "--week",
                                    W.toString(),
                                    "--rate",
                                    "0",
                                    "--batch-size",
                                    "25"));
                        }
                        await().atMost(Duration.ofSeconds(60))
                                .until(() -> relay.accepted().size() - before >= 15);
                        long faultAt = System.nanoTime();
                        if (fault.equals("terminate")) {
                            try (Connection c = Database.connect(db);
                                    Statement st = c.createStatement()) {
                                st.execute(
                                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                                                + "AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
                            }
                        } else {
                            pg[0].close();
                            Thread.sleep(4_000); // the outage itself, not a wait for anything
                            pg[0] = EmbeddedPostgresServer.start(port, data.resolve("pgdata"));
                        }
                        for (HfcProcess p : running) {
                            assertThat(p.process().waitFor(120, java.util.concurrent.TimeUnit.SECONDS))
                                    .as("sender finished")
                                    .isTrue();
                            assertThat(p.process().exitValue()).as(p.stderr()).isZero();
                        }
                        double seconds = (System.nanoTime() - faultAt) / 1e9;
                        Map<String, Long> copies = new HashMap<>();
                        for (String[] a : relay.accepted()
                                .subList(before, relay.accepted().size())) {
                            copies.merge(a[0].toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
                        }
                        assertThat(copies.keySet())
                                .as("every address reached")
                                .containsExactlyInAnyOrderElementsOf(emails);
                        long repeated =
                                copies.values().stream().mapToLong(c -> c - 1).sum();
                        String line = String.format(
                                "%s with %d sender(s), one SMTP connection each: %d rows, %d messages, %d repeated, "
                                        + "caught up %.1f s after the fault",
                                fault.equals("stop") ? "database stopped 4 s" : "connections terminated",
                                senders,
                                rows,
                                rows + repeated,
                                repeated,
                                seconds);
                        figures.add(line);
                        System.out.println("outage: " + line);
                        // At most the message each SMTP connection had in hand when the database went away.
                        assertThat(repeated).as(line).isLessThanOrEqualTo(senders);
                        assertThat(count(db, "SELECT count(*) FROM rec_campaigns_weekly WHERE NOT campaign_sent"))
                                .isZero();
                        if (fault.equals("stop")) {
                            assertThat(running.get(0).stderr()).contains("database unavailable");
                        }
                    } finally {
                        for (HfcProcess p : running) {
                            p.close();
                        }
                    }
                }
            }
        } finally {
            pg[0].close();
        }
        assertThat(figures).hasSize(4);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Map<String, String> env(DbSettings db, StrictRelay relay) {
        Map<String, String> env = new HashMap<>();
        env.put("HFC_DB_URL", db.url());
        env.put("HFC_DB_USER", db.user());
        env.put("HFC_DB_PASSWORD", db.password());
        env.put("HFC_DB_SCHEMA", db.schema());
        env.put("HFC_SMTP_HOST", "127.0.0.1");
        env.put("HFC_SMTP_PORT", Integer.toString(relay.port()));
        env.put("HFC_CAMPAIGN_FROM", "Meal kits <campaigns@shop.example>");
        env.put("HFC_CAMPAIGN_UNSUBSCRIBE_URL", "https://shop.example/hfc/unsubscribe");
        // No sink writes these tables: the rows are the test's own.
        env.put("HFC_CAMPAIGN_MAX_SINK_LAG_MS", "0");
        return env;
    }

    private static DbSettings schema(DbSettings db) {
        SchemaMigrator.migrate(db, false);
        return db;
    }

    private static long count(DbSettings db, String sql) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
