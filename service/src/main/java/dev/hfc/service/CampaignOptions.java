package dev.hfc.service;

import dev.hfc.campaign.CampaignConfig;
import dev.hfc.campaign.SenderConfig;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.DeferralPolicy;
import dev.hfc.core.config.DbSettings;
import java.time.Duration;
import java.time.ZoneId;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options {@code hfc campaign send} and {@code run} share, everything a sender needs: content
 * ({@link CampaignContentOptions}), SMTP ({@link SmtpOptions}), unsubscribing ({@link UnsubscribeOptions}), the
 * freshness guard ({@link FreshnessOptions}), and the sender's own; mapped to a {@link CampaignConfig}.
 */
final class CampaignOptions {

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
            defaultValue = "${env:HFC_CAMPAIGN_BATCH_SIZE:-" + CampaignConfig.DEFAULT_BATCH_SIZE + "}",
            description =
                    "Rows claimed (locked) per transaction (env HFC_CAMPAIGN_BATCH_SIZE; default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--db-retry-timeout-ms",
            paramLabel = "MS",
            defaultValue =
                    "${env:HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS:-" + CampaignConfig.DEFAULT_DB_RETRY_TIMEOUT_MS + "}",
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
            defaultValue = "${env:HFC_CAMPAIGN_DEFERRAL_FIRST_MS:-" + CampaignConfig.DEFAULT_DEFERRAL_FIRST_MS + "}",
            description =
                    "When a recipient deferred by its server (a 4xx for it alone: mailbox full, greylisting) is first "
                            + "tried again; doubling with each attempt (env HFC_CAMPAIGN_DEFERRAL_FIRST_MS; default ${DEFAULT-VALUE}).")
    long deferralFirstMs;

    @Option(
            names = "--deferral-max-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_CAMPAIGN_DEFERRAL_MAX_MS:-" + CampaignConfig.DEFAULT_DEFERRAL_MAX_MS + "}",
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

    /**
     * The campaign's configuration from the flags, checked in the order of the flags' groups (a mistake names its
     * flag and variable; nothing has connected to the database yet): content, SMTP, the control group, the
     * unsubscribe URL (required unless {@code dryRun}), deferrals, the freshness guard, unsubscribing, the
     * sender's own, the token key. {@code schedule}, {@code consent} and {@code dashboardDlq} are {@code run}'s.
     */
    CampaignConfig config(
            boolean dryRun, CampaignConfig.Schedule schedule, CampaignConfig.Consent consent, boolean dashboardDlq) {
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
        CampaignConfig.FreshnessGuard freshness = freshnessOptions.guard(kafka);
        SenderConfig.Unsubscribing leaving = unsubscribe.unsubscribing(dryRun, smtpSettings);
        SenderConfig sender = Cli.check(
                "--batch-size / --db-retry-timeout-ms / --smtp-connections",
                "HFC_CAMPAIGN_BATCH_SIZE / HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS / HFC_SMTP_CONNECTIONS",
                () -> new SenderConfig(
                        smtpSettings,
                        templates,
                        control,
                        leaving,
                        batchSize,
                        Duration.ofMillis(dbRetryTimeoutMs),
                        smtp.connections,
                        deferral));
        CampaignConfig.Tokens tokens = unsubscribe.keys.config();
        CampaignConfig.DashboardDlq dlq = dashboardDlq
                ? new CampaignConfig.DashboardDlq(
                        kafka.settings(), kafka.topics().dlq().name())
                : null;
        return new CampaignConfig(dbSettings, sender, tokens, freshness, consent, schedule, dlq);
    }
}
