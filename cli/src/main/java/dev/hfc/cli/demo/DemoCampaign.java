package dev.hfc.cli.demo;

import static dev.hfc.cli.demo.DemoLogging.say;

import dev.hfc.campaign.CampaignApplication;
import dev.hfc.campaign.CampaignConfig;
import dev.hfc.campaign.SenderConfig;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.local.smtp.InProcessSmtpServer;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.ZoneOffset;

/** The demo's campaign runs: the target week sent to an in-process SMTP server, and what the server received. */
public final class DemoCampaign {

    private DemoCampaign() {}

    /** What one of the demo's campaign runs did, and whether the SMTP server saw exactly that. */
    public record Outcome(String run, SendReport report, int received, long unsentLeft, double seconds) {
        public boolean ok() {
            return report.complete() && received == report.sentTotal() && unsentLeft == report.addressRejected();
        }
    }

    /** The demo's control group: a tenth of each segment, under a salt of its own. */
    static final ControlGroup DEMO_CONTROL = ControlGroup.parse("10", "hfc-demo");

    /**
     * The demo's campaign, assembled as {@code hfc campaign run} assembles its own, from the command's defaults
     * except where said. It has no sender settings of its own: each run ({@link #send}) brings them, as its SMTP
     * server and the URL of the public listener exist only once the demo runs.
     */
    public static CampaignConfig config(DbSettings db, KafkaSettings kafka, Topics topics, String segmenterId) {
        return new CampaignConfig(
                db,
                null,
                new CampaignConfig.Tokens(null, CampaignConfig.DEFAULT_TOKEN_DAYS), // the key kept in the schema
                // The segmenter and the sink run in this process and report where they are: send only from a
                // current table, with a tighter bound and a shorter wait (10 s, 60 s) than the command's (60 s, 5 min).
                new CampaignConfig.FreshnessGuard(
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(60),
                        new CampaignConfig.SegmenterCheck(
                                kafka, segmenterId, CampaignConfig.DEFAULT_MAX_SEGMENTER_LAG)),
                CampaignConfig.Consent.DEFAULT, // no bounce webhook: no mail provider reports to the demo
                CampaignConfig.Schedule.defaults(ZoneOffset.UTC), // the dashboard's weeks; the demo sends by hand
                new CampaignConfig.DashboardDlq(kafka, topics.dlq().name()));
    }

    /**
     * Sends the target week's campaign with the shipped templates (§1 part 3) through an in-process SMTP server
     * that, like a modern relay, announces SMTPUTF8: the generated customers include internationalised addresses.
     */
    public static Outcome send(CampaignApplication campaign, Week target, URI unsubscribeUrl, String run)
            throws Exception {
        say("sending the campaign for " + target + " to an in-process SMTP server (" + run + "; control group "
                + DEMO_CONTROL.describe() + ")");
        long start = System.nanoTime();
        try (InProcessSmtpServer smtp = InProcessSmtpServer.start(0)) {
            SendReport report;
            try (CampaignSender sender = campaign.sender(sender(smtp.port(), unsubscribeUrl))) {
                report = sender.send(target);
            }
            DbSettings db = campaign.config().db();
            long unsent;
            try (Connection c = Database.connect(db);
                    PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + Tables.CAMPAIGN_TARGETS
                            + " r WHERE r.subscription_week = ? AND NOT r.campaign_sent "
                            + "AND NOT EXISTS (SELECT 1 FROM " + Tables.CAMPAIGN_CONTROL
                            + " k WHERE k.subscription_week = r.subscription_week "
                            + "AND k.user_id = r.user_id)")) {
                ps.setString(1, target.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    unsent = rs.getLong(1);
                }
            }
            return new Outcome(run, report, smtp.received().size(), unsent, (System.nanoTime() - start) / 1e9);
        }
    }

    /** One run's sender: the in-process SMTP server on {@code smtpPort}, without a rate limit. */
    private static SenderConfig sender(int smtpPort, URI unsubscribeUrl) {
        SmtpSettings smtp = new SmtpSettings(
                "127.0.0.1",
                smtpPort,
                SmtpSettings.Security.NONE,
                null,
                null,
                "Meal kits <campaigns@demo.example>",
                null,
                0,
                Duration.ofSeconds(10),
                Duration.ofSeconds(30));
        return SenderConfig.defaults(
                        smtp,
                        CampaignTemplates.defaults("https://demo.example/resume?week={{week}}&user={{user_id}}"),
                        new SenderConfig.Unsubscribing(unsubscribeUrl, null, "pause-campaign.demo.example"))
                .withControl(DEMO_CONTROL)
                // A server on loopback that takes mail as fast as it comes: 4 connections, batches of 100 and a 30 s
                // database retry, where the command has 1, 25 and 60 s.
                .withConnections(4)
                .withBatchSize(100)
                .withDbRetryTimeout(Duration.ofSeconds(30));
    }
}
