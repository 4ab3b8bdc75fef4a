package dev.hfc.campaign.send;

import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.content.RenderedEmail;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.delivery.MessageIds;
import dev.hfc.campaign.delivery.SendOutcome;
import dev.hfc.core.email.EmailAddresses;
import dev.hfc.core.week.Week;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One claimed batch of a {@link CampaignSender} run, in the claim's transaction: the control group held back,
 * the treatment arm assigned, each message handed to a worker (gated by the {@link BatchLease}), its outcome
 * applied by {@link OutcomePolicy}, and the batch's rows marked sent at its end.
 */
final class SendBatch {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignSender.class);

    private final CampaignSender.Settings settings;
    private final CampaignTemplates templates;
    private final Unsubscribe unsubscribe;
    private final ControlGroup control;
    private final CampaignRows rows;
    private final MessageDelivery delivery;
    private final OutcomePolicy outcomes;
    private final ExecutorService workers;
    private final CampaignMetrics metrics;
    private final BooleanSupplier stopping;

    /**
     * @param workers  the threads that send, one per SMTP connection; they also time out the lease checks
     * @param stopping true once the run is asked to stop after the message in hand
     */
    SendBatch(
            CampaignSender.Settings settings,
            CampaignTemplates templates,
            Unsubscribe unsubscribe,
            ControlGroup control,
            CampaignRows rows,
            MessageDelivery delivery,
            OutcomePolicy outcomes,
            ExecutorService workers,
            CampaignMetrics metrics,
            BooleanSupplier stopping) {
        this.settings = settings;
        this.templates = templates;
        this.unsubscribe = unsubscribe;
        this.control = control;
        this.rows = rows;
        this.delivery = delivery;
        this.outcomes = outcomes;
        this.workers = workers;
        this.metrics = metrics;
        this.stopping = stopping;
    }

    /** One claimed batch in one transaction; returns how many rows it claimed. */
    int run(Connection c, Week week, RunProgress p, Set<UUID> leftAlone, boolean waitForLocks)
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
                LOG.warn(
                        "campaign {}: the row has no pause_weeks and the {} templates use it; it stays unsent "
                                + "until the sink rewrites it ('hfc replay sink --from earliest')",
                        r.describe(),
                        r.segment().wire());
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
        if (stopping.getAsBoolean()) {
            p.abort("stopped on request");
        }
        rows.markSent(c, toMark);
        c.commit();
        return claimed.size();
    }

    /** Sends one row's message and records what happened; skipped once the run stops or the lease is lost. */
    private void deliver(
            Week week, ClaimedRow row, RunProgress p, BatchLease lease, Set<UUID> leftAlone, List<UUID> toMark)
            throws SQLException, InterruptedException {
        if (p.aborted() != null || stopping.getAsBoolean() || lease.lost() != null) {
            return;
        }
        CampaignRecipient r = row.recipient();
        String canonical =
                EmailAddresses.tryCanonical(r.email()).orElse(r.email().strip().toLowerCase(Locale.ROOT));
        String messageId = MessageIds.of(week, r.userId(), settings.messageIdDomain());
        String link = unsubscribe.link(r.userId());
        RenderedEmail email = templates.render(r, link).withHeaders(unsubscribe.headers(link));
        // The gate runs right before every attempt (after any wait for the rate or a retry): it proves the claim
        // still holds and sees the consent and deliveries committed until then.
        CampaignRows.Consent[] seen = {null};
        SendOutcome outcome = delivery.send(r, email, messageId, stopping, () -> {
            try {
                seen[0] = lease.check(r, canonical);
            } catch (SQLException e) {
                LOG.warn(
                        "campaign {}: the claim cannot be confirmed ({}); this batch sends nothing more",
                        r.describe(),
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
            LOG.info(
                    "campaign {}: not sent: {} since the row was claimed",
                    r.describe(),
                    seen[0] == CampaignRows.Consent.OPTED_OUT
                            ? "the customer opted out"
                            : "the address was suppressed");
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
    boolean cannotRender(CampaignRecipient r) {
        return r.pauseWeeks() == null && templates.needsPauseWeeks(r.segment());
    }
}
