package dev.hfc.campaign.send;

import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.content.RenderedEmail;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.Mailer;
import dev.hfc.campaign.delivery.MessageIds;
import dev.hfc.campaign.delivery.SendOutcome;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.email.EmailAddresses;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the campaign of one week: every unsent row of {@code rec_campaigns_weekly} gets one email with the
 * content of its segment, and is then marked {@code campaign_sent}. This class runs the batches; the message's
 * way to the server is {@link MessageDelivery}, what each outcome means is {@link OutcomePolicy}, the claim's
 * proof is {@link BatchLease}, the SQL is {@link CampaignRows}.
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
    public record Settings(DbSettings db, int batchSize, double messagesPerSecond, Duration smtpRetryTimeout,
                           Duration dbRetryTimeout, String messageIdDomain, Freshness freshness, int connections,
                           DeferralPolicy deferral) {
        /** Settings that check nothing's freshness (a table no sink writes: tests, imports), one connection. */
        public Settings(DbSettings db, int batchSize, double messagesPerSecond, Duration smtpRetryTimeout,
                        Duration dbRetryTimeout, String messageIdDomain) {
            this(db, batchSize, messagesPerSecond, smtpRetryTimeout, dbRetryTimeout, messageIdDomain, Freshness.none(), 1,
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
            return new Settings(db, batchSize, messagesPerSecond, smtpRetryTimeout, dbRetryTimeout, messageIdDomain, freshness,
                    connections, policy);
        }
    }

    private final Settings settings;
    private final CampaignTemplates templates;
    private final Unsubscribe unsubscribe;
    private final MessageDelivery delivery;
    private final ExecutorService workers;
    private final CampaignMetrics metrics;
    private final CampaignRows rows;
    private final ControlGroup control;
    private final Clock clock;
    private final RecordConnection records;
    private final ClaimConnection claims;
    private final OutcomePolicy outcomes;
    private volatile boolean stopping;

    /** A sender without a control group: every target is emailed. */
    public CampaignSender(Settings settings, CampaignTemplates templates, Unsubscribe unsubscribe, Supplier<Mailer> mailers,
                          CampaignMetrics metrics) {
        this(settings, templates, unsubscribe, mailers, metrics, ControlGroup.none());
    }

    /**
     * @param mailers makes one {@link Mailer} (one SMTP connection) per {@link Settings#connections()}
     * @param control which targets are held back (recorded in {@code hfc_campaign_control}, not emailed)
     */
    public CampaignSender(Settings settings, CampaignTemplates templates, Unsubscribe unsubscribe, Supplier<Mailer> mailers,
                          CampaignMetrics metrics, ControlGroup control) {
        this.settings = settings;
        this.control = Objects.requireNonNull(control, "control");
        this.templates = templates;
        this.unsubscribe = unsubscribe;
        this.metrics = metrics;
        this.clock = Clock.systemUTC();
        this.delivery = new MessageDelivery(mailers, settings.connections(), settings.messagesPerSecond(),
                settings.smtpRetryTimeout(), metrics);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.connections(), r -> {
            Thread t = new Thread(r, "hfc-campaign-smtp-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.rows = new CampaignRows(settings.db());
        this.claims = new ClaimConnection(settings.db());
        this.records = new RecordConnection(settings.db(), settings.dbRetryTimeout());
        this.outcomes = new OutcomePolicy(rows, records, metrics, settings.deferral(), settings.smtpRetryTimeout(), clock);
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
            String stale = claims.withRetry(settings.dbRetryTimeout(), c -> settings.freshness().awaitCurrent(week, () -> stopping));
            if (stale != null) {
                p.abort(stale);
                break;
            }
            int claimed = claims.withRetry(settings.dbRetryTimeout(), c -> batch(c, week, p, leftAlone, false));
            if (claimed == 0) {
                // SKIP LOCKED passes over rows another transaction holds (the sink's open batch, another sender):
                // a run ends only after a pass that waits for them finds nothing sendable left.
                claimed = claims.withRetry(settings.dbRetryTimeout(), c -> batch(c, week, p, leftAlone, true));
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
                    } else if (cannotRender(r)) {
                        p.withoutPauseWeeks++;
                    } else {
                        templates.render(r, unsubscribe.link(r.userId())); // one that cannot be rendered fails the dry run too
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

    /** One claimed batch in one transaction; returns how many rows it claimed. */
    private int batch(Connection c, Week week, RunProgress p, Set<UUID> leftAlone, boolean waitForLocks)
            throws SQLException, InterruptedException {
        List<ClaimedRow> claimed = new ArrayList<>();
        for (ClaimedRow row : rows.claim(c, week, settings.batchSize() + leftAlone.size(), waitForLocks)) {
            if (!leftAlone.contains(row.id()) && claimed.size() < settings.batchSize()) {
                claimed.add(row);
            }
        }
        if (claimed.isEmpty()) {
            c.commit();
            return 0;
        }
        List<UUID> toMark = Collections.synchronizedList(new ArrayList<>(claimed.size()));
        List<ClaimedRow> toSend = new ArrayList<>();
        List<UUID> assigned = new ArrayList<>();
        for (ClaimedRow row : claimed) {
            CampaignRecipient r = row.recipient();
            if (control.holdsBack(r.week(), r.userId(), r.segment())) {
                if (rows.holdBack(c, r)) { // commits with the claim: a rerun finds it recorded and skips it
                    p.control(r.segment());
                    metrics.message(r.week(), r.segment(), "control");
                }
                continue;
            }
            assigned.add(r.userId()); // the treatment arm, whatever comes of the message (intention to treat)
            if (row.delivered()) {
                toMark.add(row.id());
                p.count(() -> p.alreadyDelivered++);
                metrics.message(r.week(), r.segment(), "already_delivered");
            } else if (cannotRender(r)) {
                LOG.warn("campaign {}: the row has no pause_weeks and the {} templates use it; it stays unsent "
                        + "until the sink rewrites it ('hfc replay sink --from earliest')", r.describe(), r.segment().wire());
                leftAlone.add(row.id());
                p.count(() -> p.withoutPauseWeeks++);
                metrics.message(r.week(), r.segment(), "without_pause_weeks");
            } else {
                toSend.add(row);
            }
        }
        rows.assign(c, week, assigned);
        // From here the workers share the claim's connection (the lease check): the batch thread only waits.
        BatchLease lease = new BatchLease(c, rows, workers);
        List<Future<?>> inFlight = new ArrayList<>();
        try {
            for (ClaimedRow row : toSend) {
                // Each row goes to exactly one worker; a worker sends on its own SMTP connection.
                inFlight.add(workers.submit(() -> {
                    deliver(week, row, p, lease, leftAlone, toMark);
                    return null;
                }));
            }
        } catch (RuntimeException e) {
            // Nothing more may be sent on this claim once the batch gives up on it, and the rollback that follows
            // must wait for the workers still holding a message.
            lease.lose(new SQLException("the batch failed: " + e, "08006", e));
            awaitAll(inFlight);
            throw e;
        }
        awaitAll(inFlight);
        if (lease.lost() != null) {
            throw lease.lost(); // the claim is gone: the run's retry claims afresh, and marks what was recorded
        }
        if (stopping) {
            p.abort("stopped on request");
        }
        rows.markSent(c, toMark);
        c.commit();
        return claimed.size();
    }

    /** Sends one row's message and records what happened; skipped once the run stops or the lease is lost. */
    private void deliver(Week week, ClaimedRow row, RunProgress p, BatchLease lease, Set<UUID> leftAlone, List<UUID> toMark)
            throws SQLException, InterruptedException {
        if (p.aborted() != null || stopping || lease.lost() != null) {
            return;
        }
        CampaignRecipient r = row.recipient();
        String canonical = EmailAddresses.tryCanonical(r.email()).orElse(r.email().strip().toLowerCase(Locale.ROOT));
        String messageId = MessageIds.of(week, r.userId(), settings.messageIdDomain());
        String link = unsubscribe.link(r.userId());
        RenderedEmail email = templates.render(r, link).withHeaders(unsubscribe.headers(link));
        // The gate runs right before every attempt (after any wait for the rate or a retry): it proves the claim
        // still holds and sees the consent and deliveries committed until then.
        CampaignRows.Consent[] seen = {null};
        SendOutcome outcome = delivery.send(r, email, messageId, () -> stopping, () -> {
            try {
                seen[0] = lease.check(r, canonical);
            } catch (SQLException e) {
                LOG.warn("campaign {}: the claim cannot be confirmed ({}); this batch sends nothing more", r.describe(),
                        e.getMessage());
                return false;
            }
            return seen[0] == CampaignRows.Consent.GIVEN;
        });
        if (outcome != null) {
            outcomes.apply(week, row, canonical, messageId, outcome, p, lease, leftAlone, toMark);
        } else if (seen[0] == CampaignRows.Consent.DELIVERED) {
            toMark.add(row.id()); // another sender's delivery, recorded after this claim's snapshot
            p.count(() -> p.alreadyDelivered++);
            metrics.message(r.week(), r.segment(), "already_delivered");
        } else if (seen[0] == CampaignRows.Consent.OPTED_OUT || seen[0] == CampaignRows.Consent.SUPPRESSED) {
            LOG.info("campaign {}: not sent: {} since the row was claimed", r.describe(),
                    seen[0] == CampaignRows.Consent.OPTED_OUT ? "the customer opted out" : "the address was suppressed");
            leftAlone.add(row.id());
            p.count(() -> p.optedOut++);
            metrics.message(r.week(), r.segment(), "opted_out");
        }
        // else: the lease is lost; the row stays unsent, for the run's next claim
    }

    /** Waits for every task; the first failure is thrown as it was (SQL, interruption, a bug). */
    private static void awaitAll(List<Future<?>> tasks) throws SQLException, InterruptedException {
        Exception first = null;
        for (Future<?> f : tasks) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Exception cause = e.getCause() instanceof Exception x ? x : new IllegalStateException(e.getCause());
                if (first == null) {
                    first = cause;
                } else {
                    first.addSuppressed(cause);
                }
            }
        }
        if (first instanceof SQLException sql) {
            throw sql;
        }
        if (first instanceof InterruptedException ie) {
            throw ie;
        }
        if (first instanceof RuntimeException re) {
            throw re;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
    }

    /** A row written without pause_weeks whose segment's content needs it. */
    private boolean cannotRender(CampaignRecipient r) {
        return r.pauseWeeks() == null && templates.needsPauseWeeks(r.segment());
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
