package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.testkit.KafkaExtension;
import dev.hfc.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink killed with SIGKILL again and again while records flow. Exactly once, not just convergence: after
 * every kill, with the sink stopped, the table must equal the fold of each partition up to the offset the
 * sink stored for it, no more and no less. An at-least-once sink (rows written, then killed before its
 * offsets) leaves rows the fold does not have; an at-most-once one (offsets ahead of rows) misses rows.
 */
class SinkCrashIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(3);

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @Test
    void repeatedSigkillsLoseAndDoubleNothing() throws Exception {
        DbSettings db = POSTGRES.db("crash");
        Map<String, String> env =
                ProcessPipeline.of(KAFKA.bootstrapServers(), KAFKA.topics(), db).env();
        Week[] weeks = {Week.parse("2026-W52"), Week.parse("2026-W53"), Week.parse("2027-W01")};
        UUID[] users = new UUID[400];
        for (int i = 0; i < users.length; i++) {
            users[i] = UUID.randomUUID();
        }
        // The expected table: the last record of every key (null: tombstoned).
        Map<SegmentKey, CustomerSegment> expected = new HashMap<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        Thread producer = new Thread(
                () -> {
                    Random random = new Random(3);
                    try (var p = new KafkaProducer<>(
                            Map.<String, Object>of(
                                    "bootstrap.servers",
                                    KAFKA.bootstrapServers(),
                                    "acks",
                                    "all",
                                    "enable.idempotence",
                                    "true",
                                    "linger.ms",
                                    "2"),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                        var serializer =
                                KAFKA.topics().customerSegments().valueSerde().serializer();
                        long begun = System.nanoTime();
                        while (producing.get() || sent.get() < 20_000) {
                            // A steady 3,000 records/s, so that the topic the checks fold stays the same size however
                            // long a round takes.
                            long ahead = sent.get() * 1_000_000_000L / 3_000 - (System.nanoTime() - begun);
                            if (ahead > 0) {
                                Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
                            }
                            UUID user = users[random.nextInt(users.length)];
                            Week week = weeks[random.nextInt(weeks.length)];
                            SegmentKey key = new SegmentKey(week, user);
                            CustomerSegment value = random.nextInt(6) == 0
                                    ? null
                                    : new CustomerSegment(
                                            user,
                                            "u" + random.nextInt(1000) + "@example.com",
                                            week,
                                            Segment.values()[random.nextInt(3)],
                                            1 + random.nextInt(4),
                                            UUID.randomUUID(),
                                            0L);
                            synchronized (expected) {
                                expected.put(key, value);
                            }
                            p.send(new ProducerRecord<>(
                                    KAFKA.topics().customerSegments().name(),
                                    key.toBytes(),
                                    value == null ? null : serializer.serialize("", value)));
                            sent.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "test-producer");
        producer.start();

        Random random = new Random(11);
        for (int round = 0; round < 5; round++) {
            // The same --instance-id every time: the restarted sink takes its partitions back at once (static
            // membership)
            // instead of waiting out the killed one's session timeout, so every round writes before it is killed.
            try (HfcProcess sink = HfcProcess.start(
                    env,
                    "sink",
                    "--group-id",
                    "crash-it",
                    "--batch-size",
                    "500",
                    "--linger-ms",
                    "20",
                    "--partitions",
                    "3",
                    "--instance-id",
                    "crash-it-a")) {
                long target = sent.get() + 1500;
                long storedBefore = storedSum(db);
                await().atMost(Duration.ofSeconds(60)).until(() -> sent.get() > target && storedSum(db) > storedBefore);
                Thread.sleep(200 + random.nextInt(800)); // let it be somewhere in the middle of a batch
                sink.kill();
            }
            Map<TopicPartition, Long> stored = stored(db);
            assertThat(table(db))
                    .as("round %d: the table is the fold of each partition up to its stored offset %s", round, stored)
                    .isEqualTo(foldUpTo(stored));
        }
        producing.set(false);
        producer.join();

        try (HfcProcess sink = HfcProcess.start(
                env, "sink", "--group-id", "crash-it", "--partitions", "3", "--instance-id", "crash-it-a")) {
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> caughtUp(db));
            assertThat(sink.terminate(Duration.ofSeconds(60))).isIn(0, 143);
        }
        Map<SegmentKey, String> want = new HashMap<>();
        expected.forEach((k, v) -> {
            if (v != null) {
                want.put(k, describe(v));
            }
        });
        assertThat(table(db)).isEqualTo(want).isEqualTo(foldUpTo(stored(db)));
    }

    private static String describe(CustomerSegment v) {
        return v.email() + "|" + v.segment().wire() + "|" + v.subscriptionId();
    }

    private static Map<SegmentKey, String> table(DbSettings db) throws Exception {
        Map<SegmentKey, String> got = new HashMap<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT subscription_week, user_id, email, segment, subscription_id FROM rec_campaigns_weekly")) {
            while (rs.next()) {
                got.put(
                        new SegmentKey(Week.parse(rs.getString(1)), rs.getObject(2, UUID.class)),
                        rs.getString(3) + "|" + rs.getString(4) + "|" + rs.getString(5));
            }
        }
        return got;
    }

    private static Map<TopicPartition, Long> stored(DbSettings db) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT topic, partition, next_offset FROM hfc_sink_offsets WHERE group_id = 'crash-it'")) {
            while (rs.next()) {
                out.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
            }
        }
        return out;
    }

    /** The topic's records below each partition's stored offset, the last per key (tombstones remove it). */
    private static Map<SegmentKey, String> foldUpTo(Map<TopicPartition, Long> stored) {
        Map<SegmentKey, String> fold = new HashMap<>();
        var deserializer = KAFKA.topics().customerSegments().valueSerde().deserializer();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        KAFKA.bootstrapServers(),
                        "isolation.level",
                        "read_committed",
                        "enable.auto.commit",
                        "false"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.assign(stored.keySet());
            consumer.seekToBeginning(stored.keySet());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (stored.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                assertThat(System.nanoTime())
                        .as("read the topic up to the stored offsets")
                        .isLessThan(deadline);
                for (var r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.offset() < stored.get(new TopicPartition(r.topic(), r.partition()))) {
                        SegmentKey key = SegmentKey.decode(r.key()).orThrow();
                        if (r.value() == null) {
                            fold.remove(key);
                        } else {
                            fold.put(key, describe(deserializer.deserialize(r.topic(), r.value())));
                        }
                    }
                }
            }
        }
        return fold;
    }

    private static long storedSum(DbSettings db) {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(sum(next_offset), 0) FROM hfc_sink_offsets")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0; // not migrated yet
        }
    }

    private static boolean caughtUp(DbSettings db) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < KAFKA.partitions(); p++) {
            request.put(new TopicPartition(KAFKA.topics().customerSegments().name(), p), OffsetSpec.latest());
        }
        long end;
        try (Admin admin = KAFKA.admin()) {
            end = admin.listOffsets(request).all().get().values().stream()
                    .mapToLong(i -> i.offset())
                    .sum();
        }
        return storedSum(db) == end;
    }
}
