package dev.hfc.campaign.report;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
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
 * Did the win-back work: per target week and segment, who was targeted, emailed and held back, and who of
 * each group resumed delivery afterwards, from the campaign's tables and the outcomes the sink recorded.
 *
 * <p>Definitions (the README repeats them):
 * <ul>
 *   <li><b>targeted</b>: every (week, customer) that had a row, an outcome, a control record or a delivery;</li>
 *   <li><b>emailed</b>: a delivery is on record; <b>control</b>: held back and recorded;</li>
 *   <li><b>assigned</b>: a run claimed the target to email it ({@code hfc_campaign_assignments}, recorded as the
 *       control group is), whatever came of it; for targets sent before that table: emailed, refused at sending or
 *       deferred. The treatment arm of the comparison (intention to treat): the control group is
 *       fixed before sending and keeps its unreachable addresses, so the emailed arm must keep its own too;</li>
 *   <li><b>unsubscribed</b>: emailed, and opted out (by id or address) after the email;</li>
 *   <li><b>bounced</b>: the address was refused at sending, or the emailed message bounced (hard or soft);</li>
 *   <li><b>resumed</b>: the target ended with {@code resumed} after the email (emailed) or after being held
 *       back (control); a target that resumed and later paused again counts as paused;</li>
 *   <li><b>uplift</b>: resumed rate of the assigned minus that of the control, 95% CI by {@link Uplift} (intention to
 *       treat; the resumed rate of the emailed alone is shown beside it);</li>
 *   <li><b>median resume latency</b>: from the email to the resume, over the emailed who resumed.</li>
 * </ul>
 * The segment of a target is the one it was emailed or held back in, else its row's last one.
 */
public record CampaignReport(List<Line> lines) {

    /** One target week and segment. */
    public record Line(
            Week week,
            Segment segment,
            long targeted,
            long emailed,
            long control,
            long unsubscribed,
            long bounced,
            long resumedEmailed,
            long resumedControl,
            Double medianResumeSeconds,
            long assigned,
            long resumedAssigned) {

        /** Intention to treat: the assigned arm against the control group. */
        public Uplift uplift() {
            return Uplift.of(resumedAssigned, assigned, resumedControl, control);
        }

        public double assignedRate() {
            return assigned == 0 ? Double.NaN : (double) resumedAssigned / assigned;
        }

        public double emailedRate() {
            return emailed == 0 ? Double.NaN : (double) resumedEmailed / emailed;
        }

        public double controlRate() {
            return control == 0 ? Double.NaN : (double) resumedControl / control;
        }
    }

    public CampaignReport {
        lines = List.copyOf(lines);
    }

    /** The report of {@code week}, or of every week on record when null; weeks in order, segments low to high. */
    public static CampaignReport read(DbSettings db, Week week) throws SQLException {
        String rows = db.qualified(Tables.CAMPAIGN_TARGETS);
        String deliveries = db.qualified(Tables.CAMPAIGN_DELIVERIES);
        String control = db.qualified(Tables.CAMPAIGN_CONTROL);
        String outcomes = db.qualified(Tables.CAMPAIGN_OUTCOMES);
        String optouts = db.qualified(Tables.CAMPAIGN_OPTOUTS);
        String bounces = db.qualified(Tables.CAMPAIGN_BOUNCES);
        String suppressions = db.qualified(Tables.CAMPAIGN_SUPPRESSIONS);
        String deferrals = db.qualified(Tables.CAMPAIGN_DEFERRALS);
        String assignments = db.qualified(Tables.CAMPAIGN_ASSIGNMENTS);
        String inWeek = " WHERE (?::varchar IS NULL OR subscription_week = ?::varchar)";
        String sql = "WITH t AS ("
                + "SELECT subscription_week AS week, user_id FROM " + rows + inWeek
                + " UNION SELECT subscription_week, user_id FROM " + outcomes + inWeek
                + " UNION SELECT subscription_week, user_id FROM " + control + inWeek
                + " UNION SELECT subscription_week, user_id FROM " + deliveries + inWeek + "), "
                + "x AS (SELECT t.week, t.user_id, coalesce(d.segment, k.segment, r.segment, o.segment) AS segment, "
                + "coalesce(d.email, k.email, r.email) AS email, d.sent_at, d.message_id, k.held_at, o.outcome, o.outcome_at, "
                // When the campaign meant to email the target (not held back): sent, refused at sending, or deferred.
                + "CASE WHEN k.held_at IS NULL THEN coalesce((SELECT a.assigned_at FROM " + assignments + " a "
                + "  WHERE a.subscription_week = t.week AND a.user_id = t.user_id), d.sent_at, "
                + "  (SELECT min(s.rejected_at) FROM " + suppressions
                + " s WHERE s.subscription_week = t.week AND s.user_id = t.user_id), "
                + "  (SELECT f.first_deferred_at FROM " + deferrals
                + " f WHERE f.subscription_week = t.week AND f.user_id = t.user_id)) "
                + "END AS assigned_at "
                + "FROM t LEFT JOIN " + deliveries + " d ON d.subscription_week = t.week AND d.user_id = t.user_id "
                + "LEFT JOIN " + control + " k ON k.subscription_week = t.week AND k.user_id = t.user_id "
                + "LEFT JOIN " + rows + " r ON r.subscription_week = t.week AND r.user_id = t.user_id "
                + "LEFT JOIN " + outcomes + " o ON o.subscription_week = t.week AND o.user_id = t.user_id) "
                + "SELECT week, segment, count(*), count(sent_at), count(held_at), "
                + "count(*) FILTER (WHERE sent_at IS NOT NULL AND EXISTS (SELECT 1 FROM " + optouts + " p "
                + "  WHERE (p.user_id = x.user_id OR (p.user_id IS NULL AND p.email = x.email)) AND p.opted_out_at >= x.sent_at)), "
                + "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM " + suppressions
                + " s WHERE s.subscription_week = x.week "
                + "  AND s.user_id = x.user_id) OR (x.message_id IS NOT NULL AND EXISTS (SELECT 1 FROM " + bounces
                + " b "
                + "  WHERE b.type IN ('hard', 'soft') AND trim(both '<>' from b.message_id) = trim(both '<>' from x.message_id)))), "
                + "count(*) FILTER (WHERE sent_at IS NOT NULL AND outcome = 'resumed' AND outcome_at >= sent_at), "
                + "count(*) FILTER (WHERE held_at IS NOT NULL AND outcome = 'resumed' AND outcome_at >= held_at), "
                + "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM outcome_at - sent_at)) "
                + "  FILTER (WHERE sent_at IS NOT NULL AND outcome = 'resumed' AND outcome_at >= sent_at), "
                + "count(assigned_at), count(*) FILTER (WHERE assigned_at IS NOT NULL AND outcome = 'resumed' AND outcome_at >= assigned_at) "
                + "FROM x GROUP BY week, segment "
                + "ORDER BY week, array_position(ARRAY['low', 'medium', 'high']::varchar[], segment)";
        List<Line> lines = new ArrayList<>();
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(sql)) {
            String label = week == null ? null : week.toString();
            for (int i = 1; i <= 8; i++) {
                ps.setString(i, label);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String label1 = rs.getString(1);
                    String wire = rs.getString(2);
                    Segment segment = Segment.fromWire(wire)
                            .orElseThrow(() -> new SQLException(
                                    "a target of " + label1 + " has an unknown segment '" + wire + "'", "22000"));
                    double median = rs.getDouble(10);
                    Double latency = rs.wasNull() ? null : median;
                    lines.add(new Line(
                            Week.parse(label1),
                            segment,
                            rs.getLong(3),
                            rs.getLong(4),
                            rs.getLong(5),
                            rs.getLong(6),
                            rs.getLong(7),
                            rs.getLong(8),
                            rs.getLong(9),
                            latency,
                            rs.getLong(11),
                            rs.getLong(12)));
                }
            }
        }
        return new CampaignReport(lines);
    }
}
