package dev.hfc.campaign.send;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Whether {@code rec_campaigns_weekly} is current, from the progress the sink's consumers publish in
 * {@code hfc_sink_progress}: a sent row is history and cannot be taken back, so the sender must not send
 * from a table that is behind its topic (a sink that is down or catching up, a replay rewriting it).
 * Current means: at least one consumer reported within {@code maxLag}, and every consumer that did has
 * nothing of its partitions left to write. A consumer whose row is older than that is gone (killed); its
 * partitions went to the others, whose lag covers them.
 */
final class SinkFreshness {

    /** What one look found: current or not, and why not. */
    record Look(boolean current, String why) {}

    private final String sql;
    private final Duration maxLag;

    SinkFreshness(DbSettings db, Duration maxLag) {
        this.maxLag = maxLag;
        this.sql = "SELECT count(*), count(*) FILTER (WHERE lag_records IS NULL), COALESCE(sum(lag_records), 0) FROM "
                + db.qualified(Tables.SINK_PROGRESS) + " WHERE updated_at > now() - make_interval(secs => ?)";
    }

    Look look(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setDouble(1, maxLag.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long live = rs.getLong(1);
                long unknown = rs.getLong(2);
                long behind = rs.getLong(3);
                if (live == 0) {
                    return new Look(
                            false,
                            "no sink consumer reported progress in the last " + maxLag.toMillis()
                                    + " ms (is the sink running against this schema?)");
                }
                if (unknown > 0 || behind > 0) {
                    return new Look(
                            false,
                            "the sink has " + behind + " records of its topic not yet in the table"
                                    + (unknown > 0 ? " (" + unknown + " consumer(s) do not know their lag yet)" : ""));
                }
                return new Look(true, "");
            }
        }
    }
}
