package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.KeyPartitions;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input written by kcat (librdkafka), not by our Java code: librdkafka's default partitioner is CRC32
 * ({@code consistent_random}), not the Java client's murmur2, so some users' records land in a partition
 * whose task does not hold their customer. Each such record must be dead-lettered as {@code wrong-partition}
 * with its source partition and offset, never silently held; with {@code partitioner=murmur2_random} every
 * record is applied.
 */
@Tag("no-database")
class KcatProducerIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(6);

    @TempDir
    Path stateDir;

    @Test
    void recordsInTheWrongPartitionAreDeadLetteredAndMurmur2RecordsAreApplied() throws Exception {
        Topics topics = KAFKA.freshTopics();
        var metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        var settings = SegmenterService.Settings.defaults(
                        KAFKA.settings(), new SegmenterConfig(topics, SegmentPolicy.DEFAULT, ZoneOffset.UTC))
                .withApplicationId("kcat-it-" + UUID.randomUUID().toString().substring(0, 8))
                .withStateDir(stateDir)
                .withTopicLayout(new TopicProvisioner.Layout(6, (short) 1));
        Week target = Week.current(Instant.now(), ZoneOffset.UTC).plus(1);
        List<UUID> defaultPartitioner = users(40);
        List<UUID> murmur2 = users(40);

        try (SegmenterService service = SegmenterService.start(settings, metrics)) {
            kcat(topics.customers().name(), null, customerLines(defaultPartitioner));
            kcat(topics.subscriptionEvents().name(), null, subscriptionLines(defaultPartitioner, target));
            kcat(topics.customers().name(), "murmur2_random", customerLines(murmur2));
            kcat(topics.subscriptionEvents().name(), "murmur2_random", subscriptionLines(murmur2, target));

            // Where librdkafka put each record, read back from the topics.
            List<ConsumerRecord<byte[], byte[]>> inputs = new ArrayList<>();
            inputs.addAll(TopicReader.readToEnd(
                    KAFKA.bootstrapServers(), topics.customers().name()));
            inputs.addAll(TopicReader.readToEnd(
                    KAFKA.bootstrapServers(), topics.subscriptionEvents().name()));
            assertThat(inputs).hasSize(80 * 2);
            Set<String> misplaced = new HashSet<>();
            Set<UUID> usersWithAMisplacedRecord = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : inputs) {
                UUID user = UUID.fromString(new String(r.key(), StandardCharsets.UTF_8));
                if (r.partition() != KeyPartitions.of(user, 6)) {
                    misplaced.add(r.topic() + "/" + r.partition() + "/" + r.offset());
                    usersWithAMisplacedRecord.add(user);
                }
            }
            assertThat(usersWithAMisplacedRecord)
                    .as("CRC32 places most keys elsewhere than murmur2 does")
                    .isNotEmpty()
                    .doesNotContainAnyElementsOf(murmur2);

            List<ConsumerRecord<byte[], byte[]>> dead = TopicReader.readUntil(
                    KAFKA.bootstrapServers(),
                    topics.dlq().name(),
                    Duration.ofSeconds(60),
                    records -> records.size() >= misplaced.size());
            Set<String> deadLettered = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                assertThat(DeadLetters.header(d.headers(), DeadLetters.REASON)).isEqualTo("wrong-partition");
                deadLettered.add(DeadLetters.header(d.headers(), DeadLetters.SOURCE_TOPIC) + "/"
                        + DeadLetters.header(d.headers(), DeadLetters.SOURCE_PARTITION) + "/"
                        + DeadLetters.header(d.headers(), DeadLetters.SOURCE_OFFSET));
            }
            assertThat(deadLettered).isEqualTo(misplaced);
            assertThat(metrics.registry()
                            .find("hfc.segmenter.dlq")
                            .tag("reason", "wrong-partition")
                            .counter()
                            .count())
                    .isEqualTo(misplaced.size());

            // Every user whose two records both landed where murmur2 puts them is segmented, the murmur2 ones included.
            Set<UUID> applicable = new HashSet<>(defaultPartitioner);
            applicable.addAll(murmur2);
            applicable.removeAll(usersWithAMisplacedRecord);
            Map<SegmentKey, CustomerSegment> table = new HashMap<>();
            TopicReader.readUntil(
                    KAFKA.bootstrapServers(), topics.customerSegments().name(), Duration.ofSeconds(60), records -> {
                        table.clear();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            CustomerSegment s = EventCodecs.CUSTOMER_SEGMENT
                                    .decode(r.value())
                                    .orThrow();
                            table.put(s.key(), s);
                        }
                        return table.size() >= applicable.size();
                    });
            assertThat(table.keySet()).extracting(SegmentKey::userId).containsExactlyInAnyOrderElementsOf(applicable);
        }
    }

    /**
     * An outside system bootstraps its customers with snapshots written by kcat (murmur2, as the docs say):
     * they are segmented; malformed ones go to the DLQ with their reason, source partition and offset.
     */
    @Test
    void snapshotsWrittenByKcatAreSegmentedAndMalformedOnesDeadLetteredWithTheirReason() throws Exception {
        Topics topics = KAFKA.freshTopics();
        var metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        var settings = SegmenterService.Settings.defaults(
                        KAFKA.settings(), new SegmenterConfig(topics, SegmentPolicy.DEFAULT, ZoneOffset.UTC))
                .withApplicationId("kcat-snap-" + UUID.randomUUID().toString().substring(0, 8))
                .withStateDir(stateDir)
                .withTopicLayout(new TopicProvisioner.Layout(6, (short) 1));
        Week target = Week.current(Instant.now(), ZoneOffset.UTC).plus(1);
        List<UUID> good = users(12);
        List<UUID> bad = users(5);
        String week = "{\"week\":\"%s\",\"status\":\"%s\",\"subscription_id\":\"%s\"}";
        String snapshot =
                "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"%s\",\"weeks\":[%s],\"source_ts_ms\":%d}";
        long now = System.currentTimeMillis();
        List<String> lines = new ArrayList<>();
        for (UUID u : good) {
            lines.add(u + "\t"
                    + snapshot.formatted(
                            u,
                            week.formatted(target, "paused", UUID.randomUUID()) + ","
                                    + week.formatted(target.plus(1), "paused", UUID.randomUUID()) + ","
                                    + week.formatted(target.plus(2), "active", UUID.randomUUID()),
                            now));
        }
        String one = week.formatted(target, "paused", UUID.randomUUID());
        lines.add(bad.get(0) + "\t" + "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"" + bad.get(0)
                + "\",\"source_ts_ms\":1}");
        lines.add(bad.get(1) + "\t" + snapshot.formatted(bad.get(1), one + "," + one, now));
        lines.add(bad.get(2) + "\t"
                + snapshot.formatted(bad.get(2), week.formatted("2026-W54", "paused", UUID.randomUUID()), now));
        lines.add(bad.get(3) + "\t"
                + snapshot.formatted(bad.get(3), week.formatted(target, "skipped", UUID.randomUUID()), now));
        StringBuilder many = new StringBuilder(one);
        for (int i = 1; i < 3_500; i++) {
            many.append(',').append(week.formatted(target.plus(i), "active", UUID.randomUUID()));
        }
        lines.add(bad.get(4) + "\t" + snapshot.formatted(bad.get(4), many, now));

        try (SegmenterService service = SegmenterService.start(settings, metrics)) {
            kcat(topics.customers().name(), "murmur2_random", customerLines(good));
            kcat(topics.customers().name(), "murmur2_random", customerLines(bad));
            kcat(topics.subscriptionEvents().name(), "murmur2_random", lines);

            List<ConsumerRecord<byte[], byte[]>> dead = TopicReader.readUntil(
                    KAFKA.bootstrapServers(),
                    topics.dlq().name(),
                    Duration.ofSeconds(60),
                    records -> records.size() >= 5);
            Map<UUID, String> reasons = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                assertThat(DeadLetters.header(d.headers(), DeadLetters.STAGE)).isEqualTo("segmenter");
                assertThat(DeadLetters.header(d.headers(), DeadLetters.SOURCE_TOPIC))
                        .isEqualTo(topics.subscriptionEvents().name());
                assertThat(DeadLetters.header(d.headers(), DeadLetters.DETAIL)).isNotBlank();
                reasons.put(
                        UUID.fromString(new String(d.key(), StandardCharsets.UTF_8)),
                        DeadLetters.header(d.headers(), DeadLetters.REASON));
            }
            assertThat(reasons)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            bad.get(0),
                            "missing-field",
                            bad.get(1),
                            "duplicate-week",
                            bad.get(2),
                            "invalid-week",
                            bad.get(3),
                            "unknown-status",
                            bad.get(4),
                            "oversized"));

            Map<SegmentKey, CustomerSegment> table = new HashMap<>();
            TopicReader.readUntil(
                    KAFKA.bootstrapServers(), topics.customerSegments().name(), Duration.ofSeconds(60), records -> {
                        table.clear();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            CustomerSegment s = EventCodecs.CUSTOMER_SEGMENT
                                    .decode(r.value())
                                    .orThrow();
                            table.put(s.key(), s);
                        }
                        return table.size() >= good.size() * 2;
                    });
            assertThat(table.values())
                    .filteredOn(s -> s.week().equals(target))
                    .extracting(CustomerSegment::userId)
                    .containsExactlyInAnyOrderElementsOf(good);
            assertThat(table.values())
                    .filteredOn(s -> s.week().equals(target))
                    .allSatisfy(s -> assertThat(s.pauseWeeks()).isEqualTo(2));
        }
    }

    private static List<UUID> users(int n) {
        List<UUID> users = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            users.add(UUID.randomUUID());
        }
        return users;
    }

    private static List<String> customerLines(List<UUID> users) {
        return users.stream()
                .map(u -> u + "\t"
                        + new String(
                                EventCodecs.CUSTOMER.encode(new CustomerEvent(
                                        u, "kcat+" + u.toString().substring(0, 8) + "@example.com", "active")),
                                StandardCharsets.UTF_8))
                .toList();
    }

    private static List<String> subscriptionLines(List<UUID> users, Week week) {
        return users.stream()
                .map(u -> u + "\t"
                        + new String(
                                EventCodecs.SUBSCRIPTION_EVENT.encode(SubscriptionEvent.upsert(
                                        u,
                                        UUID.randomUUID(),
                                        week,
                                        SubscriptionStatus.PAUSED,
                                        System.currentTimeMillis())),
                                StandardCharsets.UTF_8))
                .toList();
    }

    /** Produces tab-separated key/value lines with kcat; {@code partitioner} null keeps librdkafka's default. */
    private static void kcat(String topic, String partitioner, List<String> lines) throws Exception {
        List<String> command =
                new ArrayList<>(List.of("kcat", "-P", "-b", KAFKA.bootstrapServers(), "-t", topic, "-K", "\t"));
        if (partitioner != null) {
            command.addAll(List.of("-X", "partitioner=" + partitioner));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kcat finished").isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("kcat exit code; it said: %s", output).isZero();
    }
}
