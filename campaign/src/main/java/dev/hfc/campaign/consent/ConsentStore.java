package dev.hfc.campaign.consent;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.email.EmailAddresses;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of consent: opt-outs ({@code hfc_campaign_optouts}), the latest delivery an unsubscribe answers, and
 * the sender's generated secrets; the provider's bounce and complaint reports are in {@code BounceStore}. One
 * statement per purpose; values are always bound.
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

    /** The delivery a report is about, when it names one of ours: its week and segment. */
    public record Delivery(String week, String segment, UUID userId) {
        /** The first row of {@code SELECT subscription_week, segment, user_id ...}, if there is one. */
        static Optional<Delivery> first(ResultSet rs) throws SQLException {
            return rs.next()
                    ? Optional.of(new Delivery(rs.getString(1), rs.getString(2), rs.getObject(3, UUID.class)))
                    : Optional.empty();
        }
    }

    private final DbSettings db;
    private final String optOutUserSql;
    private final String optOutEmailSql;
    private final String resubscribeSql;
    private final String latestDeliverySql;
    private final String secretInsertSql;
    private final String secretSelectSql;
    private final BounceStore bounces;

    public ConsentStore(DbSettings db) {
        this.db = db;
        String optouts = db.qualified(Tables.CAMPAIGN_OPTOUTS);
        this.optOutUserSql = "INSERT INTO " + optouts + " (user_id, email, how, detail) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (user_id) WHERE user_id IS NOT NULL DO NOTHING";
        this.optOutEmailSql = "INSERT INTO " + optouts + " (user_id, email, how, detail) VALUES (NULL, ?, ?, ?) "
                + "ON CONFLICT (email) WHERE user_id IS NULL DO NOTHING";
        this.resubscribeSql = "DELETE FROM " + optouts + " WHERE (?::uuid IS NOT NULL AND user_id = ?::uuid) "
                + "OR (?::text IS NOT NULL AND email = ?::text)";
        this.latestDeliverySql = "SELECT subscription_week, segment, user_id FROM "
                + db.qualified(Tables.CAMPAIGN_DELIVERIES) + " WHERE user_id = ? ORDER BY sent_at DESC LIMIT 1";
        this.secretInsertSql = "INSERT INTO " + db.qualified(Tables.CAMPAIGN_SECRETS) + " (name, value) VALUES (?, ?) "
                + "ON CONFLICT (name) DO NOTHING";
        this.secretSelectSql = "SELECT value FROM " + db.qualified(Tables.CAMPAIGN_SECRETS) + " WHERE name = ?";
        this.bounces = new BounceStore(db);
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

    /** The latest delivery to {@code user}: which week's campaign an unsubscribe answers. */
    public Optional<Delivery> latestDelivery(UUID user) throws SQLException {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(latestDeliverySql)) {
            ps.setObject(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                return Delivery.first(rs);
            }
        }
    }

    /**
     * The form addresses are stored and compared in here (domain in IDNA ASCII, all lower case), so a report for
     * {@code anna@xn--bcher-kva.example} meets the customer {@code Anna@bücher.example}.
     *
     * @throws IllegalArgumentException naming the address when it is not one
     */
    static String canonical(String email) {
        return email == null ? null : EmailAddresses.canonical(email);
    }

    /** The provider's bounce and complaint reports and the webhook messages they came in, on the same database. */
    BounceStore bounces() {
        return bounces;
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
