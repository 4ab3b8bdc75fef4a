package dev.hfc.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.ReplayPoint;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.sink.offset.SinkOffsets;
import dev.hfc.testkit.KafkaExtension;
import dev.hfc.testkit.PostgresExtension;
import dev.hfc.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SinkIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(3);

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final Week W = Week.parse("2026-W49");

    @Test
    void hostileEmailsRoundTripByteForByte() throws Exception {
        Fixture f = new Fixture("hostile");
        List<String> emails = List.of(
                "\"smith, john\"@example.com",
                "\"say \\\"hi\\\"\"@example.com",
                "\"back\\\\slash\"@example.com",
                "\"tab\there\"@example.com",
                "\"line\nbreak\r\"@example.com",
                "jürgen.o'brien+wöchentlich@bücher.de",
                "δοκιμή@παράδειγμα.δοκιμή",
                "\"\\\\N\"@example.com");
        Map<UUID, String> byUser = new HashMap<>();
        for (String email : emails) {
            UUID user = UUID.randomUUID();
            byUser.put(user, email);
            f.send(segment(user, email, Segment.LOW));
        }
        try (SinkService sink = f.start(100, 50)) {
            f.awaitCaughtUp();
        }
        try (Connection c = Database.connect(f.db);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT user_id, email, convert_to(email, 'UTF8') FROM rec_campaigns_weekly")) {
            int rows = 0;
            while (rows < emails.size() && rs.next()) {
                String expected = byUser.get(rs.getObject(1, UUID.class));
                assertThat(rs.getString(2)).isEqualTo(expected);
                assertThat(rs.getBytes(3)).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
                rows++;
            }
            assertThat(rows).isEqualTo(emails.size());
        }
    }

    /** The linger bounds how long a batch may fill while the consumer is behind; a live record does not wait for it. */
    @Test
    void aRecordReadWhenNothingElseIsWaitingIsWrittenAtOnceNotAfterTheLinger() throws Exception {
        Fixture f = new Fixture("live");
        UUID first = UUID.randomUUID();
        f.send(segment(first, "first@example.com", Segment.LOW));
        try (SinkService sink = f.start(10_000, 600_000)) { // a ten-minute linger and a batch that never fills
            await().atMost(Duration.ofSeconds(30)).until(() -> f.rows().containsKey(first));
            UUID live = UUID.randomUUID();
            f.send(segment(live, "live@example.com", Segment.HIGH));
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> f.rows().containsKey(live));
            assertThat(sink.failure()).isNull();
        }
    }

    @Test
    void theLastValueOfAKeyWinsAndTombstonesLeaveSentRowsAlone() throws Exception {
        Fixture f = new Fixture("lastwins");
        UUID repeated = UUID.randomUUID();
        UUID removed = UUID.randomUUID();
        UUID sent = UUID.randomUUID();
        f.send(segment(repeated, "r@example.com", Segment.LOW));
        f.send(segment(removed, "gone@example.com", Segment.MEDIUM));
        f.send(segment(sent, "sent@example.com", Segment.HIGH));
        f.send(segment(repeated, "r@example.com", Segment.MEDIUM));
        f.send(segment(repeated, "r2@example.com", Segment.HIGH));
        try (SinkService sink = f.start(10_000, 2_000)) { // all in one batch
            f.awaitCaughtUp();
            assertThat(f.row(repeated)).isEqualTo("r2@example.com|high|3|false");
            // The counters move right after the commit that the offsets above come from.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(sink.metrics().upserted()).isEqualTo(3));

            try (Connection c = Database.connect(f.db);
                    Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE rec_campaigns_weekly SET campaign_sent = true WHERE user_id = '" + sent + "'");
            }
            f.sendTombstone(removed);
            f.sendTombstone(sent);
            f.send(segment(repeated, "r3@example.com", Segment.LOW));
            f.awaitCaughtUp();
            assertThat(f.row(removed)).isNull();
            assertThat(f.row(sent)).isEqualTo("sent@example.com|high|3|true");
            assertThat(f.row(repeated)).isEqualTo("r3@example.com|low|1|false");
        }
        // A sent row is history: an update for it changes nothing either.
        f.send(segment(sent, "other@example.com", Segment.LOW));
        try (SinkService sink = f.start(100, 50)) {
            f.awaitCaughtUp();
            assertThat(f.row(sent)).isEqualTo("sent@example.com|high|3|true");
        }
    }

    @Test
    void aRowPostgresRefusesGoesToTheDlqAndItsNeighboursAreWritten() throws Exception {
        Fixture f = new Fixture("refused");
        SchemaMigrator.migrate(f.db, false);
        try (Connection c = Database.connect(f.db);
                Statement s = c.createStatement()) {
            // A rule the pipeline does not know about, added by a DBA: Postgres will refuse such rows.
            s.execute("ALTER TABLE rec_campaigns_weekly ADD CONSTRAINT no_blocked CHECK (email NOT LIKE 'blocked%')");
        }
        List<UUID> good = new ArrayList<>();
        UUID blocked = UUID.randomUUID();
        for (int i = 0; i < 20; i++) {
            UUID user = UUID.randomUUID();
            good.add(user);
            f.send(segment(user, "ok" + i + "@example.com", Segment.LOW));
            if (i == 13) {
                f.send(segment(blocked, "blocked@example.com", Segment.HIGH));
            }
        }
        f.sendRaw(
                new SegmentKey(W, UUID.randomUUID()).toBytes(),
                "{\"schema_version\":1,".getBytes(StandardCharsets.UTF_8));
        try (SinkService sink = f.start(10_000, 1_000)) {
            f.awaitCaughtUp();
            assertThat(sink.metrics().deadLettered()).isEqualTo(2);
        }
        for (UUID user : good) {
            assertThat(f.row(user)).isNotNull();
        }
        assertThat(f.row(blocked)).isNull();
        List<ConsumerRecord<byte[], byte[]>> dead = TopicReader.readUntil(
                KAFKA.bootstrapServers(), f.topics.dlq().name(), Duration.ofSeconds(30), r -> r.size() >= 2);
        assertThat(dead)
                .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
                .containsExactlyInAnyOrder("rejected-by-database", "malformed-json");
        assertThat(dead)
                .filteredOn(r -> "rejected-by-database".equals(DeadLetters.header(r.headers(), DeadLetters.REASON)))
                .singleElement()
                .satisfies(r -> {
                    assertThat(DeadLetters.header(r.headers(), DeadLetters.DETAIL))
                            .contains("no_blocked");
                    assertThat(DeadLetters.header(r.headers(), DeadLetters.STAGE))
                            .isEqualTo("sink");
                    assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains("blocked@example.com");
                });
    }

    @Test
    void aSegmentsTopicWithAnotherPartitionCountThanTheGroupWasBuiltOnIsRefused() throws Exception {
        Fixture f = new Fixture("drift");
        f.send(segment(UUID.randomUUID(), "d@example.com", Segment.LOW));
        try (SinkService sink = f.start(100, 50)) {
            f.awaitCaughtUp();
        }
        try (Admin admin = KAFKA.admin()) {
            admin.createPartitions(Map.of(
                            f.topics.customerSegments().name(),
                            org.apache.kafka.clients.admin.NewPartitions.increaseTo(KAFKA.partitions() * 2)))
                    .all()
                    .get();
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.start(100, 50))
                .isInstanceOf(dev.hfc.core.topic.TopicProvisioner.PartitionsChangedException.class)
                .hasMessageContaining("was built on " + KAFKA.partitions())
                .hasMessageContaining("--group-id");
    }

    @Test
    void aReplayFromEarliestLeavesTheTableIdentical() throws Exception {
        Fixture f = new Fixture("replay");
        List<UUID> users = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            UUID user = UUID.randomUUID();
            users.add(user);
            f.send(segment(user, "u" + i + "@example.com", Segment.values()[i % 3]));
            if (i % 7 == 0) {
                f.send(segment(user, "u" + i + ".new@example.com", Segment.HIGH));
            }
            if (i % 11 == 0) {
                f.sendTombstone(user);
            }
        }
        try (SinkService sink = f.start(200, 50)) {
            f.awaitCaughtUp();
        }
        try (Connection c = Database.connect(f.db);
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE rec_campaigns_weekly SET campaign_sent = true WHERE email LIKE 'u1%'");
        }
        // Rows of keys the topic no longer holds (their tombstones were compacted away): a sent one stays as
        // history, an unsent one must go, since no record is left to delete it.
        String ghost = "INSERT INTO rec_campaigns_weekly (user_id, email, segment, campaign_sent, subscription_week, "
                + "subscription_id, pause_weeks) VALUES (gen_random_uuid(), ?, 'low', ?, '" + W
                + "', gen_random_uuid(), 1)";
        try (Connection c = Database.connect(f.db);
                java.sql.PreparedStatement ps = c.prepareStatement(ghost)) {
            ps.setString(1, "sent.ghost@example.com");
            ps.setBoolean(2, true);
            ps.executeUpdate();
        }
        String before = f.snapshot();
        assertThat(before.lines().count()).isEqualTo(500 - 46 + 1); // 46 of the 500 were tombstoned
        try (Connection c = Database.connect(f.db);
                java.sql.PreparedStatement ps = c.prepareStatement(ghost)) {
            ps.setString(1, "unsent.ghost@example.com");
            ps.setBoolean(2, false);
            ps.executeUpdate();
        }

        try (Admin admin = KAFKA.admin()) {
            var result = SinkReplay.rewind(admin, KAFKA.settings(), f.db, f.group, f.topics, ReplayPoint.EARLIEST);
            assertThat(result.rowsSwept()).isEqualTo(1);
        }
        try (SinkService sink = f.start(200, 50)) {
            f.awaitCaughtUp();
            // Every record was read again (a key's older values may be re-applied on the way).
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(sink.metrics().records()).isEqualTo(500 + 72 + 46));
        }
        assertThat(f.snapshot()).isEqualTo(before);
    }

    @Test
    void twoConsumersSplitThePartitionsAndWriteEveryRecordOnce() throws Exception {
        Fixture f = new Fixture("twoconsumers");
        List<UUID> users = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            users.add(UUID.randomUUID());
        }
        Map<UUID, String> expected = new HashMap<>();
        try (SinkService sink = f.start(40, 20, 2)) {
            // The first round goes out while the two members are still joining the group.
            List<CustomerSegment> first = new ArrayList<>();
            for (int i = 0; i < users.size(); i++) {
                first.add(segment(users.get(i), "u" + i + "@example.com", Segment.values()[i % 3]));
            }
            f.sendAll(first);
            first.forEach(s ->
                    expected.put(s.userId(), s.email() + "|" + s.segment().wire() + "|" + s.pauseWeeks() + "|false"));
            f.awaitCaughtUp();
            assertThat(f.rows()).isEqualTo(expected);

            // The cooperative rebalance that hands the second member its partitions may take a moment more.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(f.partitionsPerMember().values())
                            .as("partitions owned by each member of the group")
                            .containsExactlyInAnyOrder(1, 2));

            // Then every key changes (every row is an update, on both connections at once), and some go.
            List<CustomerSegment> second = new ArrayList<>();
            List<UUID> gone = new ArrayList<>();
            for (int i = 0; i < users.size(); i++) {
                if (i % 10 == 0) {
                    gone.add(users.get(i));
                    expected.remove(users.get(i));
                } else {
                    CustomerSegment s =
                            segment(users.get(i), "u" + i + ".v2@example.com", Segment.values()[(i + 1) % 3]);
                    second.add(s);
                    expected.put(s.userId(), s.email() + "|" + s.segment().wire() + "|" + s.pauseWeeks() + "|false");
                }
            }
            f.sendAll(second);
            for (UUID user : gone) {
                f.sendTombstone(user);
            }
            f.awaitCaughtUp();
            assertThat(f.rows()).isEqualTo(expected);
            // Each record was written once, by the one member that owned its partition.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(sink.metrics().records()).isEqualTo(600 + 540 + 60));
            // Both members tell readers of the table that nothing of the topic is missing from it.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(f.progress())
                            .hasSize(2)
                            .allSatisfy((member, lag) -> assertThat(lag).isZero()));
        }
        assertThat(f.progress())
                .as("members that stopped cleanly leave no progress behind")
                .isEmpty();
    }

    private static CustomerSegment segment(UUID user, String email, Segment segment) {
        return new CustomerSegment(
                user, email, W, segment, segment.ordinal() + 1, UUID.nameUUIDFromBytes(email.getBytes()), 1L);
    }

    /** One scenario's topics, schema and consumer group. */
    private static final class Fixture {
        final Topics topics;
        final DbSettings db;
        final String group;

        Fixture(String name) throws Exception {
            topics = KAFKA.freshTopics();
            db = POSTGRES.db("sink_" + name);
            group = "sink-it-" + name;
        }

        SinkService start(int batchSize, int lingerMs) {
            return start(batchSize, lingerMs, 1);
        }

        SinkService start(int batchSize, int lingerMs, int consumers) {
            return SinkService.start(
                    SinkService.Settings.defaults(KAFKA.settings(), topics, db)
                            .withGroupId(group)
                            .withBatchSize(batchSize)
                            .withLinger(Duration.ofMillis(lingerMs))
                            .withDbRetryTimeout(Duration.ofSeconds(30))
                            .withTopicLayout(new TopicProvisioner.Layout(3, (short) 1))
                            .withConsumers(consumers),
                    new SinkMetrics(new SimpleMeterRegistry()));
        }

        void send(CustomerSegment s) throws Exception {
            sendRaw(
                    s.key().toBytes(),
                    topics.customerSegments().valueSerde().serializer().serialize("", s));
        }

        void sendAll(List<CustomerSegment> segments) throws Exception {
            try (var p = new KafkaProducer<>(
                    Map.<String, Object>of("bootstrap.servers", KAFKA.bootstrapServers()),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (CustomerSegment s : segments) {
                    p.send(new ProducerRecord<>(
                            topics.customerSegments().name(),
                            s.key().toBytes(),
                            topics.customerSegments().valueSerde().serializer().serialize("", s)));
                }
                p.flush();
            }
        }

        /** Per member of the sink's group: how many partitions Kafka assigned to it. */
        Map<String, Integer> partitionsPerMember() throws Exception {
            try (Admin admin = KAFKA.admin()) {
                var group = admin.describeConsumerGroups(List.of(this.group))
                        .all()
                        .get()
                        .get(this.group);
                Map<String, Integer> owned = new HashMap<>();
                group.members()
                        .forEach(m -> owned.put(
                                m.consumerId(), m.assignment().topicPartitions().size()));
                return owned;
            }
        }

        /** user -> "email|segment|pause_weeks|sent" for every row of W. */
        Map<UUID, String> rows() throws Exception {
            Map<UUID, String> rows = new HashMap<>();
            try (Connection c = Database.connect(db);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT user_id, email, segment, pause_weeks, campaign_sent FROM rec_campaigns_weekly "
                                    + "WHERE subscription_week = '" + W + "'")) {
                while (rs.next()) {
                    rows.put(
                            rs.getObject(1, UUID.class),
                            rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getInt(4) + "|" + rs.getBoolean(5));
                }
            }
            return rows;
        }

        void sendTombstone(UUID user) throws Exception {
            sendRaw(new SegmentKey(W, user).toBytes(), null);
        }

        void sendRaw(byte[] key, byte[] value) throws Exception {
            try (var p = new KafkaProducer<>(
                    Map.<String, Object>of("bootstrap.servers", KAFKA.bootstrapServers()),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(topics.customerSegments().name(), key, value))
                        .get();
            }
        }

        /** Waits until the offsets stored in Postgres reach the end of every partition. */
        /** hfc_sink_progress of this group: member to lag. */
        Map<String, Long> progress() throws Exception {
            Map<String, Long> out = new HashMap<>();
            try (Connection c = Database.connect(db);
                    java.sql.PreparedStatement ps = c.prepareStatement(
                            "SELECT member, lag_records FROM hfc_sink_progress WHERE group_id = ?")) {
                ps.setString(1, group);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getObject(2, Long.class));
                    }
                }
            }
            return out;
        }

        void awaitCaughtUp() {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .until(() -> {
                        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                        for (int p = 0; p < KAFKA.partitions(); p++) {
                            request.put(
                                    new TopicPartition(topics.customerSegments().name(), p), OffsetSpec.latest());
                        }
                        Map<TopicPartition, Long> ends = new HashMap<>();
                        try (Admin admin = KAFKA.admin()) {
                            admin.listOffsets(request).all().get().forEach((tp, i) -> ends.put(tp, i.offset()));
                        }
                        Map<TopicPartition, Long> stored = SinkOffsets.read(db, group, ends.keySet());
                        return ends.entrySet().stream()
                                .allMatch(e -> e.getValue() == 0 || e.getValue().equals(stored.get(e.getKey())));
                    });
        }

        /** "email|segment|pause_weeks|sent" of the user's row for W, or null. */
        String row(UUID user) throws Exception {
            try (Connection c = Database.connect(db);
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT email, segment, pause_weeks, campaign_sent FROM rec_campaigns_weekly "
                                    + "WHERE subscription_week = ? AND user_id = ?")) {
                ps.setString(1, W.toString());
                ps.setObject(2, user);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getInt(3) + "|" + rs.getBoolean(4)
                            : null;
                }
            }
        }

        /** The whole table, every column, in a stable order. */
        String snapshot() throws Exception {
            StringBuilder b = new StringBuilder();
            try (Connection c = Database.connect(db);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT id, user_id, email, segment, campaign_sent, row_created_on, "
                                    + "subscription_week, subscription_id, pause_weeks FROM rec_campaigns_weekly ORDER BY subscription_week, user_id")) {
                while (rs.next()) {
                    for (int i = 1; i <= 9; i++) {
                        b.append(rs.getString(i)).append(i == 9 ? "\n" : "|");
                    }
                }
            }
            return b.toString();
        }
    }
}
