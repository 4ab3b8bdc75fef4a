package dev.hfc.bench.pipeline;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.sink.SinkMetrics;
import dev.hfc.sink.SinkService;
import dev.hfc.sink.offset.SinkOffsets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code hfc bench sink --from-topic}: the sink as it is deployed, the way a Kafka Connect sink connector is
 * measured: the rows are first written as segment records into a topic of an in-process broker, then the
 * sink service starts with its real consumers (consuming, decoding, batching, the position check, COPY) and
 * the clock runs until it has stored the end offset of every partition. New keys first, then the same keys
 * with every value changed (the sink is stopped in between, so each pass starts with the consumers joining).
 */
public final class SinkTopicBenchmark {

    public record Result(int rows, int consumers, double newRowsPerS, double updateRowsPerS) {}

    private static final String GROUP = "bench-sink-topic";

    private SinkTopicBenchmark() {}

    public static Result run(
            DbSettings base,
            List<CustomerSegment> first,
            List<CustomerSegment> second,
            int consumers,
            int batchSize,
            boolean keepData,
            Consumer<String> progress)
            throws Exception {
        String suffix = Long.toHexString(System.nanoTime());
        DbSettings db = base.withSchema("bench_topic_" + suffix);
        try (BenchWorkDir dir = BenchWorkDir.create("sink-topic", keepData);
                InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, dir.resolve("kafka"))) {
            SchemaMigrator.migrate(db, false);
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
            Topics topics = new Topics("bench-sink-" + suffix + ".");
            var layout = new TopicProvisioner.Layout(dev.hfc.bench.sink.SinkBenchmark.PARTITIONS, (short) 1);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                TopicProvisioner.ensure(admin, topics, layout);
                var settings = SinkService.Settings.defaults(kafka, topics, db)
                        .withGroupId(GROUP)
                        .withBatchSize(batchSize)
                        .withLinger(Duration.ofMillis(100))
                        .withDbRetryTimeout(Duration.ofSeconds(60))
                        .withTopicLayout(layout)
                        .withConsumers(consumers);
                double newRows = pass(admin, kafka, topics, settings, first, "new keys", progress);
                double updates = pass(admin, kafka, topics, settings, second, "every key present", progress);
                return new Result(first.size(), consumers, newRows, updates);
            }
        } finally {
            try (Connection c = Database.connect(base);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + db.quotedSchema() + " CASCADE");
            }
        }
    }

    /** Writes {@code rows} into the topic, then times the sink from its start to its stored end offsets. */
    private static double pass(
            Admin admin,
            KafkaSettings kafka,
            Topics topics,
            SinkService.Settings settings,
            List<CustomerSegment> rows,
            String what,
            Consumer<String> progress)
            throws Exception {
        String topic = topics.customerSegments().name();
        var keySerializer = topics.customerSegments().keySerde().serializer();
        var valueSerializer = topics.customerSegments().valueSerde().serializer();
        progress.accept(String.format("writing %,d segment records (%s) into %s", rows.size(), what, topic));
        try (var producer = new KafkaProducer<>(
                kafka.clientProperties(Map.of(
                        "linger.ms", 20, "batch.size", 262144, "compression.type", "lz4", "enable.idempotence", true)),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (CustomerSegment s : rows) {
                producer.send(new ProducerRecord<>(
                        topic, keySerializer.serialize(topic, s.key()), valueSerializer.serialize(topic, s)));
            }
        }
        Map<TopicPartition, Long> ends = new java.util.HashMap<>();
        Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
        for (int p = 0; p < settings.topicLayout().partitions(); p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        admin.listOffsets(request).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        progress.accept(String.format("the sink with %d consumer(s) reading them", settings.consumers()));
        long start = System.nanoTime();
        double seconds;
        try (SinkService sink = SinkService.start(settings, new SinkMetrics(new SimpleMeterRegistry()))) {
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (true) {
                Map<TopicPartition, Long> stored = SinkOffsets.read(settings.db(), GROUP, ends.keySet());
                if (ends.entrySet().stream()
                        .allMatch(e -> e.getValue() == 0 || stored.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                    break;
                }
                if (sink.failure() != null || System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "the sink did not catch up: " + (sink.failure() == null ? "timeout" : sink.failure()));
                }
                Thread.sleep(20);
            }
            seconds = (System.nanoTime() - start) / 1e9; // before the consumers leave
        }
        return rows.size() / seconds;
    }
}
