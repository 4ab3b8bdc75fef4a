package dev.hfc.bench.pipeline;

import dev.hfc.campaign.CampaignApplication;
import dev.hfc.campaign.CampaignConfig;
import dev.hfc.campaign.SenderConfig;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.local.smtp.InProcessSmtpServer;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
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
        try (InProcessSmtpServer smtp = InProcessSmtpServer.start(0);
                // Applies the output migrations before the rows go in.
                CampaignApplication campaign = CampaignApplication.assemble(
                        config(db, smtp.port()), new CampaignMetrics(new SimpleMeterRegistry()), Clock.systemUTC())) {
            progress.accept("inserting " + rows + " rows into " + db.qualified(Tables.CAMPAIGN_TARGETS));
            insert(db, week, rows);
            List<Run> runs = new ArrayList<>();
            for (int n : connections) {
                reset(db);
                int before = smtp.received().size();
                progress.accept("sending " + rows + " messages on " + n + " connection(s)");
                long start = System.nanoTime();
                SendReport report;
                try (CampaignSender sender =
                        campaign.sender(campaign.config().sender().withConnections(n))) {
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

    /**
     * The campaign the benchmark sends: the sender's real path into the in-process SMTP server on {@code smtpPort}, no
     * rate limit, over a table no pipeline writes (so no freshness guard); the connections are what each run sets.
     */
    private static CampaignConfig config(DbSettings db, int smtpPort) {
        SmtpSettings smtp = new SmtpSettings(
                "127.0.0.1",
                smtpPort,
                SmtpSettings.Security.NONE,
                null,
                null,
                "Meal kits <campaigns@bench.example>",
                null,
                0,
                Duration.ofSeconds(10),
                Duration.ofSeconds(30));
        SenderConfig sender = SenderConfig.defaults(
                        smtp,
                        CampaignTemplates.defaults("https://bench.example/resume?u={{user_id}}"),
                        new SenderConfig.Unsubscribing(
                                URI.create("https://bench.example/unsubscribe"),
                                "unsubscribe@bench.example",
                                "pause-campaign.bench.example"))
                // The demo's batches of 100 and 30 s database retry, where the command has 25 and 60 s.
                .withBatchSize(100)
                .withDbRetryTimeout(Duration.ofSeconds(30));
        return new CampaignConfig(
                db,
                sender,
                // A fixed key: nothing verifies the tokens, and no stored key is read or kept.
                new CampaignConfig.Tokens("bench secret, thirty-two bytes long!!", 30),
                CampaignConfig.FreshnessGuard.OFF, // the benchmark's own rows, which no pipeline writes
                // Neither served nor scheduled: the benchmark only sends.
                CampaignConfig.Consent.DEFAULT,
                CampaignConfig.Schedule.defaults(ZoneOffset.UTC),
                null);
    }

    private static void insert(DbSettings db, Week week, int rows) throws Exception {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + Tables.CAMPAIGN_TARGETS
                        + " (user_id, email, segment, subscription_week, subscription_id, pause_weeks) "
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
            s.execute("UPDATE " + Tables.CAMPAIGN_TARGETS + " SET campaign_sent = false");
            s.execute("TRUNCATE " + Tables.CAMPAIGN_DELIVERIES);
            s.execute("VACUUM ANALYZE " + Tables.CAMPAIGN_TARGETS);
        }
    }
}
