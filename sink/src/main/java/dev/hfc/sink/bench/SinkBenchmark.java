package dev.hfc.sink.bench;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.copy.CopyBatchWriter;
import dev.hfc.sink.copy.CopyFormat;
import dev.hfc.sink.copy.CopyRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * {@code hfc bench sink}: rows per second into {@code rec_campaigns_weekly} through the sink's real write
 * path ({@link CopyBatchWriter}: COPY, set-based upsert, offsets in the same transaction) against the
 * alternatives, on the same rows with the same transaction boundaries, each into a freshly migrated table
 * of its own:
 * <ul>
 *   <li>{@code jdbc}: batched {@code INSERT … ON CONFLICT DO UPDATE} (1000 rows per JDBC batch,
 *       {@code reWriteBatchedInserts=true}) plus the same offsets upsert;</li>
 *   <li>{@code bare_copy}: COPY of the same rows into an empty copy of the table with the same indexes,
 *       with no conflict handling at all (the physical limit);</li>
 * </ul>
 * then an update-heavy pass (every key present, every value changed) for the sink and JDBC.
 */
public final class SinkBenchmark {

    /** Every figure of one run. */
    public record Result(int rows, int batchSize, String copyFormat,
                         double sinkRowsPerS, double jdbcRowsPerS, double bareCopyRowsPerS,
                         double sinkUpdateRowsPerS, double jdbcUpdateRowsPerS) {
        public double newRowsVsJdbc() {
            return sinkRowsPerS / jdbcRowsPerS;
        }

        public double newRowsVsBareCopy() {
            return sinkRowsPerS / bareCopyRowsPerS;
        }

        public double updatesVsJdbc() {
            return sinkUpdateRowsPerS / jdbcUpdateRowsPerS;
        }
    }

    private static final String GROUP = "bench";
    private static final String TOPIC = "bench.customer-segments";

    private SinkBenchmark() {}

    public static Result run(DbSettings db, int rows, int batchSize, CopyFormat format, long seed,
                             Consumer<String> progress) throws SQLException {
        String suffix = Long.toHexString(System.nanoTime());
        DbSettings sinkDb = db.withSchema("bench_sink_" + suffix);
        DbSettings jdbcDb = db.withSchema("bench_jdbc_" + suffix);
        DbSettings bareDb = db.withSchema("bench_bare_" + suffix);
        DbSettings warmDb = db.withSchema("bench_warm_" + suffix);
        List<CustomerSegment> first = rows(rows, seed, 0);
        List<CustomerSegment> second = changed(first);
        try {
            for (DbSettings d : List.of(sinkDb, jdbcDb, bareDb)) {
                SchemaMigrator.migrate(d, false);
            }
            // Warm the server and the JIT on a throw-away schema so the first contender is not penalised.
            SchemaMigrator.migrate(warmDb, false);
            sink(warmDb, rows(Math.min(rows, 50_000), seed + 1, 0), batchSize, format);
            jdbc(warmDb, rows(Math.min(rows, 20_000), seed + 2, 0), batchSize);
            drop(warmDb);

            progress.accept("bare COPY of " + rows + " rows");
            double bare = rate(rows, () -> bareCopy(bareDb, first, batchSize, format));
            progress.accept("sink path, new rows");
            double sink = rate(rows, () -> sink(sinkDb, first, batchSize, format));
            progress.accept("JDBC batched upsert, new rows");
            double jdbc = rate(rows, () -> jdbc(jdbcDb, first, batchSize));
            progress.accept("sink path, every key present");
            long[][] updatePhases = new long[1][];
            double sinkUpdate = rate(rows, () -> updatePhases[0] = sink(sinkDb, second, batchSize, format));
            progress.accept(String.format("sink path, every key present: COPY %d ms, upsert statement %d ms, other %d ms, commit %d ms",
                    updatePhases[0][0] / 1_000_000, updatePhases[0][1] / 1_000_000, updatePhases[0][2] / 1_000_000,
                    updatePhases[0][3] / 1_000_000));
            progress.accept("JDBC batched upsert, every key present");
            double jdbcUpdate = rate(rows, () -> jdbc(jdbcDb, second, batchSize));
            verifySame(sinkDb, jdbcDb, rows);
            return new Result(rows, batchSize, format.name().toLowerCase(java.util.Locale.ROOT),
                    sink, jdbc, bare, sinkUpdate, jdbcUpdate);
        } finally {
            // Every schema this run may have created goes, whatever happened (DROP … IF EXISTS).
            for (DbSettings d : List.of(sinkDb, jdbcDb, bareDb, warmDb)) {
                drop(d);
            }
        }
    }

    /** Deterministic rows: users spread over four target weeks, emails including hostile characters. */
    static List<CustomerSegment> rows(int n, long seed, int variant) {
        Random random = new Random(seed);
        Week base = Week.parse("2026-W49");
        Segment[] segments = Segment.values();
        List<CustomerSegment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            UUID user = new UUID(random.nextLong(), random.nextLong());
            String email = switch (i % 50) {
                case 0 -> "\"o'brien, j\\\"r\"@example.com";
                case 1 -> "jürgen.müller+" + i + "@bücher.de";
                default -> "user" + i + "+weekly@example.com";
            };
            int pause = 1 + random.nextInt(4);
            out.add(new CustomerSegment(user, email, base.plus(i % 4), segments[(pause + variant) % 3], pause,
                    new UUID(random.nextLong(), random.nextLong()), 0L));
        }
        return out;
    }

    /** The same keys, every value different: an update-heavy stream. */
    static List<CustomerSegment> changed(List<CustomerSegment> rows) {
        List<CustomerSegment> out = new ArrayList<>(rows.size());
        Segment[] segments = Segment.values();
        for (CustomerSegment s : rows) {
            out.add(new CustomerSegment(s.userId(), "changed." + s.email(), s.week(),
                    segments[(s.segment().ordinal() + 1) % 3], s.pauseWeeks(), UUID.randomUUID(), 0L));
        }
        return out;
    }

    private static long[] sink(DbSettings db, List<CustomerSegment> rows, int batchSize, CopyFormat format) throws SQLException {
        long[] phases = new long[4];
        try (CopyBatchWriter writer = new CopyBatchWriter(db, GROUP, format)) {
            long offset = 0;
            for (int from = 0; from < rows.size(); from += batchSize) {
                SegmentBatch batch = new SegmentBatch();
                for (CustomerSegment s : rows.subList(from, Math.min(rows.size(), from + batchSize))) {
                    batch.add(s.key(), s, new SegmentBatch.Source(TOPIC, (int) (offset % 6), offset, 0L, null, null));
                    offset++;
                }
                var r = writer.write(batch, refused -> {
                    throw new IllegalStateException("benchmark rows must not be refused: " + refused);
                });
                phases[0] += r.copyNanos();
                phases[1] += r.upsertNanos();
                phases[2] += r.otherNanos();
                phases[3] += r.commitNanos();
            }
        }
        return phases;
    }

    private static void jdbc(DbSettings db, List<CustomerSegment> rows, int batchSize) throws SQLException {
        String url = db.url() + (db.url().contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
        String table = db.qualified("rec_campaigns_weekly");
        String upsert = "INSERT INTO " + table + " AS t (" + CopyRows.COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (subscription_week, user_id) DO UPDATE SET " + CopyRows.UPDATE_SET + " "
                + "WHERE NOT t.campaign_sent AND " + CopyRows.VALUES_DIFFER;
        String offsets = "INSERT INTO " + db.qualified("hfc_sink_offsets") + " (group_id, topic, partition, next_offset) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset";
        TimeBasedEpochGenerator ids = Generators.timeBasedEpochGenerator();
        try (Connection c = java.sql.DriverManager.getConnection(url, db.user(), db.password())) {
            c.setAutoCommit(false);
            long offset = 0;
            try (PreparedStatement ps = c.prepareStatement(upsert); PreparedStatement off = c.prepareStatement(offsets)) {
                for (int from = 0; from < rows.size(); from += batchSize) {
                    // Same as the sink: the last record of a key wins within a transaction.
                    Map<SegmentKey, CustomerSegment> latest = new LinkedHashMap<>();
                    for (CustomerSegment s : rows.subList(from, Math.min(rows.size(), from + batchSize))) {
                        latest.put(s.key(), s);
                    }
                    int inBatch = 0;
                    for (CustomerSegment s : latest.values()) {
                        ps.setObject(1, ids.generate());
                        ps.setObject(2, s.userId());
                        ps.setString(3, s.email());
                        ps.setString(4, s.segment().wire());
                        ps.setString(5, s.week().toString());
                        ps.setObject(6, s.subscriptionId());
                        ps.setShort(7, (short) s.pauseWeeks());
                        ps.addBatch();
                        if (++inBatch == 1000) {
                            ps.executeBatch();
                            inBatch = 0;
                        }
                    }
                    if (inBatch > 0) {
                        ps.executeBatch();
                    }
                    offset += latest.size();
                    for (int p = 0; p < 6; p++) {
                        off.setString(1, GROUP);
                        off.setString(2, TOPIC);
                        off.setInt(3, p);
                        off.setLong(4, offset);
                        off.addBatch();
                    }
                    off.executeBatch();
                    c.commit();
                }
            }
        }
    }

    private static void bareCopy(DbSettings db, List<CustomerSegment> rows, int batchSize, CopyFormat format) throws SQLException {
        String sql = "COPY " + db.qualified("rec_campaigns_weekly") + " (" + CopyRows.COLUMNS + ") FROM STDIN WITH " + format.option();
        TimeBasedEpochGenerator ids = Generators.timeBasedEpochGenerator();
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(false);
            for (int from = 0; from < rows.size(); from += batchSize) {
                List<CopyRows.Row> batch = new ArrayList<>(batchSize);
                for (CustomerSegment s : rows.subList(from, Math.min(rows.size(), from + batchSize))) {
                    batch.add(new CopyRows.Row(ids.generate(), s));
                }
                byte[] bytes = CopyRows.encode(format, batch);
                CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
                in.writeToCopy(bytes, 0, bytes.length);
                in.endCopy();
                c.commit();
            }
        }
    }

    /** The sink and the JDBC path must have produced the same table, or the comparison means nothing. */
    private static void verifySame(DbSettings a, DbSettings b, int rows) throws SQLException {
        String sql = "SELECT count(*) FROM (SELECT user_id, email, segment, subscription_week, subscription_id, pause_weeks FROM %s "
                + "EXCEPT SELECT user_id, email, segment, subscription_week, subscription_id, pause_weeks FROM %s) d";
        try (Connection c = Database.connect(a); Statement s = c.createStatement()) {
            var rs = s.executeQuery(String.format(sql, a.qualified("rec_campaigns_weekly"), b.qualified("rec_campaigns_weekly")));
            rs.next();
            long diff = rs.getLong(1);
            rs = s.executeQuery("SELECT count(*) FROM " + a.qualified("rec_campaigns_weekly"));
            rs.next();
            if (diff != 0 || rs.getLong(1) != rows) {
                throw new IllegalStateException("sink and JDBC tables differ: " + diff + " rows differ, sink has "
                        + rs.getLong(1) + " rows, expected " + rows);
            }
        }
    }

    private static void drop(DbSettings d) {
        try (Connection c = Database.connect(d); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + d.quotedSchema() + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop benchmark schema " + d.schema(), e);
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws SQLException;
    }

    private static double rate(int rows, Work work) throws SQLException {
        long start = System.nanoTime();
        work.run();
        return rows / ((System.nanoTime() - start) / 1e9);
    }
}
