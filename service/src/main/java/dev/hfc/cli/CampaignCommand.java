package dev.hfc.cli;

import dev.hfc.campaign.CampaignService;
import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.content.RenderedEmail;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.dashboard.Dashboard;
import dev.hfc.campaign.dashboard.DlqCounts;
import dev.hfc.campaign.report.CampaignReport;
import dev.hfc.campaign.report.ReportFormat;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.schedule.CutoffSchedule;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.InvalidWeekException;
import dev.hfc.core.week.Week;
import dev.hfc.schema.SchemaMigrator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc campaign send|run|preview|report|…}: the weekly campaign emails (§1 part 3) and what they did. */
@Command(name = "campaign", mixinStandardHelpOptions = true,
        description = "Send the weekly pause campaign from rec_campaigns_weekly and mark the rows sent.",
        subcommands = {CampaignCommand.Send.class, CampaignCommand.Run.class, CampaignCommand.Preview.class,
                CampaignCommand.Unsubscribe.class, CampaignCommand.Resubscribe.class, CampaignCommand.Report.class})
final class CampaignCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: send, run, preview, unsubscribe or resubscribe");
    }

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
    static final class UnsubscribeOptions {
        @Option(names = "--unsubscribe-url", paramLabel = "URL",
                defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_URL:-http://localhost:8084/unsubscribe}",
                description = "The unsubscribe endpoint as recipients reach it: 'hfc campaign run' serves it at /unsubscribe "
                        + "on its ops port; put an https URL of your proxy here (env HFC_CAMPAIGN_UNSUBSCRIBE_URL; default ${DEFAULT-VALUE}).")
        String url;

        @Option(names = "--unsubscribe-secret", paramLabel = "SECRET", defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_SECRET}",
                description = "Key of the unsubscribe tokens, at least 32 characters (env HFC_CAMPAIGN_UNSUBSCRIBE_SECRET; "
                        + "default: one generated once and kept in hfc_campaign_secrets). Never logged.")
        String secret;

        @Option(names = "--unsubscribe-mailto", paramLabel = "ADDRESS", defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO}",
                description = "Address in List-Unsubscribe's mailto (env HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO; default: unsubscribe@ the From domain).")
        String mailto;

        @Option(names = "--list-id", paramLabel = "ID", defaultValue = "${env:HFC_CAMPAIGN_LIST_ID}",
                description = "List-Id of the campaign (env HFC_CAMPAIGN_LIST_ID; default: pause-campaign. the From domain).")
        String listId;

        @Option(names = "--unsubscribe-token-days", paramLabel = "DAYS", defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS:-180}",
                description = "How long an unsubscribe link keeps working (env HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS; default ${DEFAULT-VALUE}).")
        int tokenDays;

        dev.hfc.campaign.consent.UnsubscribeTokens tokens(DbSettings db) {
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
                    var stored = new dev.hfc.campaign.consent.ConsentStore(db).secret("unsubscribe-token", 32);
                    key = stored.value();
                    org.slf4j.LoggerFactory.getLogger(CampaignCommand.class).info("campaign: no --unsubscribe-secret; using the "
                            + "token key {} in {} (set one to share it with other systems)",
                            stored.created() ? "generated now and kept" : "generated earlier and kept", db.qualified("hfc_campaign_secrets"));
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException("cannot read or store the unsubscribe token key: " + e.getMessage(), e);
                }
            }
            return new dev.hfc.campaign.consent.UnsubscribeTokens(key, Duration.ofDays(tokenDays), Clock.systemUTC());
        }

        dev.hfc.campaign.consent.Unsubscribe unsubscribe(dev.hfc.campaign.consent.UnsubscribeTokens tokens, SmtpSettings smtp) {
            String address = smtp.fromAddress().getAddress();
            String domain = address.substring(address.lastIndexOf('@') + 1);
            var u = Cli.check("--unsubscribe-url / --unsubscribe-mailto / --list-id",
                    "HFC_CAMPAIGN_UNSUBSCRIBE_URL / HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO / HFC_CAMPAIGN_LIST_ID",
                    () -> new dev.hfc.campaign.consent.Unsubscribe(tokens, java.net.URI.create(url.trim()),
                            mailto == null ? "unsubscribe@" + domain : mailto.trim(),
                            listId == null ? "pause-campaign." + domain : listId.trim(), "Paused deliveries"));
            if (!u.isHttps()) {
                org.slf4j.LoggerFactory.getLogger(CampaignCommand.class).warn("campaign: the unsubscribe URL {} is not https; "
                        + "Gmail and Yahoo expect an https one-click URL from bulk senders (--unsubscribe-url)", u.urlBase());
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
                        + "(hfc_sink_progress); 0 turns the check off (env HFC_CAMPAIGN_MAX_SINK_LAG_MS; default ${DEFAULT-VALUE}).")
        long maxSinkLagMs;

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
        CampaignSender sender(CampaignMetrics metrics) {
            DbSettings dbSettings = db.settings();
            SmtpSettings smtpSettings = smtp.settings();
            CampaignTemplates templates = content.templates();
            ControlGroup control = control();
            var settings = Cli.check("--batch-size / --db-retry-timeout-ms / --max-sink-lag-ms / --sink-wait-ms / --smtp-connections",
                    "HFC_CAMPAIGN_BATCH_SIZE / HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS / HFC_CAMPAIGN_MAX_SINK_LAG_MS / HFC_CAMPAIGN_SINK_WAIT_MS / HFC_SMTP_CONNECTIONS",
                    () -> new CampaignSender.Settings(dbSettings, batchSize, smtpSettings.messagesPerSecond(),
                            smtpSettings.retryTimeout(), Duration.ofMillis(dbRetryTimeoutMs), smtpSettings.messageIdDomain(),
                            Duration.ofMillis(maxSinkLagMs), Duration.ofMillis(sinkWaitMs), smtp.connections));
            if (maxSinkLagMs == 0) {
                org.slf4j.LoggerFactory.getLogger(CampaignCommand.class).warn("campaign: --max-sink-lag-ms 0: sending without "
                        + "checking that the sink has written all of its topic into the table");
            }
            SchemaMigrator.migrate(dbSettings, false);
            tokens = unsubscribe.tokens(dbSettings);
            if (!control.isEmpty()) {
                org.slf4j.LoggerFactory.getLogger(CampaignCommand.class).info("campaign: control group {}", control.describe());
            }
            return new CampaignSender(settings, templates, unsubscribe.unsubscribe(tokens, smtpSettings),
                    () -> new SmtpMailer(smtpSettings), metrics, control);
        }

        /** The token keys {@link #sender} settled on (the endpoints must verify with the same). */
        dev.hfc.campaign.consent.UnsubscribeTokens tokens;
    }

    static Week week(String label, String flag) {
        try {
            return Week.parse(label);
        } catch (InvalidWeekException e) {
            throw Cli.usage(flag, null, e.getMessage());
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = "Send the campaign of one week to every unsent row, then exit (0 when every row was handled).")
    static final class Send implements Callable<Integer> {
        @Mixin
        SenderOptions options;

        @Option(names = "--week", paramLabel = "YYYY-Www", description = "Week to send (default: the target week, the one after the current).")
        String week;

        @Option(names = "--dry-run", description = "Render and count what would be sent; send and mark nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            ZoneId zone = options.zone();
            Week w = week == null ? Week.target(Instant.now(), zone) : week(week, "--week");
            try (CampaignSender sender = options.sender(new CampaignMetrics(ServiceRunner.registry("campaign")))) {
                // On SIGTERM: finish the message in hand, mark what was accepted, then let the JVM exit.
                java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
                Thread hook = new Thread(() -> {
                    sender.stop();
                    try {
                        finished.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "hfc-campaign-stop");
                Runtime.getRuntime().addShutdownHook(hook);
                SendReport report;
                try {
                    report = dryRun ? sender.dryRun(w) : sender.send(w);
                } finally {
                    finished.countDown();
                }
                System.out.println("campaign " + report.summary());
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // SIGTERM arrived: the hook has already run its course
                }
                return report.complete() ? Hfc.OK : Hfc.FAILED;
            }
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run until stopped: send at every weekly cut-off, on POST /trigger, and once at start if "
                    + "the last cut-off's campaign may be incomplete.")
    static final class Run implements Callable<Integer> {
        @Mixin
        SenderOptions options;

        @Mixin
        OpsOptions ops;

        @Option(names = "--cutoff-day", paramLabel = "DAY", defaultValue = "${env:HFC_CAMPAIGN_CUTOFF_DAY:-SATURDAY}",
                description = "Day of the weekly cut-off (env HFC_CAMPAIGN_CUTOFF_DAY; default ${DEFAULT-VALUE}).")
        String cutoffDay;

        @Option(names = "--cutoff-time", paramLabel = "HH:MM", defaultValue = "${env:HFC_CAMPAIGN_CUTOFF_TIME:-09:00}",
                description = "Time of the weekly cut-off in --zone (env HFC_CAMPAIGN_CUTOFF_TIME; default ${DEFAULT-VALUE}).")
        String cutoffTime;

        @Option(names = "--webhook-secret", paramLabel = "SECRET", defaultValue = "${env:HFC_CAMPAIGN_WEBHOOK_SECRET}",
                description = "Key of the HMAC-SHA256 signature (X-Hfc-Signature) on POST /webhooks/bounces "
                        + "(env HFC_CAMPAIGN_WEBHOOK_SECRET; default none: the webhook is off). Never logged.")
        String webhookSecret;

        @Option(names = "--soft-bounce-limit", paramLabel = "N", defaultValue = "${env:HFC_CAMPAIGN_SOFT_BOUNCE_LIMIT:-3}",
                description = "Soft bounces within the window that suppress an address (env HFC_CAMPAIGN_SOFT_BOUNCE_LIMIT; default ${DEFAULT-VALUE}).")
        int softBounceLimit;

        @Option(names = "--soft-bounce-window-days", paramLabel = "DAYS", defaultValue = "${env:HFC_CAMPAIGN_SOFT_BOUNCE_WINDOW_DAYS:-30}",
                description = "The window of --soft-bounce-limit (env HFC_CAMPAIGN_SOFT_BOUNCE_WINDOW_DAYS; default ${DEFAULT-VALUE}).")
        int softBounceWindowDays;

        @Mixin
        KafkaOptions kafka;

        @Option(names = "--dashboard-dlq", negatable = true, defaultValue = "${env:HFC_CAMPAIGN_DASHBOARD_DLQ:-false}",
                fallbackValue = "true",
                description = "Count the dead-letter topic by reason on the dashboard, read with the Kafka options "
                        + "(env HFC_CAMPAIGN_DASHBOARD_DLQ; default ${DEFAULT-VALUE}).")
        boolean dashboardDlq;

        @Option(names = "--retry-interval-s", paramLabel = "S", defaultValue = "${env:HFC_CAMPAIGN_RETRY_INTERVAL_S:-60}",
                description = "Pause before a run that stopped early is tried again (env HFC_CAMPAIGN_RETRY_INTERVAL_S; default ${DEFAULT-VALUE}).")
        long retryIntervalSeconds;

        @Override
        public Integer call() throws Exception {
            DayOfWeek day;
            try {
                day = DayOfWeek.valueOf(cutoffDay.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw Cli.usage("--cutoff-day", "HFC_CAMPAIGN_CUTOFF_DAY", "'" + cutoffDay + "' is not a day (MONDAY … SUNDAY)");
            }
            LocalTime time;
            try {
                time = LocalTime.parse(cutoffTime.trim());
            } catch (DateTimeException e) {
                throw Cli.usage("--cutoff-time", "HFC_CAMPAIGN_CUTOFF_TIME", "'" + cutoffTime + "' is not a time of day (HH:MM)");
            }
            if (retryIntervalSeconds < 1) {
                throw Cli.usage("--retry-interval-s", "HFC_CAMPAIGN_RETRY_INTERVAL_S", "must be at least 1");
            }
            java.net.InetSocketAddress opsAddress = ops.address();
            var registry = ServiceRunner.registry("campaign");
            CampaignMetrics metrics = new CampaignMetrics(registry);
            CampaignSender sender = options.sender(metrics);
            if (softBounceLimit < 1 || softBounceWindowDays < 1) {
                throw Cli.usage("--soft-bounce-limit / --soft-bounce-window-days",
                        "HFC_CAMPAIGN_SOFT_BOUNCE_LIMIT / HFC_CAMPAIGN_SOFT_BOUNCE_WINDOW_DAYS", "must be at least 1");
            }
            var endpoints = new dev.hfc.campaign.consent.ConsentEndpoints(options.tokens,
                    new dev.hfc.campaign.consent.ConsentStore(options.db.settings()), metrics,
                    webhookSecret == null || webhookSecret.isBlank() ? null : webhookSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    new dev.hfc.campaign.consent.ConsentEndpoints.SoftBounces(softBounceLimit, Duration.ofDays(softBounceWindowDays)));
            if (opsAddress == null) {
                org.slf4j.LoggerFactory.getLogger(CampaignCommand.class).warn("campaign: no --ops-port, so this process does "
                        + "not serve /unsubscribe, /webhooks/bounces or /dashboard; recipients' one-click unsubscribes need it");
            }
            if (webhookSecret == null || webhookSecret.isBlank()) {
                org.slf4j.LoggerFactory.getLogger(CampaignCommand.class).info("campaign: no --webhook-secret: "
                        + "POST /webhooks/bounces answers 404");
            }
            DlqCounts dlq = dashboardDlq ? new DlqCounts(kafka.settings().clientProperties(java.util.Map.of()),
                    kafka.topics().dlq().name()) : null;
            var handlers = new java.util.HashMap<>(endpoints.handlers());
            handlers.putAll(new Dashboard(options.db.settings(), options.zone(), Clock.systemUTC(), dlq).handlers());
            CampaignService service = CampaignService.start(sender, new CutoffSchedule(day, time, options.zone()), metrics,
                    Clock.systemUTC(), Duration.ofSeconds(retryIntervalSeconds), handlers);
            return ServiceRunner.run("campaign", service, registry, opsAddress);
        }
    }

    @Command(name = "preview", mixinStandardHelpOptions = true,
            description = "Print the message a customer of a segment would get (subject, text and HTML), with sample values.")
    static final class Preview implements Callable<Integer> {
        @Mixin
        ContentOptions content;

        @Option(names = "--segment", required = true, paramLabel = "low|medium|high", description = "The segment to render.")
        String segment;

        @Option(names = "--email", paramLabel = "ADDRESS", description = "The recipient shown (default: a sample address).")
        String email;

        @Option(names = "--week", paramLabel = "YYYY-Www", description = "The target week shown (default: a sample week).")
        String week;

        @Option(names = "--pause-weeks", paramLabel = "N", description = "The pause length shown (default: typical for the segment).")
        Integer pauseWeeks;

        @Override
        public Integer call() {
            Segment s = Segment.fromWire(segment.trim().toLowerCase(Locale.ROOT))
                    .orElseThrow(() -> Cli.usage("--segment", null, "'" + segment + "' is not low, medium or high"));
            CampaignRecipient sample = CampaignTemplates.sample(s);
            CampaignRecipient r = Cli.check("--email / --week / --pause-weeks", null, () -> new CampaignRecipient(sample.userId(),
                    email == null ? sample.email() : email, week == null ? sample.week() : week(week, "--week"), s,
                    pauseWeeks == null ? sample.pauseWeeks() : pauseWeeks, sample.subscriptionId()));
            RenderedEmail rendered = content.templates().render(r, CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK);
            System.out.println("Subject: " + rendered.subject());
            System.out.println();
            System.out.println("--- text/plain ---");
            System.out.println(rendered.text());
            System.out.println("--- text/html ---");
            System.out.println(rendered.html());
            return Hfc.OK;
        }
    }

    /** Whose consent a command changes: a customer, an address, or both. */
    static final class ConsentTarget {
        @Option(names = "--email", paramLabel = "ADDRESS", description = "The address.")
        String email;

        @Option(names = "--user-id", paramLabel = "UUID", description = "The customer.")
        String userId;

        java.util.UUID user() {
            return userId == null ? null : dev.hfc.core.event.UserIds.parse(userId.trim())
                    .orElseThrow(() -> Cli.usage("--user-id", null, "'" + userId + "' is not a UUID"));
        }

        String address() {
            return email == null || email.isBlank() ? null : email.trim();
        }

        /** The store of the database named by {@code db}, once the target names someone. */
        dev.hfc.campaign.consent.ConsentStore store(DbOptions db) {
            if (user() == null && address() == null) {
                throw Cli.usage("--email / --user-id", null, "name the address or the customer");
            }
            DbSettings dbSettings = db.settings();
            SchemaMigrator.migrate(dbSettings, false);
            return new dev.hfc.campaign.consent.ConsentStore(dbSettings);
        }
    }

    @Command(name = "unsubscribe", mixinStandardHelpOptions = true,
            description = "Record an opt-out that arrived another way (an email to the mailto address, a support request): "
                    + "the customer gets no campaign email from the next claim on.")
    static final class Unsubscribe implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Mixin
        ConsentTarget target;

        @Option(names = "--how", paramLabel = "mailto|operator|webhook", defaultValue = "operator",
                description = "How the opt-out arrived (default ${DEFAULT-VALUE}).")
        String how;

        @Override
        public Integer call() throws Exception {
            var h = Cli.check("--how", null, () -> dev.hfc.campaign.consent.ConsentStore.How.parse(how));
            var store = target.store(db);
            java.util.UUID user = target.user();
            String address = target.address();
            boolean isNew = user != null ? store.optOut(user, address, h, "hfc campaign unsubscribe")
                    : store.optOut(address, h, "hfc campaign unsubscribe");
            System.out.println((isNew ? "opted out: " : "already opted out: ") + (user != null ? "user " + user : "")
                    + (address != null ? (user != null ? ", " : "") + "<" + address + ">" : "") + " (" + h.wire() + ")");
            return Hfc.OK;
        }
    }

    @Command(name = "resubscribe", mixinStandardHelpOptions = true,
            description = "Remove the opt-outs of a customer or an address, e.g. after they asked to get the emails again. "
                    + "Suppressions (bounces) are not touched.")
    static final class Resubscribe implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Mixin
        ConsentTarget target;

        @Override
        public Integer call() throws Exception {
            int removed = target.store(db).resubscribe(target.user(), target.address());
            System.out.println("removed " + removed + " opt-out(s)");
            return Hfc.OK;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Did the win-back work: per target week and segment, targeted, emailed, control, unsubscribed, "
                    + "bounced, resumed among the emailed and among the control group, the uplift with its 95% confidence "
                    + "interval, and the median time from the email to the resume. Reads only the output database.")
    static final class Report implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Option(names = "--week", paramLabel = "YYYY-Www", description = "Only this target week (default: every week on record).")
        String week;

        @Option(names = "--format", paramLabel = "table|json|csv", defaultValue = "table",
                description = "Output format (default ${DEFAULT-VALUE}).")
        String format;

        @Override
        public Integer call() throws Exception {
            ReportFormat f = Cli.check("--format", null, () -> ReportFormat.parse(format.trim()));
            Week w = week == null ? null : week(week.trim(), "--week");
            DbSettings dbSettings = db.settings();
            SchemaMigrator.migrate(dbSettings, false);
            System.out.print(f.render(CampaignReport.read(dbSettings, w)));
            return Hfc.OK;
        }
    }
}
