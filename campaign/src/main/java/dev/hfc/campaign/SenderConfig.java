package dev.hfc.campaign;

import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.consent.UnsubscribeTokens;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.DeferralPolicy;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * One campaign sender's settings, the part of a {@link CampaignConfig} that may differ from run to run: where the
 * mail goes ({@code smtp}, which also sets the rate, the SMTP retry and the Message-ID domain), what it says, who is
 * held back, how recipients leave, and how rows are claimed. The database, the token key and the freshness guard are
 * the {@link CampaignApplication}'s, shared by all of its senders.
 *
 * @param batchSize      rows claimed (locked) per transaction
 * @param dbRetryTimeout how long a batch is retried while the database is unreachable
 * @param connections    SMTP connections sending at once
 * @param deferral       when a recipient deferred by its server is tried again
 */
public record SenderConfig(
        SmtpSettings smtp,
        CampaignTemplates templates,
        ControlGroup control,
        Unsubscribing unsubscribe,
        int batchSize,
        Duration dbRetryTimeout,
        int connections,
        DeferralPolicy deferral) {

    private static final int MAX_BATCH_SIZE = 10_000;
    private static final int MAX_SMTP_CONNECTIONS = 64;

    public SenderConfig {
        Objects.requireNonNull(smtp, "smtp");
        Objects.requireNonNull(templates, "templates");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(unsubscribe, "unsubscribe");
        Objects.requireNonNull(dbRetryTimeout, "dbRetryTimeout");
        Objects.requireNonNull(deferral, "deferral");
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch size must be 1.." + MAX_BATCH_SIZE + ", got " + batchSize);
        }
        if (dbRetryTimeout.isNegative()) {
            throw new IllegalArgumentException(
                    "the database retry timeout must not be negative, got " + dbRetryTimeout.toMillis() + " ms");
        }
        if (connections < 1 || connections > MAX_SMTP_CONNECTIONS) {
            throw new IllegalArgumentException(
                    "SMTP connections must be 1.." + MAX_SMTP_CONNECTIONS + ", got " + connections);
        }
    }

    /** The command's defaults for the rest: no control group, its batch size, retry, connections and deferrals. */
    public static SenderConfig defaults(SmtpSettings smtp, CampaignTemplates templates, Unsubscribing unsubscribe) {
        return new SenderConfig(
                smtp,
                templates,
                ControlGroup.none(),
                unsubscribe,
                CampaignConfig.DEFAULT_BATCH_SIZE,
                Duration.ofMillis(CampaignConfig.DEFAULT_DB_RETRY_TIMEOUT_MS),
                CampaignConfig.DEFAULT_SMTP_CONNECTIONS,
                DeferralPolicy.DEFAULT);
    }

    public SenderConfig withControl(ControlGroup group) {
        return new SenderConfig(smtp, templates, group, unsubscribe, batchSize, dbRetryTimeout, connections, deferral);
    }

    public SenderConfig withBatchSize(int rows) {
        return new SenderConfig(smtp, templates, control, unsubscribe, rows, dbRetryTimeout, connections, deferral);
    }

    public SenderConfig withDbRetryTimeout(Duration timeout) {
        return new SenderConfig(smtp, templates, control, unsubscribe, batchSize, timeout, connections, deferral);
    }

    public SenderConfig withConnections(int n) {
        return new SenderConfig(smtp, templates, control, unsubscribe, batchSize, dbRetryTimeout, n, deferral);
    }

    /**
     * How messages say to leave ({@link Unsubscribe}): the one-click URL as recipients reach it, the mailto address
     * (null: one-click only) and the List-Id. Checked as the headers check them, when made.
     */
    public record Unsubscribing(URI url, String mailto, String listId) {
        /** Only to run {@link Unsubscribe}'s checks when an Unsubscribing is made; it issues no token. */
        private static final UnsubscribeTokens CHECK_ONLY = new UnsubscribeTokens(
                new byte[CampaignConfig.Tokens.MIN_SECRET_BYTES], Duration.ofDays(1), Clock.systemUTC());

        /** What a dry run without an unsubscribe URL renders: the sample link of the previews. */
        public static final Unsubscribing DRY_RUN_SAMPLE = new Unsubscribing(
                URI.create(CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK.replaceAll("\\?.*$", "")),
                null,
                "pause-campaign.example.com");

        public Unsubscribing {
            Objects.requireNonNull(url, "url");
            header(CHECK_ONLY, url, mailto, listId);
        }

        /** The List-Id when none is given: {@code pause-campaign.} and the From address's domain. */
        public static String defaultListId(SmtpSettings smtp) {
            String address = smtp.fromAddress().getAddress();
            return "pause-campaign." + address.substring(address.lastIndexOf('@') + 1);
        }

        /** Whether one-click links reach recipients over TLS, as Gmail and Yahoo require of bulk senders. */
        public boolean isHttps() {
            return "https".equalsIgnoreCase(url.getScheme());
        }

        /** The headers and links of the messages, with tokens sealed under {@code tokens}. */
        Unsubscribe header(UnsubscribeTokens tokens) {
            return header(tokens, url, mailto, listId);
        }

        private static Unsubscribe header(UnsubscribeTokens tokens, URI url, String mailto, String listId) {
            return new Unsubscribe(tokens, url, mailto, listId, CampaignConfig.LIST_NAME);
        }
    }
}
