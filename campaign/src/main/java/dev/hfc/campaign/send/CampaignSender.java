package dev.hfc.campaign.send;

import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.content.RenderedEmail;
import dev.hfc.campaign.delivery.Mailer;
import dev.hfc.campaign.delivery.MessageIds;
import dev.hfc.campaign.delivery.SendOutcome;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.retry.Backoff;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the campaign of one week: every unsent row of {@code rec_campaigns_weekly} gets one email with the
 * content of its segment, and is then marked {@code campaign_sent}.
 *
 * <p>How it stays exactly-once in effect with several senders and crashes:
 * <ol>
 *   <li>Rows are claimed in small batches with {@code SELECT … FOR UPDATE SKIP LOCKED} inside a transaction:
 *       two senders never hold the same row.</li>
 *   <li>Each message is sent before its row is marked. As soon as the server accepted it, a delivery
 *       record is committed on a second connection; the batch's rows are marked sent when the batch ends.</li>
 *   <li>A sender that dies mid-batch loses its locks and marks; the next claim of those rows finds their
 *       delivery records and marks them without sending. Only a message accepted by the server in the
 *       instant before its delivery record was stored can go out twice, and every copy carries the same
 *       Message-ID, derived from (week, user), so receiving systems drop the repeat.</li>
 *   <li>A row is never marked unless the server accepted its message (or an earlier copy of it).</li>
 * </ol>
 * Transient SMTP failures (unreachable, 4xx) are retried with backoff up to {@link Settings#smtpRetryTimeout};
 * after that the run stops early, keeping what was accepted. An address the server calls bad for good
 * (see {@link dev.hfc.campaign.delivery.SmtpReply}) is recorded in {@code hfc_campaign_suppressions} and
 * skipped from then on. A refusal of the sender (policy, authentication) suppresses nobody; a few in a row
 * stop the run.
 */
public final class CampaignSender implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignSender.class);
    /** The one retry of the project (core), here from 200 ms doubling to 5 s. */
    private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ZERO);
    /** Refusals of the sender (policy, authentication) in a row that stop a run: the server will not take our mail. */
    static final int SENDER_REFUSALS_TO_STOP = 3;

    /**
     * @param batchSize          rows claimed (and locked) per transaction
     * @param messagesPerSecond  highest send rate; 0 for no limit
     * @param smtpRetryTimeout   how long one message is retried through transient SMTP failures
     * @param dbRetryTimeout     how long a batch is retried while the database is unreachable
     * @param messageIdDomain    right-hand side of the Message-IDs
     * @param maxSinkLag         how old the sink's last report of being caught up may be; zero: not checked
     * @param sinkWait           how long a run waits for the sink to be current before it refuses
     * @param connections        SMTP connections sending at once, each on a worker thread of its own
     */
    public record Settings(DbSettings db, int batchSize, double messagesPerSecond, Duration smtpRetryTimeout,
                           Duration dbRetryTimeout, String messageIdDomain, Duration maxSinkLag, Duration sinkWait,
                           int connections) {
        /** Settings that do not check the sink's progress (a table no sink writes: tests, imports). */
        public Settings(DbSettings db, int batchSize, double messagesPerSecond, Duration smtpRetryTimeout,
                        Duration dbRetryTimeout, String messageIdDomain) {
            this(db, batchSize, messagesPerSecond, smtpRetryTimeout, dbRetryTimeout, messageIdDomain, Duration.ZERO, Duration.ZERO, 1);
        }

        public Settings {
            Objects.requireNonNull(maxSinkLag, "maxSinkLag");
            Objects.requireNonNull(sinkWait, "sinkWait");
            if (connections < 1 || connections > 64) {
                throw new IllegalArgumentException("SMTP connections must be 1..64, got " + connections);
            }
            if (maxSinkLag.isNegative() || sinkWait.isNegative()) {
                throw new IllegalArgumentException("max sink lag and sink wait must not be negative");
            }
            Objects.requireNonNull(db, "db");
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batch size must be 1..10000, got " + batchSize);
            }
            if (!(messagesPerSecond >= 0) || Double.isInfinite(messagesPerSecond)) {
                throw new IllegalArgumentException("send rate must be 0 or positive, got " + messagesPerSecond);
            }
            Objects.requireNonNull(smtpRetryTimeout, "smtpRetryTimeout");
            Objects.requireNonNull(dbRetryTimeout, "dbRetryTimeout");
            Objects.requireNonNull(messageIdDomain, "messageIdDomain");
        }
    }

    private final Settings settings;
    private final CampaignTemplates templates;
    private final Unsubscribe unsubscribe;
    /** One SMTP connection each; a worker takes one for a message and gives it back. */
    private final java.util.concurrent.BlockingQueue<Mailer> mailers;
    private final List<Mailer> allMailers = new ArrayList<>();
    private final java.util.concurrent.ExecutorService workers;
    private final Object recordsLock = new Object();
    private final CampaignMetrics metrics;
    private final CampaignRows rows;
    private final SinkFreshness freshness;
    private final ControlGroup control;
    private final Bucket rate;
    private volatile boolean stopping;
    private Connection claims;
    private Connection records;

    /** A sender without a control group: every target is emailed. */
    public CampaignSender(Settings settings, CampaignTemplates templates, Unsubscribe unsubscribe,
                          java.util.function.Supplier<Mailer> mailers, CampaignMetrics metrics) {
        this(settings, templates, unsubscribe, mailers, metrics, ControlGroup.none());
    }

    /**
     * @param mailers makes one {@link Mailer} (one SMTP connection) per {@link Settings#connections()}
     * @param control which targets are held back (recorded in {@code hfc_campaign_control}, not emailed)
     */
    public CampaignSender(Settings settings, CampaignTemplates templates, Unsubscribe unsubscribe,
                          java.util.function.Supplier<Mailer> mailers, CampaignMetrics metrics, ControlGroup control) {
        this.settings = settings;
        this.control = Objects.requireNonNull(control, "control");
        this.templates = templates;
        this.unsubscribe = unsubscribe;
        this.mailers = new java.util.concurrent.ArrayBlockingQueue<>(settings.connections());
        for (int i = 0; i < settings.connections(); i++) {
            Mailer m = mailers.get();
            allMailers.add(m);
            this.mailers.add(m);
        }
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.workers = java.util.concurrent.Executors.newFixedThreadPool(settings.connections(), r -> {
            Thread t = new Thread(r, "hfc-campaign-smtp-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.metrics = metrics;
        this.rows = new CampaignRows(settings.db());
        this.freshness = settings.maxSinkLag().isZero() ? null : new SinkFreshness(settings.db(), settings.maxSinkLag());
        this.rate = settings.messagesPerSecond() > 0 ? bucket(settings.messagesPerSecond()) : null;
    }

    /** A token bucket that allows {@code perSecond} messages a second and a burst of at most one second's worth. */
    private static Bucket bucket(double perSecond) {
        long capacity = Math.max(1, (long) Math.floor(perSecond));
        Duration refillEvery = Duration.ofNanos((long) (capacity * 1_000_000_000L / perSecond));
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, refillEvery).initialTokens(1).build())
                .build();
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
        Progress p = new Progress();
        Set<UUID> leftAlone = java.util.concurrent.ConcurrentHashMap.newKeySet(); // workers add to it
        while (p.aborted == null) {
            if (!awaitCurrentTable(week, p)) {
                break;
            }
            int claimed = withDb(c -> batch(week, p, leftAlone, false));
            if (claimed == 0) {
                // SKIP LOCKED passes over rows another transaction holds (the sink's open batch, another sender):
                // a run ends only after a pass that waits for them finds nothing sendable left.
                claimed = withDb(c -> batch(week, p, leftAlone, true));
                if (claimed == 0) {
                    break;
                }
            }
        }
        SendReport report = p.report(week, false);
        LOG.info("campaign {}", report.summary());
        return report;
    }

    /**
     * Waits, up to {@link Settings#sinkWait}, until the sink reports the table current; otherwise stops the run.
     * A sent row cannot be taken back, so a table that is behind its topic (a replay rewriting it) is not sent from.
     */
    private boolean awaitCurrentTable(Week week, Progress p) throws SQLException, InterruptedException {
        if (freshness == null) {
            return true;
        }
        long deadline = System.nanoTime() + settings.sinkWait().toNanos();
        boolean said = false;
        while (true) {
            SinkFreshness.Look look = withDb(freshness::look);
            if (look.current()) {
                if (said) {
                    LOG.info("campaign {}: the sink caught up; sending", week);
                }
                return true;
            }
            if (System.nanoTime() >= deadline || stopping) {
                p.aborted = "the table is not current, so nothing more is sent: " + look.why() + "; waited "
                        + settings.sinkWait().toSeconds() + " s (--sink-wait-ms; --max-sink-lag-ms sets what is current)";
                LOG.error("campaign {}: {}", week, p.aborted);
                return false;
            }
            if (!said) {
                LOG.warn("campaign {}: waiting for the sink: {}", week, look.why());
                said = true;
            }
            Thread.sleep(Math.min(1_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    /** Renders and counts what {@link #send} would send, without sending or marking anything. */
    public SendReport dryRun(Week week) throws SQLException {
        Progress p = new Progress();
        try (Connection c = Database.connect(settings.db())) {
            UUID after = null;
            while (true) {
                List<CampaignRecipient> page = rows.page(c, week, after, 1_000);
                if (page.isEmpty()) {
                    break;
                }
                for (CampaignRecipient r : page) {
                    if (control.holdsBack(r.week(), r.userId(), r.segment())) {
                        p.control.merge(r.segment(), 1L, Long::sum);
                        continue;
                    }
                    if (cannotRender(r)) {
                        p.withoutPauseWeeks++;
                        continue;
                    }
                    templates.render(r, unsubscribe.link(r.userId())); // one that cannot be rendered fails the dry run too
                    p.sent.merge(r.segment(), 1L, Long::sum);
                }
                after = page.get(page.size() - 1).userId();
            }
        }
        SendReport report = p.report(week, true);
        LOG.info("campaign (dry run) {}", report.summary());
        return report;
    }

    /** One claimed batch in one transaction; returns how many rows it claimed. */
    private int batch(Week week, Progress p, Set<UUID> leftAlone, boolean waitForLocks) throws SQLException, InterruptedException {
        Connection c = claims();
        try {
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
            List<UUID> toMark = java.util.Collections.synchronizedList(new ArrayList<>(claimed.size()));
            List<java.util.concurrent.Future<?>> inFlight = new ArrayList<>();
            for (ClaimedRow row : claimed) {
                CampaignRecipient r = row.recipient();
                if (row.delivered()) {
                    toMark.add(row.id());
                    p.alreadyDelivered++;
                    metrics.message(r.week(), r.segment(), "already_delivered");
                    continue;
                }
                if (control.holdsBack(r.week(), r.userId(), r.segment())) {
                    if (rows.holdBack(c, r)) { // commits with the claim: a rerun finds it recorded and skips it
                        p.control.merge(r.segment(), 1L, Long::sum);
                        metrics.message(r.week(), r.segment(), "control");
                    }
                    continue;
                }
                if (cannotRender(r)) {
                    LOG.warn("campaign {}: the row has no pause_weeks and the {} templates use it; it stays unsent "
                            + "until the sink rewrites it ('hfc replay sink --from earliest')", r.describe(), r.segment().wire());
                    leftAlone.add(row.id());
                    p.withoutPauseWeeks++;
                    metrics.message(r.week(), r.segment(), "without_pause_weeks");
                    continue;
                }
                // Each row goes to exactly one worker; a worker sends on its own SMTP connection.
                inFlight.add(workers.submit(() -> {
                    deliver(week, row, p, leftAlone, toMark);
                    return null;
                }));
            }
            awaitAll(inFlight);
            if (stopping && p.aborted == null) {
                p.aborted = "stopped on request";
            }
            rows.markSent(c, toMark);
            c.commit();
            return claimed.size();
        } catch (SQLException | RuntimeException e) {
            rollback(c, e);
            throw e;
        }
    }

    /** Sends one row's message on a free connection and records what happened; skipped once the run stops. */
    private void deliver(Week week, ClaimedRow row, Progress p, Set<UUID> leftAlone, List<UUID> toMark)
            throws SQLException, InterruptedException {
        if (p.aborted() != null || stopping) {
            return;
        }
        CampaignRecipient r = row.recipient();
        String messageId = MessageIds.of(week, r.userId(), settings.messageIdDomain());
        String link = unsubscribe.link(r.userId());
        RenderedEmail email = templates.render(r, link).withHeaders(unsubscribe.headers(link));
        SendOutcome outcome;
        Mailer mailer = mailers.take();
        try {
            outcome = sendWithRetry(mailer, r, email, messageId);
        } finally {
            mailers.put(mailer);
        }
        synchronized (p) {
            if (!(outcome instanceof SendOutcome.SenderRefused)) {
                p.senderRefusedInARow = 0;
            }
        }
        if (outcome instanceof SendOutcome.Accepted) {
            synchronized (recordsLock) {
                rows.recordDelivery(records(), r, messageId);
            }
            toMark.add(row.id());
            synchronized (p) {
                p.sent.merge(r.segment(), 1L, Long::sum);
            }
            metrics.message(r.week(), r.segment(), "sent");
        } else if (outcome instanceof SendOutcome.AddressRejected rejected) {
            LOG.warn("campaign {}: address <{}> rejected for good ({}); recorded in hfc_campaign_suppressions, "
                    + "not tried again", r.describe(), r.email(), rejected.reason());
            synchronized (recordsLock) {
                rows.suppress(records(), r, rejected.reason(), rejected.smtpCode());
            }
            synchronized (p) {
                p.addressRejected++;
            }
            metrics.message(r.week(), r.segment(), "address_rejected");
        } else if (outcome instanceof SendOutcome.MessageRefused refused) {
            LOG.error("campaign {}: the server refused the message {} for good ({}); the row stays unsent",
                    r.describe(), messageId, refused.reason());
            leftAlone.add(row.id());
            synchronized (p) {
                p.refused++;
            }
            metrics.message(r.week(), r.segment(), "refused");
        } else if (outcome instanceof SendOutcome.SenderRefused refused) {
            LOG.error("campaign {}: the mail server refuses mail from this sender ({}); nobody is suppressed, "
                    + "the row stays unsent", r.describe(), refused.reason());
            leftAlone.add(row.id());
            metrics.message(r.week(), r.segment(), "sender_refused");
            synchronized (p) {
                p.senderRefused++;
                if (++p.senderRefusedInARow >= SENDER_REFUSALS_TO_STOP && p.aborted == null) {
                    p.aborted = "the mail server refused mail from this sender " + p.senderRefusedInARow
                            + " times in a row (check --smtp-user/--smtp-password, --from and the relay's policy): "
                            + refused.reason();
                    LOG.error("campaign {}: {}", week, p.aborted);
                }
            }
        } else if (outcome instanceof SendOutcome.AddressUnsupported unsupported) {
            LOG.warn("campaign {}: <{}> not sent: {}; the row stays unsent and the address is not suppressed "
                    + "(a relay with SMTPUTF8 takes it)", r.describe(), r.email(), unsupported.reason());
            leftAlone.add(row.id());
            synchronized (p) {
                p.unsupported++;
            }
            metrics.message(r.week(), r.segment(), "address_unsupported");
        } else if (outcome instanceof SendOutcome.Transient t) {
            synchronized (p) {
                if (p.aborted == null) {
                    p.aborted = "the mail server stayed unavailable for " + settings.smtpRetryTimeout().toSeconds()
                            + " s: " + t.reason();
                    LOG.error("campaign {}: {}; the messages it accepted are marked, the rest stays unsent",
                            r.describe(), p.aborted);
                }
            }
        }
    }

    /** Waits for every task; the first failure is thrown as it was (SQL, interruption, a bug). */
    private static void awaitAll(List<java.util.concurrent.Future<?>> tasks) throws SQLException, InterruptedException {
        Exception first = null;
        for (java.util.concurrent.Future<?> f : tasks) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
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

    private SendOutcome sendWithRetry(Mailer mailer, CampaignRecipient r, RenderedEmail email, String messageId)
            throws InterruptedException {
        try {
            return BACKOFF.withTimeout(settings.smtpRetryTimeout()).run(e -> e instanceof TransientSend && !stopping,
                    (e, pause) -> {
                        metrics.smtpRetry();
                        LOG.warn("campaign {}: SMTP failure ({}); retrying in {} ms", r.describe(),
                                ((TransientSend) e).outcome.reason(), pause.toMillis());
                    }, () -> {
                        if (rate != null) {
                            rate.asBlocking().consume(1);
                        }
                        SendOutcome outcome = mailer.send(r.email(), email, messageId);
                        if (outcome instanceof SendOutcome.Transient t) {
                            throw new TransientSend(t);
                        }
                        return outcome;
                    });
        } catch (TransientSend e) {
            return e.outcome; // still failing when the retry time ran out, or the run is stopping
        }
    }

    /** A transient SMTP outcome, as an exception for {@link Backoff}. */
    private static final class TransientSend extends Exception {
        final SendOutcome.Transient outcome;

        TransientSend(SendOutcome.Transient outcome) {
            super(outcome.reason(), null, false, false);
            this.outcome = outcome;
        }
    }

    @FunctionalInterface
    private interface DbWork<T> {
        T run(Connection c) throws SQLException, InterruptedException;
    }

    /** Runs {@code work}, retrying with backoff while the database is unreachable, up to the retry timeout. */
    private <T> T withDb(DbWork<T> work) throws SQLException, InterruptedException {
        return BACKOFF.withTimeout(settings.dbRetryTimeout()).run(
                e -> e instanceof SQLException sql && Database.isConnectionFailure(sql),
                (e, pause) -> {
                    LOG.warn("campaign: database unavailable ({}); retrying in {} ms", e.getMessage(), pause.toMillis());
                    closeConnections();
                },
                () -> work.run(claims()));
    }

    private Connection claims() throws SQLException {
        if (claims == null || claims.isClosed()) {
            claims = Database.connect(settings.db());
            claims.setAutoCommit(false);
        }
        return claims;
    }

    private Connection records() throws SQLException {
        if (records == null || records.isClosed()) {
            records = Database.connect(settings.db());
            records.setAutoCommit(true);
        }
        return records;
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private void closeConnections() {
        for (Connection c : new Connection[] {claims, records}) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException e) {
                    LOG.debug("closing a database connection failed", e);
                }
            }
        }
        claims = null;
        records = null;
    }

    @Override
    public void close() {
        stop();
        closeConnections();
        workers.shutdownNow();
        allMailers.forEach(Mailer::close);
    }

    /** Counters of one run. */
    private static final class Progress {
        final Map<Segment, Long> sent = new EnumMap<>(Segment.class);
        final Map<Segment, Long> control = new EnumMap<>(Segment.class);
        long alreadyDelivered;
        long addressRejected;
        long refused;
        long senderRefused;
        int senderRefusedInARow;
        long unsupported;
        long withoutPauseWeeks;
        volatile String aborted;

        String aborted() {
            return aborted;
        }

        SendReport report(Week week, boolean dryRun) {
            return new SendReport(week, dryRun, sent, control, alreadyDelivered, addressRejected, refused, senderRefused, unsupported, withoutPauseWeeks, aborted);
        }
    }
}
