package dev.hfc.harness.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.producer.cdc.CdcProducer;
import dev.hfc.producer.cdc.ProducerMetrics;
import dev.hfc.producer.cdc.SnapshotRequests;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.KafkaExtension;
import dev.hfc.testkit.PostgresExtension;
import dev.hfc.testkit.SubscriptionLog;
import dev.hfc.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The producer's own initial snapshot ({@code InitialSnapshot}) against a source that keeps changing: the
 * events folded per row must end equal to the tables, whatever the writes did while the rows were read, and
 * a restart must not read the tables again. Only Debezium streams after the rows, so these tests also check
 * that it starts exactly where the snapshot stored the position ({@code EngineOffsets}).
 */
class InitialSnapshotIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(3);

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final int CUSTOMERS = 3_000;

    @Test
    void rowsChangedWhileTheSnapshotReadsEndAsTheTablesAndARestartReadsNothingAgain() throws Exception {
        DbSettings db = POSTGRES.db("snap_live");
        SchemaMigrator.migrate(db, true);
        SourceDataLoader.load(db, new SourceDataGenerator(3, Week.parse("2026-W48")), 0, CUSTOMERS, n -> {});
        Topics topics = KAFKA.freshTopics();
        var settings = settings(topics, db, "hfc_snap_live");

        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> writes = CompletableFuture.supplyAsync(() -> write(db, stop, 11));
        try (CdcProducer producer = CdcProducer.start(settings, new ProducerMetrics(new SimpleMeterRegistry()))) {
            // Keep writing until the snapshot's rows are all out, and a while after.
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> !SubscriptionLog.ended(TopicReader.readToEnd(
                                    KAFKA.bootstrapServers(),
                                    topics.subscriptionEvents().name()))
                            .isEmpty());
            Thread.sleep(1_000); // writes keep overlapping the switch from rows to streaming; not a synchronisation
            stop.set(true);
            assertThat(writes.get()).isPositive();
            awaitFoldEqualsTables(db, topics, producer);
        }
        // A stopped producer lets go of its slot at once (a restart would otherwise wait for it, and retry).
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !slot(db, "hfc_snap_live").startsWith("active"));
        int before = TopicReader.readToEnd(
                        KAFKA.bootstrapServers(), topics.subscriptionEvents().name())
                .size();

        try (CdcProducer producer = CdcProducer.start(settings, new ProducerMetrics(new SimpleMeterRegistry()));
                Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE subscription SET status = 'paused' WHERE subscription_id = (SELECT subscription_id "
                    + "FROM subscription WHERE status = 'active' ORDER BY subscription_id LIMIT 1)");
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> TopicReader.readToEnd(
                                                KAFKA.bootstrapServers(),
                                                topics.subscriptionEvents().name())
                                        .size()
                                > before);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // What tells a lost change from a late one, should this fail again (it did once, in a CI run).
                throw new AssertionError(
                        "the change made after the restart was not published within 60 s; producer failure: "
                                + producer.failure() + "; slot: " + slot(db, "hfc_snap_live") + "; records: "
                                + TopicReader.readToEnd(
                                                KAFKA.bootstrapServers(),
                                                topics.subscriptionEvents().name())
                                        .size()
                                + " (before the change " + before + ")",
                        e);
            }
            awaitFoldEqualsTables(db, topics, producer);
            // A second snapshot would have added every row again; the restart streamed the one change.
            assertThat(TopicReader.readToEnd(
                                    KAFKA.bootstrapServers(),
                                    topics.subscriptionEvents().name())
                            .size())
                    .isBetween(before + 1, before + 10);
        }
    }

    @Test
    void aSlotLeftByAnEarlierFirstStartIsReadAgainAndStreamedFromItsOwnPosition() throws Exception {
        DbSettings db = POSTGRES.db("snap_slot");
        SchemaMigrator.migrate(db, true);
        SourceDataLoader.load(db, new SourceDataGenerator(4, Week.parse("2026-W48")), 0, CUSTOMERS, n -> {});
        Topics topics = KAFKA.freshTopics();
        // An earlier first start created publication and slot, then died before it stored its position.
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute("CREATE PUBLICATION hfc_snap_slot FOR TABLE " + db.qualified("customer") + ", "
                    + db.qualified("subscription"));
            s.execute("SELECT pg_create_logical_replication_slot('hfc_snap_slot', 'pgoutput')");
        }
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> writes = CompletableFuture.supplyAsync(() -> write(db, stop, 12));
        Thread.sleep(2_000); // changes after the slot's position and before the producer starts; not a synchronisation
        try (CdcProducer producer = CdcProducer.start(
                settings(topics, db, "hfc_snap_slot"), new ProducerMetrics(new SimpleMeterRegistry()))) {
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> !SubscriptionLog.ended(TopicReader.readToEnd(
                                    KAFKA.bootstrapServers(),
                                    topics.subscriptionEvents().name()))
                            .isEmpty());
            stop.set(true);
            assertThat(writes.get()).isPositive();
            awaitFoldEqualsTables(db, topics, producer);
        }
    }

    /**
     * Re-snapshots of all customers while changes keep coming (DBLog's watermarks, {@code Resnapshots}): a
     * change committed while a chunk is read lies between its watermarks, so that customer's snapshot is held
     * back and read again; one committed after lands after the snapshot. Folded as a consumer folds them, the
     * events end equal to the tables every time: no snapshot overwrote a newer change.
     */
    @Test
    void reSnapshotsWhileChangesStreamNeverOverwriteANewerChange() throws Exception {
        DbSettings db = POSTGRES.db("snap_again");
        SchemaMigrator.migrate(db, true);
        SourceDataLoader.load(db, new SourceDataGenerator(5, Week.parse("2026-W48")), 0, CUSTOMERS, n -> {});
        Topics topics = KAFKA.freshTopics();
        ProducerMetrics metrics = new ProducerMetrics(new SimpleMeterRegistry());
        // Chunks of 400 customers: a re-snapshot walks the customers in some eight chunks, key after key.
        CdcProducer.Settings chunked = settings(topics, db, "hfc_snap_again").withSnapshotChunk(400);
        try (CdcProducer producer = CdcProducer.start(chunked, metrics)) {
            awaitEnded(topics, 1); // the initial load
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Integer> writes = CompletableFuture.supplyAsync(() -> write(db, stop, 13));
            for (int round = 2; round <= 4; round++) {
                SnapshotRequests.request(db, "hfc_snap_again", List.of());
                awaitEnded(topics, round);
                assertThat(producer.failure()).isNull();
            }
            stop.set(true);
            assertThat(writes.get()).isPositive();
            awaitFoldEqualsTables(db, topics, producer);
            assertThat(metrics.resnapshotsDone())
                    .as("three re-snapshots, each of every customer it read")
                    .isEqualTo(3);
            assertThat(SubscriptionLog.snapshots(TopicReader.readToEnd(
                            KAFKA.bootstrapServers(),
                            topics.subscriptionEvents().name())))
                    .as("the initial load's and three re-snapshots' of some 3,000 customers")
                    .isGreaterThan(CUSTOMERS * 3L + 2_000);
        }
    }

    @Test
    void aReSnapshotOfGivenCustomersCarriesTheirRowsAndAnEmptyOneForACustomerWithoutRows() throws Exception {
        DbSettings db = POSTGRES.db("snap_given");
        SchemaMigrator.migrate(db, true);
        SourceDataLoader.load(db, new SourceDataGenerator(6, Week.parse("2026-W48")), 0, 200, n -> {});
        Topics topics = KAFKA.freshTopics();
        UUID withRows;
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT user_id FROM subscription LIMIT 1")) {
            rs.next();
            withRows = rs.getObject(1, UUID.class);
        }
        UUID without = UUID.randomUUID();
        try (CdcProducer producer = CdcProducer.start(
                settings(topics, db, "hfc_snap_given"), new ProducerMetrics(new SimpleMeterRegistry()))) {
            awaitEnded(topics, 1);
            long before = SubscriptionLog.snapshots(TopicReader.readToEnd(
                    KAFKA.bootstrapServers(), topics.subscriptionEvents().name()));
            SnapshotRequests.request(db, "hfc_snap_given", List.of(withRows, without));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> SubscriptionLog.snapshots(TopicReader.readToEnd(
                                    KAFKA.bootstrapServers(),
                                    topics.subscriptionEvents().name()))
                            == before + 2);
            List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readToEnd(
                    KAFKA.bootstrapServers(), topics.subscriptionEvents().name());
            var snapshots = records.stream()
                    .map(r -> EventCodecs.SUBSCRIPTION_INPUT.decode(r.value()).orThrow())
                    .filter(dev.hfc.core.event.CustomerSnapshot.class::isInstance)
                    .map(dev.hfc.core.event.CustomerSnapshot.class::cast)
                    .filter(sn -> sn.userId().equals(withRows) || sn.userId().equals(without))
                    .toList();
            var ofWithRows = snapshots.stream()
                    .filter(sn -> sn.userId().equals(withRows))
                    .toList();
            assertThat(ofWithRows)
                    .as("the initial load's and the one asked for")
                    .hasSize(2);
            assertThat(ofWithRows.get(1).weeks())
                    .isEqualTo(ofWithRows.get(0).weeks())
                    .isNotEmpty();
            assertThat(snapshots)
                    .filteredOn(sn -> sn.userId().equals(without))
                    .singleElement()
                    .satisfies(sn -> assertThat(sn.weeks()).isEmpty());
            assertThat(SubscriptionLog.ended(records))
                    .as("no markers for a snapshot of some customers")
                    .hasSize(1);
            awaitFoldEqualsTables(db, topics, producer);
        }
    }

    /** Until {@code count} snapshots of all customers (the initial load among them) have their end marker. */
    private static void awaitEnded(Topics topics, int count) {
        await().atMost(Duration.ofSeconds(120))
                .until(() -> SubscriptionLog.ended(TopicReader.readToEnd(
                                        KAFKA.bootstrapServers(),
                                        topics.subscriptionEvents().name()))
                                .size()
                        >= count);
    }

    private static CdcProducer.Settings settings(Topics topics, DbSettings db, String slot) {
        return CdcProducer.Settings.defaults(KAFKA.settings(), topics, db)
                .withSlot(slot, slot)
                .withHeartbeatInterval(Duration.ofSeconds(1))
                .withTopicLayout(new TopicProvisioner.Layout(3, (short) 1));
    }

    /** Pauses, resumes, week moves, customer deletes (their rows cascade) and new customers, until told to stop. */
    private static int write(DbSettings db, AtomicBoolean stop, long seed) {
        Random random = new Random(seed);
        int done = 0;
        try (Connection c = Database.connect(db)) {
            List<UUID> subscriptions = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT subscription_id FROM subscription")) {
                while (rs.next()) {
                    subscriptions.add(rs.getObject(1, UUID.class));
                }
            }
            while (!stop.get()) {
                UUID sub = subscriptions.get(random.nextInt(subscriptions.size()));
                int kind = random.nextInt(10);
                String sql = kind < 6
                        ? "UPDATE subscription SET status = CASE status WHEN 'paused' THEN 'active' ELSE 'paused' END "
                                + "WHERE subscription_id = ?"
                        : kind < 8
                                ? "DELETE FROM customer WHERE user_id = (SELECT user_id FROM subscription WHERE subscription_id = ?)"
                                : "UPDATE subscription SET status = 'cancelled' WHERE subscription_id = ?";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setObject(1, sub);
                    done += ps.executeUpdate();
                }
                if (kind == 9) {
                    UUID user = UUID.randomUUID();
                    try (Statement s = c.createStatement()) {
                        s.execute("INSERT INTO customer VALUES ('" + user + "', 'new+" + done
                                + "@example.com', 'active', current_date)");
                        s.execute("INSERT INTO subscription VALUES ('" + UUID.randomUUID() + "', '2026-W50', '" + user
                                + "', 'paused')");
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return done;
    }

    private static void awaitFoldEqualsTables(DbSettings db, Topics topics, CdcProducer producer) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(producer.failure()).isNull();
                    assertThat(foldedSubscriptions(topics)).isEqualTo(tableSubscriptions(db));
                    assertThat(foldedCustomers(topics)).isEqualTo(tableCustomers(db));
                });
    }

    /** subscription_id → "user week status": the changes and customer snapshots folded as a consumer folds them. */
    private static Map<UUID, String> foldedSubscriptions(Topics topics) {
        return SubscriptionLog.fold(TopicReader.readToEnd(
                KAFKA.bootstrapServers(), topics.subscriptionEvents().name()));
    }

    private static Map<UUID, String> tableSubscriptions(DbSettings db) throws SQLException {
        Map<UUID, String> rows = new TreeMap<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT subscription_id, user_id, subscription_week, status FROM subscription")) {
            while (rs.next()) {
                rows.put(
                        rs.getObject(1, UUID.class),
                        rs.getObject(2, UUID.class) + " " + rs.getString(3) + " " + rs.getString(4));
            }
        }
        return rows;
    }

    /** user_id → status, the last word of the customer events (a tombstone removes). */
    private static Map<String, String> foldedCustomers(Topics topics) {
        Map<String, String> rows = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readToEnd(
                KAFKA.bootstrapServers(), topics.customers().name())) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                rows.remove(key);
            } else {
                rows.put(key, EventCodecs.CUSTOMER.decode(r.value()).orThrow().status());
            }
        }
        return rows;
    }

    /** "active (pid N)" or "inactive", with the slot's confirmed position against the server's. */
    private static String slot(DbSettings db, String slot) throws SQLException {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT active, active_pid, confirmed_flush_lsn, pg_current_wal_lsn() "
                        + "FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            if (!rs.next()) {
                return "missing";
            }
            return (rs.getBoolean(1) ? "active (pid " + rs.getInt(2) + ")" : "inactive") + ", confirmed "
                    + rs.getString(3) + ", server at " + rs.getString(4);
        }
    }

    private static Map<String, String> tableCustomers(DbSettings db) throws SQLException {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT user_id::text, status FROM customer")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2));
            }
        }
        return rows;
    }
}
