package db.output;

import dev.hfc.core.email.EmailAddresses;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Rewrites the addresses the campaign sender compares (opt-outs, suppressions, bounce reports, deliveries)
 * into their canonical form ({@link EmailAddresses#canonical}): before, {@code Jamie@X.com} and
 * {@code jamie@x.com}, or {@code anna@bücher.example} and {@code anna@xn--bcher-kva.example}, were different
 * people. Where two rows become one (a unique key), the one already in canonical form, or else the first, is
 * kept. A value that is no address at all is left as it is. Java, because IDNA is not in SQL.
 */
public class V12__canonical_addresses extends BaseJavaMigration {

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        // Plain column, no unique key: rewrite in place.
        rewrite(c, "hfc_campaign_deliveries", "ctid::text", null);
        // Unique on email: a row that would duplicate the canonical one goes.
        rewrite(
                c,
                "hfc_campaign_suppressions",
                "ctid::text",
                "SELECT 1 FROM hfc_campaign_suppressions WHERE email = ?");
        // Unique on email among the rows without a user; rows with a user only carry the address along.
        rewrite(
                c,
                "hfc_campaign_optouts",
                "id::text",
                "SELECT 1 FROM hfc_campaign_optouts o, hfc_campaign_optouts me WHERE me.id = ?::bigint AND me.user_id IS NULL "
                        + "AND o.user_id IS NULL AND o.email = ?");
        // Unique on (email, type, message id, event id).
        rewrite(
                c,
                "hfc_campaign_bounces",
                "id::text",
                "SELECT 1 FROM hfc_campaign_bounces b, hfc_campaign_bounces me WHERE me.id = ?::bigint AND b.email = ? "
                        + "AND b.type = me.type AND COALESCE(b.message_id, '') = COALESCE(me.message_id, '') "
                        + "AND COALESCE(b.event_id, '') = COALESCE(me.event_id, '')");
    }

    private record Row(String key, String email, String canonical) {}

    /**
     * @param clash null when the column has no unique key; otherwise a query that finds the row a rewrite would
     *              collide with, given the row's key (when it has two parameters) and the canonical address
     */
    private static void rewrite(Connection c, String table, String keyExpr, String clash) throws SQLException {
        List<Row> changed = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT " + keyExpr + ", email FROM " + table + " WHERE email IS NOT NULL")) {
            while (rs.next()) {
                String email = rs.getString(2);
                Optional<String> canonical = EmailAddresses.tryCanonical(email);
                if (canonical.isPresent() && !canonical.get().equals(email)) {
                    changed.add(new Row(rs.getString(1), email, canonical.get()));
                }
            }
        }
        String keyColumn = keyExpr.startsWith("ctid") ? "ctid" : "id";
        String keyCast = keyColumn.equals("ctid") ? "?::tid" : "?::bigint";
        try (PreparedStatement update =
                        c.prepareStatement("UPDATE " + table + " SET email = ? WHERE " + keyColumn + " = " + keyCast);
                PreparedStatement delete =
                        c.prepareStatement("DELETE FROM " + table + " WHERE " + keyColumn + " = " + keyCast);
                PreparedStatement exists = clash == null ? null : c.prepareStatement(clash)) {
            for (Row row : changed) {
                boolean collides = false;
                if (exists != null) {
                    int p = 1;
                    if (exists.getParameterMetaData().getParameterCount() == 2) {
                        exists.setString(p++, row.key());
                    }
                    exists.setString(p, row.canonical());
                    try (ResultSet rs = exists.executeQuery()) {
                        collides = rs.next();
                    }
                }
                PreparedStatement ps = collides ? delete : update;
                if (collides) {
                    ps.setString(1, row.key());
                } else {
                    ps.setString(1, row.canonical());
                    ps.setString(2, row.key());
                }
                ps.executeUpdate();
            }
        }
    }
}
