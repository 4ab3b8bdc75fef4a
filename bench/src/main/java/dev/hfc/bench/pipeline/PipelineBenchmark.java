package dev.hfc.bench.pipeline;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.CatchUp;
import dev.hfc.harness.InProcessPipeline;
import dev.hfc.harness.LiveChanges;
import dev.hfc.harness.ReferenceCheck;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.producer.cdc.SourceDatabase;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.schema.Tables;
import dev.hfc.sink.copy.CopyRows;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.postgresql.PGConnection;

/**
 * {@code hfc bench e2e} and {@code hfc bench batch-vs-stream}: the whole pipeline in this process (in-process
 * broker, the database {@code --db-url} names) from a loaded source to a caught-up table, and the old weekly
 * batch (one SQL query, one bulk load) over the same source.
 */
public final class PipelineBenchmark {

    /** Figures of {@code bench e2e}. */
    public record EndToEnd(
            long customers,
            long events,
            double loadSeconds,
            double eventsPerSecond,
            long peakHeapMb,
            int changeRate,
            int changes,
            double appliedPerSecond,
            long latencyP50Ms,
            long latencyP99Ms,
            long latencySamples,
            long firstHalfP99Ms,
            long secondHalfP99Ms,
            long rows,
            double resnapshotSeconds,
            double resnapshotCaughtUpSeconds) {}

    /** Figures of {@code bench batch-vs-stream}. */
    public record BatchVsStream(
            long customers,
            long targetRows,
            double batchQuerySeconds,
            double batchLoadSeconds,
            double streamSeconds,
            long streamRows,
            double batchChangeSeconds,
            long streamChangeP50Ms,
            long streamChangeP99Ms) {
        public double batchSeconds() {
            return batchQuerySeconds + batchLoadSeconds;
        }
    }

    private static final SegmentPolicy POLICY = SegmentPolicy.DEFAULT;

    private PipelineBenchmark() {}

    public static EndToEnd endToEnd(
            DbSettings base,
            long customers,
            int changeRate,
            int changeSeconds,
            boolean resnapshot,
            boolean keepData,
            Consumer<String> progress)
            throws Exception {
        try (Setup setup = Setup.create(base, "e2e", customers, keepData, progress)) {
            HeapSampler heap = HeapSampler.start();
            long start = System.nanoTime();
            try (InProcessPipeline pipeline = setup.startPipeline()) {
                long caughtUpNanos = setup.awaitCaughtUp(pipeline, progress) - start;
                long events = pipeline.published();
                int changes = changeRate * changeSeconds;
                progress.accept(String.format(
                        "caught up in %.1f s; now %d changes at %d/s", caughtUpNanos / 1e9, changes, changeRate));
                var applied =
                        LiveChanges.apply(setup.db, setup.generator, customers, setup.target, changes, changeRate, 17);
                setup.awaitCaughtUp(pipeline, progress);
                Histogram latency = LiveChanges.latencies(setup.db, setup.target, applied.samples());
                // A pipeline that keeps up has the same latency at the end of the stream as at its start; one that
                // falls behind has a growing lag, which shows as a later half slower than the first.
                int half = applied.samples().size() / 2;
                Histogram first = LiveChanges.latencies(
                        setup.db, setup.target, applied.samples().subList(0, half));
                Histogram second = LiveChanges.latencies(
                        setup.db,
                        setup.target,
                        applied.samples().subList(half, applied.samples().size()));
                long rows = setup.count("SELECT count(*) FROM " + Tables.CAMPAIGN_TARGETS);
                long peakHeapMb = heap.stop() >> 20;
                double[] again = resnapshot
                        ? resnapshot(setup, pipeline, customers, changes, changeRate, progress)
                        : new double[] {Double.NaN, Double.NaN};
                return new EndToEnd(
                        customers,
                        events,
                        caughtUpNanos / 1e9,
                        events / (caughtUpNanos / 1e9),
                        peakHeapMb,
                        changeRate,
                        changes,
                        applied.total() / applied.seconds(),
                        latency.getValueAtPercentile(50),
                        latency.getValueAtPercentile(99),
                        latency.getTotalCount(),
                        first.getValueAtPercentile(99),
                        second.getValueAtPercentile(99),
                        rows,
                        again[0],
                        again[1]);
            }
        }
    }

    /**
     * A re-snapshot of all customers while {@code changes} stream at {@code rate}: seconds from the request until
     * the producer published every snapshot, and until the table is caught up and equal to the reference (so no
     * change was lost or overtaken).
     */
    private static double[] resnapshot(
            Setup setup, InProcessPipeline pipeline, long customers, int changes, int rate, Consumer<String> progress)
            throws Exception {
        progress.accept(String.format("re-snapshot of all customers while %d changes stream at %d/s", changes, rate));
        long done = pipeline.resnapshotsDone();
        long start = System.nanoTime();
        java.util.concurrent.CompletableFuture<LiveChanges.Applied> live =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return LiveChanges.apply(
                                setup.db, setup.generator, customers * 2, setup.target, changes, rate, 31);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        dev.hfc.producer.cdc.SnapshotRequests.request(setup.db, pipeline.slot(), null);
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (pipeline.resnapshotsDone() == done) {
            if (pipeline.failure() != null || System.nanoTime() > deadline) {
                throw new IllegalStateException("the re-snapshot did not finish: " + pipeline.failure());
            }
            Thread.sleep(50);
        }
        double published = (System.nanoTime() - start) / 1e9;
        progress.accept(String.format("re-snapshot published in %.1f s", published));
        live.get();
        double caughtUp = (setup.awaitCaughtUp(pipeline, progress) - start) / 1e9;
        return new double[] {published, caughtUp};
    }

    public static BatchVsStream batchVsStream(
            DbSettings base, long customers, boolean keepData, Consumer<String> progress) throws Exception {
        try (Setup setup = Setup.create(base, "bvs", customers, keepData, progress)) {
            setup.exec("CREATE TABLE rec_campaigns_weekly_batch (LIKE " + Tables.CAMPAIGN_TARGETS + " INCLUDING ALL)");
            progress.accept("batch: one SQL query for " + setup.target + ", then one COPY");
            double[] batch = setup.batch();
            long targetRows = setup.count("SELECT count(*) FROM rec_campaigns_weekly_batch");

            progress.accept("stream: the pipeline from an empty table to caught up");
            long start = System.nanoTime();
            try (InProcessPipeline pipeline = setup.startPipeline()) {
                double streamSeconds = (setup.awaitCaughtUp(pipeline, progress) - start) / 1e9;
                long differences = setup.count(
                        "SELECT count(*) FROM ("
                                + "(SELECT user_id, email, segment, subscription_id, pause_weeks FROM rec_campaigns_weekly_batch "
                                + " EXCEPT SELECT user_id, email, segment, subscription_id, pause_weeks FROM "
                                + Tables.CAMPAIGN_TARGETS + " "
                                + " WHERE subscription_week = '" + setup.target + "') UNION ALL "
                                + "(SELECT user_id, email, segment, subscription_id, pause_weeks FROM "
                                + Tables.CAMPAIGN_TARGETS + " "
                                + " WHERE subscription_week = '" + setup.target + "' EXCEPT "
                                + " SELECT user_id, email, segment, subscription_id, pause_weeks FROM rec_campaigns_weekly_batch)) d");
                if (differences != 0) {
                    throw new IllegalStateException(
                            "batch and stream disagree on " + differences + " rows of " + setup.target);
                }
                long streamRows = setup.count("SELECT count(*) FROM " + Tables.CAMPAIGN_TARGETS);

                progress.accept(
                        "one customer's change: the batch recomputes the week, the stream one key (20 pauses, timed)");
                var applied = LiveChanges.apply(setup.db, setup.generator, customers, setup.target, 20, 5, 23);
                setup.awaitCaughtUp(pipeline, progress);
                Histogram latency = LiveChanges.latencies(setup.db, setup.target, applied.samples());
                setup.exec("TRUNCATE rec_campaigns_weekly_batch");
                double[] rerun = setup.batch();
                return new BatchVsStream(
                        customers,
                        targetRows,
                        batch[0],
                        batch[1],
                        streamSeconds,
                        streamRows,
                        rerun[0] + rerun[1],
                        latency.getValueAtPercentile(50),
                        latency.getValueAtPercentile(99));
            }
        }
    }

    /** A broker, a schema with loaded source data, and their clean-up. */
    private static final class Setup implements AutoCloseable {
        final DbSettings db;
        final Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        final Week target = current.plus(1);
        final SourceDataGenerator generator = new SourceDataGenerator(7, current);
        final InProcessKafkaBroker broker;
        final BenchWorkDir work;
        final String id;

        private Setup(DbSettings db, InProcessKafkaBroker broker, BenchWorkDir work, String id) {
            this.db = db;
            this.broker = broker;
            this.work = work;
            this.id = id;
        }

        static Setup create(DbSettings base, String name, long customers, boolean keepData, Consumer<String> progress)
                throws Exception {
            String id = "bench_" + name + "_" + Long.toHexString(System.nanoTime());
            DbSettings db = base.withSchema(id);
            BenchWorkDir work = BenchWorkDir.create(name, keepData);
            InProcessKafkaBroker broker;
            try {
                broker = InProcessKafkaBroker.start(0, work.resolve("kafka"));
            } catch (RuntimeException e) {
                work.close();
                throw e;
            }
            Setup setup = new Setup(db, broker, work, id);
            try {
                SchemaMigrator.migrate(db, true);
                progress.accept(String.format("loading %,d customers into schema %s", customers, db.schema()));
                SourceDataLoader.load(db, setup.generator, 0, customers, n -> {});
                setup.exec("ANALYZE");
            } catch (Exception e) {
                setup.close();
                throw e;
            }
            return setup;
        }

        InProcessPipeline startPipeline() throws SQLException {
            return InProcessPipeline.start(
                    new InProcessPipeline.Settings(
                            KafkaSettings.of(broker.bootstrapServers()),
                            new Topics(id.replace('_', '-') + "."),
                            db,
                            id,
                            work.resolve("segmenter"),
                            new TopicProvisioner.Layout(6, (short) 1),
                            POLICY,
                            Duration.ofMillis(100)),
                    new SimpleMeterRegistry());
        }

        /**
         * Waits until the table matches the reference and has stopped changing; returns when (System.nanoTime())
         * it last changed, i.e. when the pipeline had caught up.
         */
        long awaitCaughtUp(InProcessPipeline pipeline, Consumer<String> progress) throws Exception {
            CatchUp.Result result = new CatchUp(
                            db,
                            () -> ReferenceCheck.check(db, POLICY, current),
                            pipeline::failure,
                            Duration.ofSeconds(2),
                            Duration.ofMinutes(2))
                    .await(
                            Duration.ofHours(2),
                            Duration.ofSeconds(10),
                            rows -> progress.accept(String.format(
                                    "%,d events published, %,d rows in the table", pipeline.published(), rows)));
            if (!result.matches()) {
                throw new IllegalStateException(
                        result.outcome() == null
                                ? "not caught up within 2 hours"
                                : "the table stopped changing but differs from the reference: " + result.outcome());
            }
            return result.lastChangeNanos();
        }

        /** The old weekly batch: one SQL query (the reference computation, for the target week), then one COPY. */
        double[] batch() throws SQLException {
            long start = System.nanoTime();
            List<CopyRows.Row> rows = new ArrayList<>();
            try (Connection c = Database.connect(db);
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT * FROM (" + ReferenceCheck.referenceSql(db) + ") r WHERE week = ?")) {
                ps.setString(1, target.toString());
                ps.setInt(2, POLICY.horizonWeeks());
                ps.setInt(3, POLICY.highFromWeeks());
                ps.setInt(4, POLICY.mediumFromWeeks());
                ps.setString(5, target.toString());
                long now = System.currentTimeMillis();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new CopyRows.Row(
                                UUID.randomUUID(),
                                new CustomerSegment(
                                        rs.getObject("user_id", UUID.class),
                                        rs.getString("email"),
                                        target,
                                        Segment.fromWire(rs.getString("segment"))
                                                .orElseThrow(),
                                        rs.getInt("pause_weeks"),
                                        rs.getObject("subscription_id", UUID.class),
                                        now)));
                    }
                }
            }
            double query = (System.nanoTime() - start) / 1e9;
            long loadStart = System.nanoTime();
            try (Connection c = Database.connect(db)) {
                byte[] bytes = CopyRows.encode(rows);
                var in = c.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn("COPY " + db.qualified("rec_campaigns_weekly_batch") + " (" + CopyRows.COLUMNS
                                + ") FROM STDIN WITH " + CopyRows.FORMAT_OPTION);
                in.writeToCopy(bytes, 0, bytes.length);
                in.endCopy();
            }
            return new double[] {query, (System.nanoTime() - loadStart) / 1e9};
        }

        long count(String sql) throws SQLException {
            return Long.parseLong(string(sql));
        }

        String string(String sql) throws SQLException {
            try (Connection c = Database.connect(db);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            }
        }

        void exec(String sql) throws SQLException {
            try (Connection c = Database.connect(db);
                    Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }

        @Override
        public void close() throws Exception {
            try {
                broker.close();
            } finally {
                try {
                    SourceDatabase.dropSlot(db, id, id); // a slot nobody reads pins WAL forever
                    exec("DROP SCHEMA IF EXISTS " + db.quotedSchema() + " CASCADE");
                } finally {
                    work.close();
                }
            }
        }
    }

    /** The highest heap use seen, sampled every 50 ms. */
    private static final class HeapSampler {
        private final AtomicLong peak = new AtomicLong();
        private final Thread thread;

        private HeapSampler() {
            thread = new Thread(
                    () -> {
                        var memory = ManagementFactory.getMemoryMXBean();
                        while (!Thread.currentThread().isInterrupted()) {
                            peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "hfc-bench-heap");
            thread.setDaemon(true);
        }

        static HeapSampler start() {
            HeapSampler s = new HeapSampler();
            s.thread.start();
            return s;
        }

        long stop() {
            thread.interrupt();
            return peak.get();
        }
    }
}
