package dev.hfc.sink.copy;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.sql.SinkSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upserts of one batch into {@code rec_campaigns_weekly}, within the batch's transaction, which it neither
 * begins nor ends. Upserts take one of two paths:
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
 * within savepoints; it is handed back as refused, for the dead-letter topic, and the rest is written.
 *
 * <p>New rows get time-ordered (version 7) UUIDs as primary keys: consecutive inserts touch the same
 * right-hand index pages instead of random ones.
 */
final class CopyUpsert {

    private static final Logger LOG = LoggerFactory.getLogger(CopyUpsert.class);
    /** Keys of a batch probed to choose its path; a handful of index look-ups, against thousands saved. */
    static final int PROBE_SAMPLE = 16;

    /** What the upserts of a batch did: rows inserted or changed, and whether they went straight into the table. */
    record Outcome(long rows, boolean direct) {}

    private final String copyDirectSql;
    private final String copyStageSql;
    private final String upsertSql;
    private final String probeSql;
    private final TimeBasedEpochGenerator ids = Generators.timeBasedEpochGenerator();

    CopyUpsert(DbSettings db) {
        this.copyDirectSql = SinkSql.copy(db.qualified(SinkSql.TARGET_TABLE), CopyRows.FORMAT_OPTION);
        this.copyStageSql = SinkSql.copy(SinkSql.STAGE, CopyRows.FORMAT_OPTION);
        this.upsertSql = SinkSql.upsertFromStage(db);
        this.probeSql = SinkSql.probe(db);
    }

    /**
     * Writes {@code upserts} on {@code c}, in its transaction; the rows Postgres refuses are added to
     * {@code refused}, and the time spent in COPY and in the upsert statement to {@code clock}.
     */
    Outcome upsert(Connection c, List<SegmentBatch.Entry> upserts, List<SegmentBatch.Refused> refused, PhaseClock clock)
            throws SQLException {
        if (upserts.isEmpty()) {
            return new Outcome(0, false);
        }
        List<CopyRows.Row> rows = new ArrayList<>(upserts.size());
        for (SegmentBatch.Entry e : upserts) {
            rows.add(new CopyRows.Row(ids.generate(), e.value()));
        }
        Long copied = anyExists(c, upserts) ? null : tryDirect(c, rows, clock);
        if (copied != null) {
            return new Outcome(copied, true);
        }
        return new Outcome(new Staging(c, clock).upsertIsolating(upserts, rows, refused), false);
    }

    /** COPY straight into the table; null when a key already exists (the savepoint is rolled back). */
    private Long tryDirect(Connection c, List<CopyRows.Row> rows, PhaseClock clock) throws SQLException {
        Savepoint savepoint = c.setSavepoint();
        try {
            long copied = copy(c, copyDirectSql, rows, clock);
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

    private long copy(Connection c, String sql, List<CopyRows.Row> rows, PhaseClock clock) throws SQLException {
        long start = System.nanoTime();
        try {
            return copyRows(c, sql, rows);
        } finally {
            clock.copied(start);
        }
    }

    private long copyRows(Connection c, String sql, List<CopyRows.Row> rows) throws SQLException {
        byte[] bytes = CopyRows.encode(rows);
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

    /** A data or integrity error caused by a row's content, as opposed to a broken connection or a bug. */
    static boolean isContentError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** The staging path of one batch, with what it knows of the staging table within the transaction. */
    private final class Staging {
        private final Connection c;
        private final PhaseClock clock;
        /** The staging table is emptied by every commit (ON COMMIT DELETE ROWS); within one it may hold rows. */
        private boolean stageHoldsRows;

        Staging(Connection c, PhaseClock clock) {
            this.c = c;
            this.clock = clock;
        }

        /** Staging COPY and set-based upsert; rows Postgres refuses are bisected out into {@code refused}. */
        long upsertIsolating(
                List<SegmentBatch.Entry> entries, List<CopyRows.Row> rows, List<SegmentBatch.Refused> refused)
                throws SQLException {
            Savepoint savepoint = c.setSavepoint();
            try {
                long n = upsertViaStage(rows);
                c.releaseSavepoint(savepoint);
                return n;
            } catch (SQLException e) {
                if (!isContentError(e)) {
                    throw e;
                }
                c.rollback(savepoint);
                if (rows.size() == 1) {
                    SegmentBatch.Entry entry = entries.get(0);
                    LOG.warn(
                            "sink: {}-{}@{} (key {}) refused by PostgreSQL: {}",
                            entry.source().topic(),
                            entry.source().partition(),
                            entry.source().offset(),
                            entry.key(),
                            e.getMessage());
                    refused.add(new SegmentBatch.Refused(
                            entry.source(),
                            new Rejection(
                                    RejectReason.REJECTED_BY_DATABASE,
                                    "PostgreSQL refused the row (SQLSTATE " + e.getSQLState() + "): "
                                            + e.getMessage())));
                    return 0;
                }
                int half = rows.size() / 2;
                return upsertIsolating(entries.subList(0, half), rows.subList(0, half), refused)
                        + upsertIsolating(entries.subList(half, rows.size()), rows.subList(half, rows.size()), refused);
            }
        }

        private long upsertViaStage(List<CopyRows.Row> rows) throws SQLException {
            if (stageHoldsRows) { // a bisect step after a successful one, in the same transaction
                try (Statement s = c.createStatement()) {
                    s.execute(SinkSql.CLEAR_STAGE);
                }
            }
            copy(c, copyStageSql, rows, clock);
            stageHoldsRows = true;
            long start = System.nanoTime();
            try (Statement s = c.createStatement()) {
                return s.executeLargeUpdate(upsertSql);
            } finally {
                clock.upserted(start);
            }
        }
    }
}
