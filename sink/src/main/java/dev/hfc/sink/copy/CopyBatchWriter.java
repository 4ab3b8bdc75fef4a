package dev.hfc.sink.copy;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.schema.Database;
import dev.hfc.sink.batch.DeadLetterSink;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.offset.SinkOffsets;
import dev.hfc.sink.outcome.TargetOutcomes;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one {@link SegmentBatch} into {@code rec_campaigns_weekly} in ONE transaction (§6): the
 * tombstoned keys are deleted (their end reasons recorded in {@code hfc_campaign_outcomes} first), the
 * upserts go in with COPY, and the next offset of every partition is stored in {@code hfc_sink_offsets},
 * so rows, outcomes and position commit together or not at all. Rows with
 * {@code campaign_sent = true} are never changed or deleted.
 *
 * <p>Upserts take one of two paths:
 * <ul>
 *   <li><b>direct</b>: COPY straight into the table, inside a savepoint. When every key is new (the common
 *       case for a fresh week) this is as fast as a bare COPY. Which path a batch takes is decided by
 *       probing a small sample of its keys: if any exists, the batch is taken to hold updates and goes
 *       to staging at once, so an update-heavy stream never ships a batch twice. If the sample missed an
 *       existing key, the unique-key conflict rolls back to the savepoint and the batch goes to staging.</li>
 *   <li><b>staging</b>: COPY into a temporary table, then ONE {@code INSERT … SELECT … ON CONFLICT DO UPDATE}
 *       that changes only unsent rows whose values differ.</li>
 * </ul>
 * A row Postgres refuses for its content (a data or constraint error) is isolated by bisecting the batch
 * within savepoints; it goes to the dead-letter topic and the rest is written.
 *
 * <p>New rows get time-ordered (version 7) UUIDs as primary keys: consecutive inserts touch the same
 * right-hand index pages instead of random ones.
 */
public final class CopyBatchWriter implements BatchStore {

    private static final Logger LOG = LoggerFactory.getLogger(CopyBatchWriter.class);
    private static final String STAGE = "pg_temp.hfc_sink_stage";
    /** Keys of a batch probed to choose its path; a handful of index look-ups, against thousands saved. */
    static final int PROBE_SAMPLE = 16;

    /** What a batch did, and where its time went (nanoseconds: COPY, upsert statement, the rest, commit). */
    public record Result(long upserted, long deleted, List<SegmentBatch.Refused> refused, boolean direct,
                         long copyNanos, long upsertNanos, long otherNanos, long commitNanos) {}

    private final DbSettings db;
    private final String groupId;
    private final CopyFormat format;
    private final String table;
    private final String upsertSql;
    private final String deleteSql;
    private final SinkOffsets offsets;
    private final TargetOutcomes outcomes;
    private final String copyDirectSql;
    private final String copyStageSql;
    private final TimeBasedEpochGenerator ids = Generators.timeBasedEpochGenerator();
    private final String probeSql;
    private final String progressSql;
    private final String leaveSql;
    private Connection connection;
    /** The staging table is emptied by every commit (ON COMMIT DELETE ROWS); within one it may hold rows. */
    private boolean stageHoldsRows;
    private long copyNanos;
    private long upsertNanos;

    public CopyBatchWriter(DbSettings db, String groupId, CopyFormat format) {
        this.db = db;
        this.groupId = groupId;
        this.format = format;
        this.table = db.qualified("rec_campaigns_weekly");
        this.copyDirectSql = "COPY " + table + " (" + CopyRows.COLUMNS + ") FROM STDIN WITH " + format.option();
        this.copyStageSql = "COPY " + STAGE + " (" + CopyRows.COLUMNS + ") FROM STDIN WITH " + format.option();
        this.upsertSql = "INSERT INTO " + table + " AS t (" + CopyRows.COLUMNS + ") "
                + "SELECT " + CopyRows.COLUMNS + " FROM " + STAGE + " "
                // Applying the rows in index order makes the key look-ups walk the index instead of
                // jumping around it.
                + "ORDER BY subscription_week, user_id "
                + "ON CONFLICT (subscription_week, user_id) DO UPDATE "
                + "SET " + CopyRows.UPDATE_SET + " "
                + "WHERE NOT t.campaign_sent AND " + CopyRows.VALUES_DIFFER;
        this.probeSql = "SELECT EXISTS (SELECT 1 FROM " + table + " AS t, unnest(?::varchar[], ?::uuid[]) AS k(week, user_id) "
                + "WHERE t.subscription_week = k.week AND t.user_id = k.user_id)";
        this.deleteSql = "DELETE FROM " + table + " AS t USING unnest(?::varchar[], ?::uuid[]) AS d(week, user_id) "
                + "WHERE t.subscription_week = d.week AND t.user_id = d.user_id AND NOT t.campaign_sent";
        this.progressSql = "INSERT INTO " + db.qualified("hfc_sink_progress") + " (group_id, member, lag_records) VALUES (?, ?, ?) "
                + "ON CONFLICT (group_id, member) DO UPDATE SET lag_records = EXCLUDED.lag_records, updated_at = now()";
        this.leaveSql = "DELETE FROM " + db.qualified("hfc_sink_progress") + " WHERE group_id = ? AND member = ?";
        this.offsets = new SinkOffsets(db);
        this.outcomes = new TargetOutcomes(db);
    }

    /**
     * Writes the batch and its offsets in one transaction; refused records are handed to {@code dlq}
     * before the commit.
     *
     * @throws SQLException when the database cannot be reached or fails otherwise; nothing is committed
     */
    public Result write(SegmentBatch batch, DeadLetterSink dlq) throws SQLException {
        return write(batch, null, dlq);
    }

    /**
     * As {@link #write(SegmentBatch, DeadLetterSink)}, but only if the stored offsets of the batch's
     * partitions are still {@code expected} (null: no stored offset yet), checked under row locks in the
     * same transaction. Another instance that took the partitions over, or a replay that rewrote them, makes
     * this throw {@link PositionMovedException} and commit nothing: a zombie never overwrites the new owner.
     *
     * @param expected the positions this instance last read or wrote, or null to skip the check
     */
    @Override
    public Result write(SegmentBatch batch, Map<TopicPartition, Long> expected, DeadLetterSink dlq) throws SQLException {
        long begin = System.nanoTime();
        copyNanos = 0;
        upsertNanos = 0;
        Connection c = connection();
        stageHoldsRows = false;
        try {
            List<SegmentBatch.Entry> upserts = new ArrayList<>();
            List<SegmentBatch.Entry> deletes = new ArrayList<>();
            for (SegmentBatch.Entry e : batch.entries()) {
                (e.isTombstone() ? deletes : upserts).add(e);
            }
            outcomes.record(c, deletes); // before the delete: the rows say which segment ended
            long deleted = deletes.isEmpty() ? 0 : delete(c, deletes);
            outcomes.clear(c, upserts);
            List<SegmentBatch.Refused> refused = new ArrayList<>(batch.refused());
            long upserted = 0;
            boolean direct = false;
            if (!upserts.isEmpty()) {
                List<CopyRows.Row> rows = new ArrayList<>(upserts.size());
                for (SegmentBatch.Entry e : upserts) {
                    rows.add(new CopyRows.Row(ids.generate(), e.value()));
                }
                Long copied = anyExists(c, upserts) ? null : tryDirect(c, rows);
                if (copied != null) {
                    upserted = copied;
                    direct = true;
                } else {
                    upserted = upsertIsolating(c, upserts, rows, refused);
                }
            }
            if (expected != null) {
                checkPositions(c, batch.nextOffsets().keySet(), expected);
            }
            offsets.store(c, groupId, batch.nextOffsets());
            if (!refused.isEmpty()) {
                try {
                    dlq.send(refused);
                } catch (Exception e) {
                    throw new SQLException("dead-letter records could not be written; batch rolled back: " + e, "08000", e);
                }
            }
            long beforeCommit = System.nanoTime();
            c.commit();
            long end = System.nanoTime();
            return new Result(upserted, deleted, refused, direct, copyNanos, upsertNanos,
                    beforeCommit - begin - copyNanos - upsertNanos, end - beforeCommit);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            if (e instanceof SQLException sql && !(e instanceof PositionMovedException) && Database.isConnectionFailure(sql)) {
                closeQuietly();
            }
            throw e;
        }
    }

    /** COPY straight into the table; null when a key already exists (the savepoint is rolled back). */
    private Long tryDirect(Connection c, List<CopyRows.Row> rows) throws SQLException {
        Savepoint savepoint = c.setSavepoint();
        try {
            long copied = copy(c, copyDirectSql, rows);
            c.releaseSavepoint(savepoint);
            return copied;
        } catch (SQLException e) {
            c.rollback(savepoint);
            if (!"23505".equals(e.getSQLState()) && !isContentError(e)) {
                throw e;
            }
            return null; // a key exists after all, or a row is refused: the staging path handles both
        }
    }

    /** Whether any of an evenly spread sample of the batch's keys is already in the table. */
    private boolean anyExists(Connection c, List<SegmentBatch.Entry> upserts) throws SQLException {
        int n = Math.min(PROBE_SAMPLE, upserts.size());
        String[] weeks = new String[n];
        UUID[] users = new UUID[n];
        for (int i = 0; i < n; i++) {
            SegmentBatch.Entry e = upserts.get((int) ((long) i * upserts.size() / n));
            weeks[i] = e.key().week().toString();
            users[i] = e.key().userId();
        }
        try (PreparedStatement ps = c.prepareStatement(probeSql)) {
            ps.setArray(1, c.createArrayOf("varchar", weeks));
            ps.setArray(2, c.createArrayOf("uuid", users));
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Staging COPY and set-based upsert; rows Postgres refuses are bisected out into {@code refused}. */
    private long upsertIsolating(Connection c, List<SegmentBatch.Entry> entries, List<CopyRows.Row> rows,
                                 List<SegmentBatch.Refused> refused) throws SQLException {
        Savepoint savepoint = c.setSavepoint();
        try {
            long n = upsertViaStage(c, rows);
            c.releaseSavepoint(savepoint);
            return n;
        } catch (SQLException e) {
            if (!isContentError(e)) {
                throw e;
            }
            c.rollback(savepoint);
            if (rows.size() == 1) {
                SegmentBatch.Entry entry = entries.get(0);
                LOG.warn("sink: {}-{}@{} (key {}) refused by PostgreSQL: {}", entry.source().topic(),
                        entry.source().partition(), entry.source().offset(), entry.key(), e.getMessage());
                refused.add(new SegmentBatch.Refused(entry.source(), new Rejection(RejectReason.REJECTED_BY_DATABASE,
                        "PostgreSQL refused the row (SQLSTATE " + e.getSQLState() + "): " + e.getMessage())));
                return 0;
            }
            int half = rows.size() / 2;
            return upsertIsolating(c, entries.subList(0, half), rows.subList(0, half), refused)
                    + upsertIsolating(c, entries.subList(half, rows.size()), rows.subList(half, rows.size()), refused);
        }
    }

    private long upsertViaStage(Connection c, List<CopyRows.Row> rows) throws SQLException {
        if (stageHoldsRows) { // a bisect step after a successful one, in the same transaction
            try (Statement s = c.createStatement()) {
                s.execute("DELETE FROM " + STAGE);
            }
        }
        copy(c, copyStageSql, rows);
        stageHoldsRows = true;
        long start = System.nanoTime();
        try (Statement s = c.createStatement()) {
            return s.executeLargeUpdate(upsertSql);
        } finally {
            upsertNanos += System.nanoTime() - start;
        }
    }

    private long copy(Connection c, String sql, List<CopyRows.Row> rows) throws SQLException {
        long start = System.nanoTime();
        try {
            return copyRows(c, sql, rows);
        } finally {
            copyNanos += System.nanoTime() - start;
        }
    }

    private long copyRows(Connection c, String sql, List<CopyRows.Row> rows) throws SQLException {
        byte[] bytes = CopyRows.encode(format, rows);
        CopyManager copyApi = c.unwrap(PGConnection.class).getCopyAPI();
        CopyIn in = copyApi.copyIn(sql);
        try {
            in.writeToCopy(bytes, 0, bytes.length);
            return in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private long delete(Connection c, List<SegmentBatch.Entry> deletes) throws SQLException {
        String[] weeks = new String[deletes.size()];
        UUID[] users = new UUID[deletes.size()];
        for (int i = 0; i < weeks.length; i++) {
            weeks[i] = deletes.get(i).key().week().toString();
            users[i] = deletes.get(i).key().userId();
        }
        try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
            Array w = c.createArrayOf("varchar", weeks);
            Array u = c.createArrayOf("uuid", users);
            ps.setArray(1, w);
            ps.setArray(2, u);
            return ps.executeLargeUpdate();
        }
    }

    /**
     * Locks the stored offsets of the batch's partitions, and only those: the other consumers of the group
     * own the other partitions and write at the same time. Locked in (topic, partition) order, as the
     * offsets are written, so two writers that briefly overlap during a rebalance wait instead of
     * deadlocking.
     */
    private void checkPositions(Connection c, java.util.Set<TopicPartition> partitions, Map<TopicPartition, Long> expected)
            throws SQLException {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> stored = offsets.read(c, groupId, partitions, true);
        for (TopicPartition tp : SinkOffsets.sorted(partitions)) {
            if (!java.util.Objects.equals(stored.get(tp), expected.get(tp))) {
                throw new PositionMovedException(tp, expected.get(tp), stored.get(tp));
            }
        }
    }

    /**
     * The stored next offsets of {@code partitions} (absent: never written), read on this writer's connection
     * without locking: what a consumer seeks to, and what it compares its positions with while idle.
     */
    @Override
    public Map<TopicPartition, Long> storedOffsets(java.util.Collection<TopicPartition> partitions) throws SQLException {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Connection c = connection();
        try {
            Map<TopicPartition, Long> stored = offsets.read(c, groupId, partitions, false);
            c.commit();
            return stored;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            if (e instanceof SQLException sql && Database.isConnectionFailure(sql)) {
                closeQuietly();
            }
            throw e;
        }
    }

    @Override
    public void reportProgress(String member, Long lagRecords) throws SQLException {
        progress(progressSql, member, true, lagRecords);
    }

    @Override
    public void leave(String member) throws SQLException {
        progress(leaveSql, member, false, null);
    }

    /** Runs one progress statement on this writer's connection: group and member, then the lag if {@code withLag}. */
    private void progress(String sql, String member, boolean withLag, Long lagRecords) throws SQLException {
        Connection c = connection();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, groupId);
            ps.setString(2, member);
            if (withLag) {
                ps.setObject(3, lagRecords, java.sql.Types.BIGINT);
            }
            ps.executeUpdate();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            if (e instanceof SQLException failure && Database.isConnectionFailure(failure)) {
                closeQuietly();
            }
            throw e;
        }
    }

    /** The stored position of a partition is not where this instance left it. */
    public static final class PositionMovedException extends SQLException {
        public PositionMovedException(TopicPartition tp, Long expected, Long stored) {
            super("stored offset of " + tp + " is " + stored + ", expected " + expected
                    + ": another sink instance or a replay moved it; nothing was written", "40001");
        }
    }

    /** A data or integrity error caused by a row's content, as opposed to a broken connection or a bug. */
    static boolean isContentError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection c = Database.connect(db);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS hfc_sink_stage (id uuid, user_id uuid, email varchar(64), "
                        + "segment varchar(16), subscription_week varchar(8), subscription_id uuid, pause_weeks smallint) "
                        + "ON COMMIT DELETE ROWS");
            }
            c.commit();
            connection = c;
        }
        return connection;
    }

    private void rollbackQuietly(Connection c, Exception cause) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private void closeQuietly() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            LOG.debug("closing a broken connection failed", e);
        }
        connection = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
