package dev.hfc.campaign.send;

import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.Mailer;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the campaign of one week: every unsent row of {@code rec_campaigns_weekly} gets one email with the
 * content of its segment, and is then marked {@code campaign_sent}. This class runs the batches, one claimed
 * batch is {@link SendBatch}; the message's way to the server is {@link MessageDelivery}, what each outcome means
 * is {@link OutcomePolicy}, the claim's proof is {@link BatchLease}, the SQL is {@link CampaignRows}.
 *
 * <p>How it stays exactly-once in effect with several senders, crashes and database failures:
 * <ol>
 *   <li>Rows are claimed in small batches with {@code SELECT … FOR UPDATE SKIP LOCKED} inside a transaction:
 *       two senders never hold the same row.</li>
 *   <li>Right before each message, a statement on the claim's own transaction proves the claim still holds
 *       and re-checks the recipient's consent ({@link BatchLease}). Once it fails, the batch sends nothing more.</li>
 *   <li>As soon as the server accepted a message, a delivery record is committed on a second connection (retried
 *       through a database outage); the batch's rows are marked sent when the batch ends.</li>
 *   <li>The next claim of a row whose delivery is on record marks it without sending. So only the message each
 *       SMTP connection had in hand when the database went away can go out twice, with the same Message-ID.</li>
 * </ol>
 * Per-recipient outcomes do not stop the run: a bad address is suppressed, a 4xx for one recipient defers that
 * row ({@link DeferralPolicy}). What stops it: the server unreachable or failing for every message for longer
 * than the retry timeout, or refusing mail from this sender a few times in a row.
 */
public final class CampaignSender implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignSender.class);
    /** Refusals of the sender (policy, authentication) in a row that stop a run: the server will not take our mail. */
    static final int SENDER_REFUSALS_TO_STOP = OutcomePolicy.SENDER_REFUSALS_TO_STOP;

    /**
     * @param batchSize          rows claimed (and locked) per transaction
     * @param messagesPerSecond  highest send rate; 0 for no limit
     * @param smtpRetryTimeout   how long one message is retried through transient SMTP failures
     * @param dbRetryTimeout     how long a batch is retried while the database is unreachable
     * @param messageIdDomain    right-hand side of the Message-IDs
     * @param freshness          what must be current before anything is sent ({@link Freshness#none} for tests, imports)
     * @param connections        SMTP connections sending at once, each on a worker thread of its own
     * @param deferral           when a recipient deferred by its server is tried again
     */
    public record Settings(
            DbSettings db,
            int batchSize,
            double messagesPerSecond,
            Duration smtpRetryTimeout,
            Duration dbRetryTimeout,
            String messageIdDomain,
            Freshness freshness,
            int connections,
            DeferralPolicy deferral) {
        /** Settings that check nothing's freshness (a table no sink writes: tests, imports), one connection. */
        public Settings(
                DbSettings db,
                int batchSize,
                double messagesPerSecond,
                Duration smtpRetryTimeout,
                Duration dbRetryTimeout,
                String messageIdDomain) {
            this(
                    db,
                    batchSize,
                    messagesPerSecond,
                    smtpRetryTimeout,
                    dbRetryTimeout,
                    messageIdDomain,
                    Freshness.none(),
                    1,
                    DeferralPolicy.DEFAULT);
        }

        public Settings {
            Objects.requireNonNull(db, "db");
            Objects.requireNonNull(freshness, "freshness");
            Objects.requireNonNull(deferral, "deferral");
            Objects.requireNonNull(smtpRetryTimeout, "smtpRetryTimeout");
            Objects.requireNonNull(dbRetryTimeout, "dbRetryTimeout");
            Objects.requireNonNull(messageIdDomain, "messageIdDomain");
            if (connections < 1 || connections > 64) {
                throw new IllegalArgumentException("SMTP connections must be 1..64, got " + connections);
            }
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batch size must be 1..10000, got " + batchSize);
            }
            if (!(messagesPerSecond >= 0) || Double.isInfinite(messagesPerSecond)) {
                throw new IllegalArgumentException("send rate must be 0 or positive, got " + messagesPerSecond);
            }
        }

        public Settings withDeferral(DeferralPolicy policy) {
            return new Settings(
                    db,
                    batchSize,
                    messagesPerSecond,
                    smtpRetryTimeout,
                    dbRetryTimeout,
                    messageIdDomain,
                    freshness,
                    connections,
                    policy);
        }
    }

    private final Settings settings;
    private final CampaignTemplates templates;
    private final Unsubscribe unsubscribe;
    private final MessageDelivery delivery;
    private final ExecutorService workers;
    private final CampaignRows rows;
    private final ControlGroup control;
    private final RecordConnection records;
    private final ClaimConnection claims;
    private final SendBatch batches;
    private volatile boolean stopping;

    /** A sender without a control group: every target is emailed. */
    public CampaignSender(
            Settings settings,
            CampaignTemplates templates,
            Unsubscribe unsubscribe,
            Supplier<Mailer> mailers,
            CampaignMetrics metrics) {
        this(settings, templates, unsubscribe, mailers, metrics, ControlGroup.none());
    }

    /**
     * @param mailers makes one {@link Mailer} (one SMTP connection) per {@link Settings#connections()}
     * @param control which targets are held back (recorded in {@code hfc_campaign_control}, not emailed)
     */
    public CampaignSender(
            Settings settings,
            CampaignTemplates templates,
            Unsubscribe unsubscribe,
            Supplier<Mailer> mailers,
            CampaignMetrics metrics,
            ControlGroup control) {
        this.settings = settings;
        this.control = Objects.requireNonNull(control, "control");
        this.templates = templates;
        this.unsubscribe = unsubscribe;
        this.delivery = new MessageDelivery(
                mailers, settings.connections(), settings.messagesPerSecond(), settings.smtpRetryTimeout(), metrics);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.connections(), r -> {
            Thread t = new Thread(r, "hfc-campaign-smtp-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.rows = new CampaignRows(settings.db());
        this.claims = new ClaimConnection(settings.db());
        this.records = new RecordConnection(settings.db(), settings.dbRetryTimeout());
        OutcomePolicy outcomes = new OutcomePolicy(
                rows, records, metrics, settings.deferral(), settings.smtpRetryTimeout(), Clock.systemUTC());
        this.batches = new SendBatch(
                settings,
                templates,
                unsubscribe,
                this.control,
                rows,
                delivery,
                outcomes,
                workers,
                metrics,
                () -> stopping);
    }

    /** Asks a running {@link #send} to stop after the message in hand; what was accepted is still marked. */
    public void stop() {
        stopping = true;
    }

    /**
     * Sends every unsent row of {@code week} and marks it sent.
     *
     * @throws SQLException when the database stays unreachable for longer than the retry timeout, or fails otherwise
     */
    public SendReport send(Week week) throws SQLException, InterruptedException {
        RunProgress p = new RunProgress();
        Set<UUID> leftAlone = ConcurrentHashMap.newKeySet(); // workers add to it
        while (p.aborted() == null) {
            String stale = claims.withRetry(
                    settings.dbRetryTimeout(), c -> settings.freshness().awaitCurrent(week, () -> stopping));
            if (stale != null) {
                p.abort(stale);
                break;
            }
            int claimed = claims.withRetry(settings.dbRetryTimeout(), c -> batches.run(c, week, p, leftAlone, false));
            if (claimed == 0) {
                // SKIP LOCKED passes over rows another transaction holds (the sink's open batch, another sender):
                // a run ends only after a pass that waits for them finds nothing sendable left.
                claimed = claims.withRetry(settings.dbRetryTimeout(), c -> batches.run(c, week, p, leftAlone, true));
                if (claimed == 0) {
                    break;
                }
            }
        }
        CampaignRows.Deferred deferred = claims.withRetry(settings.dbRetryTimeout(), c -> {
            CampaignRows.Deferred d = rows.deferred(c, week);
            c.commit();
            return d;
        });
        SendReport report = p.report(week, false, deferred);
        LOG.info("campaign {}", report.summary());
        return report;
    }

    /** Renders and counts what {@link #send} would send, without sending or marking anything. */
    public SendReport dryRun(Week week) throws SQLException {
        RunProgress p = new RunProgress();
        try (Connection c = Database.connect(settings.db())) {
            UUID after = null;
            while (true) {
                List<CampaignRecipient> page = rows.page(c, week, after, 1_000);
                if (page.isEmpty()) {
                    break;
                }
                for (CampaignRecipient r : page) {
                    if (control.holdsBack(r.week(), r.userId(), r.segment())) {
                        p.control(r.segment());
                    } else if (batches.cannotRender(r)) {
                        p.withoutPauseWeeks++;
                    } else {
                        templates.render(
                                r, unsubscribe.link(r.userId())); // one that cannot be rendered fails the dry run too
                        p.sent(r.segment());
                    }
                }
                after = page.get(page.size() - 1).userId();
            }
        }
        SendReport report = p.report(week, true, null);
        LOG.info("campaign (dry run) {}", report.summary());
        return report;
    }

    @Override
    public void close() {
        stop();
        claims.close();
        records.close();
        workers.shutdownNow();
        delivery.close();
    }
}
