package dev.hfc.cli;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.producer.generate.SourceDataGenerator;
import dev.hfc.segmenter.SegmenterConfig;
import dev.hfc.segmenter.SegmenterMetrics;
import dev.hfc.segmenter.SegmenterService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code hfc bench segmenter}: input events per second through the segmenter topology on the in-process
 * broker with exactly-once, from the first input consumed to every input committed.
 */
final class SegmenterBenchmark {

    record Result(long events, long segmentsOut, double eventsPerSecond, int threads) {}

    private SegmenterBenchmark() {}

    static Result run(long customers, int threads, Consumer<String> progress) throws Exception {
        Path dir = Files.createTempDirectory("hfc-bench-segmenter");
        try (InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, dir.resolve("kafka"))) {
            Topics topics = new Topics("bench.");
            var layout = new TopicProvisioner.Layout(6, (short) 1);
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
            long events = 0;
            progress.accept("writing the input: " + customers + " customers and their subscription events");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                TopicProvisioner.ensure(admin, topics, layout);
            }
            var generator = new SourceDataGenerator(3, Week.current(Instant.now(), ZoneOffset.UTC));
            var eventSerializer = topics.subscriptionEvents().valueSerde().serializer();
            var customerSerializer = topics.customers().valueSerde().serializer();
            try (var p = new KafkaProducer<>(kafka.clientProperties(Map.of("linger.ms", 20, "batch.size", 262144,
                    "compression.type", "lz4")), new ByteArraySerializer(), new ByteArraySerializer())) {
                long now = System.currentTimeMillis();
                for (long i = 0; i < customers; i++) {
                    var rows = generator.customer(i);
                    byte[] key = rows.customer().userId().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    p.send(new ProducerRecord<>(topics.customers().name(), null, now, key, customerSerializer.serialize("",
                            new CustomerEvent(rows.customer().userId(), rows.customer().email(), rows.customer().status()))));
                    for (var s : rows.subscriptions()) {
                        p.send(new ProducerRecord<>(topics.subscriptionEvents().name(), null, now, key, eventSerializer.serialize("",
                                SubscriptionEvent.upsert(s.userId(), s.subscriptionId(), s.week(), s.status(), now))));
                    }
                    events += 1 + rows.subscriptions().size();
                }
            }
            progress.accept("segmenting " + events + " events with " + threads + " stream thread(s), exactly_once_v2");
            var metrics = new SegmenterMetrics(new SimpleMeterRegistry());
            long start = System.nanoTime();
            try (SegmenterService service = SegmenterService.start(new SegmenterService.Settings(kafka,
                    new SegmenterConfig(topics, SegmentPolicy.DEFAULT, ZoneOffset.UTC), "bench-segmenter", threads,
                    dir.resolve("state"), 0, layout), metrics);
                 Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                awaitCommitted(admin, "bench-segmenter", topics);
                double seconds = (System.nanoTime() - start) / 1e9;
                return new Result(events, (long) (metrics.emittedUpserts() + metrics.emittedTombstones()), events / seconds, threads);
            }
        }
    }

    private static void awaitCommitted(Admin admin, String group, Topics topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (String topic : java.util.List.of(topics.subscriptionEvents().name(), topics.customers().name())) {
            admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        }
        var ends = admin.listOffsets(request).all().get();
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (System.nanoTime() < deadline) {
            var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            boolean done = ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                    || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset()));
            if (done) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the segmenter did not commit all input within 20 minutes");
    }
}
