package dev.hfc.sink.outcome;

import dev.hfc.core.config.DbSettings;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.sql.SinkSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.UUID;

/**
 * How targets ended, in {@code hfc_campaign_outcomes}: written by the sink in the transaction of the batch
 * that carries the segmenter's tombstones, from the tombstone's end reason and timestamp, so it needs nothing
 * from the source database. Only targets that have a row in {@code rec_campaigns_weekly} get an outcome (the
 * row gives the segment); the row itself is not touched here. A key that is a target again (an upsert) loses
 * its outcome: until it ends again, it is paused.
 */
public final class TargetOutcomes {

    private final String recordSql;
    private final String clearSql;

    public TargetOutcomes(DbSettings db) {
        this.recordSql = SinkSql.recordOutcomes(db);
        this.clearSql = SinkSql.clearOutcomes(db);
    }

    /** Records the outcome of every tombstone in {@code ended} whose key has a row; call before the rows are deleted. */
    public int record(Connection c, List<SegmentBatch.Entry> ended) throws SQLException {
        if (ended.isEmpty()) {
            return 0;
        }
        int n = ended.size();
        String[] weeks = new String[n];
        UUID[] users = new UUID[n];
        String[] reasons = new String[n];
        Timestamp[] at = new Timestamp[n];
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            SegmentBatch.Entry e = ended.get(i);
            weeks[i] = e.key().week().toString();
            users[i] = e.key().userId();
            reasons[i] = e.endReason().wire();
            at[i] = new Timestamp(e.source().timestampMs() > 0 ? e.source().timestampMs() : now);
        }
        try (PreparedStatement ps = c.prepareStatement(recordSql)) {
            ps.setArray(1, c.createArrayOf("varchar", weeks));
            ps.setArray(2, c.createArrayOf("uuid", users));
            ps.setArray(3, c.createArrayOf("varchar", reasons));
            ps.setArray(4, c.createArrayOf("timestamptz", at));
            return ps.executeUpdate();
        }
    }

    /** Forgets the outcome of every key in {@code targeted} (each is a target again). */
    public void clear(Connection c, List<SegmentBatch.Entry> targeted) throws SQLException {
        if (targeted.isEmpty()) {
            return;
        }
        String[] weeks = new String[targeted.size()];
        UUID[] users = new UUID[targeted.size()];
        for (int i = 0; i < weeks.length; i++) {
            weeks[i] = targeted.get(i).key().week().toString();
            users[i] = targeted.get(i).key().userId();
        }
        try (PreparedStatement ps = c.prepareStatement(clearSql)) {
            ps.setArray(1, c.createArrayOf("varchar", weeks));
            ps.setArray(2, c.createArrayOf("uuid", users));
            ps.executeUpdate();
        }
    }
}
