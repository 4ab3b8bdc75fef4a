package dev.hfc.campaign.send;

import dev.hfc.campaign.content.CampaignRecipient;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executor;

/**
 * The proof that a batch still holds its rows. A claim is a transaction holding the rows' locks; PostgreSQL
 * keeps them exactly as long as that transaction lives, and not a moment after its connection dies (a database
 * restart, {@code pg_terminate_backend}). So before each message a statement runs on the claim's own
 * connection: it answers only while the transaction, and so the claim, lives. The statement is the recipient's
 * consent check, so an opt-out committed by anyone up to that instant is honoured too.
 *
 * <p>Once a check fails the lease is lost for good: no further message of the batch is sent. What can go out
 * twice is then at most the message each SMTP connection had in hand when the database went away (its delivery
 * could not be recorded before another sender, or this one, claimed the row again).
 */
final class BatchLease {

    /** How long one check may take before the claim is taken as lost. */
    static final int CHECK_TIMEOUT_MS = 5_000;

    private final Connection claim;
    private final CampaignRows rows;
    private final Executor timeouts;
    private volatile SQLException lost;

    BatchLease(Connection claim, CampaignRows rows, Executor timeouts) {
        this.claim = claim;
        this.rows = rows;
        this.timeouts = timeouts;
    }

    /**
     * The recipient's consent, as of now, proving the claim still holds.
     *
     * @throws SQLException when it does not (the lease is then lost for every later check too)
     */
    CampaignRows.Consent check(CampaignRecipient r, String canonicalEmail) throws SQLException {
        SQLException already = lost;
        if (already != null) {
            throw already;
        }
        synchronized (claim) { // one JDBC connection: one statement at a time, workers take turns
            int before = claim.getNetworkTimeout();
            try {
                claim.setNetworkTimeout(timeouts, CHECK_TIMEOUT_MS);
                return rows.consent(claim, r, canonicalEmail);
            } catch (SQLException e) {
                lose(e);
                throw e;
            } finally {
                try {
                    if (!claim.isClosed()) {
                        claim.setNetworkTimeout(timeouts, before);
                    }
                } catch (SQLException ignored) {
                    // the connection is gone; the lease was lost above
                }
            }
        }
    }

    /** Marks the lease lost (a delivery could not be recorded, say): nothing more of the batch is sent. */
    void lose(SQLException why) {
        if (lost == null) {
            lost = why;
        }
    }

    /** Why the lease was lost, or null while it holds. */
    SQLException lost() {
        return lost;
    }
}
