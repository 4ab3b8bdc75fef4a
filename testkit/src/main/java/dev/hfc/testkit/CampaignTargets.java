package dev.hfc.testkit;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.UUID;

/**
 * Rows of the campaign table written straight, as the sink writes them: where the campaign's tests start. One
 * statement, so that a change to the table's columns is made once for every test.
 */
public final class CampaignTargets {

    private CampaignTargets() {}

    /** One target row, not sent, of a new subscription. */
    public static void insert(DbSettings db, Week week, UUID user, String email, Segment segment, Integer pauseWeeks)
            throws SQLException {
        insert(db, week, user, email, segment, pauseWeeks, false);
    }

    /** One target row of a new subscription; {@code sent} marks it sent already. */
    public static void insert(
            DbSettings db, Week week, UUID user, String email, Segment segment, Integer pauseWeeks, boolean sent)
            throws SQLException {
        // The table is schema's Tables.CAMPAIGN_TARGETS, spelled out: schema's tests depend on the testkit.
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + db.qualified("rec_campaigns_weekly")
                        + " (user_id, email, segment, campaign_sent, subscription_week, subscription_id, pause_weeks) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, user);
            ps.setString(2, email);
            ps.setString(3, segment.wire());
            ps.setBoolean(4, sent);
            ps.setString(5, week.toString());
            ps.setObject(6, UUID.randomUUID());
            ps.setObject(7, pauseWeeks, Types.INTEGER);
            ps.executeUpdate();
        }
    }
}
