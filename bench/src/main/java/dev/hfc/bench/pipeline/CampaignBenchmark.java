package dev.hfc.bench.pipeline;

import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.consent.UnsubscribeTokens;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.DeferralPolicy;
import dev.hfc.campaign.send.Freshness;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.local.smtp.InProcessSmtpServer;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * {@code hfc bench campaign}: messages per second through the campaign sender's real path (claim, render,
 * SMTP, delivery record, mark) into an in-process SMTP server with no rate limit, on one connection and on
 * several, over the same rows. A schema of its own, dropped afterwards whether the run passed or not.
 */
public final class CampaignBenchmark {

    public record Run(int connections, long messages, double seconds) {
        public double perSecond() {
            return messages / seconds;
        }
    }

    public record Result(int rows, List<Run> runs) {}

    private CampaignBenchmark() {}

    public static Result run(DbSettings base, int rows, List<Integer> connections, Consumer<String> progress)
            throws Exception {
        DbSettings db =
                base.withSchema("hfc_bench_campaign_" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36));
        Week week = Week.parse("2030-W10");
        try (InProcessSmtpServer smtp = InProcessSmtpServer.start(0)) {
            SchemaMigrator.migrate(db, false);
            progress.accept("inserting " + rows + " rows into " + db.qualified("rec_campaigns_weekly"));
            insert(db, week, rows);
            List<Run> runs = new ArrayList<>();
            SmtpSettings settings = new SmtpSettings(
                    "127.0.0.1",
                    smtp.port(),
                    SmtpSettings.Security.NONE,
                    null,
                    null,
                    "Meal kits <campaigns@bench.example>",
                    null,
                    0,
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(30));
            Unsubscribe unsubscribe = new Unsubscribe(
                    new UnsubscribeTokens(
                            "bench secret, thirty-two bytes long!!".getBytes(StandardCharsets.US_ASCII),
                            Duration.ofDays(30),
                            Clock.systemUTC()),
                    URI.create("https://bench.example/unsubscribe"),
                    "unsubscribe@bench.example",
                    "pause-campaign.bench.example",
                    "Paused deliveries");
            for (int n : connections) {
                reset(db);
                int before = smtp.received().size();
                progress.accept("sending " + rows + " messages on " + n + " connection(s)");
                long start = System.nanoTime();
                SendReport report;
                try (CampaignSender sender = new CampaignSender(
                        new CampaignSender.Settings(
                                db,
                                100,
                                0,
                                settings.retryTimeout(),
                                Duration.ofSeconds(30),
                                settings.messageIdDomain(),
                                Freshness.none(),
                                n,
                                DeferralPolicy.DEFAULT),
                        CampaignTemplates.defaults("https://bench.example/resume?u={{user_id}}"),
                        unsubscribe,
                        () -> new SmtpMailer(settings),
                        new CampaignMetrics(new SimpleMeterRegistry()))) {
                    report = sender.send(week);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (!report.complete()
                        || report.sentTotal() != rows
                        || smtp.received().size() - before != rows) {
                    throw new IllegalStateException("the run on " + n + " connection(s) did not send every row once: "
                            + report.summary() + "; the server received "
                            + (smtp.received().size() - before));
                }
                runs.add(new Run(n, rows, seconds));
            }
            return new Result(rows, runs);
        } finally {
            try (Connection c = Database.connect(db);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + db.quotedSchema() + " CASCADE");
            }
        }
    }

    private static void insert(DbSettings db, Week week, int rows) throws Exception {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO rec_campaigns_weekly (user_id, email, segment, subscription_week, subscription_id, pause_weeks) "
                                + "VALUES (?, ?, ?, ?, ?, ?)")) {
            c.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                Segment s = Segment.values()[i % 3];
                ps.setObject(1, UUID.randomUUID());
                ps.setString(2, "bench" + i + "@example.com");
                ps.setString(3, s.wire());
                ps.setString(4, week.toString());
                ps.setObject(5, UUID.randomUUID());
                ps.setInt(6, s == Segment.LOW ? 1 : s == Segment.MEDIUM ? 2 : 4);
                ps.addBatch();
                if (i % 1000 == 999) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
            c.commit();
        }
    }

    /** Every row unsent again, no delivery on record: each run sends the same messages. */
    private static void reset(DbSettings db) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute("UPDATE rec_campaigns_weekly SET campaign_sent = false");
            s.execute("TRUNCATE hfc_campaign_deliveries");
            s.execute("VACUUM ANALYZE rec_campaigns_weekly");
        }
    }
}
