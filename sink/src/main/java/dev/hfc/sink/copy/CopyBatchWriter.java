package dev.hfc.sink.copy;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.JdbcSession;
import dev.hfc.sink.batch.DeadLetterSink;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.offset.SinkOffsets;
import dev.hfc.sink.outcome.TargetOutcomes;
import dev.hfc.sink.sql.SinkSql;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes one {@link SegmentBatch} into {@code rec_campaigns_weekly} in ONE transaction (§6): the
 * tombstoned keys are deleted (their end reasons recorded in {@code hfc_campaign_outcomes} first), the
 * upserts go in with COPY, and the next offset of every partition is stored in {@code hfc_sink_offsets},
 * so rows, outcomes and position commit together or not at all. Rows with
 * {@code campaign_sent = true} are never changed or deleted.
 *
 * <p>This class decides what happens in the transaction, and in which order; the parts are elsewhere: the
 * connection and the transaction in a {@link JdbcSession}, the COPY paths and the bisecting of refused
 * rows in {@link CopyUpsert}, the statements in {@link SinkSql}. The time each committed write spent in each phase
 * goes to the {@link WritePhaseRecorder} the writer is made with (the sink's metrics).
 */
public final class CopyBatchWriter implements BatchStore {

    /** What a batch did. */
    public record Result(long upserted, long deleted, List<SegmentBatch.Refused> refused, boolean direct) {}

    private final String groupId;
    private final String deleteSql;
    private final SinkOffsets offsets;
    private final TargetOutcomes outcomes;
    private final CopyUpsert copyUpsert;
    private final String progressSql;
    private final String leaveSql;
    /**
     * This writer's connection, each write in a transaction of its own: every new connection gets the staging table
     * {@link CopyUpsert} needs, and one that is lost is closed, for the retry to open another.
     */
    private final JdbcSession transactions;

    private final WritePhaseRecorder phases;

    /** @param phases told where the time of every committed write went (the sink's metrics) */
    public CopyBatchWriter(DbSettings db, String groupId, WritePhaseRecorder phases) {
        this.groupId = groupId;
        this.deleteSql = SinkSql.delete(db);
        this.progressSql = SinkSql.reportProgress(db);
        this.leaveSql = SinkSql.leave(db);
        this.offsets = new SinkOffsets(db);
        this.outcomes = new TargetOutcomes(db);
        this.copyUpsert = new CopyUpsert(db);
        this.transactions = JdbcSession.transactional(db, SinkSql.CREATE_STAGE);
        this.phases = phases;
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
    public Result write(SegmentBatch batch, Map<TopicPartition, Long> expected, DeadLetterSink dlq)
            throws SQLException {
        PhaseClock clock = new PhaseClock();
        Result result = transactions.inTransaction(c -> apply(c, batch, expected, dlq, clock));
        clock.committed(phases);
        return result;
    }

    /** Everything of one batch on {@code c}, in its transaction, up to the commit. */
    private Result apply(
            Connection c, SegmentBatch batch, Map<TopicPartition, Long> expected, DeadLetterSink dlq, PhaseClock clock)
            throws SQLException {
        List<SegmentBatch.Entry> upserts = new ArrayList<>();
        List<SegmentBatch.Entry> deletes = new ArrayList<>();
        for (SegmentBatch.Entry e : batch.entries()) {
            (e.isTombstone() ? deletes : upserts).add(e);
        }
        outcomes.record(c, deletes); // before the delete: the rows say which segment ended
        long deleted = deletes.isEmpty() ? 0 : delete(c, deletes);
        outcomes.clear(c, upserts);
        List<SegmentBatch.Refused> refused = new ArrayList<>(batch.refused());
        CopyUpsert.Outcome upserted = copyUpsert.upsert(c, upserts, refused, clock);
        if (expected != null) {
            checkPositions(c, batch.nextOffsets().keySet(), expected);
        }
        offsets.store(c, groupId, batch.nextOffsets());
        if (!refused.isEmpty()) {
            try {
                dlq.send(refused);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // a stop, not a failure of Kafka's: not retried
                throw new SQLException(
                        "interrupted while Kafka took " + refused.size() + " dead-letter record(s); batch rolled back",
                        e);
            } catch (Exception e) {
                throw new DeadLettersNotWrittenException(refused.size(), e);
            }
        }
        clock.committing();
        return new Result(upserted.rows(), deleted, refused, upserted.direct());
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
    private void checkPositions(
            Connection c, java.util.Set<TopicPartition> partitions, Map<TopicPartition, Long> expected)
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
    public Map<TopicPartition, Long> storedOffsets(java.util.Collection<TopicPartition> partitions)
            throws SQLException {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        return transactions.inTransaction(c -> offsets.read(c, groupId, partitions, false));
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
        transactions.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, groupId);
                ps.setString(2, member);
                if (withLag) {
                    ps.setObject(3, lagRecords, java.sql.Types.BIGINT);
                }
                return ps.executeUpdate();
            }
        });
    }

    /** The stored position of a partition is not where this instance left it. */
    public static final class PositionMovedException extends SQLException {
        public PositionMovedException(TopicPartition tp, Long expected, Long stored) {
            super(
                    "stored offset of " + tp + " is " + stored + ", expected " + expected
                            + ": another sink instance or a replay moved it; nothing was written",
                    "40001");
        }
    }

    /**
     * The batch's refused records could not be dead-lettered, so nothing of the batch was committed: worth a
     * retry (Kafka may be back), on the same connection (the database is fine). A dead letter Kafka took before
     * the failure is sent again by the retry: dead letters are at least once.
     */
    public static final class DeadLettersNotWrittenException extends SQLException {
        public DeadLettersNotWrittenException(int records, Exception cause) {
            super(records + " dead-letter record(s) could not be written; batch rolled back: " + cause, cause);
        }
    }

    @Override
    public void close() {
        transactions.close();
    }
}
