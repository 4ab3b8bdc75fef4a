package dev.hfc.campaign.send;

import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The SQL of the campaign sender over {@code rec_campaigns_weekly} and its own tables. Values are always
 * bound, never concatenated; the schema is the validated, quoted one of {@link DbSettings}.
 */
final class CampaignRows {

    private static final String COLUMNS = "r.id, r.user_id, r.email, r.segment, r.pause_weeks, r.subscription_id";

    private final String claimSql;
    private final String claimWaitingSql;
    private final String pageSql;
    private final String markSql;
    private final String deliverySql;
    private final String suppressSql;
    private final String holdBackSql;
    private final String assignSql;
    private final String consentSql;
    private final String attemptsSql;
    private final String deferSql;
    private final String deferredSql;

    CampaignRows(DbSettings db) {
        String rows = db.qualified(Tables.CAMPAIGN_TARGETS);
        String deliveries = db.qualified(Tables.CAMPAIGN_DELIVERIES);
        String suppressions = db.qualified(Tables.CAMPAIGN_SUPPRESSIONS);
        String optouts = db.qualified(Tables.CAMPAIGN_OPTOUTS);
        String control = db.qualified(Tables.CAMPAIGN_CONTROL);
        String deferrals = db.qualified(Tables.CAMPAIGN_DEFERRALS);
        String sendable = "r.subscription_week = ? AND NOT r.campaign_sent "
                // The control group of the week: recorded once, never emailed for that week.
                + "AND NOT EXISTS (SELECT 1 FROM " + control + " k WHERE k.subscription_week = r.subscription_week "
                + "AND k.user_id = r.user_id) "
                // Addresses are stored canonical (lower case, IDNA ASCII); lower() finds every ASCII address here, and
                // the check before each message (consentSql, with the Java canonical form) the internationalised rest.
                + "AND NOT EXISTS (SELECT 1 FROM " + suppressions + " s WHERE s.email = lower(r.email)) "
                // Consent: a customer who opted out, by id or by address, gets nothing from the next claim on.
                + "AND NOT EXISTS (SELECT 1 FROM " + optouts + " o WHERE o.user_id = r.user_id) "
                + "AND NOT EXISTS (SELECT 1 FROM " + optouts + " o WHERE o.email = lower(r.email)) "
                // A deferred recipient waits for its next attempt; an expired one is given up for the week.
                + "AND NOT EXISTS (SELECT 1 FROM " + deferrals + " f WHERE f.subscription_week = r.subscription_week "
                + "AND f.user_id = r.user_id AND (f.expired OR f.next_attempt_at > now()))";
        // SKIP LOCKED: rows another sender holds are left to it, so two senders never claim the same row.
        // Index order, as the sink locks them, so the two do not deadlock.
        // The last pass of a run waits for rows that SKIP LOCKED passed over (held by the sink's open batch or
        // another sender): when their holder commits, the rows are re-checked and claimed if still unsent.
        this.claimWaitingSql = "SELECT " + COLUMNS + ", d.user_id IS NOT NULL AS delivered FROM " + rows + " r "
                + "LEFT JOIN " + deliveries
                + " d ON d.subscription_week = r.subscription_week AND d.user_id = r.user_id "
                + "WHERE " + sendable + " ORDER BY r.subscription_week, r.user_id LIMIT ? FOR UPDATE OF r";
        this.claimSql = claimWaitingSql + " SKIP LOCKED";
        this.pageSql = "SELECT " + COLUMNS + " FROM " + rows + " r WHERE " + sendable
                + " AND (?::uuid IS NULL OR r.user_id > ?::uuid) ORDER BY r.subscription_week, r.user_id LIMIT ?";
        this.markSql = "UPDATE " + rows + " SET campaign_sent = true WHERE id = ANY (?) AND NOT campaign_sent";
        this.deliverySql = "INSERT INTO " + deliveries + " (subscription_week, user_id, email, segment, message_id) "
                + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (subscription_week, user_id) DO NOTHING";
        this.assignSql = "INSERT INTO " + db.qualified(Tables.CAMPAIGN_ASSIGNMENTS) + " (subscription_week, user_id) "
                + "SELECT ?, unnest(?::uuid[]) ON CONFLICT (subscription_week, user_id) DO NOTHING";
        this.holdBackSql =
                "INSERT INTO " + control + " (subscription_week, user_id, email, segment) VALUES (?, ?, ?, ?) "
                        + "ON CONFLICT (subscription_week, user_id) DO NOTHING";
        // Right before each message, on the claim's own transaction: it proves the claim (and its row locks) still
        // holds, and it sees every opt-out committed until now, by any sender or endpoint.
        // It also sees a delivery another sender recorded after this claim's snapshot was taken (its claim rolled
        // back, and this one waited for the rows): that row is marked, not sent again.
        this.consentSql = "SELECT EXISTS (SELECT 1 FROM " + optouts + " WHERE user_id = ? OR email = ?), "
                + "EXISTS (SELECT 1 FROM " + suppressions + " WHERE email = ?), "
                + "EXISTS (SELECT 1 FROM " + deliveries + " WHERE subscription_week = ? AND user_id = ?)";
        this.attemptsSql = "SELECT attempts FROM " + deferrals + " WHERE subscription_week = ? AND user_id = ?";
        this.deferSql = "INSERT INTO " + deferrals + " AS f (subscription_week, user_id, email, attempts, last_reply, "
                + "next_attempt_at, expired) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subscription_week, user_id) DO UPDATE "
                + "SET email = excluded.email, attempts = excluded.attempts, last_reply = excluded.last_reply, "
                + "next_attempt_at = excluded.next_attempt_at, expired = excluded.expired";
        this.deferredSql = "SELECT count(*) FILTER (WHERE NOT f.expired), count(*) FILTER (WHERE f.expired), "
                + "min(f.next_attempt_at) FILTER (WHERE NOT f.expired) FROM " + deferrals + " f JOIN " + rows + " r "
                + "ON r.subscription_week = f.subscription_week AND r.user_id = f.user_id WHERE f.subscription_week = ? "
                + "AND NOT r.campaign_sent";
        this.suppressSql = "INSERT INTO " + suppressions + " (email, reason, smtp_code, subscription_week, user_id) "
                + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING";
    }

    /**
     * Locks up to {@code limit} unsent rows of {@code week}: those no other transaction holds, or, with
     * {@code waitForLocks}, all of them, waiting for their holders to finish.
     */
    List<ClaimedRow> claim(Connection c, Week week, int limit, boolean waitForLocks) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(waitForLocks ? claimWaitingSql : claimSql)) {
            ps.setString(1, week.toString());
            ps.setInt(2, limit);
            List<ClaimedRow> claimed = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claimed.add(new ClaimedRow(rs.getObject(1, UUID.class), recipient(rs, week), rs.getBoolean(7)));
                }
            }
            return claimed;
        }
    }

    /** Unsent rows of {@code week} after {@code afterUser} (null: from the start), without locking (dry runs). */
    List<CampaignRecipient> page(Connection c, Week week, UUID afterUser, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(pageSql)) {
            ps.setString(1, week.toString());
            ps.setObject(2, afterUser);
            ps.setObject(3, afterUser);
            ps.setInt(4, limit);
            List<CampaignRecipient> page = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    page.add(recipient(rs, week));
                }
            }
            return page;
        }
    }

    int markSent(Connection c, List<UUID> ids) throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement(markSql)) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            return ps.executeUpdate();
        }
    }

    void recordDelivery(Connection c, CampaignRecipient r, String canonicalEmail, String messageId)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deliverySql)) {
            ps.setString(1, r.week().toString());
            ps.setObject(2, r.userId());
            ps.setString(3, canonicalEmail);
            ps.setString(4, r.segment().wire());
            ps.setString(5, messageId);
            ps.executeUpdate();
        }
    }

    /** Records the targets of {@code week} a claim took to email: the treatment arm, as {@link #holdBack} records the control. */
    void assign(Connection c, Week week, List<UUID> users) throws SQLException {
        if (users.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(assignSql)) {
            ps.setString(1, week.toString());
            ps.setArray(2, c.createArrayOf("uuid", users.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Records the row's target as held back (control) for its week; false when it already was (a racing
     * sender's claim that waited for the row's lock still sees it, as nothing in the row itself changed).
     */
    boolean holdBack(Connection c, CampaignRecipient r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(holdBackSql)) {
            ps.setString(1, r.week().toString());
            ps.setObject(2, r.userId());
            ps.setString(3, r.email());
            ps.setString(4, r.segment().wire());
            return ps.executeUpdate() == 1;
        }
    }

    /** Whether the row may be sent as of now: not delivered meanwhile, not opted out (by id or address), not suppressed. */
    Consent consent(Connection c, CampaignRecipient r, String canonicalEmail) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(consentSql)) {
            ps.setObject(1, r.userId());
            ps.setString(2, canonicalEmail);
            ps.setString(3, canonicalEmail);
            ps.setString(4, r.week().toString());
            ps.setObject(5, r.userId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(3)
                        ? Consent.DELIVERED
                        : rs.getBoolean(1) ? Consent.OPTED_OUT : rs.getBoolean(2) ? Consent.SUPPRESSED : Consent.GIVEN;
            }
        }
    }

    /** What {@link #consent} found. */
    enum Consent {
        GIVEN,
        DELIVERED,
        OPTED_OUT,
        SUPPRESSED
    }

    /** Attempts deferred so far for the row's recipient this week (0 when none). */
    int deferredAttempts(Connection c, CampaignRecipient r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(attemptsSql)) {
            ps.setString(1, r.week().toString());
            ps.setObject(2, r.userId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /** Records a deferral: its attempt count, the server's reply, and when to try next (or that it expired). */
    void defer(
            Connection c,
            CampaignRecipient r,
            String canonicalEmail,
            int attempts,
            String reply,
            Instant next,
            boolean expired)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deferSql)) {
            ps.setString(1, r.week().toString());
            ps.setObject(2, r.userId());
            ps.setString(3, canonicalEmail);
            ps.setInt(4, attempts);
            ps.setString(5, reply);
            ps.setObject(6, java.time.OffsetDateTime.ofInstant(next, java.time.ZoneOffset.UTC));
            ps.setBoolean(7, expired);
            ps.executeUpdate();
        }
    }

    /** The unsent deferred rows of {@code week}: waiting, given up, and the earliest next attempt (null if none waits). */
    record Deferred(long waiting, long expired, Instant nextAttempt) {}

    Deferred deferred(Connection c, Week week) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deferredSql)) {
            ps.setString(1, week.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                java.time.OffsetDateTime next = rs.getObject(3, java.time.OffsetDateTime.class);
                return new Deferred(rs.getLong(1), rs.getLong(2), next == null ? null : next.toInstant());
            }
        }
    }

    void suppress(Connection c, CampaignRecipient r, String canonicalEmail, String reason, Integer smtpCode)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(suppressSql)) {
            ps.setString(1, canonicalEmail);
            ps.setString(2, reason);
            if (smtpCode == null) {
                ps.setNull(3, java.sql.Types.INTEGER);
            } else {
                ps.setInt(3, smtpCode);
            }
            ps.setString(4, r.week().toString());
            ps.setObject(5, r.userId());
            ps.executeUpdate();
        }
    }

    private static CampaignRecipient recipient(ResultSet rs, Week week) throws SQLException {
        String wire = rs.getString(4);
        Segment segment = Segment.fromWire(wire)
                .orElseThrow(() -> new SQLException(
                        Tables.CAMPAIGN_TARGETS + " row of " + week + " has an unknown segment '" + wire + "'",
                        "22000"));
        return new CampaignRecipient(
                rs.getObject(2, UUID.class),
                rs.getString(3),
                week,
                segment,
                rs.getObject(5, Integer.class),
                rs.getObject(6, UUID.class));
    }
}
