package dev.hfc.campaign;

import dev.hfc.campaign.consent.ConsentEndpoints;
import dev.hfc.campaign.consent.StandardWebhooks;
import dev.hfc.campaign.schedule.CutoffSchedule;
import dev.hfc.campaign.send.DeferralPolicy;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Objects;

/**
 * Everything the campaign's one assembly ({@link CampaignApplication}) is built from. Each part checks its values
 * when it is made and says what is wrong; {@code hfc campaign send} and {@code run} map their flags to it (and name
 * the flag of a mistake), the demo and the benchmark build it in code from the same defaults.
 *
 * @param sender       the settings of the application's own sender; null when every run brings its own
 *                     ({@link CampaignApplication#sender(SenderConfig)}: the demo, whose SMTP server and unsubscribe
 *                     URL exist only once it runs)
 * @param dashboardDlq the dead-letter topic the dashboard counts by reason, or null for none
 */
public record CampaignConfig(
        DbSettings db,
        SenderConfig sender,
        Tokens tokens,
        FreshnessGuard freshness,
        Consent consent,
        Schedule schedule,
        DashboardDlq dashboardDlq) {

    // The defaults of hfc campaign's flags (their picocli default values are these constants); the demo and the
    // benchmark start from them too, and say where they differ.
    public static final int DEFAULT_BATCH_SIZE = 25;
    public static final long DEFAULT_DB_RETRY_TIMEOUT_MS = 60_000;
    public static final int DEFAULT_SMTP_CONNECTIONS = 1;
    /** {@link DeferralPolicy#DEFAULT}'s first pause, 15 minutes. */
    public static final long DEFAULT_DEFERRAL_FIRST_MS = 900_000;
    /** {@link DeferralPolicy#DEFAULT}'s longest pause, 4 hours. */
    public static final long DEFAULT_DEFERRAL_MAX_MS = 14_400_000;

    public static final long DEFAULT_MAX_SINK_LAG_MS = 60_000;
    public static final long DEFAULT_MAX_SEGMENTER_LAG = 1_000;
    /** The segmenter's own default application id (the campaign does not import the segmenter, its stage). */
    public static final String DEFAULT_SEGMENTER_APPLICATION_ID = "hfc-segmenter";

    public static final long DEFAULT_SINK_WAIT_MS = 300_000;
    public static final int DEFAULT_TOKEN_DAYS = 180;
    /** {@link StandardWebhooks#DEFAULT_TOLERANCE}, 5 minutes. */
    public static final long DEFAULT_WEBHOOK_TOLERANCE_S = 300;

    public static final int DEFAULT_SOFT_BOUNCE_LIMIT = 3;
    public static final int DEFAULT_SOFT_BOUNCE_WINDOW_DAYS = 30;
    public static final String DEFAULT_CUTOFF_DAY = "SATURDAY";
    public static final String DEFAULT_CUTOFF_TIME = "09:00";
    public static final long DEFAULT_RETRY_INTERVAL_S = 60;
    public static final long DEFAULT_MAX_DEFERRED = 100;
    /** The list's display name in every message's List-Id. */
    public static final String LIST_NAME = "Paused deliveries";

    public CampaignConfig {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(freshness, "freshness");
        Objects.requireNonNull(consent, "consent");
        Objects.requireNonNull(schedule, "schedule");
    }

    /**
     * The key of the unsubscribe tokens and how long a link keeps working.
     *
     * @param secret the key, at least {@value #MIN_SECRET_BYTES} bytes in UTF-8; null (or blank) for the one
     *               generated once and kept in {@code hfc_campaign_secrets}. {@link #toString()} never shows it.
     */
    public record Tokens(String secret, int validityDays) {
        public static final int MIN_SECRET_BYTES = 32;

        public Tokens {
            secret = secret == null || secret.isBlank() ? null : secret;
            if (validityDays < 1) {
                throw new IllegalArgumentException(
                        "the unsubscribe links' validity in days must be at least 1, got " + validityDays);
            }
            if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("the unsubscribe secret must be at least " + MIN_SECRET_BYTES
                        + " characters long (UTF-8 bytes), got " + secret.getBytes(StandardCharsets.UTF_8).length);
            }
        }

        @Override
        public String toString() {
            return "Tokens[secret=" + (secret == null ? "(stored)" : "[redacted]") + ", validityDays=" + validityDays
                    + "]";
        }
    }

    /**
     * What must be current before anything is sent ({@link dev.hfc.campaign.send.PipelineFreshness}): the sink,
     * which reported at most {@code maxSinkLag} ago that the table holds all of its topic, and the segmenter when
     * {@code segmenter} is given; a run waits up to {@code sinkWait} for both. A zero {@code maxSinkLag} is
     * {@link #OFF}.
     */
    public record FreshnessGuard(Duration maxSinkLag, Duration sinkWait, SegmenterCheck segmenter) {
        /** Checks nothing: a table no pipeline writes (tests, imports, the benchmark). */
        public static final FreshnessGuard OFF = new FreshnessGuard(Duration.ZERO, Duration.ZERO, null);

        public FreshnessGuard {
            Objects.requireNonNull(maxSinkLag, "maxSinkLag");
            Objects.requireNonNull(sinkWait, "sinkWait");
            if (maxSinkLag.isNegative() || sinkWait.isNegative()) {
                throw new IllegalArgumentException("the max sink lag and the sink wait must not be negative, got "
                        + maxSinkLag.toMillis() + " ms and " + sinkWait.toMillis() + " ms");
            }
            if (maxSinkLag.isZero() && segmenter != null) {
                throw new IllegalArgumentException(
                        "a freshness guard with max sink lag 0 is off and checks no segmenter either; give none");
            }
        }

        public boolean isOff() {
            return maxSinkLag.isZero();
        }

        public FreshnessGuard withSegmenter(SegmenterCheck check) {
            return new FreshnessGuard(maxSinkLag, sinkWait, check);
        }
    }

    /** The segmenter's part of the guard: its group's position and marks, read from Kafka. */
    public record SegmenterCheck(KafkaSettings kafka, String applicationId, long maxLag) {
        public SegmenterCheck {
            Objects.requireNonNull(kafka, "kafka");
            if (applicationId == null || applicationId.isBlank()) {
                throw new IllegalArgumentException("the segmenter's application id must not be empty");
            }
            if (maxLag < 0) {
                throw new IllegalArgumentException(
                        "the segmenter's max lag must not be negative (leave the check out instead), got " + maxLag);
            }
        }
    }

    /**
     * The public endpoints' settings ({@link ConsentEndpoints}): the bounce webhook's key (null: it answers 404) and
     * timestamp tolerance, and how many soft bounces within which window suppress an address.
     *
     * @param webhookSecret {@code whsec_<base64>} or a string of at least {@value StandardWebhooks#MIN_SECRET_BYTES}
     *                      bytes ({@link StandardWebhooks#secret}); {@link #toString()} never shows it
     */
    public record Consent(String webhookSecret, Duration webhookTolerance, ConsentEndpoints.SoftBounces softBounces) {
        /** No webhook; the command's tolerance and soft-bounce rule. */
        public static final Consent DEFAULT = new Consent(
                null,
                Duration.ofSeconds(DEFAULT_WEBHOOK_TOLERANCE_S),
                new ConsentEndpoints.SoftBounces(
                        DEFAULT_SOFT_BOUNCE_LIMIT, Duration.ofDays(DEFAULT_SOFT_BOUNCE_WINDOW_DAYS)));

        public Consent {
            webhookSecret = webhookSecret == null || webhookSecret.isBlank() ? null : webhookSecret;
            Objects.requireNonNull(webhookTolerance, "webhookTolerance");
            Objects.requireNonNull(softBounces, "softBounces");
            if (webhookTolerance.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("the webhook timestamp tolerance must be at least 1 s, got "
                        + webhookTolerance.toMillis() + " ms");
            }
            if (webhookSecret != null) {
                StandardWebhooks.secret(webhookSecret); // says what is wrong without showing the secret
            }
        }

        @Override
        public String toString() {
            return "Consent[webhookSecret=" + (webhookSecret == null ? "(none)" : "[redacted]") + ", webhookTolerance="
                    + webhookTolerance + ", softBounces=" + softBounces + "]";
        }
    }

    /**
     * When the service sends: at every {@code cutoff} (whose zone also counts the dashboard's weeks), a run that
     * stopped early again after {@code retryInterval}; {@code /health} is DOWN beyond {@code maxDeferred} deferred
     * rows of the last run's week.
     */
    public record Schedule(CutoffSchedule cutoff, Duration retryInterval, long maxDeferred) {
        public Schedule {
            Objects.requireNonNull(cutoff, "cutoff");
            Objects.requireNonNull(retryInterval, "retryInterval");
            if (retryInterval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("the retry interval of a run that stopped early must be at least "
                        + "1 s, got " + retryInterval.toMillis() + " ms");
            }
            if (maxDeferred < 0) {
                throw new IllegalArgumentException(
                        "the deferred rows allowed before /health says DOWN must not be negative, got " + maxDeferred);
            }
        }

        /** The command's schedule, with weeks and the cut-off counted in {@code zone}. */
        public static Schedule defaults(ZoneId zone) {
            CutoffSchedule cutoff = new CutoffSchedule(
                    DayOfWeek.valueOf(DEFAULT_CUTOFF_DAY), LocalTime.parse(DEFAULT_CUTOFF_TIME), zone);
            return new Schedule(cutoff, Duration.ofSeconds(DEFAULT_RETRY_INTERVAL_S), DEFAULT_MAX_DEFERRED);
        }
    }

    /** The dead-letter topic the dashboard counts by reason, and how to reach Kafka. */
    public record DashboardDlq(KafkaSettings kafka, String topic) {
        public DashboardDlq {
            Objects.requireNonNull(kafka, "kafka");
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("the dead-letter topic must not be empty");
            }
        }
    }
}
