package dev.hfc.campaign.consent;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.email.EmailAddresses;
import dev.hfc.schema.Database;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of consent and feedback: opt-outs ({@code hfc_campaign_optouts}), bounce and complaint reports
 * ({@code hfc_campaign_bounces}) and the suppressions they cause, and the sender's generated secrets.
 * One statement per purpose; values are always bound.
 */
public final class ConsentStore {

    /** How a customer opted out. */
    public enum How {
        ONE_CLICK("one-click"),
        LINK("link"),
        MAILTO("mailto"),
        WEBHOOK("webhook"),
        OPERATOR("operator");

        private final String wire;

        How(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static How parse(String text) {
            for (How h : values()) {
                if (h.wire.equals(text == null ? null : text.trim().toLowerCase(Locale.ROOT))) {
                    return h;
                }
            }
            throw new IllegalArgumentException(
                    "'" + text + "' is not one of one-click, link, mailto, webhook, operator");
        }
    }

    /** A report of a provider: a hard or soft bounce, or a spam complaint. */
    public enum BounceType {
        HARD,
        SOFT,
        COMPLAINT;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a bounce report did. */
    public enum Effect {
        DUPLICATE,
        RECORDED,
        SUPPRESSED
    }

    /** The delivery a report is about, when it names one of ours: its week and segment. */
    public record Delivery(String week, String segment, UUID userId) {}

    private final DbSettings db;
    private final String optOutUserSql;
    private final String optOutEmailSql;
    private final String resubscribeSql;
    private final String bounceSql;
    private final String softCountSql;
    private final String suppressSql;
    private final String deliverySql;
    private final String latestDeliverySql;
    private final String secretInsertSql;
    private final String webhookSeenSql;
    private final String webhookRecordSql;
    private final String secretSelectSql;

    public ConsentStore(DbSettings db) {
        this.db = db;
        String optouts = db.qualified("hfc_campaign_optouts");
        String suppressions = db.qualified("hfc_campaign_suppressions");
        this.optOutUserSql = "INSERT INTO " + optouts + " (user_id, email, how, detail) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (user_id) WHERE user_id IS NOT NULL DO NOTHING";
        this.optOutEmailSql = "INSERT INTO " + optouts + " (user_id, email, how, detail) VALUES (NULL, ?, ?, ?) "
                + "ON CONFLICT (email) WHERE user_id IS NULL DO NOTHING";
        this.resubscribeSql = "DELETE FROM " + optouts + " WHERE (?::uuid IS NOT NULL AND user_id = ?::uuid) "
                + "OR (?::text IS NOT NULL AND email = ?::text)";
        this.bounceSql = "INSERT INTO " + db.qualified("hfc_campaign_bounces")
                + " (email, type, message_id, event_id, reason) " + "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
        this.softCountSql = "SELECT count(*) FROM " + db.qualified("hfc_campaign_bounces")
                + " WHERE email = ? AND type = 'soft' AND received_at > now() - make_interval(secs => ?)";
        this.suppressSql = "INSERT INTO " + suppressions + " (email, reason, smtp_code, subscription_week, user_id) "
                + "VALUES (?, ?, NULL, ?, ?) ON CONFLICT (email) DO NOTHING";
        this.deliverySql = "SELECT subscription_week, segment, user_id FROM " + db.qualified("hfc_campaign_deliveries")
                + " WHERE (?::text IS NOT NULL AND message_id = ?::text) OR (?::text IS NULL AND email = ?) "
                + "ORDER BY sent_at DESC LIMIT 1";
        this.latestDeliverySql = "SELECT subscription_week, segment, user_id FROM "
                + db.qualified("hfc_campaign_deliveries") + " WHERE user_id = ? ORDER BY sent_at DESC LIMIT 1";
        this.webhookSeenSql = "SELECT 1 FROM " + db.qualified("hfc_campaign_webhook_events") + " WHERE webhook_id = ?";
        this.webhookRecordSql = "INSERT INTO " + db.qualified("hfc_campaign_webhook_events")
                + " (webhook_id) VALUES (?) " + "ON CONFLICT (webhook_id) DO NOTHING";
        this.secretInsertSql = "INSERT INTO " + db.qualified("hfc_campaign_secrets") + " (name, value) VALUES (?, ?) "
                + "ON CONFLICT (name) DO NOTHING";
        this.secretSelectSql = "SELECT value FROM " + db.qualified("hfc_campaign_secrets") + " WHERE name = ?";
    }

    /** Records that {@code user} (with its current email, may be null) opted out; false if it had already. */
    public boolean optOut(UUID user, String email, How how, String detail) throws SQLException {
        email = canonical(email);
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(optOutUserSql)) {
            ps.setObject(1, user);
            ps.setString(2, email);
            ps.setString(3, how.wire());
            ps.setString(4, detail);
            return ps.executeUpdate() == 1;
        }
    }

    /** Records that the owner of {@code email} opted out (mailto, webhook, operator); false if it had already. */
    public boolean optOut(String email, How how, String detail) throws SQLException {
        email = canonical(email);
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(optOutEmailSql)) {
            ps.setString(1, email);
            ps.setString(2, how.wire());
            ps.setString(3, detail);
            return ps.executeUpdate() == 1;
        }
    }

    /** Removes the opt-outs of {@code user} or of {@code email} (either may be null); how many there were. */
    public int resubscribe(UUID user, String email) throws SQLException {
        email = canonical(email);
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(resubscribeSql)) {
            ps.setObject(1, user);
            ps.setObject(2, user);
            ps.setString(3, email);
            ps.setString(4, email);
            return ps.executeUpdate();
        }
    }

    /**
     * Records a report and suppresses the address when it says so: a hard bounce or a complaint at once, soft
     * bounces once {@code softLimit} arrived within {@code softWindow}. A repeat of a recorded event does nothing.
     */
    public Effect report(
            String email,
            BounceType type,
            String messageId,
            String eventId,
            String reason,
            int softLimit,
            Duration softWindow)
            throws SQLException {
        email = canonical(email);
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(bounceSql)) {
                    ps.setString(1, email);
                    ps.setString(2, type.wire());
                    ps.setString(3, messageId);
                    ps.setString(4, eventId);
                    ps.setString(5, reason);
                    if (ps.executeUpdate() == 0) {
                        c.rollback();
                        return Effect.DUPLICATE;
                    }
                }
                boolean suppress = type != BounceType.SOFT;
                if (!suppress) {
                    try (PreparedStatement ps = c.prepareStatement(softCountSql)) {
                        ps.setString(1, email);
                        ps.setLong(2, softWindow.toSeconds());
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            suppress = rs.getLong(1) >= softLimit;
                        }
                    }
                }
                if (suppress) {
                    Optional<Delivery> d = delivery(c, messageId, email);
                    try (PreparedStatement ps = c.prepareStatement(suppressSql)) {
                        ps.setString(1, email);
                        ps.setString(
                                2,
                                type == BounceType.SOFT
                                        ? softLimit + " soft bounces within " + softWindow.toDays() + " days"
                                                + (reason == null ? "" : ": " + reason)
                                        : type.wire()
                                                + (type == BounceType.HARD ? " bounce" : "")
                                                + (reason == null ? "" : ": " + reason));
                        ps.setString(3, d.map(Delivery::week).orElse(null));
                        ps.setObject(4, d.map(Delivery::userId).orElse(null), Types.OTHER);
                        ps.executeUpdate();
                    }
                }
                c.commit();
                return suppress ? Effect.SUPPRESSED : Effect.RECORDED;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The delivery a report names (by Message-ID, else the latest to the address), if it is one of ours. */
    public Optional<Delivery> delivery(String messageId, String email) throws SQLException {
        email = canonical(email);
        try (Connection c = Database.connect(db)) {
            return delivery(c, messageId, email);
        }
    }

    /** The latest delivery to {@code user}: which week's campaign an unsubscribe answers. */
    public Optional<Delivery> latestDelivery(UUID user) throws SQLException {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(latestDeliverySql)) {
            ps.setObject(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Delivery(rs.getString(1), rs.getString(2), rs.getObject(3, UUID.class)))
                        : Optional.empty();
            }
        }
    }

    private Optional<Delivery> delivery(Connection c, String messageId, String email) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deliverySql)) {
            ps.setString(1, messageId);
            ps.setString(2, messageId);
            ps.setString(3, messageId);
            ps.setString(4, email);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Delivery(rs.getString(1), rs.getString(2), rs.getObject(3, UUID.class)))
                        : Optional.empty();
            }
        }
    }

    /**
     * The form addresses are stored and compared in here (domain in IDNA ASCII, all lower case), so a report for
     * {@code anna@xn--bcher-kva.example} meets the customer {@code Anna@bücher.example}.
     *
     * @throws IllegalArgumentException naming the address when it is not one
     */
    private static String canonical(String email) {
        return email == null ? null : EmailAddresses.canonical(email);
    }

    /** Whether a webhook message with this id was applied already (Standard Webhooks: ids are unique per message). */
    public boolean webhookSeen(String webhookId) throws SQLException {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(webhookSeenSql)) {
            ps.setString(1, webhookId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Records that the webhook message {@code webhookId} was applied; a replay of it is then ignored. */
    public void recordWebhook(String webhookId) throws SQLException {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(webhookRecordSql)) {
            ps.setString(1, webhookId);
            ps.executeUpdate();
        }
    }

    /**
     * The secret named {@code name}: the stored one, or a new random one stored now. Several senders starting
     * at once all end up with the one that was stored first.
     *
     * @return the secret, and whether this call generated it
     */
    public Secret secret(String name, int bytes) throws SQLException {
        byte[] fresh = new byte[bytes];
        new SecureRandom().nextBytes(fresh);
        try (Connection c = Database.connect(db)) {
            boolean created;
            try (PreparedStatement ps = c.prepareStatement(secretInsertSql)) {
                ps.setString(1, name);
                ps.setBytes(2, fresh);
                created = ps.executeUpdate() == 1;
            }
            try (PreparedStatement ps = c.prepareStatement(secretSelectSql)) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Secret(rs.getBytes(1), created);
                }
            }
        }
    }

    /** A secret's bytes; {@link #toString()} never shows them. */
    public record Secret(byte[] value, boolean created) {
        @Override
        public String toString() {
            return "Secret[" + value.length + " bytes, created=" + created + "]";
        }
    }
}
