package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.CustomerSnapshot;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.event.SubscriptionInput;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Customer snapshots in the topology: a snapshot replaces the customer's weeks and publishes only what
 * changed; a task rebuilding on a partial input publishes nothing until it has read a snapshot of all
 * customers whole, then exactly what differs from what was published (the seed).
 */
class SnapshotTopologyTest {

    private static final Topics TOPICS = Topics.withDefaultPrefix();
    private static final String SEED = "segmenter-test-published-seed";
    private static final Week W = Week.parse("2026-W49");
    private static final long T0 = W.minus(1)
            .monday()
            .plusDays(1)
            .atStartOfDay()
            .toInstant(ZoneOffset.UTC)
            .toEpochMilli();

    private TopologyTestDriver driver;
    private TestInputTopic<String, SubscriptionInput> subscriptions;
    private TestInputTopic<String, CustomerEvent> customers;
    private TestInputTopic<byte[], byte[]> rawSubscriptions;
    private TestInputTopic<String, byte[]> seed;
    private TestOutputTopic<SegmentKey, CustomerSegment> segments;
    private TestOutputTopic<byte[], byte[]> dlq;
    private SegmenterMetrics metrics;

    private void start(History history) {
        metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "segmenter-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.putAll(DeadLetterDeserializationHandler.streamsProperties(TOPICS, metrics));
        driver = new TopologyTestDriver(
                SegmenterTopology.build(
                        new SegmenterConfig(TOPICS, SegmentPolicy.DEFAULT, ZoneOffset.UTC, 1, history), metrics),
                props,
                Instant.ofEpochMilli(T0));
        subscriptions = driver.createInputTopic(
                TOPICS.subscriptionEvents().name(),
                TOPICS.subscriptionEvents().keySerde().serializer(),
                TOPICS.subscriptionEvents().valueSerde().serializer());
        customers = driver.createInputTopic(
                TOPICS.customers().name(),
                TOPICS.customers().keySerde().serializer(),
                TOPICS.customers().valueSerde().serializer());
        rawSubscriptions = driver.createInputTopic(
                TOPICS.subscriptionEvents().name(), new ByteArraySerializer(), new ByteArraySerializer());
        seed = driver.createInputTopic(SEED, new StringSerializer(), new ByteArraySerializer());
        segments = driver.createOutputTopic(
                TOPICS.customerSegments().name(),
                TOPICS.customerSegments().keySerde().deserializer(),
                TOPICS.customerSegments().valueSerde().deserializer());
        dlq = driver.createOutputTopic(
                TOPICS.dlq().name(),
                Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aSnapshotReplacesTheWeeksAndPublishesOnlyWhatChanged() {
        start(History.WHOLE);
        User u = new User();
        u.customer();
        u.weeks("PPAP");
        assertThat(drain()).containsEntry(new SegmentKey(W, u.id), u.expect(Segment.MEDIUM, 2));

        // W+1 active, W+2 paused: W keeps its run of 2 (W+2, W+3), W+1 is no target, W+2 becomes one; W+3 unchanged.
        u.snapshot("PAPP");
        List<TestRecord<SegmentKey, CustomerSegment>> out = segments.readRecordsToList();
        assertThat(out)
                .extracting(
                        r -> r.key().week(),
                        r -> r.value() == null ? null : r.value().segment())
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(W.plus(1), null),
                        org.assertj.core.groups.Tuple.tuple(W.plus(2), Segment.MEDIUM));

        u.snapshot("PAPP"); // the same snapshot again: nothing
        assertThat(segments.readRecordsToList()).isEmpty();

        u.snapshot("-APP"); // W has no row any more: absent from the snapshot means gone
        assertThat(segments.readRecordsToList()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(new SegmentKey(W, u.id));
            assertThat(r.value()).isNull();
            assertThat(new String(r.headers().lastHeader(EndReason.HEADER).value(), StandardCharsets.UTF_8))
                    .isEqualTo("subscription-deleted");
        });
        u.snapshot(""); // no weeks at all
        assertThat(segments.readRecordsToList())
                .extracting(r -> r.key().week())
                .containsExactlyInAnyOrder(W.plus(2), W.plus(3));
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void aSnapshotOfAnotherUsersKeyOrPartitionGoesToTheDlq() {
        start(History.WHOLE);
        User u = new User();
        User other = new User();
        subscriptions.pipeInput(other.id.toString(), u.snapshotOf("P"), T0);
        assertThat(dlqReasons()).containsExactly("key-mismatch");
        assertThat(segments.isEmpty()).isTrue();
    }

    @Test
    void malformedSnapshotsGoToTheDlqWithTheirReasonAndTheRestGoesOn() {
        start(History.WHOLE);
        User u = new User();
        u.customer();
        String user = u.id.toString();
        String sub = UUID.randomUUID().toString();
        String week = "{\"week\":\"" + W + "\",\"status\":\"paused\",\"subscription_id\":\"" + sub + "\"}";
        List<String> bad = List.of(
                "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"" + user + "\",\"source_ts_ms\":1}",
                "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"" + user + "\",\"weeks\":[" + week + "," + week
                        + "],\"source_ts_ms\":1}",
                "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"" + user + "\",\"weeks\":["
                        + week.replace(W.toString(), "2026-W54") + "],\"source_ts_ms\":1}",
                "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"" + user + "\",\"weeks\":["
                        + week.replace("paused", "skipped") + "],\"source_ts_ms\":1}",
                "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"" + user + "\",\"weeks\":["
                        + (week + ",").repeat(3000) + week + "],\"source_ts_ms\":1}");
        for (String json : bad) {
            rawSubscriptions.pipeInput(
                    user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8), T0);
        }
        // TopologyTestDriver does not surface what the deserialization handler sends (KcatProducerIT reads the
        // real DLQ): the reasons are counted.
        for (String reason :
                List.of("missing-field", "duplicate-week", "invalid-week", "unknown-status", "oversized")) {
            assertThat(metrics.registry()
                            .get("hfc.segmenter.dlq")
                            .tag("reason", reason)
                            .counter()
                            .count())
                    .as(reason)
                    .isEqualTo(1);
        }
        u.snapshot("P");
        assertThat(drain()).containsEntry(new SegmentKey(W, u.id), u.expect(Segment.LOW, 1));
    }

    /**
     * The rebuild past retention: the old application published targets (the seed); the new one starts on a
     * partial log (changes only, no snapshot), then reads a whole snapshot. Nothing is published before the
     * end marker; then exactly the difference between the truth and the seed: a changed segment, a stale
     * target withdrawn, a customer known only from the seed withdrawn, a new target published.
     */
    @Test
    void aRebuildingTaskPublishesNothingUntilAWholeSnapshotThenOnlyTheDifferenceFromWhatWasPublished() {
        User kept = new User(); // published medium, still medium; W+1 published and withdrawn, paused again
        User changed = new User(); // published medium; now high
        User resumed = new User(); // published low; resumed W during the outage
        User gone = new User(); // published low; its rows were deleted before the snapshot
        User fresh = new User(); // never published; paused after the snapshot
        List<TestRecord<String, byte[]>> published = List.of(
                kept.seedRecord(Segment.MEDIUM, 2),
                changed.seedRecord(Segment.MEDIUM, 2),
                resumed.seedRecord(Segment.LOW, 1),
                gone.seedRecord(Segment.LOW, 1),
                // a target that was later withdrawn: its tombstone follows it in the seed
                new TestRecord<>(
                        new SegmentKey(W.plus(1), kept.id).toString(), kept.seedValue(W.plus(1), Segment.LOW, 1)),
                new TestRecord<>(new SegmentKey(W.plus(1), kept.id).toString(), (byte[]) null),
                new TestRecord<>(History.SEED_END_KEY, "hfc.customer-segments".getBytes(StandardCharsets.UTF_8)));
        start(new History(Set.of(0), SEED, Map.of(0, 5L))); // the five customers below were in the topic at start
        assertThat(metrics.tasksRebuilding()).isEqualTo(1);
        seed.pipeRecordList(published);
        for (User u : List.of(kept, changed, resumed, gone, fresh)) {
            u.customer();
        }
        // What is left of the log: a few changes of some customers, never the whole of one.
        resumed.week(W, SubscriptionStatus.ACTIVE);
        changed.week(W.plus(3), SubscriptionStatus.PAUSED);
        kept.week(W.plus(1), SubscriptionStatus.PAUSED);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(segments.isEmpty()).as("nothing from partial customers").isTrue();

        subscriptions.pipeInput((String) null, new SnapshotMarker("hfc:1", SnapshotMarker.Phase.END, T0), T0);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(segments.isEmpty())
                .as("an end without its beginning completes nothing")
                .isTrue();

        subscriptions.pipeInput((String) null, new SnapshotMarker("hfc:2", SnapshotMarker.Phase.BEGIN, T0), T0);
        kept.snapshot("PPAA");
        changed.snapshot("PPPP");
        resumed.snapshot("AAAA");
        fresh.week(W, SubscriptionStatus.PAUSED); // created after its snapshot was read: only its change is in the log
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(segments.isEmpty()).as("still holding before the end").isTrue();
        subscriptions.pipeInput((String) null, new SnapshotMarker("hfc:2", SnapshotMarker.Phase.END, T0), T0);
        driver.advanceWallClockTime(Duration.ofSeconds(1));

        Map<SegmentKey, List<TestRecord<SegmentKey, CustomerSegment>>> out = new HashMap<>();
        segments.readRecordsToList()
                .forEach(r ->
                        out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
        assertThat(out)
                .containsOnlyKeys(
                        new SegmentKey(W.plus(1), kept.id),
                        new SegmentKey(W, changed.id),
                        new SegmentKey(W.plus(1), changed.id),
                        new SegmentKey(W.plus(2), changed.id),
                        new SegmentKey(W.plus(3), changed.id),
                        new SegmentKey(W, resumed.id),
                        new SegmentKey(W, gone.id),
                        new SegmentKey(W, fresh.id));
        assertThat(out.get(new SegmentKey(W, changed.id)))
                .singleElement()
                .extracting(r -> at0(r.value()))
                .isEqualTo(changed.expect(Segment.HIGH, 4));
        // kept: W as published (nothing sent); W+1, withdrawn once, is a target again.
        assertThat(out.get(new SegmentKey(W.plus(1), kept.id)))
                .singleElement()
                .satisfies(r -> assertThat(r.value().segment()).isEqualTo(Segment.LOW));
        assertThat(out.get(new SegmentKey(W, resumed.id)))
                .singleElement()
                .satisfies(r -> assertThat(endReason(r)).isEqualTo("resumed"));
        assertThat(out.get(new SegmentKey(W, gone.id)))
                .singleElement()
                .satisfies(r -> assertThat(r.value()).isNull());
        assertThat(out.get(new SegmentKey(W, fresh.id)))
                .singleElement()
                .satisfies(r -> assertThat(r.value().segment()).isEqualTo(Segment.LOW));
        assertThat(metrics.tasksRebuilding()).isZero();

        // From now on the task is whole: a change publishes at once.
        kept.week(W, SubscriptionStatus.ACTIVE);
        assertThat(segments.readRecordsToList()).extracting(TestRecord::key).contains(new SegmentKey(W, kept.id));
    }

    @Test
    void aRebuildWaitsForTheSeedsEndRecordAndTheCustomersAsTheyWereAtStart() {
        User u = new User();
        User v = new User();
        start(new History(Set.of(0), SEED, Map.of(0, 2L)));
        seed.pipeInput(u.seedRecord(Segment.LOW, 1)); // the seed's end record has not come yet
        u.customer();
        subscriptions.pipeInput((String) null, new SnapshotMarker("hfc:1", SnapshotMarker.Phase.BEGIN, T0), T0);
        u.snapshot("PP");
        v.snapshot("P");
        subscriptions.pipeInput((String) null, new SnapshotMarker("hfc:1", SnapshotMarker.Phase.END, T0), T0);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(segments.isEmpty()).isTrue();
        seed.pipeInput(History.SEED_END_KEY, new byte[0]);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(segments.isEmpty())
                .as("the second customer row of the topic at start is not read yet")
                .isTrue();
        assertThat(metrics.tasksRebuilding()).isEqualTo(1);
        v.customer();
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(segments.readRecordsToList())
                .extracting(r -> r.key().userId() + " " + r.key().week())
                .containsExactlyInAnyOrder(u.id + " " + W, u.id + " " + W.plus(1), v.id + " " + W);
        assertThat(metrics.tasksRebuilding()).isZero();
    }

    @Test
    void aTaskWithWholeHistoryIgnoresMarkersAndTheSeed() {
        start(History.whole(SEED));
        User u = new User();
        seed.pipeInput(u.seedRecord(Segment.HIGH, 4));
        subscriptions.pipeInput((String) null, new SnapshotMarker("hfc:1", SnapshotMarker.Phase.BEGIN, T0), T0);
        u.customer();
        u.weeks("PA");
        assertThat(drain()).containsEntry(new SegmentKey(W, u.id), u.expect(Segment.LOW, 1));
        assertThat(dlq.isEmpty()).isTrue();
    }

    private static CustomerSegment at0(CustomerSegment s) {
        return new CustomerSegment(s.userId(), s.email(), s.week(), s.segment(), s.pauseWeeks(), s.subscriptionId(), 0);
    }

    private static String endReason(TestRecord<SegmentKey, CustomerSegment> r) {
        return new String(r.headers().lastHeader(EndReason.HEADER).value(), StandardCharsets.UTF_8);
    }

    private List<String> dlqReasons() {
        return dlq.readRecordsToList().stream()
                .map(r -> new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                .toList();
    }

    /** The current targets by key, computed_at zeroed. */
    private Map<SegmentKey, CustomerSegment> drain() {
        Map<SegmentKey, CustomerSegment> table = new HashMap<>();
        for (TestRecord<SegmentKey, CustomerSegment> r : segments.readRecordsToList()) {
            if (r.value() == null) {
                table.remove(r.key());
            } else {
                table.put(r.key(), at0(r.value()));
            }
        }
        return table;
    }

    private final class User {
        final UUID id = UUID.randomUUID();
        final String email = "u" + id.toString().substring(0, 8) + "@example.com";
        final Map<Week, UUID> subscriptionIds = new HashMap<>();

        UUID subscriptionId(Week w) {
            return subscriptionIds.computeIfAbsent(w, k -> UUID.randomUUID());
        }

        void customer() {
            customers.pipeInput(id.toString(), new CustomerEvent(id, email, "active"), T0);
        }

        void week(Week w, SubscriptionStatus status) {
            subscriptions.pipeInput(id.toString(), SubscriptionEvent.upsert(id, subscriptionId(w), w, status, T0), T0);
        }

        void weeks(String pattern) {
            for (int i = 0; i < pattern.length(); i++) {
                if (pattern.charAt(i) != '-') {
                    week(W.plus(i), status(pattern.charAt(i)));
                }
            }
        }

        CustomerSnapshot snapshotOf(String pattern) {
            List<CustomerSnapshot.WeekRow> rows = new ArrayList<>();
            for (int i = 0; i < pattern.length(); i++) {
                if (pattern.charAt(i) != '-') {
                    rows.add(new CustomerSnapshot.WeekRow(
                            W.plus(i), status(pattern.charAt(i)), subscriptionId(W.plus(i))));
                }
            }
            return new CustomerSnapshot(id, rows, T0);
        }

        void snapshot(String pattern) {
            subscriptions.pipeInput(id.toString(), snapshotOf(pattern), T0);
        }

        CustomerSegment expect(Segment segment, int pauseWeeks) {
            return new CustomerSegment(id, email, W, segment, pauseWeeks, subscriptionId(W), 0);
        }

        byte[] seedValue(Week w, Segment segment, int pauseWeeks) {
            return TOPICS.customerSegments()
                    .valueSerde()
                    .serializer()
                    .serialize("t", new CustomerSegment(id, email, w, segment, pauseWeeks, subscriptionId(w), 1));
        }

        TestRecord<String, byte[]> seedRecord(Segment segment, int pauseWeeks) {
            return new TestRecord<>(new SegmentKey(W, id).toString(), seedValue(W, segment, pauseWeeks));
        }

        private SubscriptionStatus status(char c) {
            return switch (c) {
                case 'P' -> SubscriptionStatus.PAUSED;
                case 'A' -> SubscriptionStatus.ACTIVE;
                default -> SubscriptionStatus.CANCELLED;
            };
        }
    }
}
