package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.consent.UnsubscribeTokens;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.report.CampaignReport;
import dev.hfc.campaign.report.Uplift;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.sink.SinkMetrics;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.copy.CopyBatchWriter;
import dev.hfc.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The win-back measurement end to end on its real paths: targets written by the sink's writer, two senders
 * racing with a 25% control group and a rerun, outcomes arriving as the segmenter's tombstones through the
 * sink's writer, and {@code hfc campaign report} as a process. A known share of each group resumes; the
 * report must say exactly that.
 */
class WinBackReportIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final Week W = Week.parse("2026-W50");
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private static final ControlGroup CONTROL = ControlGroup.parse("25", "winback-it");

    private long offset;

    @Test
    void theReportCountsWhatTheEmailAndTheControlGroupDid() throws Exception {
        DbSettings db = POSTGRES.db("winback");
        SchemaMigrator.migrate(db, false);
        List<UUID> low = new ArrayList<>();
        List<UUID> medium = new ArrayList<>();
        try (CopyBatchWriter sink = new CopyBatchWriter(db, "winback", new SinkMetrics(new SimpleMeterRegistry()))) {
            SegmentBatch targets = new SegmentBatch();
            for (int i = 0; i < 400; i++) {
                UUID user = UUID.nameUUIDFromBytes(("winback-" + i).getBytes(StandardCharsets.UTF_8));
                Segment segment = i % 2 == 0 ? Segment.LOW : Segment.MEDIUM;
                (segment == Segment.LOW ? low : medium).add(user);
                CustomerSegment s = new CustomerSegment(
                        user,
                        "c" + i + "@example.com",
                        W,
                        segment,
                        segment == Segment.LOW ? 1 : 2,
                        UUID.randomUUID(),
                        0L);
                targets.add(s.key(), s, source(T0.minusSeconds(86_400)));
            }
            sink.write(targets, refused -> {});

            // Two senders race over the week, then a third run finds nothing left.
            int port = freePort();
            GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
            smtp.start();
            try {
                CompletableFuture<SendReport> a = CompletableFuture.supplyAsync(() -> send(db, port));
                CompletableFuture<SendReport> b = CompletableFuture.supplyAsync(() -> send(db, port));
                SendReport first = a.join();
                SendReport second = b.join();
                SendReport rerun = send(db, port);
                assertThat(rerun.sentTotal() + rerun.controlTotal())
                        .as("the rerun: " + rerun.summary())
                        .isZero();

                Set<UUID> expectedControl = new TreeSet<>();
                for (UUID u : low) {
                    if (CONTROL.holdsBack(W, u, Segment.LOW)) {
                        expectedControl.add(u);
                    }
                }
                for (UUID u : medium) {
                    if (CONTROL.holdsBack(W, u, Segment.MEDIUM)) {
                        expectedControl.add(u);
                    }
                }
                assertThat(expectedControl.size()).as("a 25%% share of 400").isBetween(60, 140);
                assertThat(users(db, "SELECT user_id FROM hfc_campaign_control"))
                        .isEqualTo(expectedControl);
                assertThat(first.controlTotal() + second.controlTotal())
                        .as("each held back once")
                        .isEqualTo(expectedControl.size());
                Set<UUID> emailed = users(db, "SELECT user_id FROM hfc_campaign_deliveries");
                assertThat(emailed).hasSize(400 - expectedControl.size()).doesNotContainAnyElementsOf(expectedControl);
                MimeMessage[] received = smtp.getReceivedMessages();
                assertThat(received).hasSize(emailed.size());
                Set<String> controlAddresses = new HashSet<>();
                try (Connection c = Database.connect(db);
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT email FROM hfc_campaign_control")) {
                    while (rs.next()) {
                        controlAddresses.add(rs.getString(1));
                    }
                }
                for (MimeMessage m : received) {
                    assertThat(controlAddresses)
                            .doesNotContain(((InternetAddress) m.getAllRecipients()[0]).getAddress());
                }
            } finally {
                smtp.stop();
            }

            // The decision time of both groups, fixed so that latencies are known.
            sql(db, "UPDATE hfc_campaign_deliveries SET sent_at = '" + T0 + "'");
            sql(db, "UPDATE hfc_campaign_control SET held_at = '" + T0 + "'");
            sql(db, "UPDATE hfc_campaign_assignments SET assigned_at = '" + T0 + "'");

            Set<UUID> control = users(db, "SELECT user_id FROM hfc_campaign_control");
            List<UUID> emailedLow =
                    low.stream().filter(u -> !control.contains(u)).sorted().toList();
            List<UUID> controlLow =
                    low.stream().filter(control::contains).sorted().toList();
            List<UUID> emailedMedium =
                    medium.stream().filter(u -> !control.contains(u)).sorted().toList();
            List<UUID> controlMedium =
                    medium.stream().filter(control::contains).sorted().toList();

            // Outcomes, as the segmenter publishes them: tombstones with their end reason and the change's time.
            SegmentBatch ends = new SegmentBatch();
            int resumedLow = emailedLow.size() / 2;
            for (int i = 0; i < resumedLow; i++) { // i + 1 minutes after the email
                ends.tombstone(
                        new SegmentKey(W, emailedLow.get(i)), EndReason.RESUMED, source(T0.plusSeconds(60L * (i + 1))));
            }
            for (int i = resumedLow; i < resumedLow + 5; i++) {
                ends.tombstone(new SegmentKey(W, emailedLow.get(i)), EndReason.CANCELLED, source(T0.plusSeconds(120)));
            }
            UUID resumedBeforeTheEmail = emailedLow.get(resumedLow + 5);
            ends.tombstone(new SegmentKey(W, resumedBeforeTheEmail), EndReason.RESUMED, source(T0.minusSeconds(3_600)));
            UUID pausedAgain = emailedLow.get(resumedLow + 6);
            ends.tombstone(new SegmentKey(W, pausedAgain), EndReason.RESUMED, source(T0.plusSeconds(3_600)));
            int resumedControlLow = controlLow.size() / 4;
            for (int i = 0; i < resumedControlLow; i++) {
                ends.tombstone(new SegmentKey(W, controlLow.get(i)), EndReason.RESUMED, source(T0.plusSeconds(600)));
            }
            int resumedMedium = emailedMedium.size() / 3;
            for (int i = 0; i < resumedMedium; i++) {
                ends.tombstone(
                        new SegmentKey(W, emailedMedium.get(i)), EndReason.RESUMED, source(T0.plusSeconds(7_200)));
            }
            int resumedControlMedium = controlMedium.size() / 3;
            for (int i = 0; i < resumedControlMedium; i++) {
                ends.tombstone(
                        new SegmentKey(W, controlMedium.get(i)), EndReason.RESUMED, source(T0.plusSeconds(7_200)));
            }
            sink.write(ends, refused -> {});
            SegmentBatch again = new SegmentBatch();
            CustomerSegment repaused =
                    new CustomerSegment(pausedAgain, "again@example.com", W, Segment.LOW, 1, UUID.randomUUID(), 0L);
            again.add(repaused.key(), repaused, source(T0.plusSeconds(7_200)));
            sink.write(again, refused -> {});

            // One emailed customer of each segment left: low unsubscribed, medium bounced.
            sql(
                    db,
                    "INSERT INTO hfc_campaign_optouts (user_id, how, opted_out_at) VALUES ('" + emailedLow.get(0)
                            + "', 'one-click', '" + T0.plusSeconds(300) + "')");
            sql(
                    db,
                    "INSERT INTO hfc_campaign_bounces (email, type, message_id) SELECT email, 'hard', message_id "
                            + "FROM hfc_campaign_deliveries WHERE user_id = '"
                            + emailedMedium.get(emailedMedium.size() - 1) + "'");

            CampaignReport report = CampaignReport.read(db, W);
            assertThat(report.lines()).hasSize(2);
            CampaignReport.Line l = report.lines().get(0);
            assertThat(l.segment()).isEqualTo(Segment.LOW);
            assertThat(List.of(
                            l.targeted(),
                            l.emailed(),
                            l.control(),
                            l.unsubscribed(),
                            l.bounced(),
                            l.resumedEmailed(),
                            l.resumedControl()))
                    .containsExactly(
                            200L, (long) emailedLow.size(), (long) controlLow.size(), 1L, 0L, (long) resumedLow, (long)
                                    resumedControlLow);
            Uplift expectedLow = Uplift.of(resumedLow, emailedLow.size(), resumedControlLow, controlLow.size());
            assertThat(l.assigned())
                    .as("nobody refused or deferred: the assigned are the emailed")
                    .isEqualTo(emailedLow.size());
            assertThat(l.uplift()).isEqualTo(expectedLow);
            assertThat(l.uplift().difference())
                    .isEqualTo(
                            (double) resumedLow / emailedLow.size() - (double) resumedControlLow / controlLow.size());
            // Resumers at 1, 2, …, n minutes after the email: the median is (n + 1) / 2 minutes.
            assertThat(l.medianResumeSeconds()).isEqualTo((resumedLow + 1) * 30.0);

            CampaignReport.Line m = report.lines().get(1);
            assertThat(m.segment()).isEqualTo(Segment.MEDIUM);
            assertThat(List.of(
                            m.targeted(),
                            m.emailed(),
                            m.control(),
                            m.unsubscribed(),
                            m.bounced(),
                            m.resumedEmailed(),
                            m.resumedControl()))
                    .containsExactly(
                            200L,
                            (long) emailedMedium.size(),
                            (long) controlMedium.size(),
                            0L,
                            1L,
                            (long) resumedMedium,
                            (long) resumedControlMedium);
            assertThat(m.medianResumeSeconds()).isEqualTo(7_200.0);

            // The command prints the same numbers.
            Map<String, String> env = Map.of(
                    "HFC_DB_URL",
                    db.url(),
                    "HFC_DB_USER",
                    db.user(),
                    "HFC_DB_PASSWORD",
                    db.password(),
                    "HFC_DB_SCHEMA",
                    db.schema());
            HfcProcess.Result json = HfcProcess.run(
                    Duration.ofSeconds(60), env, "campaign", "report", "--week", W.toString(), "--format", "json");
            assertThat(json.exitCode()).as(json.stderr()).isZero();
            JsonNode lines = new ObjectMapper().readTree(json.stdout()).get("lines");
            assertThat(lines).hasSize(2);
            JsonNode low0 = lines.get(0);
            assertThat(low0.get("segment").asText()).isEqualTo("low");
            assertThat(low0.get("emailed").asLong()).isEqualTo(emailedLow.size());
            assertThat(low0.get("resumed_control").asLong()).isEqualTo(resumedControlLow);
            assertThat(low0.get("uplift").asDouble()).isEqualTo(expectedLow.difference());
            assertThat(low0.get("uplift_ci95_lower").asDouble()).isEqualTo(expectedLow.lower());
            assertThat(low0.get("uplift_ci95_upper").asDouble()).isEqualTo(expectedLow.upper());
            HfcProcess.Result csv =
                    HfcProcess.run(Duration.ofSeconds(60), env, "campaign", "report", "--format", "csv");
            assertThat(csv.stdout().lines().toList())
                    .hasSize(3)
                    .first()
                    .asString()
                    .startsWith("week,segment,targeted,emailed,control");
            assertThat(csv.stdout())
                    .contains(W + ",medium,200," + emailedMedium.size() + "," + controlMedium.size() + ",0,1,"
                            + resumedMedium + "," + resumedControlMedium + ",");
            HfcProcess.Result table = HfcProcess.run(Duration.ofSeconds(60), env, "campaign", "report");
            System.out.print(table.stdout());
            assertThat(table.stdout()).contains("uplift (95% CI)").contains("Newcombe");
            // Intention to treat: a target the campaign meant to email but whose address the server refused stays in
            // the
            // treatment arm, as the control group keeps its own unreachable addresses.
            UUID refusedAtSending = UUID.randomUUID();
            sql(
                    db,
                    "INSERT INTO rec_campaigns_weekly (user_id, email, segment, campaign_sent, subscription_week, subscription_id, "
                            + "pause_weeks) VALUES ('" + refusedAtSending + "', 'refused@example.com', 'low', false, '"
                            + W + "', '"
                            + UUID.randomUUID() + "', 1)");
            sql(
                    db,
                    "INSERT INTO hfc_campaign_suppressions (email, reason, smtp_code, subscription_week, user_id) VALUES "
                            + "('refused@example.com', '550 5.1.1 user unknown', 550, '" + W + "', '" + refusedAtSending
                            + "')");
            CampaignReport.Line itt = CampaignReport.read(db, W).lines().get(0);
            assertThat(List.of(itt.targeted(), itt.emailed(), itt.assigned(), itt.resumedAssigned()))
                    .containsExactly(201L, (long) emailedLow.size(), emailedLow.size() + 1L, (long) resumedLow);
            assertThat(itt.uplift())
                    .isEqualTo(Uplift.of(resumedLow, emailedLow.size() + 1, resumedControlLow, controlLow.size()));
            HfcProcess.Result bad =
                    HfcProcess.run(Duration.ofSeconds(60), env, "campaign", "report", "--format", "xml");
            assertThat(bad.exitCode()).isEqualTo(2);
            assertThat(bad.stderr()).contains("--format").contains("table, json or csv");
        }
    }

    private SegmentBatch.Source source(Instant at) {
        return new SegmentBatch.Source("winback.customer-segments", 0, offset++, at.toEpochMilli(), null, null);
    }

    private static SendReport send(DbSettings db, int port) {
        SmtpSettings smtp = new SmtpSettings(
                "127.0.0.1",
                port,
                SmtpSettings.Security.NONE,
                null,
                null,
                "Meal kits <campaigns@shop.example>",
                null,
                0,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        Unsubscribe unsubscribe = new Unsubscribe(
                new UnsubscribeTokens(
                        "a test secret of at least 32 bytes!".getBytes(StandardCharsets.US_ASCII),
                        Duration.ofDays(90),
                        Clock.systemUTC()),
                URI.create("https://shop.example/unsubscribe"),
                "unsubscribe@shop.example",
                "pause-campaign.shop.example",
                "Paused deliveries");
        try (CampaignSender sender = new CampaignSender(
                new CampaignSender.Settings(
                        db,
                        10,
                        0,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10),
                        smtp.messageIdDomain(),
                        dev.hfc.campaign.send.Freshness.none(),
                        2,
                        dev.hfc.campaign.send.DeferralPolicy.DEFAULT),
                CampaignTemplates.defaults("https://shop.example/resume?week={{week}}"),
                unsubscribe,
                () -> new SmtpMailer(smtp),
                new CampaignMetrics(new SimpleMeterRegistry()),
                CONTROL)) {
            return sender.send(W);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<UUID> users(DbSettings db, String sql) throws Exception {
        Set<UUID> users = new TreeSet<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                users.add(rs.getObject(1, UUID.class));
            }
        }
        return users;
    }

    private static void sql(DbSettings db, String sql) throws Exception {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
