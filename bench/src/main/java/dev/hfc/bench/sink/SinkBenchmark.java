package dev.hfc.bench.sink;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.schema.Tables;
import dev.hfc.sink.SinkMetrics;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.copy.CopyBatchWriter;
import dev.hfc.sink.copy.CopyRows;
import dev.hfc.sink.copy.WritePhaseRecorder;
import dev.hfc.sink.offset.SinkOffsets;
import dev.hfc.sink.sql.SinkSql;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
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
 *   <li>{@code bare_copy}: binary COPY (the sink's encoding) of the same rows into an empty copy of the table with
 *       the same indexes, with no conflict handling at all (the physical limit);</li>
 * </ul>
 * then an update-heavy pass (every key present, every value changed) for the sink and JDBC.
 *
 * <p>Every contender runs twice: on one connection, and on as many connections as the sink has consumers.
 * With several, the rows are split the way Kafka splits them (the default partitioner's hash of the
 * record key over {@link #PARTITIONS} partitions) and each connection writes the partitions one consumer
 * of the group would own, in transactions of its own, concurrently with the others.
 */
public final class SinkBenchmark {

    /** Rows/s of each contender in one setting (one connection, or one per consumer). */
    public record Rates(
            int connections,
            double sinkRowsPerS,
            double jdbcRowsPerS,
            double bareCopyRowsPerS,
            double sinkUpdateRowsPerS,
            double jdbcUpdateRowsPerS) {
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

    /**
     * Every figure of one run: {@code single} has every contender on one connection; {@code parallel} on
     * {@code consumers} connections (the same as {@code single} when that is 1).
     */
    public record Result(int rows, int batchSize, int consumers, Rates single, Rates parallel) {
        /** The sink as it runs with {@code consumers} consumers, against the one-connection alternatives. */
        public double newRowsVsJdbc() {
            return parallel.sinkRowsPerS() / single.jdbcRowsPerS();
        }

        public double newRowsVsBareCopy() {
            return parallel.sinkRowsPerS() / single.bareCopyRowsPerS();
        }

        public double updatesVsJdbc() {
            return parallel.sinkUpdateRowsPerS() / single.jdbcUpdateRowsPerS();
        }
    }

    /** The partitions the rows are spread over, as the topics are created by default. */
    public static final int PARTITIONS = 6;

    private static final String GROUP = "bench";
    private static final String TOPIC = "bench.customer-segments";

    private SinkBenchmark() {}

    public static Result run(
            DbSettings db, int rows, int batchSize, int consumers, long seed, Consumer<String> progress)
            throws SQLException {
        if (consumers < 1 || consumers > PARTITIONS) {
            throw new IllegalArgumentException("consumers must be 1.." + PARTITIONS + ", got " + consumers);
        }
        String suffix = Long.toHexString(System.nanoTime());
        DbSettings warmDb = db.withSchema("bench_warm_" + suffix);
        List<DbSettings> schemas = new ArrayList<>(List.of(warmDb));
        List<CustomerSegment> first = rows(rows, seed, 0);
        List<CustomerSegment> second = changed(first);
        try {
            // Warm the server and the JIT on a throw-away schema so the first contender is not penalised.
            SchemaMigrator.migrate(warmDb, false);
            sink(warmDb, shares(rows(Math.min(rows, 50_000), seed + 1, 0), consumers), batchSize);
            jdbc(warmDb, shares(rows(Math.min(rows, 20_000), seed + 2, 0), consumers), batchSize);
            drop(warmDb);

            Rates single = contenders(db, suffix, schemas, 1, first, second, batchSize, progress);
            Rates parallel = consumers == 1
                    ? single
                    : contenders(db, suffix, schemas, consumers, first, second, batchSize, progress);
            return new Result(rows, batchSize, consumers, single, parallel);
        } finally {
            // Every schema this run may have created goes, whatever happened (DROP … IF EXISTS).
            for (DbSettings d : schemas) {
                drop(d);
            }
        }
    }

    private static Rates contenders(
            DbSettings db,
            String suffix,
            List<DbSettings> schemas,
            int connections,
            List<CustomerSegment> first,
            List<CustomerSegment> second,
            int batchSize,
            Consumer<String> progress)
            throws SQLException {
        DbSettings sinkDb = db.withSchema("bench_sink" + connections + "_" + suffix);
        DbSettings jdbcDb = db.withSchema("bench_jdbc" + connections + "_" + suffix);
        DbSettings bareDb = db.withSchema("bench_bare" + connections + "_" + suffix);
        schemas.addAll(List.of(sinkDb, jdbcDb, bareDb));
        for (DbSettings d : List.of(sinkDb, jdbcDb, bareDb)) {
            SchemaMigrator.migrate(d, false);
        }
        List<List<Sourced>> firstShares = shares(first, connections);
        List<List<Sourced>> secondShares = shares(second, connections);
        int rows = first.size();
        String on = connections == 1 ? "1 connection" : connections + " connections";

        progress.accept("bare COPY of " + rows + " rows, " + on);
        double bare = rate(rows, db, () -> bareCopy(bareDb, firstShares, batchSize));
        progress.accept("sink path, new rows, " + on);
        double sink = rate(rows, db, () -> sink(sinkDb, firstShares, batchSize));
        progress.accept("JDBC batched upsert, new rows, " + on);
        double jdbc = rate(rows, db, () -> jdbc(jdbcDb, firstShares, batchSize));
        progress.accept("sink path, every key present, " + on);
        long[][] updatePhases = new long[1][];
        double sinkUpdate = rate(rows, db, () -> updatePhases[0] = sink(sinkDb, secondShares, batchSize));
        progress.accept(String.format(
                "sink path, every key present, %s: COPY %d ms, upsert statement %d ms, other %d ms, "
                        + "commit %d ms (summed over connections)",
                on,
                updatePhases[0][0] / 1_000_000,
                updatePhases[0][1] / 1_000_000,
                updatePhases[0][2] / 1_000_000,
                updatePhases[0][3] / 1_000_000));
        progress.accept("JDBC batched upsert, every key present, " + on);
        double jdbcUpdate = rate(rows, db, () -> jdbc(jdbcDb, secondShares, batchSize));
        verifySame(sinkDb, jdbcDb, rows);
        return new Rates(connections, sink, jdbc, bare, sinkUpdate, jdbcUpdate);
    }

    /** A row with the partition and offset it would have had on the topic. */
    record Sourced(CustomerSegment segment, int partition, long offset) {}

    /** The partition Kafka's default partitioner gives a record with this key. */
    static int partitionOf(SegmentKey key) {
        return Utils.toPositive(Utils.murmur2(key.toBytes())) % PARTITIONS;
    }

    /**
     * The rows in order, split into what each of {@code consumers} consumers would read: consumer
     * {@code c} owns the partitions {@code p} with {@code p % consumers == c}.
     */
    static List<List<Sourced>> shares(List<CustomerSegment> rows, int consumers) {
        List<List<Sourced>> shares = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            shares.add(new ArrayList<>());
        }
        long[] offsets = new long[PARTITIONS];
        for (CustomerSegment s : rows) {
            int p = partitionOf(s.key());
            shares.get(p % consumers).add(new Sourced(s, p, offsets[p]++));
        }
        return shares;
    }

    /** Deterministic rows: users spread over four target weeks, emails including hostile characters. */
    public static List<CustomerSegment> rows(int n, long seed, int variant) {
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
            out.add(new CustomerSegment(
                    user,
                    email,
                    base.plus(i % 4),
                    segments[(pause + variant) % 3],
                    pause,
                    new UUID(random.nextLong(), random.nextLong()),
                    0L));
        }
        return out;
    }

    /** The same keys, every value different: an update-heavy stream. */
    public static List<CustomerSegment> changed(List<CustomerSegment> rows) {
        List<CustomerSegment> out = new ArrayList<>(rows.size());
        Segment[] segments = Segment.values();
        for (CustomerSegment s : rows) {
            out.add(new CustomerSegment(
                    s.userId(),
                    "changed." + s.email(),
                    s.week(),
                    segments[(s.segment().ordinal() + 1) % 3],
                    s.pauseWeeks(),
                    UUID.randomUUID(),
                    0L));
        }
        return out;
    }

    /** Runs one task per share concurrently, each on a connection of its own; returns their results in order. */
    private static <T> List<T> concurrently(List<List<Sourced>> shares, ShareWork<T> work) throws SQLException {
        if (shares.size() == 1) {
            return java.util.Collections.singletonList(work.run(shares.get(0))); // may be null
        }
        ExecutorService pool = Executors.newFixedThreadPool(shares.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (List<Sourced> share : shares) {
                futures.add(pool.submit(() -> work.run(share)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("benchmark interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException("benchmark connection failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface ShareWork<T> {
        T run(List<Sourced> share) throws SQLException;
    }

    /**
     * The sink's write path, one writer per share, all reporting to one {@link SinkMetrics} as the sink's consumers
     * do; returns the phases' totals from its {@code hfc.sink.write.phase} timers (COPY, upsert, other, commit).
     */
    private static long[] sink(DbSettings db, List<List<Sourced>> shares, int batchSize) throws SQLException {
        SinkMetrics metrics = new SinkMetrics(new SimpleMeterRegistry());
        concurrently(shares, share -> {
            sinkShare(db, share, batchSize, metrics);
            return null;
        });
        return java.util.Arrays.stream(WritePhaseRecorder.Phase.values())
                .mapToLong(p -> (long) metrics.writePhase(p).totalTime(TimeUnit.NANOSECONDS))
                .toArray();
    }

    private static void sinkShare(DbSettings db, List<Sourced> share, int batchSize, SinkMetrics metrics)
            throws SQLException {
        // As the sink runs it: every write checks, under row locks, that the stored positions of its partitions are
        // still the ones this writer last read or wrote (read from the table first, as on an assignment).
        java.util.Set<org.apache.kafka.common.TopicPartition> partitions = new java.util.HashSet<>();
        share.forEach(r -> partitions.add(new org.apache.kafka.common.TopicPartition(TOPIC, r.partition())));
        java.util.Map<org.apache.kafka.common.TopicPartition, Long> positions =
                new java.util.HashMap<>(dev.hfc.sink.offset.SinkOffsets.read(db, GROUP, partitions));
        try (CopyBatchWriter writer = new CopyBatchWriter(db, GROUP, metrics)) {
            for (int from = 0; from < share.size(); from += batchSize) {
                SegmentBatch batch = new SegmentBatch();
                for (Sourced r : share.subList(from, Math.min(share.size(), from + batchSize))) {
                    batch.add(
                            r.segment().key(),
                            r.segment(),
                            new SegmentBatch.Source(TOPIC, r.partition(), r.offset(), 0L, null, null));
                }
                writer.write(batch, positions, refused -> {
                    throw new IllegalStateException("benchmark rows must not be refused: " + refused);
                });
                positions.putAll(batch.nextOffsets());
            }
        }
    }

    private static void jdbc(DbSettings db, List<List<Sourced>> shares, int batchSize) throws SQLException {
        concurrently(shares, share -> {
            jdbcShare(db, share, batchSize);
            return null;
        });
    }

    private static void jdbcShare(DbSettings db, List<Sourced> share, int batchSize) throws SQLException {
        String url = db.url() + (db.url().contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
        String table = db.qualified(Tables.CAMPAIGN_TARGETS);
        String upsert = "INSERT INTO " + table + " AS t (" + CopyRows.COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (subscription_week, user_id) DO UPDATE SET " + SinkSql.UPDATE_SET + " "
                + "WHERE NOT t.campaign_sent AND " + SinkSql.VALUES_DIFFER;
        SinkOffsets offsets = new SinkOffsets(db);
        TimeBasedEpochGenerator ids = Generators.timeBasedEpochGenerator();
        try (Connection c = java.sql.DriverManager.getConnection(url, db.user(), db.password())) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                for (int from = 0; from < share.size(); from += batchSize) {
                    // Same as the sink: the last record of a key wins within a transaction.
                    Map<SegmentKey, CustomerSegment> latest = new LinkedHashMap<>();
                    Map<TopicPartition, Long> nextOffsets = new HashMap<>();
                    for (Sourced r : share.subList(from, Math.min(share.size(), from + batchSize))) {
                        latest.remove(r.segment().key());
                        latest.put(r.segment().key(), r.segment());
                        nextOffsets.put(new TopicPartition(TOPIC, r.partition()), r.offset() + 1);
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
                    offsets.store(c, GROUP, nextOffsets);
                    c.commit();
                }
            }
        }
    }

    private static void bareCopy(DbSettings db, List<List<Sourced>> shares, int batchSize) throws SQLException {
        concurrently(shares, share -> {
            bareCopyShare(db, share, batchSize);
            return null;
        });
    }

    private static void bareCopyShare(DbSettings db, List<Sourced> share, int batchSize) throws SQLException {
        String sql = "COPY " + db.qualified(Tables.CAMPAIGN_TARGETS) + " (" + CopyRows.COLUMNS + ") FROM STDIN WITH "
                + CopyRows.FORMAT_OPTION;
        TimeBasedEpochGenerator ids = Generators.timeBasedEpochGenerator();
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(false);
            for (int from = 0; from < share.size(); from += batchSize) {
                List<CopyRows.Row> batch = new ArrayList<>(batchSize);
                for (Sourced r : share.subList(from, Math.min(share.size(), from + batchSize))) {
                    batch.add(new CopyRows.Row(ids.generate(), r.segment()));
                }
                byte[] bytes = CopyRows.encode(batch);
                CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
                in.writeToCopy(bytes, 0, bytes.length);
                in.endCopy();
                c.commit();
            }
        }
    }

    /** The sink and the JDBC path must have produced the same table, or the comparison means nothing. */
    private static void verifySame(DbSettings a, DbSettings b, int rows) throws SQLException {
        String sql =
                "SELECT count(*) FROM (SELECT user_id, email, segment, subscription_week, subscription_id, pause_weeks FROM %s "
                        + "EXCEPT SELECT user_id, email, segment, subscription_week, subscription_id, pause_weeks FROM %s) d";
        try (Connection c = Database.connect(a);
                Statement s = c.createStatement()) {
            var rs = s.executeQuery(
                    String.format(sql, a.qualified(Tables.CAMPAIGN_TARGETS), b.qualified(Tables.CAMPAIGN_TARGETS)));
            rs.next();
            long diff = rs.getLong(1);
            rs = s.executeQuery("SELECT count(*) FROM " + a.qualified(Tables.CAMPAIGN_TARGETS));
            rs.next();
            if (diff != 0 || rs.getLong(1) != rows) {
                throw new IllegalStateException("sink and JDBC tables differ: " + diff + " rows differ, sink has "
                        + rs.getLong(1) + " rows, expected " + rows);
            }
        }
    }

    private static void drop(DbSettings d) {
        try (Connection c = Database.connect(d);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + d.quotedSchema() + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop benchmark schema " + d.schema(), e);
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws SQLException;
    }

    /**
     * Times one pass. A CHECKPOINT first, so that no pass inherits the dirty pages of the one before it
     * (every pass then pays the same full-page images on first touch); skipped, with a note, where the
     * role may not checkpoint.
     */
    private static double rate(int rows, DbSettings db, Work work) throws SQLException {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) {
                throw e;
            }
            System.err.println("bench sink: no CHECKPOINT before the pass (" + e.getMessage() + ")");
        }
        long start = System.nanoTime();
        work.run();
        return rows / ((System.nanoTime() - start) / 1e9);
    }
}
