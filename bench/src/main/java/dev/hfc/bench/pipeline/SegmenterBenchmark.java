package dev.hfc.bench.pipeline;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.segmenter.SegmenterConfig;
import dev.hfc.segmenter.SegmenterMetrics;
import dev.hfc.segmenter.SegmenterService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
public final class SegmenterBenchmark {

    /**
     * @param resegmentSeconds with a policy change: from the restart under the new policy until every customer was
     *                         re-segmented from state and committed (NaN without)
     * @param replaySeconds    with a policy change: a fresh application under the new policy reading every input again
     */
    public record Result(
            long events,
            long segmentsOut,
            double eventsPerSecond,
            int threads,
            double resegmentSeconds,
            long resegmentOut,
            double replaySeconds) {}

    /** The policy a {@code --policy-change} run moves to: medium from 3 weeks instead of 2. */
    public static final SegmentPolicy CHANGED = new SegmentPolicy(4, 3, 4);

    private SegmenterBenchmark() {}

    public static Result run(
            long customers, int threads, boolean policyChange, boolean keepData, Consumer<String> progress)
            throws Exception {
        try (BenchWorkDir dir = BenchWorkDir.create("segmenter", keepData);
                InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, dir.resolve("kafka"))) {
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
            try (var p = new KafkaProducer<>(
                    kafka.clientProperties(Map.of("linger.ms", 20, "batch.size", 262144, "compression.type", "lz4")),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                long now = System.currentTimeMillis();
                for (long i = 0; i < customers; i++) {
                    var rows = generator.customer(i);
                    byte[] key = rows.customer().userId().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    p.send(new ProducerRecord<>(
                            topics.customers().name(),
                            null,
                            now,
                            key,
                            customerSerializer.serialize(
                                    "",
                                    new CustomerEvent(
                                            rows.customer().userId(),
                                            rows.customer().email(),
                                            rows.customer().status()))));
                    for (var s : rows.subscriptions()) {
                        p.send(new ProducerRecord<>(
                                topics.subscriptionEvents().name(),
                                null,
                                now,
                                key,
                                eventSerializer.serialize(
                                        "",
                                        SubscriptionEvent.upsert(
                                                s.userId(), s.subscriptionId(), s.week(), s.status(), now))));
                    }
                    events += 1 + rows.subscriptions().size();
                }
            }
            progress.accept("segmenting " + events + " events with " + threads + " stream thread(s), exactly_once_v2");
            var metrics = new SegmenterMetrics(new SimpleMeterRegistry());
            long start = System.nanoTime();
            double eventsPerSecond;
            long out;
            try (SegmenterService service = SegmenterService.start(
                            settings(
                                    kafka,
                                    topics,
                                    SegmentPolicy.DEFAULT,
                                    "bench-segmenter",
                                    threads,
                                    dir.resolve("state"),
                                    layout),
                            metrics);
                    Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                awaitCommitted(admin, "bench-segmenter", topics);
                eventsPerSecond = events / ((System.nanoTime() - start) / 1e9);
                out = (long) (metrics.emittedUpserts() + metrics.emittedTombstones());
            }
            if (!policyChange) {
                return new Result(events, out, eventsPerSecond, threads, Double.NaN, 0, Double.NaN);
            }

            progress.accept(
                    "policy change to " + CHANGED.fingerprint() + ": the same application re-segments from its state");
            var after = new SegmenterMetrics(new SimpleMeterRegistry());
            start = System.nanoTime();
            long resegmentOut;
            try (SegmenterService service = SegmenterService.start(
                            settings(kafka, topics, CHANGED, "bench-segmenter", threads, dir.resolve("state"), layout),
                            after);
                    Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
                while (after.resegmentedTasks() < layout.partitions()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the re-segmentation did not finish within 20 minutes");
                    }
                    Thread.sleep(20);
                }
                resegmentOut = (long) (after.emittedUpserts() + after.emittedTombstones());
                awaitCommitted(admin, "bench-segmenter", topics); // nothing new to read: the slices are committed too
            }
            double resegmentSeconds = (System.nanoTime() - start) / 1e9;

            progress.accept(
                    "the alternative: a new application under " + CHANGED.fingerprint() + " reading every input again");
            var replay = new SegmenterMetrics(new SimpleMeterRegistry());
            start = System.nanoTime();
            try (SegmenterService service = SegmenterService.start(
                            settings(
                                    kafka,
                                    topics,
                                    CHANGED,
                                    "bench-segmenter-replay",
                                    threads,
                                    dir.resolve("state-replay"),
                                    layout),
                            replay);
                    Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                awaitCommitted(admin, "bench-segmenter-replay", topics);
            }
            double replaySeconds = (System.nanoTime() - start) / 1e9;
            return new Result(events, out, eventsPerSecond, threads, resegmentSeconds, resegmentOut, replaySeconds);
        }
    }

    private static SegmenterService.Settings settings(
            KafkaSettings kafka,
            Topics topics,
            SegmentPolicy policy,
            String applicationId,
            int threads,
            Path stateDir,
            TopicProvisioner.Layout layout) {
        return SegmenterService.Settings.defaults(kafka, new SegmenterConfig(topics, policy, ZoneOffset.UTC))
                .withApplicationId(applicationId)
                .withThreads(threads)
                .withStateDir(stateDir)
                .withTopicLayout(layout);
    }

    private static void awaitCommitted(Admin admin, String group, Topics topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (String topic : java.util.List.of(
                topics.subscriptionEvents().name(), topics.customers().name())) {
            admin.describeTopics(java.util.List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        }
        var ends = admin.listOffsets(request).all().get();
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (System.nanoTime() < deadline) {
            var committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            boolean done = ends.entrySet().stream()
                    .allMatch(e -> e.getValue().offset() == 0
                            || (committed.get(e.getKey()) != null
                                    && committed.get(e.getKey()).offset()
                                            >= e.getValue().offset()));
            if (done) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the segmenter did not commit all input within 20 minutes");
    }
}
