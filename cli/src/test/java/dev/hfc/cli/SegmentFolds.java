package dev.hfc.cli;

import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.Topics;
import dev.hfc.schema.Database;
import dev.hfc.segmenter.DeadLetterDeserializationHandler;
import dev.hfc.segmenter.SegmenterConfig;
import dev.hfc.segmenter.SegmenterMetrics;
import dev.hfc.segmenter.SegmenterTopology;
import dev.hfc.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The campaign targets as three independent readings, each folded to one content string per (week, user):
 * the table, the compacted segments topic read with {@code read_committed}, and what the segmenter's committed
 * input implies (the committed input records run through the topology in a {@link TopologyTestDriver}).
 * Process-level tests compare them to prove exactly-once, not just convergence.
 */
final class SegmentFolds {

    private SegmentFolds() {}

    /** How {@code actual} differs from {@code expected}: keys missing, keys extra, keys with other content. */
    record Diff(int expected, int actual, int lost, int unexpected, int stale, List<String> first) {
        boolean clean() {
            return lost == 0 && unexpected == 0 && stale == 0;
        }

        @Override
        public String toString() {
            return "%,d expected, %,d actual: lost %d, unexpected %d, stale %d%s"
                    .formatted(expected, actual, lost, unexpected, stale, first.isEmpty() ? "" : "; first: " + first);
        }
    }

    static Diff compare(Map<SegmentKey, String> expected, Map<SegmentKey, String> actual) {
        int lost = 0;
        int stale = 0;
        List<String> first = new ArrayList<>();
        for (Map.Entry<SegmentKey, String> e : expected.entrySet()) {
            String got = actual.get(e.getKey());
            if (got == null) {
                lost++;
                note(first, "lost " + e.getKey() + " " + e.getValue());
            } else if (!got.equals(e.getValue())) {
                stale++;
                note(first, "stale " + e.getKey() + " " + got + " instead of " + e.getValue());
            }
        }
        int unexpected = 0;
        for (Map.Entry<SegmentKey, String> e : actual.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                unexpected++;
                note(first, "unexpected " + e.getKey() + " " + e.getValue());
            }
        }
        return new Diff(expected.size(), actual.size(), lost, unexpected, stale, first);
    }

    private static void note(List<String> first, String what) {
        if (first.size() < 5) {
            first.add(what);
        }
    }

    /** Every row of the campaign table. */
    static Map<SegmentKey, String> table(DbSettings db) throws SQLException {
        return table(db, "");
    }

    /**
     * The segments topic against the table where the table must follow the topic: a row marked sent is history
     * the sink keeps whatever the topic says of its key later, so the keys of sent rows are left out of both
     * (a test compares those rows with what they were before).
     */
    static Diff topicVsUnsentRows(String bootstrap, Topics topics, DbSettings db) throws SQLException {
        Map<SegmentKey, String> topic = topic(bootstrap, topics);
        Map<SegmentKey, String> sent = table(db, " WHERE campaign_sent");
        Map<SegmentKey, String> unsent = table(db, " WHERE NOT campaign_sent");
        topic.keySet().removeAll(sent.keySet());
        return compare(topic, unsent);
    }

    private static Map<SegmentKey, String> table(DbSettings db, String where) throws SQLException {
        Map<SegmentKey, String> rows = new TreeMap<>(Comparator.comparing(SegmentKey::toString));
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT subscription_week, user_id, email, segment, pause_weeks, subscription_id FROM rec_campaigns_weekly"
                                + where)) {
            while (rs.next()) {
                SegmentKey key = SegmentKey.parse(rs.getString(1) + ":" + rs.getString(2))
                        .orThrow();
                rows.put(key, content(rs.getString(3), rs.getString(4), rs.getInt(5), rs.getObject(6, UUID.class)));
            }
        }
        return rows;
    }

    /** The live keys of the segments topic, read to its end with {@code read_committed}. */
    static Map<SegmentKey, String> topic(String bootstrap, Topics topics) {
        return fold(TopicReader.readToEnd(bootstrap, topics.customerSegments().name()));
    }

    /** The last value per key; a tombstone removes the key. */
    static Map<SegmentKey, String> fold(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<SegmentKey, String> live = new TreeMap<>(Comparator.comparing(SegmentKey::toString));
        for (ConsumerRecord<byte[], byte[]> r : records) {
            SegmentKey key = SegmentKey.decode(r.key()).orThrow();
            if (r.value() == null) {
                live.remove(key);
            } else {
                CustomerSegment s =
                        EventCodecs.CUSTOMER_SEGMENT.decode(r.value()).orThrow();
                live.put(key, content(s.email(), s.segment().wire(), s.pauseWeeks(), s.subscriptionId()));
            }
        }
        return live;
    }

    private static String content(String email, String segment, int pauseWeeks, UUID subscriptionId) {
        return email + "|" + segment + "|" + pauseWeeks + "|" + subscriptionId;
    }

    /**
     * Waits until no transaction is open on the topic (the last stable offset has reached the end of every
     * partition): with its writers killed, their open transactions are aborted when they time out.
     */
    static void awaitTransactionsSettled(String bootstrap, String topic, Duration atMost) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> {
                var partitions =
                        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                                .map(p -> new TopicPartition(topic, p.partition()))
                                .toList();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                var committed = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                        .all()
                        .get();
                var uncommitted = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                        .all()
                        .get();
                return partitions.stream()
                        .allMatch(tp -> committed.get(tp).offset()
                                == uncommitted.get(tp).offset());
            });
        }
    }

    /** What the segmenter's committed input implies; call with every instance of it stopped. */
    record Implied(Map<SegmentKey, String> segments, long inputRecords) {}

    /**
     * Reads each input partition from the beginning up to the offset the application committed, and runs those
     * records, partition by partition in offset order, through the segmenter's topology.
     */
    static Implied committedInputImplies(
            String bootstrap, Topics topics, String applicationId, SegmentPolicy policy, ZoneId zone) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata()
                    .get();
        }
        // Per partition, one queue per input topic in offset order, merged by timestamp as a Streams task picks
        // the next record among its partitions.
        Map<Integer, List<java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>>>> byPartition = new TreeMap<>();
        for (String topic :
                List.of(topics.customers().name(), topics.subscriptionEvents().name())) {
            Map<Integer, java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>>> queues = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readToEnd(bootstrap, topic)) {
                OffsetAndMetadata upTo = committed.get(new TopicPartition(r.topic(), r.partition()));
                if (upTo != null && r.offset() < upTo.offset()) {
                    queues.computeIfAbsent(r.partition(), p -> new java.util.ArrayDeque<>())
                            .add(r);
                }
            }
            queues.forEach((p, q) ->
                    byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(q));
        }
        List<ConsumerRecord<byte[], byte[]>> inputs = new ArrayList<>();
        for (List<java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>>> queues : byPartition.values()) {
            while (queues.stream().anyMatch(q -> !q.isEmpty())) {
                queues.stream()
                        .filter(q -> !q.isEmpty())
                        .min(Comparator.comparingLong(q -> q.peek().timestamp()))
                        .ifPresent(q -> inputs.add(q.poll()));
            }
        }

        SegmenterMetrics metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId + "-reference");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.putAll(DeadLetterDeserializationHandler.streamsProperties(topics, metrics));
        // One partition: the driver feeds everything to partition 0, and the per-user state does not depend on
        // which task holds it.
        try (TopologyTestDriver driver = new TopologyTestDriver(
                SegmenterTopology.build(new SegmenterConfig(topics, policy, zone, 1), metrics), props, Instant.now())) {
            Map<String, TestInputTopic<byte[], byte[]>> in = new HashMap<>();
            for (String topic : List.of(
                    topics.customers().name(), topics.subscriptionEvents().name())) {
                in.put(topic, driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer()));
            }
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic(
                    topics.customerSegments().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<ConsumerRecord<byte[], byte[]>> emitted = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : inputs) {
                in.get(r.topic()).pipeInput(r.key(), r.value(), Instant.ofEpochMilli(r.timestamp()));
                for (var o : out.readRecordsToList()) {
                    emitted.add(new ConsumerRecord<>(
                            topics.customerSegments().name(), 0, emitted.size(), o.key(), o.value()));
                }
            }
            return new Implied(fold(emitted), inputs.size());
        }
    }
}
