package dev.hfc.service;

import dev.hfc.campaign.consent.ConsentStore;
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
import dev.hfc.campaign.send.PipelineFreshness;
import dev.hfc.campaign.send.SegmenterPosition;
import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.SchemaMigrator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options {@code hfc campaign send} and {@code run} share: content, SMTP, unsubscribing, the sender's own. */
final class CampaignOptions {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignOptions.class);

    private CampaignOptions() {}

    /** What the templates render. */
    static final class ContentOptions {
        @Option(names = "--templates-dir", paramLabel = "DIR", defaultValue = "${env:HFC_CAMPAIGN_TEMPLATES_DIR}",
                description = "Directory whose <segment>.{subject,txt,html}.mustache files replace the shipped ones "
                        + "(env HFC_CAMPAIGN_TEMPLATES_DIR; default: the shipped templates).")
        Path templatesDir;

        @Option(names = "--resume-link", paramLabel = "TEMPLATE",
                defaultValue = "${env:HFC_CAMPAIGN_RESUME_LINK:-https://example.com/deliveries/resume?week={{week}}&user={{user_id}}}",
                description = "The resume link, a Mustache template over week, user_id, segment, ... "
                        + "(env HFC_CAMPAIGN_RESUME_LINK; default ${DEFAULT-VALUE}).")
        String resumeLink;

        CampaignTemplates templates() {
            return Cli.check("--templates-dir / --resume-link", "HFC_CAMPAIGN_TEMPLATES_DIR / HFC_CAMPAIGN_RESUME_LINK",
                    () -> CampaignTemplates.load(templatesDir, resumeLink));
        }
    }

    /** Where and how fast mail goes out. */
    static final class SmtpOptions {
        @Option(names = "--smtp-host", paramLabel = "HOST", defaultValue = "${env:HFC_SMTP_HOST:-localhost}",
                description = "SMTP server (env HFC_SMTP_HOST; default ${DEFAULT-VALUE}).")
        String host;

        @Option(names = "--smtp-port", paramLabel = "PORT", defaultValue = "${env:HFC_SMTP_PORT:-25}",
                description = "SMTP port (env HFC_SMTP_PORT; default ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--smtp-security", paramLabel = "none|starttls|tls", defaultValue = "${env:HFC_SMTP_SECURITY:-none}",
                description = "none, starttls (required upgrade) or tls (SMTPS) (env HFC_SMTP_SECURITY; default ${DEFAULT-VALUE}).")
        String security;

        @Option(names = "--smtp-user", paramLabel = "USER", defaultValue = "${env:HFC_SMTP_USER}",
                description = "SMTP user; no authentication when unset (env HFC_SMTP_USER).")
        String user;

        @Option(names = "--smtp-password", paramLabel = "PASSWORD", defaultValue = "${env:HFC_SMTP_PASSWORD:-}",
                description = "SMTP password (env HFC_SMTP_PASSWORD). Never logged.")
        String password;

        @Option(names = "--smtp-timeout-ms", paramLabel = "MS", defaultValue = "${env:HFC_SMTP_TIMEOUT_MS:-10000}",
                description = "Connect, read and write timeout (env HFC_SMTP_TIMEOUT_MS; default ${DEFAULT-VALUE}).")
        long timeoutMs;

        @Option(names = "--smtp-retry-timeout-ms", paramLabel = "MS", defaultValue = "${env:HFC_SMTP_RETRY_TIMEOUT_MS:-60000}",
                description = "How long one message is retried while the server is unreachable or answers 4xx "
                        + "(env HFC_SMTP_RETRY_TIMEOUT_MS; default ${DEFAULT-VALUE}).")
        long retryTimeoutMs;

        @Option(names = "--from", paramLabel = "ADDRESS", defaultValue = "${env:HFC_CAMPAIGN_FROM:-Meal kits <campaigns@example.com>}",
                description = "Sender address (env HFC_CAMPAIGN_FROM; default ${DEFAULT-VALUE}).")
        String from;

        @Option(names = "--message-id-domain", paramLabel = "DOMAIN", defaultValue = "${env:HFC_CAMPAIGN_MESSAGE_ID_DOMAIN}",
                description = "Right-hand side of the Message-IDs (env HFC_CAMPAIGN_MESSAGE_ID_DOMAIN; default: the From domain).")
        String messageIdDomain;

        @Option(names = "--smtp-connections", paramLabel = "N", defaultValue = "${env:HFC_SMTP_CONNECTIONS:-1}",
                description = "SMTP connections sending at once (1..64); each message still goes out once "
                        + "(env HFC_SMTP_CONNECTIONS; default ${DEFAULT-VALUE}).")
        int connections;

        @Option(names = "--rate", paramLabel = "PER_S", defaultValue = "${env:HFC_CAMPAIGN_RATE:-20}",
                description = "Highest send rate in messages per second, 0 for no limit (env HFC_CAMPAIGN_RATE; default ${DEFAULT-VALUE}).")
        double rate;

        SmtpSettings settings() {
            SmtpSettings.Security sec = Cli.check("--smtp-security", "HFC_SMTP_SECURITY", () -> SmtpSettings.Security.parse(security));
            if (timeoutMs <= 0 || retryTimeoutMs < 0) {
                throw Cli.usage("--smtp-timeout-ms / --smtp-retry-timeout-ms", "HFC_SMTP_TIMEOUT_MS / HFC_SMTP_RETRY_TIMEOUT_MS",
                        "timeout must be positive and retry timeout not negative");
            }
            return Cli.check("--smtp-host / --smtp-port / --from / --message-id-domain / --rate", "HFC_SMTP_* / HFC_CAMPAIGN_*",
                    () -> new SmtpSettings(host, port, sec, user, password, from, messageIdDomain, rate,
                            Duration.ofMillis(timeoutMs), Duration.ofMillis(retryTimeoutMs)));
        }
    }

    /** How recipients leave: the one-click URL, its token secret, the mailto address and the List-Id. */
    /** The key of the unsubscribe tokens, and how long a token keeps working. */
    static final class TokenOptions {
        @Option(names = "--unsubscribe-secret", paramLabel = "SECRET", defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_SECRET}",
                description = "Key of the unsubscribe tokens, at least 32 characters (env HFC_CAMPAIGN_UNSUBSCRIBE_SECRET; "
                        + "default: one generated once and kept in hfc_campaign_secrets). Never logged.")
        String secret;

        @Option(names = "--unsubscribe-token-days", paramLabel = "DAYS", defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS:-180}",
                description = "How long an unsubscribe link keeps working (env HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS; default ${DEFAULT-VALUE}).")
        int tokenDays;

        UnsubscribeTokens tokens(DbSettings db) {
            if (tokenDays < 1) {
                throw Cli.usage("--unsubscribe-token-days", "HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS", "must be at least 1");
            }
            byte[] key;
            if (secret != null && !secret.isBlank()) {
                key = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                if (key.length < 32) {
                    throw Cli.usage("--unsubscribe-secret", "HFC_CAMPAIGN_UNSUBSCRIBE_SECRET", "must be at least 32 characters long");
                }
            } else {
                try {
                    var stored = new ConsentStore(db).secret("unsubscribe-token", 32);
                    key = stored.value();
                    LoggerFactory.getLogger(CampaignOptions.class).info("campaign: no --unsubscribe-secret; using the "
                            + "token key {} in {} (set one to share it with other systems)",
                            stored.created() ? "generated now and kept" : "generated earlier and kept", db.qualified("hfc_campaign_secrets"));
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException("cannot read or store the unsubscribe token key: " + e.getMessage(), e);
                }
            }
            return new UnsubscribeTokens(key, Duration.ofDays(tokenDays), Clock.systemUTC());
        }

    }

    static final class UnsubscribeOptions {
        @Option(names = "--unsubscribe-url", paramLabel = "URL", defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_URL}",
                description = "The unsubscribe endpoint as recipients reach it, https: 'hfc campaign run' serves it at /unsubscribe "
                        + "on its public listener (--public-port), behind your TLS proxy. Required to send; an explicit http:// URL "
                        + "is taken for local tests (env HFC_CAMPAIGN_UNSUBSCRIBE_URL; no default).")
        String url;

        @Option(names = "--unsubscribe-mailto", paramLabel = "ADDRESS", defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO}",
                description = "Address in List-Unsubscribe's mailto, advertised only when set: mails to it are yours to read and apply "
                        + "with 'hfc campaign unsubscribe --token' (env HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO; default none: one-click only).")
        String mailto;

        @Option(names = "--list-id", paramLabel = "ID", defaultValue = "${env:HFC_CAMPAIGN_LIST_ID}",
                description = "List-Id of the campaign (env HFC_CAMPAIGN_LIST_ID; default: pause-campaign. the From domain).")
        String listId;

        @Mixin
        TokenOptions keys;

        UnsubscribeTokens tokens(DbSettings db) {
            return keys.tokens(db);
        }

        /**
         * How messages say to leave. Sending to real recipients needs the URL, https; an explicit http:// is taken
         * (local tests, the demo) with a warning.
         */
        void requireUrl() {
            if (url == null || url.isBlank()) {
                throw Cli.usage("--unsubscribe-url", "HFC_CAMPAIGN_UNSUBSCRIBE_URL", "is required to send: the https URL at which "
                        + "recipients reach /unsubscribe of 'hfc campaign run' (its public listener, behind your TLS proxy)");
            }
        }

        Unsubscribe unsubscribe(UnsubscribeTokens tokens, SmtpSettings smtp) {
            requireUrl();
            String address = smtp.fromAddress().getAddress();
            String domain = address.substring(address.lastIndexOf('@') + 1);
            var u = Cli.check("--unsubscribe-url / --unsubscribe-mailto / --list-id",
                    "HFC_CAMPAIGN_UNSUBSCRIBE_URL / HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO / HFC_CAMPAIGN_LIST_ID",
                    () -> new Unsubscribe(tokens, java.net.URI.create(url.trim()),
                            mailto == null || mailto.isBlank() ? null : mailto.trim(),
                            listId == null ? "pause-campaign." + domain : listId.trim(), "Paused deliveries"));
            if (!u.isHttps()) {
                LoggerFactory.getLogger(CampaignOptions.class).warn("campaign: the unsubscribe URL {} is not https: fine for a "
                        + "local test, but Gmail and Yahoo expect an https one-click URL from bulk senders (--unsubscribe-url)", u.urlBase());
            }
            return u;
        }
    }

    /** Everything a sender needs, shared by {@code send} and {@code run}. */
    static final class SenderOptions {
        @Mixin
        UnsubscribeOptions unsubscribe;

        @Mixin
        DbOptions db;

        @Mixin
        SmtpOptions smtp;

        @Mixin
        ContentOptions content;

        @Option(names = "--zone", paramLabel = "ZONE", defaultValue = "${env:HFC_ZONE:-UTC}",
                description = "Time zone that weeks and the cut-off are counted in (env HFC_ZONE; default ${DEFAULT-VALUE}).")
        String zone;

        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "${env:HFC_CAMPAIGN_BATCH_SIZE:-25}",
                description = "Rows claimed (locked) per transaction (env HFC_CAMPAIGN_BATCH_SIZE; default ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--db-retry-timeout-ms", paramLabel = "MS", defaultValue = "${env:HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS:-60000}",
                description = "How long a batch is retried while the database is unreachable "
                        + "(env HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS; default ${DEFAULT-VALUE}).")
        long dbRetryTimeoutMs;

        @Option(names = "--max-sink-lag-ms", paramLabel = "MS", defaultValue = "${env:HFC_CAMPAIGN_MAX_SINK_LAG_MS:-60000}",
                description = "Send only while the sink reported, at most this long ago, that the table holds all of its topic "
                        + "(hfc_sink_progress); 0 turns the whole freshness guard off, the segmenter's part too: for a table "
                        + "no pipeline writes (env HFC_CAMPAIGN_MAX_SINK_LAG_MS; default ${DEFAULT-VALUE}).")
        long maxSinkLagMs;

        @Option(names = "--max-segmenter-lag", paramLabel = "RECORDS", defaultValue = "${env:HFC_CAMPAIGN_MAX_SEGMENTER_LAG:-1000}",
                description = "Send only while the segmenter's group has at most this many records of its inputs unread and no "
                        + "task re-segments or rebuilds, read from Kafka with the Kafka options; -1 turns this part off "
                        + "(env HFC_CAMPAIGN_MAX_SEGMENTER_LAG; default ${DEFAULT-VALUE}).")
        long maxSegmenterLag;

        @Option(names = "--segmenter-application-id", paramLabel = "ID",
                defaultValue = "${env:HFC_SEGMENTER_APPLICATION_ID:-hfc-segmenter}",
                description = "The segmenter's application id, whose position the freshness guard reads "
                        + "(env HFC_SEGMENTER_APPLICATION_ID; default ${DEFAULT-VALUE}).")
        String segmenterApplicationId;

        @Mixin
        KafkaOptions kafka;

        @Option(names = "--deferral-first-ms", paramLabel = "MS", defaultValue = "${env:HFC_CAMPAIGN_DEFERRAL_FIRST_MS:-900000}",
                description = "When a recipient deferred by its server (a 4xx for it alone: mailbox full, greylisting) is first "
                        + "tried again; doubling with each attempt (env HFC_CAMPAIGN_DEFERRAL_FIRST_MS; default ${DEFAULT-VALUE}).")
        long deferralFirstMs;

        @Option(names = "--deferral-max-ms", paramLabel = "MS", defaultValue = "${env:HFC_CAMPAIGN_DEFERRAL_MAX_MS:-14400000}",
                description = "The longest pause between attempts of a deferred recipient; one whose next attempt would fall after "
                        + "its week's end is given up (env HFC_CAMPAIGN_DEFERRAL_MAX_MS; default ${DEFAULT-VALUE}).")
        long deferralMaxMs;

        @Option(names = "--sink-wait-ms", paramLabel = "MS", defaultValue = "${env:HFC_CAMPAIGN_SINK_WAIT_MS:-300000}",
                description = "How long a run waits for the sink to be current before it refuses to send "
                        + "(env HFC_CAMPAIGN_SINK_WAIT_MS; default ${DEFAULT-VALUE}).")
        long sinkWaitMs;

        @Option(names = "--control-percent", paramLabel = "PERCENT|SEGMENT=PERCENT,...",
                defaultValue = "${env:HFC_CAMPAIGN_CONTROL_PERCENT:-0}",
                description = "Share of each week's targets held back as the control group: recorded, never emailed for that "
                        + "week; one share for all segments (10) or per segment (low=10,medium=10,high=5); at most 50 "
                        + "(env HFC_CAMPAIGN_CONTROL_PERCENT; default ${DEFAULT-VALUE}).")
        String controlPercent;

        @Option(names = "--control-salt", paramLabel = "SALT", defaultValue = "${env:HFC_CAMPAIGN_CONTROL_SALT:-"
                + ControlGroup.DEFAULT_SALT + "}",
                description = "Key of the hash that picks the control group per (week, user); every sender of a campaign "
                        + "must use the same (env HFC_CAMPAIGN_CONTROL_SALT; default ${DEFAULT-VALUE}).")
        String controlSalt;

        ControlGroup control() {
            return Cli.check("--control-percent / --control-salt", "HFC_CAMPAIGN_CONTROL_PERCENT / HFC_CAMPAIGN_CONTROL_SALT",
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
            DeferralPolicy deferral = Cli.check("--deferral-first-ms / --deferral-max-ms",
                    "HFC_CAMPAIGN_DEFERRAL_FIRST_MS / HFC_CAMPAIGN_DEFERRAL_MAX_MS",
                    () -> new DeferralPolicy(Duration.ofMillis(deferralFirstMs), Duration.ofMillis(deferralMaxMs)));
            if (maxSinkLagMs < 0 || sinkWaitMs < 0) {
                throw Cli.usage("--max-sink-lag-ms / --sink-wait-ms", "HFC_CAMPAIGN_MAX_SINK_LAG_MS / HFC_CAMPAIGN_SINK_WAIT_MS",
                        "must not be negative");
            }
            if (maxSegmenterLag < -1) {
                throw Cli.usage("--max-segmenter-lag", "HFC_CAMPAIGN_MAX_SEGMENTER_LAG", "must be -1 (off) or more");
            }
            Freshness freshness = freshness(dbSettings);
            var settings = Cli.check("--batch-size / --db-retry-timeout-ms / --smtp-connections",
                    "HFC_CAMPAIGN_BATCH_SIZE / HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS / HFC_SMTP_CONNECTIONS",
                    () -> new CampaignSender.Settings(dbSettings, batchSize, smtpSettings.messagesPerSecond(),
                            smtpSettings.retryTimeout(), Duration.ofMillis(dbRetryTimeoutMs), smtpSettings.messageIdDomain(),
                            freshness, smtp.connections, deferral));
            SchemaMigrator.migrate(dbSettings, false);
            tokens = unsubscribe.tokens(dbSettings);
            if (!control.isEmpty()) {
                LOG.info("campaign: control group {}", control.describe());
            }
            Unsubscribe leaving = dryRun && (unsubscribe.url == null || unsubscribe.url.isBlank())
                    ? new Unsubscribe(tokens, java.net.URI.create(CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK.replaceAll("\\?.*$", "")),
                            null, "pause-campaign.example.com", "Paused deliveries")
                    : unsubscribe.unsubscribe(tokens, smtpSettings);
            return new CampaignSender(settings, templates, leaving, () -> new SmtpMailer(smtpSettings), metrics, control);
        }

        /** The freshness guard: off with --max-sink-lag-ms 0; the segmenter's part off with --max-segmenter-lag -1. */
        private Freshness freshness(DbSettings dbSettings) {
            if (maxSinkLagMs == 0) {
                LOG.warn("campaign: --max-sink-lag-ms 0: sending without checking that the pipeline has written everything "
                        + "into the table");
                return Freshness.none();
            }
            SegmenterPosition segmenter = null;
            if (maxSegmenterLag >= 0) {
                segmenter = new SegmenterPosition(kafka.settings().clientProperties(java.util.Map.of()), segmenterApplicationId,
                        maxSegmenterLag);
            } else {
                LOG.warn("campaign: --max-segmenter-lag -1: the segmenter's position is not checked before sending");
            }
            return new PipelineFreshness(dbSettings, Duration.ofMillis(maxSinkLagMs), segmenter, Duration.ofMillis(sinkWaitMs));
        }

        /** The token keys {@link #sender} settled on (the endpoints must verify with the same). */
        UnsubscribeTokens tokens;
    }
}
