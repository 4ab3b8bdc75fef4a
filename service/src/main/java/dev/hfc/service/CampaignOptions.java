package dev.hfc.service;

import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.consent.UnsubscribeTokens;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.DeferralPolicy;
import dev.hfc.campaign.send.Freshness;
import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.SchemaMigrator;
import java.time.Duration;
import java.time.ZoneId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options {@code hfc campaign send} and {@code run} share, everything a sender needs: content
 * ({@link CampaignContentOptions}), SMTP ({@link SmtpOptions}), unsubscribing ({@link UnsubscribeOptions}), the
 * freshness guard ({@link FreshnessOptions}), and the sender's own.
 */
final class CampaignOptions {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignOptions.class);

    @Mixin
    UnsubscribeOptions unsubscribe;

    @Mixin
    DbOptions db;

    @Mixin
    SmtpOptions smtp;

    @Mixin
    CampaignContentOptions content;

    @Option(
            names = "--zone",
            paramLabel = "ZONE",
            defaultValue = "${env:HFC_ZONE:-UTC}",
            description =
                    "Time zone that weeks and the cut-off are counted in (env HFC_ZONE; default ${DEFAULT-VALUE}).")
    String zone;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "${env:HFC_CAMPAIGN_BATCH_SIZE:-25}",
            description =
                    "Rows claimed (locked) per transaction (env HFC_CAMPAIGN_BATCH_SIZE; default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--db-retry-timeout-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS:-60000}",
            description = "How long a batch is retried while the database is unreachable "
                    + "(env HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS; default ${DEFAULT-VALUE}).")
    long dbRetryTimeoutMs;

    @Mixin
    FreshnessOptions freshnessOptions;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--deferral-first-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_CAMPAIGN_DEFERRAL_FIRST_MS:-900000}",
            description =
                    "When a recipient deferred by its server (a 4xx for it alone: mailbox full, greylisting) is first "
                            + "tried again; doubling with each attempt (env HFC_CAMPAIGN_DEFERRAL_FIRST_MS; default ${DEFAULT-VALUE}).")
    long deferralFirstMs;

    @Option(
            names = "--deferral-max-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_CAMPAIGN_DEFERRAL_MAX_MS:-14400000}",
            description =
                    "The longest pause between attempts of a deferred recipient; one whose next attempt would fall after "
                            + "its week's end is given up (env HFC_CAMPAIGN_DEFERRAL_MAX_MS; default ${DEFAULT-VALUE}).")
    long deferralMaxMs;

    @Option(
            names = "--control-percent",
            paramLabel = "PERCENT|SEGMENT=PERCENT,...",
            defaultValue = "${env:HFC_CAMPAIGN_CONTROL_PERCENT:-0}",
            description =
                    "Share of each week's targets held back as the control group: recorded, never emailed for that "
                            + "week; one share for all segments (10) or per segment (low=10,medium=10,high=5); at most 50 "
                            + "(env HFC_CAMPAIGN_CONTROL_PERCENT; default ${DEFAULT-VALUE}).")
    String controlPercent;

    @Option(
            names = "--control-salt",
            paramLabel = "SALT",
            defaultValue = "${env:HFC_CAMPAIGN_CONTROL_SALT:-" + ControlGroup.DEFAULT_SALT + "}",
            description = "Key of the hash that picks the control group per (week, user); every sender of a campaign "
                    + "must use the same (env HFC_CAMPAIGN_CONTROL_SALT; default ${DEFAULT-VALUE}).")
    String controlSalt;

    ControlGroup control() {
        return Cli.check(
                "--control-percent / --control-salt",
                "HFC_CAMPAIGN_CONTROL_PERCENT / HFC_CAMPAIGN_CONTROL_SALT",
                () -> ControlGroup.parse(controlPercent, controlSalt));
    }

    ZoneId zone() {
        return Cli.zone(zone);
    }

    /** Checks every setting, applies the output migrations, and builds the sender. */
    CampaignSender sender(CampaignMetrics metrics, boolean dryRun) {
        DbSettings dbSettings = db.settings();
        SmtpSettings smtpSettings = smtp.settings();
        CampaignTemplates templates = content.templates();
        ControlGroup control = control();
        if (!dryRun) {
            unsubscribe.requireUrl(); // before anything connects to the database
        }
        DeferralPolicy deferral = Cli.check(
                "--deferral-first-ms / --deferral-max-ms",
                "HFC_CAMPAIGN_DEFERRAL_FIRST_MS / HFC_CAMPAIGN_DEFERRAL_MAX_MS",
                () -> new DeferralPolicy(Duration.ofMillis(deferralFirstMs), Duration.ofMillis(deferralMaxMs)));
        Freshness freshness = freshnessOptions.freshness(dbSettings, kafka);
        var settings = Cli.check(
                "--batch-size / --db-retry-timeout-ms / --smtp-connections",
                "HFC_CAMPAIGN_BATCH_SIZE / HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS / HFC_SMTP_CONNECTIONS",
                () -> new CampaignSender.Settings(
                        dbSettings,
                        batchSize,
                        smtpSettings.messagesPerSecond(),
                        smtpSettings.retryTimeout(),
                        Duration.ofMillis(dbRetryTimeoutMs),
                        smtpSettings.messageIdDomain(),
                        freshness,
                        smtp.connections,
                        deferral));
        SchemaMigrator.migrate(dbSettings, false);
        tokens = unsubscribe.tokens(dbSettings);
        if (!control.isEmpty()) {
            LOG.info("campaign: control group {}", control.describe());
        }
        Unsubscribe leaving = dryRun && (unsubscribe.url == null || unsubscribe.url.isBlank())
                ? new Unsubscribe(
                        tokens,
                        java.net.URI.create(CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK.replaceAll("\\?.*$", "")),
                        null,
                        "pause-campaign.example.com",
                        "Paused deliveries")
                : unsubscribe.unsubscribe(tokens, smtpSettings);
        return new CampaignSender(settings, templates, leaving, () -> new SmtpMailer(smtpSettings), metrics, control);
    }

    /** The token keys {@link #sender} settled on (the endpoints must verify with the same). */
    UnsubscribeTokens tokens;
}
