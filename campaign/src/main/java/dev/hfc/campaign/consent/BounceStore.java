package dev.hfc.campaign.consent;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import dev.hfc.schema.JdbcSession;
import dev.hfc.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The SQL of the provider's feedback: bounce and complaint reports ({@code hfc_campaign_bounces}), the
 * suppressions they cause, the delivery a report names, and the ids of webhook messages already applied.
 */
final class BounceStore {

    /** A report of a provider: a hard or soft bounce, or a spam complaint. */
    enum BounceType {
        HARD,
        SOFT,
        COMPLAINT;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a bounce report did. */
    enum Effect {
        DUPLICATE,
        RECORDED,
        SUPPRESSED
    }

    private final DbSettings db;
    private final String bounceSql;
    private final String softCountSql;
    private final String suppressSql;
    private final String deliverySql;
    private final String webhookSeenSql;
    private final String webhookRecordSql;

    BounceStore(DbSettings db) {
        this.db = db;
        this.bounceSql = "INSERT INTO " + db.qualified(Tables.CAMPAIGN_BOUNCES)
                + " (email, type, message_id, event_id, reason) " + "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
        this.softCountSql = "SELECT count(*) FROM " + db.qualified(Tables.CAMPAIGN_BOUNCES)
                + " WHERE email = ? AND type = 'soft' AND received_at > now() - make_interval(secs => ?)";
        this.suppressSql = "INSERT INTO " + db.qualified(Tables.CAMPAIGN_SUPPRESSIONS)
                + " (email, reason, smtp_code, subscription_week, user_id) "
                + "VALUES (?, ?, NULL, ?, ?) ON CONFLICT (email) DO NOTHING";
        this.deliverySql = "SELECT subscription_week, segment, user_id FROM " + db.qualified(Tables.CAMPAIGN_DELIVERIES)
                + " WHERE (?::text IS NOT NULL AND message_id = ?::text) OR (?::text IS NULL AND email = ?) "
                + "ORDER BY sent_at DESC LIMIT 1";
        this.webhookSeenSql = "SELECT 1 FROM " + db.qualified(Tables.CAMPAIGN_WEBHOOK_EVENTS) + " WHERE webhook_id = ?";
        this.webhookRecordSql = "INSERT INTO " + db.qualified(Tables.CAMPAIGN_WEBHOOK_EVENTS)
                + " (webhook_id) VALUES (?) " + "ON CONFLICT (webhook_id) DO NOTHING";
    }

    /**
     * Records a report and suppresses the address when it says so: a hard bounce or a complaint at once, soft
     * bounces once {@code softLimit} arrived within {@code softWindow}. A repeat of a recorded event does nothing.
     */
    Effect report(
            String email,
            BounceType type,
            String messageId,
            String eventId,
            String reason,
            int softLimit,
            Duration softWindow)
            throws SQLException {
        String canonical = ConsentStore.canonical(email);
        // A duplicate inserts nothing, so committing its transaction commits nothing.
        return JdbcSession.once(db, c -> {
            try (PreparedStatement ps = c.prepareStatement(bounceSql)) {
                ps.setString(1, canonical);
                ps.setString(2, type.wire());
                ps.setString(3, messageId);
                ps.setString(4, eventId);
                ps.setString(5, reason);
                if (ps.executeUpdate() == 0) {
                    return Effect.DUPLICATE;
                }
            }
            boolean suppress = type != BounceType.SOFT;
            if (!suppress) {
                try (PreparedStatement ps = c.prepareStatement(softCountSql)) {
                    ps.setString(1, canonical);
                    ps.setLong(2, softWindow.toSeconds());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        suppress = rs.getLong(1) >= softLimit;
                    }
                }
            }
            if (suppress) {
                Optional<ConsentStore.Delivery> d = delivery(c, messageId, canonical);
                try (PreparedStatement ps = c.prepareStatement(suppressSql)) {
                    ps.setString(1, canonical);
                    ps.setString(
                            2,
                            type == BounceType.SOFT
                                    ? softLimit + " soft bounces within " + softWindow.toDays() + " days"
                                            + (reason == null ? "" : ": " + reason)
                                    : type.wire()
                                            + (type == BounceType.HARD ? " bounce" : "")
                                            + (reason == null ? "" : ": " + reason));
                    ps.setString(3, d.map(ConsentStore.Delivery::week).orElse(null));
                    ps.setObject(4, d.map(ConsentStore.Delivery::userId).orElse(null), Types.OTHER);
                    ps.executeUpdate();
                }
            }
            return suppress ? Effect.SUPPRESSED : Effect.RECORDED;
        });
    }

    /** The delivery a report names (by Message-ID, else the latest to the address), if it is one of ours. */
    Optional<ConsentStore.Delivery> delivery(String messageId, String email) throws SQLException {
        email = ConsentStore.canonical(email);
        try (Connection c = Database.connect(db)) {
            return delivery(c, messageId, email);
        }
    }

    private Optional<ConsentStore.Delivery> delivery(Connection c, String messageId, String email) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deliverySql)) {
            ps.setString(1, messageId);
            ps.setString(2, messageId);
            ps.setString(3, messageId);
            ps.setString(4, email);
            try (ResultSet rs = ps.executeQuery()) {
                return ConsentStore.Delivery.first(rs);
            }
        }
    }

    /** Whether a webhook message with this id was applied already (Standard Webhooks: ids are unique per message). */
    boolean webhookSeen(String webhookId) throws SQLException {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(webhookSeenSql)) {
            ps.setString(1, webhookId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Records that the webhook message {@code webhookId} was applied; a replay of it is then ignored. */
    void recordWebhook(String webhookId) throws SQLException {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(webhookRecordSql)) {
            ps.setString(1, webhookId);
            ps.executeUpdate();
        }
    }
}
