package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.SegmentKey;
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
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SegmenterTopologyTest {

    private static final Topics TOPICS = Topics.withDefaultPrefix();
    private static final Week W = Week.parse("2026-W49");
    /** Record time: Tuesday of W-1, so W is the target week and W-1 the current one. */
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
    private TestOutputTopic<SegmentKey, CustomerSegment> segments;
    private TestOutputTopic<byte[], byte[]> dlq;
    private SegmenterMetrics metrics;
    private long clock = T0;

    @BeforeEach
    void start() {
        start(1);
    }

    /** A driver whose topology believes the inputs have {@code partitions} partitions (the driver feeds partition 0). */
    private void start(int partitions) {
        metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "segmenter-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.putAll(DeadLetterDeserializationHandler.streamsProperties(TOPICS, metrics));
        driver = new TopologyTestDriver(
                SegmenterTopology.build(
                        new SegmenterConfig(TOPICS, SegmentPolicy.DEFAULT, ZoneOffset.UTC, partitions), metrics),
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

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "PPAP, medium, 2",
        "PAAA, low, 1",
        "PPPP, high, 4",
        "APPP, none, 0",
        "PCPP, medium, 2",
        "PPCP, medium, 2"
    })
    void everySpecExample(String pattern, String expected, int pauseWeeks) {
        User u = new User("anna@example.com");
        u.customer();
        u.weeks(W, pattern);
        Map<SegmentKey, CustomerSegment> table = drainTable();
        SegmentKey key = new SegmentKey(W, u.id);
        if (expected.equals("none")) {
            assertThat(table).doesNotContainKey(key);
        } else {
            assertThat(table.get(key)).satisfies(s -> {
                assertThat(s.segment()).isEqualTo(Segment.fromWire(expected).orElseThrow());
                assertThat(s.pauseWeeks()).isEqualTo(pauseWeeks);
                assertThat(s.email()).isEqualTo("anna@example.com");
                assertThat(s.subscriptionId()).isEqualTo(u.subscriptionId(W));
            });
        }
    }

    @Test
    void anEventInWeekWPlus3ChangesTheSegmentOfW() {
        User u = new User("a@example.com");
        u.customer();
        u.weeks(W, "PPPA");
        assertThat(segmentOf(drainTable(), W, u)).isEqualTo(Segment.MEDIUM);

        u.week(W.plus(3), SubscriptionStatus.PAUSED);
        List<TestRecord<SegmentKey, CustomerSegment>> out = segments.readRecordsToList();
        // W becomes high; W+1..W+3 were already targeted (their runs are recomputed too).
        assertThat(out)
                .filteredOn(r -> r.key().week().equals(W))
                .singleElement()
                .satisfies(r -> assertThat(r.value().segment()).isEqualTo(Segment.HIGH));
    }

    @Test
    void unPausingWGivesATombstone() {
        User u = new User("a@example.com");
        u.customer();
        u.weeks(W, "PAAA");
        assertThat(segmentOf(drainTable(), W, u)).isEqualTo(Segment.LOW);
        u.week(W, SubscriptionStatus.ACTIVE);
        List<TestRecord<SegmentKey, CustomerSegment>> out = segments.readRecordsToList();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(new SegmentKey(W, u.id));
            assertThat(r.value()).isNull();
        });
        assertThat(metrics.emittedTombstones()).isEqualTo(1);
    }

    /** Each way a target can end, and the reason its tombstone carries (the sink records it as the outcome). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "resume, resumed",
        "cancel, cancelled",
        "delete-week, subscription-deleted",
        "delete-customer, customer-deleted",
        "unusable-email, email-unusable"
    })
    void aTombstoneSaysWhyTheTargetEnded(String change, String reason) {
        User u = new User("a@example.com");
        u.customer();
        u.weeks(W, "PAAA");
        drainTable();
        switch (change) {
            case "resume" -> u.week(W, SubscriptionStatus.ACTIVE);
            case "cancel" -> u.week(W, SubscriptionStatus.CANCELLED);
            case "delete-week" -> u.delete(W);
            case "delete-customer" -> customers.pipeInput(u.id.toString(), null, clock);
            case "unusable-email" -> {
                u.email = "no-at-sign.example.com";
                u.customer();
            }
            default -> throw new IllegalArgumentException(change);
        }
        List<TestRecord<SegmentKey, CustomerSegment>> out = segments.readRecordsToList();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.value()).isNull();
            assertThat(new String(r.headers().lastHeader(EndReason.HEADER).value(), StandardCharsets.UTF_8))
                    .isEqualTo(reason);
        });
    }

    @Test
    void anUpsertCarriesNoEndReason() {
        User u = new User("a@example.com");
        u.customer();
        u.weeks(W, "PAAA");
        assertThat(segments.readRecordsToList())
                .singleElement()
                .satisfies(r ->
                        assertThat(r.headers().lastHeader(EndReason.HEADER)).isNull());
    }

    @Test
    void cancelledBreaksARunAndDeletingARowBreaksItToo() {
        User u = new User("a@example.com");
        u.customer();
        u.weeks(W, "PPPP");
        assertThat(segmentOf(drainTable(), W, u)).isEqualTo(Segment.HIGH);
        u.week(W.plus(2), SubscriptionStatus.CANCELLED);
        assertThat(segmentOf(drainTable(), W, u)).isEqualTo(Segment.MEDIUM);
        u.delete(W.plus(1));
        assertThat(segmentOf(drainTable(), W, u)).isEqualTo(Segment.LOW);
    }

    @Test
    void aHorizonAcross2032W53() {
        Week w = Week.parse("2032-W52");
        clock = w.minus(1).monday().atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        User u = new User("a@example.com");
        u.customer();
        u.weeks(w, "PPPP"); // 2032-W52, 2032-W53, 2033-W01, 2033-W02
        Map<SegmentKey, CustomerSegment> table = drainTable();
        assertThat(table.get(new SegmentKey(w, u.id)).pauseWeeks()).isEqualTo(4);
        assertThat(table.get(new SegmentKey(Week.parse("2032-W53"), u.id)).pauseWeeks())
                .isEqualTo(3);
        assertThat(table.get(new SegmentKey(Week.parse("2033-W02"), u.id)).segment())
                .isEqualTo(Segment.LOW);
    }

    @Test
    void subscriptionsArrivingBeforeTheirCustomerAreHeldUntilItArrives() {
        User u = new User("late@example.com");
        u.weeks(W, "PPAA");
        assertThat(segments.isEmpty()).isTrue();
        assertThat(dlq.isEmpty()).isTrue();
        u.customer();
        assertThat(segmentOf(drainTable(), W, u)).isEqualTo(Segment.MEDIUM);
    }

    @Test
    void anEmailChangeReEmitsTheCustomersSegments() {
        User u = new User("old@example.com");
        u.customer();
        u.weeks(W, "PAPA");
        drainTable();
        u.email = "new@example.com";
        u.customer();
        List<TestRecord<SegmentKey, CustomerSegment>> out = segments.readRecordsToList();
        assertThat(out).hasSize(2).allSatisfy(r -> assertThat(r.value().email()).isEqualTo("new@example.com"));
        assertThat(out).extracting(r -> r.key().week()).containsExactly(W, W.plus(2));
        u.customer(); // the same row again
        assertThat(segments.isEmpty()).isTrue();
    }

    @Test
    void aDeletedCustomerTombstonesItsSegments() {
        User u = new User("gone@example.com");
        u.customer();
        u.weeks(W, "PPAP");
        drainTable();
        customers.pipeInput(u.id.toString(), null, clock);
        List<TestRecord<SegmentKey, CustomerSegment>> out = segments.readRecordsToList();
        assertThat(out).extracting(TestRecord::value).containsOnlyNulls();
        assertThat(out).extracting(r -> r.key().week()).containsExactly(W, W.plus(1), W.plus(3));
    }

    @Test
    void aCustomerWithAnUnusableEmailGoesToTheDlqAndGetsNoSegments() {
        User u = new User("good@example.com");
        u.customer();
        u.weeks(W, "PAAA");
        drainTable();
        u.email = "not an address";
        u.customer();
        assertThat(segments.readRecordsToList())
                .singleElement()
                .satisfies(r -> assertThat(r.value()).isNull());
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo(u.id.toString());
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("invalid-email");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.STAGE)).isEqualTo("segmenter");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_TOPIC))
                .isEqualTo(TOPICS.customers().name());
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).contains("not an address");
    }

    @Test
    void aCustomerPublishedWithoutEmailLosesItsSegmentsWithoutASecondDeadLetter() {
        User u = new User("good@example.com");
        u.customer();
        u.weeks(W, "PPAA");
        drainTable();
        u.email = null; // the producer dead-lettered the row and published it without an email
        u.customer();
        assertThat(segments.readRecordsToList())
                .extracting(TestRecord::value)
                .containsOnlyNulls()
                .hasSize(2);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void aDuplicateEventEmitsNothing() {
        User u = new User("a@example.com");
        u.customer();
        u.weeks(W, "PPAA");
        drainTable();
        u.week(W.plus(1), SubscriptionStatus.PAUSED);
        u.week(W, SubscriptionStatus.PAUSED);
        assertThat(segments.isEmpty()).isTrue();
        u.delete(W.plus(5)); // a delete of a row never seen: nothing to undo
        assertThat(segments.isEmpty()).isTrue();
    }

    @Test
    void weeksBeforeTheCurrentWeekArePrunedAndLateChangesToThemIgnored() {
        User u = new User("a@example.com");
        u.customer();
        u.weeks(W.minus(2), "PPPPPP"); // W-2 .. W+3, at record time in W-1
        Map<SegmentKey, CustomerSegment> table = drainTable();
        assertThat(table.keySet())
                .extracting(SegmentKey::week)
                .containsExactlyInAnyOrder(W.minus(1), W, W.plus(1), W.plus(2), W.plus(3));
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(SegmenterTopology.STATE_STORE);
        assertThat(CustomerStateSerde.decode(store.get(u.id.toString())).weeks().firstKey())
                .isEqualTo(W.minus(1));

        // Two weeks later (record time in W+1), weeks before W+1 are dropped from the state...
        clock = W.plus(1).monday().atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        u.week(W.plus(3), SubscriptionStatus.ACTIVE);
        CustomerState state = CustomerStateSerde.decode(store.get(u.id.toString()));
        assertThat(state.weeks().firstKey()).isEqualTo(W.plus(1));
        assertThat(state.emitted().firstKey()).isEqualTo(W.plus(1));
        List<TestRecord<SegmentKey, CustomerSegment>> out = segments.readRecordsToList();
        // ...without tombstones for the past targets: their rows are history.
        assertThat(out).extracting(r -> r.key().week()).allMatch(w -> !w.isBefore(W.plus(1)));
        // A late change to a pruned week changes nothing.
        u.week(W, SubscriptionStatus.ACTIVE);
        assertThat(segments.isEmpty()).isTrue();
        assertThat(CustomerStateSerde.decode(store.get(u.id.toString())).weeks())
                .doesNotContainKey(W);
    }

    @Test
    void malformedRecordsAreHandedToTheDeadLetterHandlerAndProcessingGoesOn() {
        // TopologyTestDriver does not surface the records a deserialization handler returns (the real
        // runtime sends them; SegmenterIT checks them on a broker), so this checks the hand-off and that
        // the application keeps going.
        User u = new User("a@example.com");
        u.customer();
        rawSubscriptions.pipeInput(
                u.id.toString().getBytes(StandardCharsets.UTF_8),
                "{\"schema_version\":1, truncated".getBytes(StandardCharsets.UTF_8),
                clock);
        rawSubscriptions.pipeInput(
                u.id.toString().getBytes(StandardCharsets.UTF_8),
                ("{\"schema_version\":1,\"user_id\":\"" + u.id + "\",\"subscription_id\":\"" + UUID.randomUUID()
                                + "\",\"week\":\"2025-W53\",\"status\":\"paused\",\"op\":\"upsert\",\"source_ts_ms\":1}")
                        .getBytes(StandardCharsets.UTF_8),
                clock);
        u.weeks(W, "PAAA");
        assertThat(metrics.deadLettered()).isEqualTo(2);
        assertThat(metrics.registry()
                        .get("hfc.segmenter.dlq")
                        .tag("reason", "malformed-json")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(metrics.registry()
                        .get("hfc.segmenter.dlq")
                        .tag("reason", "invalid-week")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(segmentOf(drainTable(), W, u)).isEqualTo(Segment.LOW);
    }

    @Test
    void aKeyThatIsNotTheEventsUserGoesToTheDlq() {
        User u = new User("a@example.com");
        u.customer();
        UUID other = UUID.randomUUID();
        subscriptions.pipeInput(
                other.toString(),
                SubscriptionEvent.upsert(u.id, UUID.randomUUID(), W, SubscriptionStatus.PAUSED, 1L),
                clock);
        subscriptions.pipeInput(
                "not-a-uuid",
                SubscriptionEvent.upsert(u.id, UUID.randomUUID(), W, SubscriptionStatus.PAUSED, 1L),
                clock);
        assertThat(dlq.readRecordsToList())
                .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
                .containsExactly("key-mismatch", "invalid-user-id");
        assertThat(segments.isEmpty()).isTrue();
    }

    @Test
    void aRecordInAnotherPartitionThanItsKeyMapsToGoesToTheDlqAsWrongPartition() {
        driver.close();
        start(2); // every record arrives in partition 0 of 2
        List<User> here = new ArrayList<>();
        List<User> elsewhere = new ArrayList<>();
        while (here.size() < 3 || elsewhere.size() < 3) {
            User u = new User("u@example.com");
            (dev.hfc.core.topic.KeyPartitions.of(u.id, 2) == 0 ? here : elsewhere).add(u);
        }
        for (User u : here.subList(0, 3)) {
            u.customer();
            u.weeks(W, "PAAA");
        }
        for (User u : elsewhere.subList(0, 3)) {
            u.customer();
            u.weeks(W, "PAAA");
        }
        Map<SegmentKey, CustomerSegment> table = drainTable();
        assertThat(table.keySet())
                .extracting(SegmentKey::userId)
                .containsExactlyInAnyOrderElementsOf(
                        here.subList(0, 3).stream().map(u -> u.id).toList());
        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(3 * 5); // each of the three: its customer record and four subscription rows
        assertThat(dead).allSatisfy(r -> {
            assertThat(DeadLetters.header(r.headers(), DeadLetters.REASON)).isEqualTo("wrong-partition");
            assertThat(DeadLetters.header(r.headers(), DeadLetters.SOURCE_PARTITION))
                    .isEqualTo("0");
        });
        assertThat(new String(
                        dead.get(0).value() == null ? new byte[0] : dead.get(0).value(),
                        java.nio.charset.StandardCharsets.UTF_8))
                .isNotEmpty();
        assertThat(metrics.registry()
                        .find("hfc.segmenter.dlq")
                        .tag("reason", "wrong-partition")
                        .counter()
                        .count())
                .isEqualTo(15);
    }

    @Test
    void aKeyWithUpperCaseHexDigitsJoinsTheSameCustomer() {
        User u = new User("a@example.com");
        u.customer();
        subscriptions.pipeInput(
                u.id.toString().toUpperCase(java.util.Locale.ROOT),
                SubscriptionEvent.upsert(u.id, u.subscriptionId(W), W, SubscriptionStatus.PAUSED, clock),
                clock);
        assertThat(segmentOf(drainTable(), W, u)).isEqualTo(Segment.LOW);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void subscriptionsWaitingForTheirCustomerRowAreCountedWithTheAgeOfTheOldest() {
        User waiting = new User("w@example.com");
        waiting.weeks(W, "PP");
        User complete = new User("c@example.com");
        complete.customer();
        complete.weeks(W, "P");
        driver.advanceWallClockTime(WaitingReport.EVERY);
        assertThat(metrics.customersWaiting()).isEqualTo(1);
        assertThat(metrics.oldestWaitingSeconds())
                .isGreaterThanOrEqualTo((System.currentTimeMillis() - T0) / 1000.0 - 5);
        assertThat(metrics.registry()
                        .find("hfc.segmenter.customers.waiting")
                        .gauge()
                        .value())
                .isEqualTo(1);

        waiting.customer();
        driver.advanceWallClockTime(WaitingReport.EVERY);
        assertThat(metrics.customersWaiting()).isZero();
        assertThat(metrics.oldestWaitingSeconds()).isZero();
        assertThat(segmentOf(drainTable(), W, waiting)).isEqualTo(Segment.MEDIUM);
    }

    private Map<SegmentKey, CustomerSegment> drainTable() {
        Map<SegmentKey, CustomerSegment> table = new HashMap<>();
        for (TestRecord<SegmentKey, CustomerSegment> r : segments.readRecordsToList()) {
            if (r.value() == null) {
                table.remove(r.key());
            } else {
                table.put(r.key(), r.value());
            }
        }
        return table;
    }

    private static Segment segmentOf(Map<SegmentKey, CustomerSegment> table, Week w, User u) {
        CustomerSegment s = table.get(new SegmentKey(w, u.id));
        return s == null ? null : s.segment();
    }

    /** A customer and its subscription rows, fed into the driver. */
    private final class User {
        final UUID id = UUID.randomUUID();
        final Map<Week, UUID> subscriptionIds = new HashMap<>();
        String email;

        User(String email) {
            this.email = email;
        }

        void customer() {
            customers.pipeInput(id.toString(), new CustomerEvent(id, email, "active"), clock);
        }

        UUID subscriptionId(Week w) {
            return subscriptionIds.computeIfAbsent(w, k -> UUID.randomUUID());
        }

        void week(Week w, SubscriptionStatus status) {
            subscriptions.pipeInput(
                    id.toString(), SubscriptionEvent.upsert(id, subscriptionId(w), w, status, clock), clock);
        }

        void delete(Week w) {
            subscriptions.pipeInput(id.toString(), SubscriptionEvent.delete(id, subscriptionId(w), w, clock), clock);
        }

        /** P paused, A active, C cancelled, - no row; one letter a week from {@code from}. */
        void weeks(Week from, String pattern) {
            for (int i = 0; i < pattern.length(); i++) {
                switch (pattern.charAt(i)) {
                    case 'P' -> week(from.plus(i), SubscriptionStatus.PAUSED);
                    case 'A' -> week(from.plus(i), SubscriptionStatus.ACTIVE);
                    case 'C' -> week(from.plus(i), SubscriptionStatus.CANCELLED);
                    default -> {}
                }
            }
        }
    }
}
