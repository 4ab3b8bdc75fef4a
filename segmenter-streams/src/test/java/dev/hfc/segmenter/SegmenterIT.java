package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SegmentAssignment;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.ReplayPoint;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.testkit.KafkaExtension;
import dev.hfc.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Tag("no-database")
class SegmenterIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(3);

    private static final SegmentPolicy POLICY = SegmentPolicy.DEFAULT;

    @TempDir
    Path stateDir;

    @Test
    void inputsGivenMorePartitionsThanTheApplicationWasBuiltOnAreRefusedAtStart() throws Exception {
        Topics topics = KAFKA.freshTopics();
        String appId = "segmenter-drift-" + UUID.randomUUID().toString().substring(0, 8);
        var settings = SegmenterService.Settings.defaults(
                        KAFKA.settings(), new SegmenterConfig(topics, POLICY, ZoneOffset.UTC))
                .withApplicationId(appId)
                .withStateDir(stateDir)
                .withTopicLayout(new TopicProvisioner.Layout(3, (short) 1));
        try (SegmenterService service =
                SegmenterService.start(settings, new SegmenterMetrics(new SimpleMeterRegistry()))) {
            await().atMost(Duration.ofSeconds(60)).until(service::isRunning);
        }
        // The same number added to both inputs passes the co-partitioning check, and would split customers.
        try (Admin admin = KAFKA.admin()) {
            admin.createPartitions(Map.of(
                            topics.subscriptionEvents().name(),
                            org.apache.kafka.clients.admin.NewPartitions.increaseTo(6),
                            topics.customers().name(),
                            org.apache.kafka.clients.admin.NewPartitions.increaseTo(6)))
                    .all()
                    .get();
        }
        assertThatThrownBy(() -> SegmenterService.start(settings, new SegmenterMetrics(new SimpleMeterRegistry())))
                .isInstanceOf(TopicProvisioner.PartitionsChangedException.class)
                .hasMessageContaining("inputs have 6 partitions")
                .hasMessageContaining("built on 3")
                .hasMessageContaining("new --application-id");
    }

    @Test
    void exactlyOnceSegmentsReadBackFromTheBeginningAndAReplayConverges() throws Exception {
        Topics topics = KAFKA.topics();
        String appId = "segmenter-it-" + UUID.randomUUID().toString().substring(0, 8);
        var settings = SegmenterService.Settings.defaults(
                        KAFKA.settings(), new SegmenterConfig(topics, POLICY, ZoneOffset.UTC))
                .withApplicationId(appId)
                .withThreads(2)
                .withStateDir(stateDir)
                .withTopicLayout(new TopicProvisioner.Layout(3, (short) 1));
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        Random random = new Random(42);

        // 300 customers with random statuses for the current week and the next eight, some changed twice.
        Map<UUID, Map<Week, SubscriptionStatus>> truth = new HashMap<>();
        Map<UUID, Map<Week, UUID>> subscriptionIds = new HashMap<>();
        Map<UUID, String> emails = new HashMap<>();
        try (var events = producer(topics.subscriptionEvents().valueSerde().serializer());
                var customers = producer(topics.customers().valueSerde().serializer());
                var raw = new KafkaProducer<>(
                        Map.<String, Object>of("bootstrap.servers", KAFKA.bootstrapServers()),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            for (int i = 0; i < 300; i++) {
                UUID user = UUID.randomUUID();
                String email = "user" + i + "+weekly@example.com";
                emails.put(user, email);
                Map<Week, SubscriptionStatus> weeks = new HashMap<>();
                Map<Week, UUID> ids = new HashMap<>();
                boolean customerFirst = random.nextBoolean(); // CDC snapshots tables in either order
                if (customerFirst) {
                    customers.send(new ProducerRecord<>(
                            topics.customers().name(), user.toString(), new CustomerEvent(user, email, "active")));
                }
                for (int w = 0; w < 9; w++) {
                    Week week = current.plus(w);
                    SubscriptionStatus s =
                            random.nextInt(3) == 0 ? SubscriptionStatus.ACTIVE : SubscriptionStatus.PAUSED;
                    if (random.nextInt(10) == 0) {
                        s = SubscriptionStatus.CANCELLED;
                    }
                    UUID sid = UUID.randomUUID();
                    ids.put(week, sid);
                    weeks.put(week, s);
                    events.send(new ProducerRecord<>(
                            topics.subscriptionEvents().name(),
                            user.toString(),
                            SubscriptionEvent.upsert(user, sid, week, s, System.currentTimeMillis())));
                }
                if (i % 5 == 0) { // a later change: flip one week
                    Week week = current.plus(random.nextInt(9));
                    SubscriptionStatus flipped = weeks.get(week) == SubscriptionStatus.PAUSED
                            ? SubscriptionStatus.ACTIVE
                            : SubscriptionStatus.PAUSED;
                    weeks.put(week, flipped);
                    events.send(new ProducerRecord<>(
                            topics.subscriptionEvents().name(),
                            user.toString(),
                            SubscriptionEvent.upsert(user, ids.get(week), week, flipped, System.currentTimeMillis())));
                }
                if (!customerFirst) {
                    customers.send(new ProducerRecord<>(
                            topics.customers().name(), user.toString(), new CustomerEvent(user, email, "active")));
                }
                truth.put(user, weeks);
                subscriptionIds.put(user, ids);
            }
            // Poison: truncated JSON, and a customer whose email is not an address.
            raw.send(new ProducerRecord<>(
                    topics.subscriptionEvents().name(),
                    UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8),
                    "{\"schema_version\":1,".getBytes(StandardCharsets.UTF_8)));
            UUID bad = UUID.randomUUID();
            customers.send(new ProducerRecord<>(
                    topics.customers().name(), bad.toString(), new CustomerEvent(bad, "no-at-sign", "active")));
        }

        Map<SegmentKey, CustomerSegment> expected = expected(truth, subscriptionIds, emails, current);
        assertThat(expected).hasSizeGreaterThan(300);

        var metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        try (SegmenterService service = SegmenterService.start(settings, metrics)) {
            await().atMost(Duration.ofSeconds(60)).until(service::isRunning);
            assertThat(compactedUntilEqual(topics, expected)).isEqualTo(expected);

            List<ConsumerRecord<byte[], byte[]>> dead = TopicReader.readUntil(
                    KAFKA.bootstrapServers(), topics.dlq().name(), Duration.ofSeconds(30), r -> r.size() >= 2);
            assertThat(dead)
                    .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
                    .containsExactlyInAnyOrder("malformed-json", "invalid-email");
            assertThat(dead)
                    .allSatisfy(r -> assertThat(DeadLetters.header(r.headers(), DeadLetters.SOURCE_OFFSET))
                            .isNotNull());

            try (Admin admin = KAFKA.admin()) {
                assertThatThrownBy(() -> SegmenterReplay.rewind(admin, appId, topics, ReplayPoint.EARLIEST))
                        .hasMessageContaining("stop every instance");
            }
        }

        // Replay from the beginning with the segmenter stopped, then run again: the same current values.
        long outputBefore = endOffsets(topics.customerSegments().name());
        try (Admin admin = KAFKA.admin()) {
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> !SegmenterReplay.rewind(admin, appId, topics, ReplayPoint.EARLIEST)
                            .isEmpty());
        }
        try (SegmenterService service =
                SegmenterService.start(settings, new SegmenterMetrics(new SimpleMeterRegistry()))) {
            await().atMost(Duration.ofSeconds(120)).until(() -> caughtUp(appId, topics));
            assertThat(endOffsets(topics.customerSegments().name()))
                    .as("the replay re-applied the changed weeks")
                    .isGreaterThan(outputBefore);
            assertThat(compactedUntilEqual(topics, expected)).isEqualTo(expected);
        }
    }

    private static Map<SegmentKey, CustomerSegment> expected(
            Map<UUID, Map<Week, SubscriptionStatus>> truth,
            Map<UUID, Map<Week, UUID>> ids,
            Map<UUID, String> emails,
            Week current) {
        Map<SegmentKey, CustomerSegment> expected = new HashMap<>();
        truth.forEach((user, weeks) -> {
            for (Week target : weeks.keySet()) {
                if (target.isBefore(current)) {
                    continue;
                }
                Optional<SegmentAssignment> a = POLICY.assign(target, weeks::get);
                a.ifPresent(s -> expected.put(
                        new SegmentKey(target, user),
                        new CustomerSegment(
                                user,
                                emails.get(user),
                                target,
                                s.segment(),
                                s.pauseWeeks(),
                                ids.get(user).get(target),
                                0L)));
            }
        });
        return expected;
    }

    /** Reads the segments topic from the beginning as a compacted table until it matches (ignoring computed_at). */
    private static Map<SegmentKey, CustomerSegment> compactedUntilEqual(
            Topics topics, Map<SegmentKey, CustomerSegment> expected) {
        Map<SegmentKey, CustomerSegment> table = new HashMap<>();
        TopicReader.readUntil(
                KAFKA.bootstrapServers(), topics.customerSegments().name(), Duration.ofSeconds(90), records -> {
                    table.clear();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        SegmentKey key = SegmentKey.decode(r.key()).orThrow();
                        if (r.value() == null) {
                            table.remove(key);
                        } else {
                            CustomerSegment s = EventCodecs.CUSTOMER_SEGMENT
                                    .decode(r.value())
                                    .orThrow();
                            table.put(
                                    key,
                                    new CustomerSegment(
                                            s.userId(),
                                            s.email(),
                                            s.week(),
                                            s.segment(),
                                            s.pauseWeeks(),
                                            s.subscriptionId(),
                                            0L));
                        }
                    }
                    return table.equals(expected);
                });
        return table;
    }

    private static boolean caughtUp(String appId, Topics topics) throws ExecutionException, InterruptedException {
        try (Admin admin = KAFKA.admin()) {
            var committed = admin.listConsumerGroupOffsets(appId)
                    .partitionsToOffsetAndMetadata()
                    .get();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            committed.keySet().forEach(tp -> request.put(tp, OffsetSpec.latest()));
            var ends = admin.listOffsets(request).all().get();
            // Under exactly-once the end offset includes a transaction marker after the last record.
            return !committed.isEmpty()
                    && committed.entrySet().stream()
                            .allMatch(e -> e.getValue().offset()
                                    >= ends.get(e.getKey()).offset() - 1);
        }
    }

    private static long endOffsets(String topic) throws ExecutionException, InterruptedException {
        try (Admin admin = KAFKA.admin()) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < KAFKA.partitions(); p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get().values().stream()
                    .mapToLong(i -> i.offset())
                    .sum();
        }
    }

    private static <V> KafkaProducer<String, V> producer(Serializer<V> valueSerializer) {
        return new KafkaProducer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        KAFKA.bootstrapServers(),
                        "acks",
                        "all",
                        "enable.idempotence",
                        "true",
                        "linger.ms",
                        "5"),
                new org.apache.kafka.common.serialization.StringSerializer(),
                valueSerializer);
    }
}
