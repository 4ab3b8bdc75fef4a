package dev.hfc.cli;

import dev.hfc.campaign.CampaignService;
import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.content.RenderedEmail;
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

/** {@code hfc campaign send|run|preview}: the weekly campaign emails (§1 part 3). */
@Command(name = "campaign", mixinStandardHelpOptions = true,
        description = "Send the weekly pause campaign from rec_campaigns_weekly and mark the rows sent.",
        subcommands = {CampaignCommand.Send.class, CampaignCommand.Run.class, CampaignCommand.Preview.class})
final class CampaignCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: send, run or preview");
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

    /** Everything a sender needs, shared by {@code send} and {@code run}. */
    static final class SenderOptions {
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

        ZoneId zone() {
            return Cli.zone(zone);
        }

        /** Checks every setting, applies the output migrations, and builds the sender. */
        CampaignSender sender(CampaignMetrics metrics) {
            DbSettings dbSettings = db.settings();
            SmtpSettings smtpSettings = smtp.settings();
            CampaignTemplates templates = content.templates();
            var settings = Cli.check("--batch-size / --db-retry-timeout-ms", "HFC_CAMPAIGN_BATCH_SIZE / HFC_CAMPAIGN_DB_RETRY_TIMEOUT_MS",
                    () -> new CampaignSender.Settings(dbSettings, batchSize, smtpSettings.messagesPerSecond(),
                            smtpSettings.retryTimeout(), Duration.ofMillis(dbRetryTimeoutMs), smtpSettings.messageIdDomain()));
            SchemaMigrator.migrate(dbSettings, false);
            return new CampaignSender(settings, templates, new SmtpMailer(smtpSettings), metrics);
        }
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
            Integer opsPort = ops.port();
            var registry = ServiceRunner.registry("campaign");
            CampaignMetrics metrics = new CampaignMetrics(registry);
            CampaignSender sender = options.sender(metrics);
            CampaignService service = CampaignService.start(sender, new CutoffSchedule(day, time, options.zone()), metrics,
                    Clock.systemUTC(), Duration.ofSeconds(retryIntervalSeconds));
            return ServiceRunner.run("campaign", service, registry, opsPort);
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
            RenderedEmail rendered = content.templates().render(r);
            System.out.println("Subject: " + rendered.subject());
            System.out.println();
            System.out.println("--- text/plain ---");
            System.out.println(rendered.text());
            System.out.println("--- text/html ---");
            System.out.println(rendered.html());
            return Hfc.OK;
        }
    }
}
