package dev.hfc.service;

import dev.hfc.campaign.CampaignApplication;
import dev.hfc.campaign.CampaignConfig;
import dev.hfc.campaign.consent.ConsentEndpoints;
import dev.hfc.campaign.schedule.CutoffSchedule;
import dev.hfc.campaign.send.CampaignMetrics;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hfc campaign run}: the campaign as a service, with two listeners. The public one (recipients and the
 * mail provider: unsubscribe pages, one-click POST, the bounce webhook) and the operator's (health, metrics,
 * dashboard, trigger), which binds 127.0.0.1 unless told otherwise and whose actions need the operator token.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Run until stopped: send at every weekly cut-off, on POST /trigger (with the operator token), and once "
                        + "at start if the last cut-off's campaign may be incomplete.")
final class CampaignRunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignRunCommand.class);

    @Mixin
    CampaignOptions options;

    @Mixin
    OpsOptions ops;

    @Option(
            names = "--public-port",
            paramLabel = "PORT",
            defaultValue = "${env:HFC_CAMPAIGN_PUBLIC_PORT}",
            description =
                    "Serve /unsubscribe and /webhooks/bounces, for recipients and the mail provider, on this port "
                            + "(env HFC_CAMPAIGN_PUBLIC_PORT; default off). Put your TLS proxy in front of it.")
    Integer publicPort;

    @Option(
            names = "--public-bind-address",
            paramLabel = "ADDRESS",
            defaultValue = "${env:HFC_CAMPAIGN_PUBLIC_BIND_ADDRESS:-0.0.0.0}",
            description =
                    "Address the public listener binds (env HFC_CAMPAIGN_PUBLIC_BIND_ADDRESS; default ${DEFAULT-VALUE}).")
    String publicBindAddress;

    @Option(
            names = "--cutoff-day",
            paramLabel = "DAY",
            defaultValue = "${env:HFC_CAMPAIGN_CUTOFF_DAY:-" + CampaignConfig.DEFAULT_CUTOFF_DAY + "}",
            description = "Day of the weekly cut-off (env HFC_CAMPAIGN_CUTOFF_DAY; default ${DEFAULT-VALUE}).")
    String cutoffDay;

    @Option(
            names = "--cutoff-time",
            paramLabel = "HH:MM",
            defaultValue = "${env:HFC_CAMPAIGN_CUTOFF_TIME:-" + CampaignConfig.DEFAULT_CUTOFF_TIME + "}",
            description =
                    "Time of the weekly cut-off in --zone (env HFC_CAMPAIGN_CUTOFF_TIME; default ${DEFAULT-VALUE}).")
    String cutoffTime;

    @Option(
            names = "--webhook-secret",
            paramLabel = "SECRET",
            defaultValue = "${env:HFC_CAMPAIGN_WEBHOOK_SECRET}",
            description =
                    "Standard Webhooks key of POST /webhooks/bounces: whsec_<base64> or a string, at least 24 bytes "
                            + "(env HFC_CAMPAIGN_WEBHOOK_SECRET; default none: the webhook answers 404). Never logged.")
    String webhookSecret;

    @Option(
            names = "--webhook-tolerance-s",
            paramLabel = "S",
            defaultValue =
                    "${env:HFC_CAMPAIGN_WEBHOOK_TOLERANCE_S:-" + CampaignConfig.DEFAULT_WEBHOOK_TOLERANCE_S + "}",
            description =
                    "How far a webhook's timestamp may be from this server's clock (env HFC_CAMPAIGN_WEBHOOK_TOLERANCE_S; "
                            + "default ${DEFAULT-VALUE}).")
    long webhookToleranceSeconds;

    @Option(
            names = "--soft-bounce-limit",
            paramLabel = "N",
            defaultValue = "${env:HFC_CAMPAIGN_SOFT_BOUNCE_LIMIT:-" + CampaignConfig.DEFAULT_SOFT_BOUNCE_LIMIT + "}",
            description =
                    "Soft bounces within the window that suppress an address (env HFC_CAMPAIGN_SOFT_BOUNCE_LIMIT; default ${DEFAULT-VALUE}).")
    int softBounceLimit;

    @Option(
            names = "--soft-bounce-window-days",
            paramLabel = "DAYS",
            defaultValue = "${env:HFC_CAMPAIGN_SOFT_BOUNCE_WINDOW_DAYS:-"
                    + CampaignConfig.DEFAULT_SOFT_BOUNCE_WINDOW_DAYS + "}",
            description =
                    "The window of --soft-bounce-limit (env HFC_CAMPAIGN_SOFT_BOUNCE_WINDOW_DAYS; default ${DEFAULT-VALUE}).")
    int softBounceWindowDays;

    @Option(
            names = "--dashboard-dlq",
            negatable = true,
            defaultValue = "${env:HFC_CAMPAIGN_DASHBOARD_DLQ:-false}",
            fallbackValue = "true",
            description = "Count the dead-letter topic by reason on the dashboard, read with the Kafka options "
                    + "(env HFC_CAMPAIGN_DASHBOARD_DLQ; default ${DEFAULT-VALUE}).")
    boolean dashboardDlq;

    @Option(
            names = "--retry-interval-s",
            paramLabel = "S",
            defaultValue = "${env:HFC_CAMPAIGN_RETRY_INTERVAL_S:-" + CampaignConfig.DEFAULT_RETRY_INTERVAL_S + "}",
            description =
                    "Pause before a run that stopped early is tried again (env HFC_CAMPAIGN_RETRY_INTERVAL_S; default ${DEFAULT-VALUE}).")
    long retryIntervalSeconds;

    @Option(
            names = "--max-deferred",
            paramLabel = "N",
            defaultValue = "${env:HFC_CAMPAIGN_MAX_DEFERRED:-" + CampaignConfig.DEFAULT_MAX_DEFERRED + "}",
            description =
                    "Deferred rows of the last run's week beyond which /health says DOWN (env HFC_CAMPAIGN_MAX_DEFERRED; "
                            + "default ${DEFAULT-VALUE}).")
    long maxDeferred;

    @Override
    public Integer call() throws Exception {
        DayOfWeek day;
        try {
            day = DayOfWeek.valueOf(cutoffDay.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Cli.usage(
                    "--cutoff-day", "HFC_CAMPAIGN_CUTOFF_DAY", "'" + cutoffDay + "' is not a day (MONDAY … SUNDAY)");
        }
        LocalTime time;
        try {
            time = LocalTime.parse(cutoffTime.trim());
        } catch (DateTimeException e) {
            throw Cli.usage(
                    "--cutoff-time", "HFC_CAMPAIGN_CUTOFF_TIME", "'" + cutoffTime + "' is not a time of day (HH:MM)");
        }
        CampaignConfig.Schedule schedule = schedule(new CutoffSchedule(day, time, options.zone()));
        CampaignConfig.Consent consent = consent();
        if (consent.webhookSecret() == null) {
            LOG.info("campaign: no --webhook-secret: POST /webhooks/bounces answers 404");
        }
        InetSocketAddress opsAddress = ops.address();
        InetSocketAddress publicAddress = ServiceRunner.address(
                publicPort,
                publicBindAddress,
                "--public-port",
                "--public-bind-address",
                "HFC_CAMPAIGN_PUBLIC_PORT",
                "HFC_CAMPAIGN_PUBLIC_BIND_ADDRESS");
        var credentials = ops.credentials();
        var registry = ServiceRunner.registry("campaign");
        CampaignConfig config = options.config(false, schedule, consent, dashboardDlq);
        try (CampaignApplication campaign =
                CampaignApplication.assemble(config, new CampaignMetrics(registry), Clock.systemUTC())) {
            if (publicAddress == null) {
                LOG.warn(
                        "campaign: no --public-port, so this process does not serve /unsubscribe or /webhooks/bounces; the "
                                + "one-click links of the messages it sends must reach another 'hfc campaign run' that does");
            }
            return ServiceRunner.run("campaign", campaign.service(), registry, opsAddress, credentials, publicAddress);
        }
    }

    /** The schedule's flags, one at a time so that a mistake names its flag. */
    private CampaignConfig.Schedule schedule(CutoffSchedule cutoff) {
        Duration retryInterval = Duration.ofSeconds(retryIntervalSeconds);
        Cli.check(
                "--retry-interval-s",
                "HFC_CAMPAIGN_RETRY_INTERVAL_S",
                () -> new CampaignConfig.Schedule(cutoff, retryInterval, CampaignConfig.DEFAULT_MAX_DEFERRED));
        return Cli.check(
                "--max-deferred",
                "HFC_CAMPAIGN_MAX_DEFERRED",
                () -> new CampaignConfig.Schedule(cutoff, retryInterval, maxDeferred));
    }

    /** The public endpoints' flags, one group at a time so that a mistake names its flags. */
    private CampaignConfig.Consent consent() {
        var softBounces = Cli.check(
                "--soft-bounce-limit / --soft-bounce-window-days",
                "HFC_CAMPAIGN_SOFT_BOUNCE_LIMIT / HFC_CAMPAIGN_SOFT_BOUNCE_WINDOW_DAYS",
                () -> new ConsentEndpoints.SoftBounces(softBounceLimit, Duration.ofDays(softBounceWindowDays)));
        Duration tolerance = Duration.ofSeconds(webhookToleranceSeconds);
        Cli.check(
                "--webhook-tolerance-s",
                "HFC_CAMPAIGN_WEBHOOK_TOLERANCE_S",
                () -> new CampaignConfig.Consent(null, tolerance, softBounces));
        return Cli.check(
                "--webhook-secret",
                "HFC_CAMPAIGN_WEBHOOK_SECRET",
                () -> new CampaignConfig.Consent(webhookSecret, tolerance, softBounces));
    }
}
