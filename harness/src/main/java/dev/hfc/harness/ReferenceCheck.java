package dev.hfc.harness;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks {@code rec_campaigns_weekly} against an independent computation in SQL over the source tables:
 * window functions over ISO-week dates (gaps and islands), not the Java segmentation code. Compared for
 * every target week from {@code from} on (earlier weeks are pruned by the segmenter and are history).
 */
public final class ReferenceCheck {

    /** The result: how many rows each side has, and the first differences. */
    public record Outcome(
            long expectedRows, long actualRows, long missing, long unexpected, List<String> firstDifferences) {
        public boolean matches() {
            return differences() == 0;
        }

        /** Reference rows the table lacks or has with other values, plus table rows the reference does not have. */
        public long differences() {
            return missing + unexpected;
        }
    }

    private ReferenceCheck() {}

    /** The reference rows: (week, user_id, email, segment, subscription_id, pause_weeks) of every customer that should be targeted. */
    public static String referenceSql(DbSettings db) {
        String sub = db.qualified(Tables.SUBSCRIPTION);
        String customer = db.qualified(Tables.CUSTOMER);
        return """
            WITH s AS (
                SELECT user_id, subscription_id, status, to_date(subscription_week, 'IYYY-"W"IW') AS monday
                FROM %1$s WHERE subscription_week ~ '^[0-9]{4}-W[0-9]{2}$'
            ),
            targets AS (
                SELECT user_id, monday AS target, subscription_id FROM s
                WHERE status = 'paused' AND monday >= to_date(?, 'IYYY-"W"IW')
            ),
            horizon AS (
                SELECT t.user_id, t.target, t.subscription_id, g.k,
                       coalesce(x.status = 'paused', false) AS paused
                FROM targets t
                CROSS JOIN generate_series(0, ? - 1) AS g(k)
                LEFT JOIN s x ON x.user_id = t.user_id AND x.monday = t.target + 7 * g.k
            ),
            islands AS (
                SELECT user_id, target, subscription_id, paused,
                       k - row_number() OVER (PARTITION BY user_id, target, paused ORDER BY k) AS island
                FROM horizon
            ),
            longest AS (
                SELECT user_id, target, subscription_id, max(run) AS pause_weeks
                FROM (SELECT user_id, target, subscription_id, island, count(*) AS run
                      FROM islands WHERE paused GROUP BY user_id, target, subscription_id, island) r
                GROUP BY user_id, target, subscription_id
            )
            SELECT to_char(l.target, 'IYYY-"W"IW') AS week, l.user_id, c.email,
                   CASE WHEN l.pause_weeks >= ? THEN 'high' WHEN l.pause_weeks >= ? THEN 'medium' ELSE 'low' END AS segment,
                   l.subscription_id, l.pause_weeks::smallint AS pause_weeks
            FROM longest l JOIN %2$s c ON c.user_id = l.user_id
            WHERE c.email ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'
            """.formatted(sub, customer);
    }

    public static Outcome check(DbSettings db, SegmentPolicy policy, Week from) throws SQLException {
        return check(db, policy, from, false, List.of());
    }

    /**
     * As {@link #check(DbSettings, SegmentPolicy, Week)}, with two allowances for tests that also write to
     * the table or the topics themselves.
     *
     * @param keepSent      rows marked sent are history (§4): they are left out on both sides, so a sent row
     *                      whose customer has since changed is not a difference
     * @param foreignUsers  users that exist only in records written straight into the topics (not in the
     *                      source tables); their rows are left out
     */
    public static Outcome check(
            DbSettings db, SegmentPolicy policy, Week from, boolean keepSent, List<java.util.UUID> foreignUsers)
            throws SQLException {
        String table = db.qualified(Tables.CAMPAIGN_TARGETS);
        String sentKeys = "SELECT 1 FROM " + table
                + " k WHERE k.campaign_sent AND k.subscription_week = r.week AND k.user_id = r.user_id";
        String sql = "WITH ref AS (SELECT * FROM (" + referenceSql(db) + ") r"
                + (keepSent ? " WHERE NOT EXISTS (" + sentKeys + ")" : "") + "), "
                + "act AS (SELECT subscription_week AS week, user_id, email, segment, subscription_id, pause_weeks FROM "
                + table
                + " WHERE subscription_week >= ? AND user_id <> ALL (?)" + (keepSent ? " AND NOT campaign_sent" : "")
                + "), "
                + "missing AS (SELECT 'missing' AS kind, * FROM (SELECT * FROM ref EXCEPT SELECT * FROM act) m), "
                + "extra AS (SELECT 'unexpected' AS kind, * FROM (SELECT * FROM act EXCEPT SELECT * FROM ref) e) "
                + "SELECT (SELECT count(*) FROM ref), (SELECT count(*) FROM act), "
                + "(SELECT count(*) FROM missing), (SELECT count(*) FROM extra), "
                + "(SELECT string_agg(kind || ' ' || week || ' ' || user_id || ' ' || segment || ' ' || coalesce(pause_weeks::text, '?') || 'w <' || email || '>', E'\\n') "
                + " FROM (SELECT * FROM missing UNION ALL SELECT * FROM extra ORDER BY 3, 2 LIMIT 10) d)";
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, from.toString());
            ps.setInt(2, policy.horizonWeeks());
            ps.setInt(3, policy.highFromWeeks());
            ps.setInt(4, policy.mediumFromWeeks());
            ps.setString(5, from.toString());
            ps.setArray(6, c.createArrayOf("uuid", foreignUsers.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String diffs = rs.getString(5);
                List<String> first = diffs == null ? List.of() : new ArrayList<>(List.of(diffs.split("\n")));
                return new Outcome(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), first);
            }
        }
    }
}
