package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.CampaignTargets;
import dev.hfc.testkit.PostgresExtension;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code hfc campaign send} as separate processes: racing instances and a SIGKILL mid-run. */
class CampaignProcessIT {

    private static final String OPERATOR_TOKEN = "a-operator-token-of-forty-characters-aaaa";

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final Week W = Week.parse("2027-W01");

    private GreenMail smtp;

    @BeforeEach
    void startSmtp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
    }

    @AfterEach
    void stopSmtp() {
        smtp.stop();
    }

    @Test
    void twoSendersRacingOverTheSameWeekSendEachMessageOnce() throws Exception {
        DbSettings db = rows("race", 150);
        Map<String, String> env = env(db);
        try (HfcProcess a = HfcProcess.start(
                        env, "campaign", "send", "--week", W.toString(), "--rate", "0", "--batch-size", "5");
                HfcProcess b = HfcProcess.start(
                        env, "campaign", "send", "--week", W.toString(), "--rate", "0", "--batch-size", "5")) {
            assertThat(a.process().waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(b.process().waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(a.process().exitValue()).as(a.stderr()).isZero();
            assertThat(b.process().exitValue()).as(b.stderr()).isZero();
            // Together they sent everything once, by their own count too.
            assertThat(sentCount(a.stdout()) + sentCount(b.stdout())).isEqualTo(150);
        }
        MimeMessage[] received = smtp.getReceivedMessages();
        assertThat(received).hasSize(150);
        assertThat(messageIdsByRecipient(received)).hasSize(150);
        assertThat(unsent(db)).isZero();
    }

    @Test
    void anOptOutFedInByTheOperatorIsSkippedUntilTheCustomerResubscribes() throws Exception {
        DbSettings db = rows("optout", 3); // customer0@, customer1@, customer2@example.com
        Map<String, String> env = env(db);
        var nobody = HfcProcess.run(Duration.ofSeconds(60), env, "campaign", "unsubscribe", "--how", "mailto");
        assertThat(nobody.exitCode()).isEqualTo(2);
        assertThat(nobody.stderr()).contains("--email / --user-id");
        var out = HfcProcess.run(
                Duration.ofSeconds(60),
                env,
                "campaign",
                "unsubscribe",
                "--email",
                "customer1@example.com",
                "--how",
                "mailto");
        assertThat(out.exitCode()).as(out.stderr()).isZero();
        assertThat(out.stdout()).contains("opted out: <customer1@example.com> (mailto)");
        assertThat(
                        count(
                                db,
                                "SELECT count(*) FROM hfc_campaign_optouts WHERE email = 'customer1@example.com' AND how = 'mailto'"))
                .isEqualTo(1);
        var send =
                HfcProcess.run(Duration.ofSeconds(90), env, "campaign", "send", "--week", W.toString(), "--rate", "0");
        assertThat(send.exitCode()).as(send.stderr()).isZero();
        assertThat(smtp.getReceivedMessages())
                .extracting(m -> m.getAllRecipients()[0].toString())
                .containsExactlyInAnyOrder("customer0@example.com", "customer2@example.com");
        var back = HfcProcess.run(
                Duration.ofSeconds(60), env, "campaign", "resubscribe", "--email", "customer1@example.com");
        assertThat(back.exitCode()).as(back.stderr()).isZero();
        assertThat(back.stdout()).contains("removed 1 opt-out(s)");
        var again =
                HfcProcess.run(Duration.ofSeconds(90), env, "campaign", "send", "--week", W.toString(), "--rate", "0");
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(smtp.getReceivedMessages()).hasSize(3);
    }

    @Test
    void aSenderKilledMidRunIsRestartedAndEveryRowEndsSentWithStableMessageIds() throws Exception {
        int rows = 80;
        DbSettings db = rows("killed", rows);
        Map<String, String> env = env(db);
        try (HfcProcess slow = HfcProcess.start(
                env, "campaign", "send", "--week", W.toString(), "--rate", "20", "--batch-size", "10")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> smtp.getReceivedMessages().length >= 25);
            slow.kill();
        }
        long unsentAfterKill = unsent(db);
        assertThat(unsentAfterKill).as("the kill came mid-run").isPositive();
        HfcProcess.Result rerun =
                HfcProcess.run(Duration.ofSeconds(90), env, "campaign", "send", "--week", W.toString(), "--rate", "0");
        assertThat(rerun.exitCode()).as(rerun.stderr()).isZero();
        assertThat(unsent(db)).isZero();

        MimeMessage[] received = smtp.getReceivedMessages();
        Map<String, String> ids = messageIdsByRecipient(received); // fails on two different ids for one recipient
        assertThat(ids).hasSize(rows);
        // Only the message in flight at the kill can have gone out twice.
        assertThat(received.length - rows).isBetween(0, 1);
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_deliveries")).isEqualTo(rows);
    }

    @Test
    void theLongRunningSenderCatchesUpAMissedCutoffAndSendsOnDemand() throws Exception {
        Week target = Week.target(java.time.Instant.now(), java.time.ZoneOffset.UTC);
        DbSettings db = rows("run", 0);
        for (int i = 0; i < 12; i++) {
            CampaignTargets.insert(db, target, UUID.randomUUID(), "early" + i + "@example.com", Segment.MEDIUM, 2);
        }
        int opsPort;
        try (ServerSocket s = new ServerSocket(0)) {
            opsPort = s.getLocalPort();
        }
        // Today 00:00 UTC has passed and lies in the current week: that cut-off's campaign is due at start.
        String today =
                java.time.LocalDate.now(java.time.ZoneOffset.UTC).getDayOfWeek().name();
        try (HfcProcess run = HfcProcess.start(
                env(db),
                "campaign",
                "run",
                "--cutoff-day",
                today,
                "--cutoff-time",
                "00:00",
                "--zone",
                "UTC",
                "--ops-port",
                Integer.toString(opsPort))) {
            // The catch-up run claims until nothing is left, so rows added before it ends would go out with it:
            // wait for its end, not for its 12th message.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> runsEnded(opsPort) == 1);
            assertThat(smtp.getReceivedMessages()).hasSize(12);
            for (int i = 0; i < 5; i++) {
                CampaignTargets.insert(db, target, UUID.randomUUID(), "late" + i + "@example.com", Segment.MEDIUM, 2);
            }
            var http = java.net.http.HttpClient.newHttpClient();
            java.util.function.Function<String, java.net.http.HttpResponse<String>> trigger = authorization -> {
                var b = java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + opsPort + "/trigger"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody());
                if (authorization != null) {
                    b.header("Authorization", authorization);
                }
                try {
                    return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            // Anyone who reaches the port, or a web page in the operator's browser, cannot start a send.
            assertThat(trigger.apply(null).statusCode()).isEqualTo(401);
            assertThat(trigger.apply("Bearer " + OPERATOR_TOKEN.replace('a', 'b'))
                            .statusCode())
                    .isEqualTo(401);
            assertThat(trigger.apply("Basic "
                                    + java.util.Base64.getEncoder()
                                            .encodeToString(("op:" + OPERATOR_TOKEN)
                                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                            .statusCode())
                    .as("Basic is for reading pages only")
                    .isEqualTo(401);
            Thread.sleep(2_000); // not a synchronisation: the window in which a wrongly taken request would act
            assertThat(smtp.getReceivedMessages()).hasSize(12);
            assertThat(runsEnded(opsPort)).as("runs ended").isEqualTo(1);
            var accepted = trigger.apply("Bearer " + OPERATOR_TOKEN);
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(accepted.body()).contains("campaign run for " + target);
            await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessages().length == 17);
            await().atMost(Duration.ofSeconds(10)).until(() -> unsent(db) == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> runsEnded(opsPort) == 2);
            var health = http.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + opsPort + "/health"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).startsWith("UP next cut-off");
            var metrics = http.send(
                            java.net.http.HttpRequest.newBuilder(
                                            java.net.URI.create("http://127.0.0.1:" + opsPort + "/metrics"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(metrics)
                    .contains("hfc_campaign_messages_total{")
                    .contains("outcome=\"sent\"")
                    .contains("week=\"" + target + "\"");
            assertThat(run.terminate(Duration.ofSeconds(30)))
                    .as(run.stderr())
                    .isIn(0, 143); // 143: the JVM reports SIGTERM
        }
        assertThat(smtp.getReceivedMessages()).hasSize(17);
    }

    /** Campaign runs that have ended, whatever their result, by the service's own metric. */
    private static long runsEnded(int opsPort) throws Exception {
        String metrics = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://127.0.0.1:" + opsPort + "/metrics"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        return metrics.lines()
                .filter(l -> l.startsWith("hfc_campaign_runs_total{"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void healthSaysDownWithTheReasonWhileTheLastRunFailed() throws Exception {
        Week target = Week.target(java.time.Instant.now(), java.time.ZoneOffset.UTC);
        DbSettings db = rows("health", 0);
        CampaignTargets.insert(db, target, UUID.randomUUID(), "someone@example.com", Segment.MEDIUM, 2);
        int opsPort;
        int closedSmtpPort;
        try (ServerSocket a = new ServerSocket(0);
                ServerSocket b = new ServerSocket(0)) {
            opsPort = a.getLocalPort();
            closedSmtpPort = b.getLocalPort();
        }
        Map<String, String> env = new java.util.HashMap<>(env(db));
        env.put("HFC_SMTP_PORT", Integer.toString(closedSmtpPort)); // nothing listens there
        String today =
                java.time.LocalDate.now(java.time.ZoneOffset.UTC).getDayOfWeek().name();
        try (HfcProcess run = HfcProcess.start(
                env,
                "campaign",
                "run",
                "--cutoff-day",
                today,
                "--cutoff-time",
                "00:00",
                "--ops-port",
                Integer.toString(opsPort),
                "--smtp-retry-timeout-ms",
                "500",
                "--retry-interval-s",
                "3600")) {
            var http = java.net.http.HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> http.send(
                                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                                            "http://127.0.0.1:" + opsPort + "/health"))
                                                    .build(),
                                            java.net.http.HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 503);
            var health = http.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + opsPort + "/health"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).startsWith("DOWN the last run stopped early: the mail server stayed unavailable");
            assertThat(run.terminate(Duration.ofSeconds(30))).isIn(0, 143);
        }
    }

    @Test
    void anUnsubscribeMailsTokenIsAppliedByTheOperator() throws Exception {
        DbSettings db = rows("token", 0);
        String secret = "the unsubscribe key of this campaign, 32+ bytes";
        UUID user = UUID.randomUUID();
        String token = new dev.hfc.campaign.consent.UnsubscribeTokens(
                        secret.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        Duration.ofDays(180),
                        java.time.Clock.systemUTC())
                .issue(user);
        Map<String, String> env = new java.util.HashMap<>(env(db));
        env.put("HFC_CAMPAIGN_UNSUBSCRIBE_SECRET", secret);
        // The subject of the mail, as the mailto link wrote it.
        var applied = HfcProcess.run(
                Duration.ofSeconds(60), env, "campaign", "unsubscribe", "--token", "unsubscribe " + token);
        assertThat(applied.exitCode()).as(applied.stderr()).isZero();
        assertThat(applied.stdout()).contains("opted out: user " + user + " (mailto)");
        try (Connection c = Database.connect(db);
                java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM hfc_campaign_optouts WHERE user_id = '"
                        + user + "' AND how = 'mailto'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
        var forged = HfcProcess.run(
                Duration.ofSeconds(60), env, "campaign", "unsubscribe", "--token", token.substring(1) + "A");
        assertThat(forged.exitCode()).isEqualTo(2);
        assertThat(forged.stderr()).contains("--token").contains("not a valid unsubscribe token");
    }

    @Test
    void previewRendersASegmentAndBadSettingsExitWith2NamingTheFlag() throws Exception {
        var preview = HfcProcess.run(
                Duration.ofSeconds(60),
                Map.of(),
                "campaign",
                "preview",
                "--segment",
                "high",
                "--email",
                "sam+x@example.com",
                "--week",
                "2026-W53",
                "--pause-weeks",
                "6");
        assertThat(preview.exitCode()).as(preview.stderr()).isZero();
        assertThat(preview.stdout())
                .contains("Subject: We would love to have you back: 6 weeks is a long time")
                .contains("--- text/plain ---")
                .contains("paused for 6 weeks or more from the week of 28 December 2026 (2026-W53)")
                .contains("--- text/html ---")
                .contains("sam+x@example.com");

        var badSegment = HfcProcess.run(Duration.ofSeconds(60), Map.of(), "campaign", "preview", "--segment", "huge");
        assertThat(badSegment.exitCode()).isEqualTo(2);
        assertThat(badSegment.stderr()).contains("--segment").contains("not low, medium or high");

        var badSecurity = HfcProcess.run(
                Duration.ofSeconds(60),
                Map.of("HFC_SMTP_SECURITY", "ssl", "HFC_SMTP_PASSWORD", "hunter2"),
                "campaign",
                "send");
        assertThat(badSecurity.exitCode()).isEqualTo(2);
        assertThat(badSecurity.stderr())
                .contains("--smtp-security (env HFC_SMTP_SECURITY)")
                .doesNotContain("hunter2");

        var badWeek = HfcProcess.run(Duration.ofSeconds(60), Map.of(), "campaign", "send", "--week", "2026-W54");
        assertThat(badWeek.exitCode()).isEqualTo(2);
        assertThat(badWeek.stderr()).contains("--week");

        // Real recipients get no message whose unsubscribe link cannot work.
        var noUrl = HfcProcess.run(
                Duration.ofSeconds(60),
                Map.of("HFC_DB_URL", "jdbc:postgresql://127.0.0.1:1/none"),
                "campaign",
                "send",
                "--max-sink-lag-ms",
                "0");
        assertThat(noUrl.exitCode()).as(noUrl.stderr()).isEqualTo(2);
        assertThat(noUrl.stderr())
                .contains("--unsubscribe-url (env HFC_CAMPAIGN_UNSUBSCRIBE_URL)")
                .contains("https");
        var shortToken = HfcProcess.run(
                Duration.ofSeconds(60),
                Map.of("HFC_OPERATOR_TOKEN", "too-short-a-token"),
                "campaign",
                "run",
                "--ops-port",
                "0");
        assertThat(shortToken.exitCode()).isEqualTo(2);
        assertThat(shortToken.stderr()).contains("--operator-token").doesNotContain("too-short-a-token");
    }

    // ---------------------------------------------------------------------------------------------------------

    private static long sentCount(String stdout) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile(": sent (\\d+) \\(").matcher(stdout);
        assertThat(m.find()).as(stdout).isTrue();
        return Long.parseLong(m.group(1));
    }

    private Map<String, String> env(DbSettings db) {
        return Map.of(
                "HFC_DB_URL",
                db.url(),
                "HFC_DB_USER",
                db.user(),
                "HFC_DB_PASSWORD",
                db.password(),
                "HFC_DB_SCHEMA",
                db.schema(),
                "HFC_SMTP_HOST",
                "127.0.0.1",
                "HFC_SMTP_PORT",
                Integer.toString(smtp.getSmtp().getPort()),
                "HFC_CAMPAIGN_FROM",
                "Meal kits <campaigns@shop.example>",
                // No sink writes these tables: the rows are the test's own (SinkFreshness is tested in
                // CampaignSenderIT).
                "HFC_CAMPAIGN_MAX_SINK_LAG_MS",
                "0",
                "HFC_CAMPAIGN_UNSUBSCRIBE_URL",
                "https://shop.example/hfc/unsubscribe",
                "HFC_OPERATOR_TOKEN",
                OPERATOR_TOKEN);
    }

    /** Recipient to Message-ID; fails if one recipient got two messages with different ids. */
    private static Map<String, String> messageIdsByRecipient(MimeMessage[] received) throws Exception {
        Map<String, String> ids = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (MimeMessage m : received) {
            String to = m.getAllRecipients()[0].toString();
            String id = m.getHeader("Message-ID")[0];
            assertThat(id).startsWith("<hfc-campaign." + W + ".").endsWith("@shop.example>");
            String earlier = ids.putIfAbsent(to, id);
            assertThat(earlier).as("Message-ID of a repeat to " + to).isIn(null, id);
            seen.add(id);
        }
        assertThat(seen).hasSameSizeAs(ids.keySet());
        return ids;
    }

    private static DbSettings rows(String name, int n) throws Exception {
        DbSettings db = POSTGRES.db("campaign_" + name);
        SchemaMigrator.migrate(db, false);
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO rec_campaigns_weekly (user_id, email, segment, subscription_week, subscription_id, pause_weeks) "
                                + "VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < n; i++) {
                Segment s = Segment.values()[i % 3];
                ps.setObject(1, UUID.randomUUID());
                ps.setString(2, "customer" + i + "@example.com");
                ps.setString(3, s.wire());
                ps.setString(4, W.toString());
                ps.setObject(5, UUID.randomUUID());
                ps.setInt(6, s == Segment.LOW ? 1 : s == Segment.MEDIUM ? 2 : 4);
                ps.addBatch();
            }
            if (n > 0) {
                ps.executeBatch();
            }
        }
        return db;
    }

    private static long unsent(DbSettings db) throws Exception {
        return count(db, "SELECT count(*) FROM rec_campaigns_weekly WHERE NOT campaign_sent");
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
