package dev.hfc.cli.demo;

import static dev.hfc.cli.demo.DemoLogging.say;

import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.DeferralPolicy;
import dev.hfc.campaign.send.PipelineFreshness;
import dev.hfc.campaign.send.SegmenterPosition;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.week.Week;
import dev.hfc.local.smtp.InProcessSmtpServer;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

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
     * Sends the target week's campaign with the shipped templates (§1 part 3) through an in-process SMTP server
     * that, like a modern relay, announces SMTPUTF8: the generated customers include internationalised addresses.
     */
    public static Outcome send(
            DbSettings db,
            Week target,
            Unsubscribe unsubscribe,
            CampaignMetrics metrics,
            SegmenterPosition segmenter,
            String run)
            throws Exception {
        say("sending the campaign for " + target + " to an in-process SMTP server (" + run + "; control group "
                + DEMO_CONTROL.describe() + ")");
        long start = System.nanoTime();
        try (InProcessSmtpServer smtp = InProcessSmtpServer.start(0)) {
            SmtpSettings settings = new SmtpSettings(
                    "127.0.0.1",
                    smtp.port(),
                    SmtpSettings.Security.NONE,
                    null,
                    null,
                    "Meal kits <campaigns@demo.example>",
                    null,
                    0,
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(30));
            SendReport report;
            // The segmenter and the sink run in this process and report where they are: send only from a current table.
            try (CampaignSender sender = new CampaignSender(
                    new CampaignSender.Settings(
                            db,
                            100,
                            0,
                            settings.retryTimeout(),
                            Duration.ofSeconds(30),
                            settings.messageIdDomain(),
                            new PipelineFreshness(db, Duration.ofSeconds(10), segmenter, Duration.ofSeconds(60)),
                            4,
                            DeferralPolicy.DEFAULT),
                    CampaignTemplates.defaults("https://demo.example/resume?week={{week}}&user={{user_id}}"),
                    unsubscribe,
                    () -> new SmtpMailer(settings),
                    metrics,
                    DEMO_CONTROL)) {
                report = sender.send(target);
            }
            long unsent;
            try (Connection c = Database.connect(db);
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT count(*) FROM rec_campaigns_weekly r WHERE r.subscription_week = ? AND NOT r.campaign_sent "
                                    + "AND NOT EXISTS (SELECT 1 FROM hfc_campaign_control k WHERE k.subscription_week = r.subscription_week "
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
}
