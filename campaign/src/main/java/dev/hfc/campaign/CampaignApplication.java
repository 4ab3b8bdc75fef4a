package dev.hfc.campaign;

import dev.hfc.campaign.consent.ConsentEndpoints;
import dev.hfc.campaign.consent.ConsentStore;
import dev.hfc.campaign.consent.StandardWebhooks;
import dev.hfc.campaign.consent.UnsubscribeTokens;
import dev.hfc.campaign.dashboard.Dashboard;
import dev.hfc.campaign.dashboard.DlqCounts;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.Freshness;
import dev.hfc.campaign.send.PipelineFreshness;
import dev.hfc.campaign.send.SegmenterPosition;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.http.Route;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.schema.Tables;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign, assembled in one place for every entry point: {@code hfc campaign send} and {@code run}, the demo
 * and the campaign benchmark. {@link #assemble} applies the output migrations, settles the unsubscribe tokens' key,
 * opens the freshness guard, and makes the consent endpoints ({@link #publicRoutes()}) and the dashboard
 * ({@link #operatorPages()}); senders ({@link #sender()}) and the service that sends at every cut-off
 * ({@link #service()}) are made from it. Closing it closes the Kafka clients it opened (the guard's and the
 * dashboard's); the senders and the service it made are their callers' to close.
 */
public final class CampaignApplication implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignApplication.class);
    /** The name under which the generated token key is kept in {@code hfc_campaign_secrets}. */
    private static final String TOKEN_SECRET_NAME = "unsubscribe-token";

    private final CampaignConfig config;
    private final CampaignMetrics metrics;
    private final Clock clock;
    private final UnsubscribeTokens tokens;
    private final SegmenterPosition segmenter;
    private final DlqCounts dlq;
    private final Freshness freshness;
    private final Map<String, Route> publicRoutes;
    private final Map<String, Route> operatorPages;

    private CampaignApplication(
            CampaignConfig config,
            CampaignMetrics metrics,
            Clock clock,
            UnsubscribeTokens tokens,
            SegmenterPosition segmenter,
            DlqCounts dlq) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.tokens = tokens;
        this.segmenter = segmenter;
        this.dlq = dlq;
        CampaignConfig.FreshnessGuard guard = config.freshness();
        this.freshness = guard.isOff()
                ? Freshness.none()
                : new PipelineFreshness(config.db(), guard.maxSinkLag(), segmenter, guard.sinkWait());
        CampaignConfig.Consent consent = config.consent();
        StandardWebhooks webhooks = consent.webhookSecret() == null
                ? null
                : new StandardWebhooks(StandardWebhooks.secret(consent.webhookSecret()), consent.webhookTolerance());
        this.publicRoutes = new ConsentEndpoints(
                        tokens, new ConsentStore(config.db()), metrics, webhooks, consent.softBounces(), clock)
                .routes();
        this.operatorPages =
                new Dashboard(config.db(), config.schedule().cutoff().zone(), clock, dlq).routes();
    }

    /**
     * Assembles the campaign of {@code config}: applies the output migrations, reads (or generates and keeps) the
     * token key unless the configuration has one, then opens the Kafka clients of the freshness guard's segmenter
     * check and of the dashboard's dead-letter counts, when configured.
     */
    public static CampaignApplication assemble(CampaignConfig config, CampaignMetrics metrics, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(clock, "clock");
        SchemaMigrator.migrate(config.db(), false);
        UnsubscribeTokens tokens = unsubscribeTokens(config.tokens(), config.db(), clock);
        // The Kafka clients last, once the database side stands; closed again if what follows fails.
        SegmenterPosition segmenter = null;
        DlqCounts dlq = null;
        try {
            CampaignConfig.SegmenterCheck check = config.freshness().segmenter();
            if (check != null) {
                segmenter = new SegmenterPosition(
                        check.kafka().clientProperties(Map.of()), check.applicationId(), check.maxLag());
            }
            CampaignConfig.DashboardDlq dead = config.dashboardDlq();
            if (dead != null) {
                dlq = new DlqCounts(dead.kafka().clientProperties(Map.of()), dead.topic());
            }
            return new CampaignApplication(config, metrics, clock, tokens, segmenter, dlq);
        } catch (RuntimeException e) {
            close(segmenter, dlq);
            throw e;
        }
    }

    /**
     * The unsubscribe tokens of {@code keys}: sealed with its secret, or with the key generated once and kept in
     * {@code hfc_campaign_secrets} of {@code db} (whose output migrations must have run).
     */
    public static UnsubscribeTokens unsubscribeTokens(CampaignConfig.Tokens keys, DbSettings db, Clock clock) {
        byte[] key;
        if (keys.secret() != null) {
            key = keys.secret().getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                var stored = new ConsentStore(db).secret(TOKEN_SECRET_NAME, CampaignConfig.Tokens.MIN_SECRET_BYTES);
                key = stored.value();
                LOG.info(
                        "campaign: no --unsubscribe-secret; using the "
                                + "token key {} in {} (set one to share it with other systems)",
                        stored.created() ? "generated now and kept" : "generated earlier and kept",
                        db.qualified(Tables.CAMPAIGN_SECRETS));
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read or store the unsubscribe token key: " + e.getMessage(), e);
            }
        }
        return new UnsubscribeTokens(key, Duration.ofDays(keys.validityDays()), clock);
    }

    /** A sender with the configuration's own {@link CampaignConfig#sender() settings}; the caller closes it. */
    public CampaignSender sender() {
        if (config.sender() == null) {
            throw new IllegalStateException("this campaign was configured without a sender of its own: "
                    + "give each run's settings to sender(SenderConfig)");
        }
        return sender(config.sender());
    }

    /**
     * A sender with {@code settings}, over this campaign's database, token key, freshness guard and metrics, one SMTP
     * connection per {@link SenderConfig#connections()}; the caller closes it.
     */
    public CampaignSender sender(SenderConfig settings) {
        if (!settings.control().isEmpty()) {
            LOG.info("campaign: control group {}", settings.control().describe());
        }
        SmtpSettings smtp = settings.smtp();
        return new CampaignSender(
                new CampaignSender.Settings(
                        config.db(),
                        settings.batchSize(),
                        smtp.messagesPerSecond(),
                        smtp.retryTimeout(),
                        settings.dbRetryTimeout(),
                        smtp.messageIdDomain(),
                        freshness,
                        settings.connections(),
                        settings.deferral()),
                settings.templates(),
                settings.unsubscribe().header(tokens),
                () -> new SmtpMailer(smtp),
                metrics,
                settings.control());
    }

    /**
     * The campaign as a service ({@code hfc campaign run}): {@link #sender()} at every cut-off of the configured
     * schedule, on demand and after a missed cut-off, with {@link #publicRoutes()} and {@link #operatorPages()} for
     * its listeners. Closing the service closes its sender; this application is closed after it.
     */
    public CampaignService service() {
        CampaignConfig.Schedule schedule = config.schedule();
        return CampaignService.create(
                sender(),
                schedule.cutoff(),
                metrics,
                clock,
                schedule.retryInterval(),
                publicRoutes,
                operatorPages,
                schedule.maxDeferred());
    }

    public CampaignConfig config() {
        return config;
    }

    /** The tokens the senders seal and the endpoints verify: the same key for both. */
    public UnsubscribeTokens tokens() {
        return tokens;
    }

    /** {@code /unsubscribe} and {@code /webhooks/bounces}, for recipients and the mail provider. */
    public Map<String, Route> publicRoutes() {
        return publicRoutes;
    }

    /** The dashboard, a read-only page of the operator's listener. */
    public Map<String, Route> operatorPages() {
        return operatorPages;
    }

    @Override
    public void close() {
        close(segmenter, dlq);
    }

    private static void close(SegmenterPosition segmenter, DlqCounts dlq) {
        try {
            if (segmenter != null) {
                segmenter.close();
            }
        } finally {
            if (dlq != null) {
                dlq.close();
            }
        }
    }
}
