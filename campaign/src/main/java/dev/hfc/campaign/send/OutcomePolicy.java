package dev.hfc.campaign.send;

import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.delivery.SendOutcome;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Tables;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one message's outcome means for its row, its address and the run: an accepted message is recorded as
 * delivered (and its row marked with the batch); a 4xx for the recipient defers the row ({@link DeferralPolicy});
 * a bad address is suppressed; a refused message or an address this relay cannot take leaves the row unsent;
 * refusals of the sender, a few in a row, and a server that stays unavailable stop the run.
 */
final class OutcomePolicy {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignSender.class);
    /** Refusals of the sender (policy, authentication) in a row that stop a run: the server will not take our mail. */
    static final int SENDER_REFUSALS_TO_STOP = 3;

    private final CampaignRows rows;
    private final RecordConnection records;
    private final CampaignMetrics metrics;
    private final DeferralPolicy deferral;
    private final Duration smtpRetryTimeout;
    private final Clock clock;

    OutcomePolicy(
            CampaignRows rows,
            RecordConnection records,
            CampaignMetrics metrics,
            DeferralPolicy deferral,
            Duration smtpRetryTimeout,
            Clock clock) {
        this.rows = rows;
        this.records = records;
        this.metrics = metrics;
        this.deferral = deferral;
        this.smtpRetryTimeout = smtpRetryTimeout;
        this.clock = clock;
    }

    /** What one outcome means for the row, the run and the address. */
    void apply(
            Week week,
            ClaimedRow row,
            String canonical,
            String messageId,
            SendOutcome outcome,
            RunProgress p,
            BatchLease lease,
            Set<UUID> leftAlone,
            List<UUID> toMark)
            throws SQLException, InterruptedException {
        CampaignRecipient r = row.recipient();
        if (outcome instanceof SendOutcome.Accepted) {
            try {
                records.run(c -> rows.recordDelivery(c, r, canonical, messageId), lease);
            } catch (SQLException e) {
                // The message went out and its record did not: the one message of this connection that may be repeated.
                LOG.error(
                        "campaign {}: message {} was accepted but its delivery could not be recorded ({}); "
                                + "a later claim may send it once more, with the same Message-ID",
                        r.describe(),
                        messageId,
                        e.getMessage());
                throw e;
            }
            toMark.add(row.id());
            p.sent(r.segment());
            metrics.message(r.week(), r.segment(), "sent");
        } else if (outcome instanceof SendOutcome.RecipientDeferred d) {
            int attempts = records.call(c -> rows.deferredAttempts(c, r), lease) + 1;
            DeferralPolicy.Next next = deferral.next(attempts, clock.instant(), week);
            records.run(c -> rows.defer(c, r, canonical, attempts, d.reason(), next.at(), next.expired()), lease);
            leftAlone.add(row.id());
            p.count(() -> p.deferredNow++);
            metrics.message(r.week(), r.segment(), next.expired() ? "deferred_expired" : "deferred");
            if (next.expired()) {
                LOG.warn(
                        "campaign {}: <{}> deferred by its server ({}), attempt {}; the next attempt would fall after "
                                + "the week's end, so the row is given up",
                        r.describe(),
                        r.email(),
                        d.reason(),
                        attempts);
            } else {
                LOG.warn(
                        "campaign {}: <{}> deferred by its server ({}), attempt {}; next attempt at {}",
                        r.describe(),
                        r.email(),
                        d.reason(),
                        attempts,
                        next.at());
            }
        } else if (outcome instanceof SendOutcome.AddressRejected rejected) {
            LOG.warn(
                    "campaign {}: address <{}> rejected for good ({}); recorded in " + Tables.CAMPAIGN_SUPPRESSIONS
                            + ", not tried again",
                    r.describe(),
                    r.email(),
                    rejected.reason());
            records.run(c -> rows.suppress(c, r, canonical, rejected.reason(), rejected.smtpCode()), lease);
            p.count(() -> p.addressRejected++);
            metrics.message(r.week(), r.segment(), "address_rejected");
        } else if (outcome instanceof SendOutcome.MessageRefused refused) {
            LOG.error(
                    "campaign {}: the server refused the message {} for good ({}); the row stays unsent",
                    r.describe(),
                    messageId,
                    refused.reason());
            leftAlone.add(row.id());
            p.count(() -> p.refused++);
            metrics.message(r.week(), r.segment(), "refused");
        } else if (outcome instanceof SendOutcome.SenderRefused refused) {
            LOG.error(
                    "campaign {}: the mail server refuses mail from this sender ({}); nobody is suppressed, "
                            + "the row stays unsent",
                    r.describe(),
                    refused.reason());
            leftAlone.add(row.id());
            metrics.message(r.week(), r.segment(), "sender_refused");
            p.count(() -> {
                p.senderRefused++;
                if (++p.senderRefusedInARow >= SENDER_REFUSALS_TO_STOP
                        && p.abort("the mail server refused mail from "
                                + "this sender " + p.senderRefusedInARow
                                + " times in a row (check --smtp-user/--smtp-password, "
                                + "--from and the relay's policy): " + refused.reason())) {
                    LOG.error("campaign {}: {}", week, p.aborted());
                }
            });
        } else if (outcome instanceof SendOutcome.AddressUnsupported unsupported) {
            LOG.warn(
                    "campaign {}: <{}> not sent: {}; the row stays unsent and the address is not suppressed "
                            + "(a relay with SMTPUTF8 takes it)",
                    r.describe(),
                    r.email(),
                    unsupported.reason());
            leftAlone.add(row.id());
            p.count(() -> p.unsupported++);
            metrics.message(r.week(), r.segment(), "address_unsupported");
        } else if (outcome instanceof SendOutcome.Transient t) {
            if (p.abort(
                    "the mail server stayed unavailable for " + smtpRetryTimeout.toSeconds() + " s: " + t.reason())) {
                LOG.error(
                        "campaign {}: {}; the messages it accepted are marked, the rest stays unsent",
                        r.describe(),
                        p.aborted());
            }
        }
    }
}
