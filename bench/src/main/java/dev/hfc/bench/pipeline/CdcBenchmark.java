package dev.hfc.bench.pipeline;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.producer.cdc.CdcProducer;
import dev.hfc.producer.cdc.ProducerMetrics;
import dev.hfc.producer.cdc.SourceDatabase;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.schema.Tables;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code hfc bench cdc}: subscription rows per second through the CDC path (PostgreSQL WAL → Debezium → mapping →
 * Kafka, acknowledged) for the initial snapshot and for one bulk UPDATE of every subscription row. Debezium's
 * snapshot publishes one event per row; the producer's own publishes one customer snapshot per customer, framed by
 * a begin and an end marker in each partition, so each is awaited by its own count of records, and both are given
 * as the rows they cover per second.
 */
public final class CdcBenchmark {

    /**
     * @param snapshotEventsPerS          the producer's own snapshot (COPY), the default
     * @param debeziumSnapshotEventsPerS  Debezium's snapshot of the same rows, in the same run
     */
    public record Result(
            long rows,
            double snapshotEventsPerS,
            double debeziumSnapshotEventsPerS,
            double bulkUpdateEventsPerS,
            double bulkUpdateCommitSeconds) {}

    /** The event topic's layout here: the own snapshot's markers are one begin and one end per partition. */
    private static final TopicProvisioner.Layout LAYOUT = new TopicProvisioner.Layout(6, (short) 1);

    private CdcBenchmark() {}

    public static Result run(DbSettings baseDb, long subscriptionRows, boolean keepData, Consumer<String> progress)
            throws Exception {
        String suffix = Long.toHexString(System.nanoTime());
        DbSettings db = baseDb.withSchema("bench_cdc_" + suffix);
        String slot = "bench_cdc_" + suffix;
        try (BenchWorkDir dir = BenchWorkDir.create("cdc", keepData);
                InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, dir.resolve("kafka"))) {
            SchemaMigrator.migrate(db, true);
            long customers = (subscriptionRows + 10) / 11;
            SourceDataLoader.load(
                    db,
                    new SourceDataGenerator(11, Week.current(Instant.now(), ZoneOffset.UTC)),
                    0,
                    customers,
                    n -> {});
            long rows = customers * 11;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                progress.accept("Debezium's snapshot of " + rows + " subscriptions and " + customers + " customers");
                Topics debeziumTopics = new Topics("bench." + suffix + ".debezium.");
                double debezium;
                long debeziumStart = System.nanoTime();
                try (CdcProducer producer = CdcProducer.start(
                        settings(broker, debeziumTopics, db, slot + "_dbz", CdcProducer.SnapshotMethod.DEBEZIUM),
                        new ProducerMetrics(new SimpleMeterRegistry()))) {
                    awaitEvents(admin, debeziumTopics.subscriptionEvents().name(), rows);
                    debezium = rows / ((System.nanoTime() - debeziumStart) / 1e9);
                } finally {
                    SourceDatabase.dropSlot(db, slot + "_dbz", slot + "_dbz");
                }

                progress.accept("the producer's own snapshot (COPY) of the same rows");
                Topics topics = new Topics("bench." + suffix + ".");
                long start = System.nanoTime();
                try (CdcProducer producer = CdcProducer.start(
                        settings(broker, topics, db, slot, CdcProducer.SnapshotMethod.COPY),
                        new ProducerMetrics(new SimpleMeterRegistry()))) {
                    long snapshotRecords = customers + 2L * LAYOUT.partitions();
                    awaitEvents(admin, topics.subscriptionEvents().name(), snapshotRecords);
                    double snapshot = rows / ((System.nanoTime() - start) / 1e9);

                    progress.accept("one UPDATE of all " + rows + " subscription rows");
                    long updateStart = System.nanoTime();
                    try (Connection c = Database.connect(db);
                            Statement s = c.createStatement()) {
                        s.executeUpdate("UPDATE " + Tables.SUBSCRIPTION
                                + " SET status = CASE status WHEN 'active' THEN 'paused' ELSE 'active' END");
                    }
                    double commitSeconds = (System.nanoTime() - updateStart) / 1e9;
                    awaitEvents(admin, topics.subscriptionEvents().name(), snapshotRecords + rows);
                    double update = rows / ((System.nanoTime() - updateStart) / 1e9);
                    if (producer.failure() != null) {
                        throw new IllegalStateException("producer failed: " + producer.failure());
                    }
                    return new Result(rows, snapshot, debezium, update, commitSeconds);
                }
            }
        } finally {
            SourceDatabase.dropSlot(db, slot, slot);
            try (Connection c = Database.connect(db);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + db.quotedSchema() + " CASCADE");
            }
        }
    }

    private static CdcProducer.Settings settings(
            InProcessKafkaBroker broker, Topics topics, DbSettings db, String slot, CdcProducer.SnapshotMethod method) {
        return CdcProducer.Settings.defaults(KafkaSettings.of(broker.bootstrapServers()), topics, db)
                .withSlot(slot, slot)
                .withTopicLayout(LAYOUT)
                .withSnapshot(method);
    }

    private static void awaitEvents(Admin admin, String topic, long atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            admin.describeTopics(java.util.List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            long total = admin.listOffsets(request).all().get().values().stream()
                    .mapToLong(i -> i.offset())
                    .sum();
            if (total >= atLeast) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("fewer than " + atLeast + " events in " + topic + " after 10 minutes");
    }
}
