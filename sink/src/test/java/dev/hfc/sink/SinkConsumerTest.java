package dev.hfc.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.sink.batch.DeadLetterSink;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.copy.BatchStore;
import dev.hfc.sink.copy.CopyBatchWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The sink consumer's rebalance, seek and retry logic against Kafka's {@link MockConsumer} and a store that
 * models PostgreSQL's guarantees (rows and offsets in one step, the position check). After every write the
 * store asserts the exactly-once invariant: the table equals the fold of the partition up to its stored
 * offset, no more and no less.
 */
class SinkConsumerTest {

    private static final Topics TOPICS = new Topics("t.");
    private static final TopicPartition TP =
            new TopicPartition(TOPICS.customerSegments().name(), 0);
    private static final Week WEEK = Week.parse("2026-W50");
    private static final List<UUID> USERS = List.of(
            UUID.fromString("00000000-0000-4000-8000-000000000000"),
                    UUID.fromString("00000000-0000-4000-8000-000000000001"),
            UUID.fromString("00000000-0000-4000-8000-000000000002"),
                    UUID.fromString("00000000-0000-4000-8000-000000000003"),
            UUID.fromString("00000000-0000-4000-8000-000000000004"),
                    UUID.fromString("00000000-0000-4000-8000-000000000005"));

    /** Offsets 0..11 of the partition: record n sets user n % 6 to the email "v<n>@example.com". */
    private static final List<ConsumerRecord<byte[], byte[]>> LOG = new ArrayList<>();

    static {
        for (int n = 0; n < 12; n++) {
            CustomerSegment value = new CustomerSegment(
                    USERS.get(n % 6), "v" + n + "@example.com", WEEK, Segment.LOW, 1, UUID.randomUUID(), 0L);
            LOG.add(new ConsumerRecord<>(
                    TP.topic(), TP.partition(), n, value.key().toBytes(), EventCodecs.CUSTOMER_SEGMENT.encode(value)));
        }
    }

    private final MockConsumer<byte[], byte[]> kafka = new MockConsumer<>("earliest");
    private final FakeStore store = new FakeStore();

    private SinkConsumer consumer(int batchSize, Duration linger, Duration dbRetry, Duration revokeBound) {
        var settings = SinkService.Settings.defaults(
                        KafkaSettings.of("unused:9092"),
                        TOPICS,
                        new DbSettings("jdbc:postgresql://unused/db", "u", "", "public"))
                .withGroupId("g")
                .withBatchSize(batchSize)
                .withLinger(linger)
                .withDbRetryTimeout(dbRetry)
                .withTopicLayout(new TopicProvisioner.Layout(1, (short) 1))
                .withConsumers(1);
        var c = new SinkConsumer(
                0,
                settings,
                new SinkMetrics(new SimpleMeterRegistry()),
                kafka,
                store,
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()),
                Duration.ZERO,
                revokeBound);
        c.subscribe();
        kafka.updateBeginningOffsets(Map.of(TP, 0L));
        return c;
    }

    /** What the broker returns from {@code from} on (MockConsumer forgets records once polled). */
    private void brokerHolds(long from) {
        LOG.stream().filter(r -> r.offset() >= from).forEach(kafka::addRecord);
    }

    @Test
    void aPositionMovedInTheMiddleOfAPollDropsTheRestOfThatPollAndNeverMixesOffsets() throws Exception {
        store.preload(4); // records 0..3 applied, stored offset 4
        SinkConsumer c = consumer(4, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(1));
        kafka.rebalance(List.of(TP));
        assertThat(kafka.position(TP)).isEqualTo(4);
        brokerHolds(4);
        // A replay from earliest lands while the consumer holds records 4..11 from one poll.
        store.beforeNextWrite = () -> store.replay(0);
        c.pollOnce();
        assertThat(store.writes)
                .as("the write that met the moved position wrote nothing; nothing after it")
                .isZero();
        assertThat(kafka.position(TP)).isEqualTo(0);

        brokerHolds(0);
        c.pollOnce();
        assertThat(store.stored).containsEntry(TP, 12L);
        assertThat(store.table).isEqualTo(fold(12));
    }

    @Test
    void aReplayOfAQuietPartitionTakesEffectWithoutAnyRecordArriving() throws Exception {
        store.preload(12);
        SinkConsumer c = consumer(4, Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(1));
        kafka.rebalance(List.of(TP));
        c.pollOnce();
        assertThat(kafka.position(TP)).isEqualTo(12);
        store.replay(0); // hfc replay sink --from earliest, while nothing is produced
        c.pollOnce();
        assertThat(kafka.position(TP)).isEqualTo(0);
        brokerHolds(0);
        for (int i = 0; i < 5 && store.stored.get(TP) < 12; i++) {
            c.pollOnce();
        }
        assertThat(store.stored).containsEntry(TP, 12L);
    }

    @Test
    void aDatabaseOutageDuringAnAssignmentIsRetriedInsteadOfEndingTheProcess() throws Exception {
        store.preload(4);
        SinkConsumer c = consumer(4, Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(1));
        store.readFailures = 3;
        kafka.rebalance(List.of(TP));
        assertThat(store.readFailures).isZero();
        assertThat(kafka.position(TP)).isEqualTo(4);
        brokerHolds(4);
        c.pollOnce();
        assertThat(store.stored).containsEntry(TP, 12L);
    }

    @Test
    void aRevokedPartitionsBatchWaitsForTheDatabaseOnlyBrieflyThenIsDroppedUnwritten() throws Exception {
        store.preload(4);
        SinkConsumer c = consumer(100, Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMillis(300));
        kafka.rebalance(List.of(TP));
        brokerHolds(4);
        // Behind: the partition holds more than this poll returns, so the batch waits to fill (a consumer that
        // has read everything would write at once).
        kafka.updateEndOffsets(Map.of(TP, 1_000L));
        c.pollOnce(); // 8 records gathered, not yet written
        assertThat(store.stored).containsEntry(TP, 4L);
        store.down = true;
        long start = System.nanoTime();
        kafka.rebalance(List.of());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("the group waits for this callback").isLessThan(Duration.ofSeconds(5));
        assertThat(store.stored).containsEntry(TP, 4L);
        // Given back once the database is up: read again from the stored offset, nothing lost.
        store.down = false;
        kafka.rebalance(List.of(TP));
        assertThat(kafka.position(TP)).isEqualTo(4);
        brokerHolds(4);
        c.pollOnce(); // a batch still holding the revoked records would refuse these as older than its own
        assertThat(store.stored).containsEntry(TP, 4L);
    }

    private static Map<SegmentKey, String> fold(long upTo) {
        Map<SegmentKey, String> table = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : LOG) {
            if (r.offset() < upTo) {
                CustomerSegment s =
                        EventCodecs.CUSTOMER_SEGMENT.decode(r.value()).orThrow();
                table.put(s.key(), s.email());
            }
        }
        return table;
    }

    /** PostgreSQL as the sink sees it: rows and offsets committed together, under the position check. */
    private static final class FakeStore implements BatchStore {
        final Map<SegmentKey, String> table = new HashMap<>();
        final Map<TopicPartition, Long> stored = new HashMap<>();
        Runnable beforeNextWrite;
        int writes;
        int readFailures;
        boolean down;

        void preload(long upTo) {
            table.putAll(fold(upTo));
            stored.put(TP, upTo);
        }

        /**
         * A replay to {@code offset}. The real table keeps its rows and converges as the records are applied
         * again; here it is rewound with the offset, so that the invariant holds after every write.
         */
        void replay(long offset) {
            table.clear();
            table.putAll(fold(offset));
            stored.put(TP, offset);
        }

        @Override
        public CopyBatchWriter.Result write(SegmentBatch batch, Map<TopicPartition, Long> expected, DeadLetterSink dlq)
                throws SQLException {
            if (down) {
                throw new SQLException("connection refused", "08001");
            }
            if (beforeNextWrite != null) {
                beforeNextWrite.run();
                beforeNextWrite = null;
            }
            for (TopicPartition tp : batch.nextOffsets().keySet()) {
                if (!Objects.equals(stored.get(tp), expected.get(tp))) {
                    throw new CopyBatchWriter.PositionMovedException(tp, expected.get(tp), stored.get(tp));
                }
            }
            for (SegmentBatch.Entry e : batch.entries()) {
                if (e.isTombstone()) {
                    table.remove(e.key());
                } else {
                    table.put(e.key(), e.value().email());
                }
            }
            stored.putAll(batch.nextOffsets());
            writes++;
            assertThat(table)
                    .as(
                            "after write %d, the table is the fold of the partition up to its stored offset %d",
                            writes, stored.get(TP))
                    .isEqualTo(fold(stored.get(TP)));
            return new CopyBatchWriter.Result(batch.entries().size(), 0, List.of(), true);
        }

        @Override
        public Map<TopicPartition, Long> storedOffsets(Collection<TopicPartition> partitions) throws SQLException {
            if (readFailures > 0) {
                readFailures--;
                throw new SQLException("the database system is starting up", "57P03");
            }
            Map<TopicPartition, Long> out = new HashMap<>();
            partitions.forEach(tp -> {
                if (stored.containsKey(tp)) {
                    out.put(tp, stored.get(tp));
                }
            });
            return out;
        }

        @Override
        public void reportProgress(String member, Long lagRecords) {}

        @Override
        public void leave(String member) {}

        @Override
        public void close() {}
    }
}
