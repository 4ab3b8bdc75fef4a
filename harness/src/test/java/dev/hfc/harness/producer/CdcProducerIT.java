package dev.hfc.harness.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSnapshot;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.producer.cdc.CdcProducer;
import dev.hfc.producer.cdc.ProducerMetrics;
import dev.hfc.producer.cdc.SourceDatabase;
import dev.hfc.producer.cdc.SourceTables;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.KafkaExtension;
import dev.hfc.testkit.PostgresExtension;
import dev.hfc.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CdcProducerIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(3);

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @Test
    void aSourceTableWhoseOldRowsLackWhatTheMapperNeedsIsRefusedAtStartWithTheFix() throws Exception {
        DbSettings db = POSTGRES.db("identity");
        SchemaMigrator.migrate(db, true);
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute("ALTER TABLE subscription REPLICA IDENTITY DEFAULT");
            s.execute("ALTER TABLE customer REPLICA IDENTITY DEFAULT"); // its primary key is user_id: enough
        }
        var settings = CdcProducer.Settings.defaults(KAFKA.settings(), KAFKA.topics(), db)
                .withSlot("hfc_it_identity", "hfc_it_identity")
                .withHeartbeatInterval(Duration.ofSeconds(1))
                .withTopicLayout(new TopicProvisioner.Layout(3, (short) 1));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> CdcProducer.start(settings, new ProducerMetrics(new SimpleMeterRegistry())))
                .isInstanceOf(SourceTables.NotReadyException.class)
                .hasMessageContaining(db.qualified("subscription") + " has REPLICA IDENTITY DEFAULT")
                .hasMessageContaining("ALTER TABLE " + db.qualified("subscription") + " REPLICA IDENTITY FULL")
                .hasMessageNotContaining(db.qualified("customer"));
    }

    @Test
    void snapshotThenStreamingInCommitOrderWithBadRowsDeadLettered() throws Exception {
        DbSettings db = POSTGRES.db("src");
        SchemaMigrator.migrate(db, true);
        Topics topics = KAFKA.topics();
        Week current = Week.parse("2026-W48");
        var loaded = SourceDataLoader.load(db, new SourceDataGenerator(5, current), 0, 40, n -> {});
        assertThat(loaded.subscriptions()).isEqualTo(440);

        var settings = CdcProducer.Settings.defaults(KAFKA.settings(), topics, db)
                .withSlot("hfc_it_slot", "hfc_it_pub")
                .withHeartbeatInterval(Duration.ofSeconds(1))
                .withTopicLayout(new TopicProvisioner.Layout(3, (short) 1));
        var metrics = new ProducerMetrics(new SimpleMeterRegistry());
        try (CdcProducer producer = CdcProducer.start(settings, metrics)) {
            // Snapshot: one customer snapshot per customer with exactly its rows, framed by a begin and an end
            // marker in each of the 3 partitions.
            List<ConsumerRecord<byte[], byte[]>> events = TopicReader.readUntil(
                    KAFKA.bootstrapServers(),
                    topics.subscriptionEvents().name(),
                    Duration.ofSeconds(90),
                    r -> r.size() >= 46);
            assertThat(events).hasSize(46);
            List<CustomerSnapshot> snapshots = events.stream()
                    .map(r -> EventCodecs.SUBSCRIPTION_INPUT.decode(r.value()).orThrow())
                    .filter(CustomerSnapshot.class::isInstance)
                    .map(CustomerSnapshot.class::cast)
                    .toList();
            assertThat(snapshots).hasSize(40);
            var first = new SourceDataGenerator(5, current).customer(0);
            assertThat(snapshots)
                    .filteredOn(sn -> sn.userId().equals(first.customer().userId()))
                    .singleElement()
                    .satisfies(sn -> assertThat(sn.weeks())
                            .containsExactlyElementsOf(first.subscriptions().stream()
                                    .map(w -> new CustomerSnapshot.WeekRow(w.week(), w.status(), w.subscriptionId()))
                                    .sorted(java.util.Comparator.comparing(CustomerSnapshot.WeekRow::week))
                                    .toList()));
            assertThat(events)
                    .filteredOn(r -> r.key() != null)
                    .allSatisfy(r -> assertThat(new String(r.key(), StandardCharsets.UTF_8))
                            .isEqualTo(((CustomerSnapshot) EventCodecs.SUBSCRIPTION_INPUT
                                            .decode(r.value())
                                            .orThrow())
                                    .userId()
                                    .toString()));
            assertThat(events)
                    .filteredOn(r -> r.key() == null)
                    .extracting(r -> r.partition() + " "
                            + ((SnapshotMarker) EventCodecs.SUBSCRIPTION_INPUT
                                            .decode(r.value())
                                            .orThrow())
                                    .phase())
                    .containsExactlyInAnyOrder("0 BEGIN", "1 BEGIN", "2 BEGIN", "0 END", "1 END", "2 END");
            List<ConsumerRecord<byte[], byte[]>> customers = TopicReader.readUntil(
                    KAFKA.bootstrapServers(), topics.customers().name(), Duration.ofSeconds(30), r -> r.size() >= 40);
            assertThat(customers).hasSize(40);

            // Streaming: one user's changes, in commit order, among a bad row and another user's rows.
            UUID user = UUID.randomUUID();
            UUID sub = UUID.randomUUID();
            UUID other = UUID.randomUUID();
            try (Connection c = Database.connect(db);
                    Statement s = c.createStatement()) {
                s.execute("INSERT INTO customer VALUES ('" + user
                        + "', 'new.user+x@example.com', 'active', current_date)");
                s.execute("INSERT INTO customer VALUES ('" + other + "', 'other@example.com', 'active', current_date)");
                s.execute("INSERT INTO subscription VALUES ('" + sub + "', '2026-W49', '" + user + "', 'active')");
                s.execute("INSERT INTO subscription VALUES ('" + UUID.randomUUID() + "', '2026-W49', '" + other
                        + "', 'skipped')");
                s.execute("UPDATE subscription SET status = 'paused' WHERE subscription_id = '" + sub + "'");
                s.execute(
                        "UPDATE subscription SET subscription_week = '2026-W50' WHERE subscription_id = '" + sub + "'");
                s.execute("INSERT INTO subscription VALUES ('" + UUID.randomUUID() + "', '2026-W51', '" + other
                        + "', 'paused')");
                s.execute("DELETE FROM subscription WHERE subscription_id = '" + sub + "'");
                s.execute("UPDATE customer SET email = 'other at example dot com' WHERE user_id = '" + other + "'");
            }
            List<SubscriptionEvent> mine = TopicReader.readUntil(
                            KAFKA.bootstrapServers(),
                            topics.subscriptionEvents().name(),
                            Duration.ofSeconds(60),
                            r -> r.stream()
                                            .filter(x -> x.key() != null
                                                    && new String(x.key(), StandardCharsets.UTF_8)
                                                            .equals(user.toString()))
                                            .count()
                                    >= 5)
                    .stream()
                    .filter(x -> x.key() != null && new String(x.key(), StandardCharsets.UTF_8).equals(user.toString()))
                    .map(x -> EventCodecs.SUBSCRIPTION_EVENT.decode(x.value()).orThrow())
                    .toList();
            assertThat(mine)
                    .extracting(e -> e.op() + " " + e.week() + " " + e.status())
                    .containsExactly(
                            "UPSERT 2026-W49 ACTIVE",
                            "UPSERT 2026-W49 PAUSED",
                            "DELETE 2026-W49 null", // the key-changing update: delete the old week...
                            "UPSERT 2026-W50 PAUSED", // ...and upsert the new one
                            "DELETE 2026-W50 null");
            assertThat(mine).allSatisfy(e -> assertThat(e.sourceTsMs()).isPositive());

            List<ConsumerRecord<byte[], byte[]>> dead = TopicReader.readUntil(
                    KAFKA.bootstrapServers(), topics.dlq().name(), Duration.ofSeconds(30), r -> r.size() >= 2);
            assertThat(dead)
                    .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
                    .containsExactlyInAnyOrder("unknown-status", "invalid-email");
            assertThat(dead).allSatisfy(r -> {
                assertThat(DeadLetters.header(r.headers(), DeadLetters.STAGE)).isEqualTo("producer");
                assertThat(DeadLetters.header(r.headers(), DeadLetters.SOURCE_TOPIC))
                        .startsWith("postgres:hfc-cdc.src.");
            });
            // The good row after the bad one still flowed, and the customer with the unusable email was blanked.
            assertThat(TopicReader.readToEnd(
                            KAFKA.bootstrapServers(),
                            topics.subscriptionEvents().name()))
                    .anySatisfy(r -> assertThat(EventCodecs.SUBSCRIPTION_INPUT
                                    .decode(r.value())
                                    .orThrow())
                            .isInstanceOfSatisfying(
                                    SubscriptionEvent.class,
                                    e -> assertThat(e.week()).hasToString("2026-W51")));
            assertThat(TopicReader.readToEnd(
                            KAFKA.bootstrapServers(), topics.customers().name()))
                    .map(r -> EventCodecs.CUSTOMER.decode(r.value()).orThrow())
                    .filteredOn(e -> e.userId().equals(other))
                    .last()
                    .extracting(CustomerEvent::email)
                    .isNull();
            assertThat(metrics.deadLettered()).isEqualTo(2);
            assertThat(producer.failure()).isNull();

            assertThatThrownBy(() -> SourceDatabase.dropSlot(db, "hfc_it_slot", "hfc_it_pub"))
                    .hasMessageContaining("in use");
        }
        assertThat(SourceDatabase.dropSlot(db, "hfc_it_slot", "hfc_it_pub")).isTrue();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'hfc_it_slot'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void refusesADatabaseWithoutTheSourceTables() {
        DbSettings db = POSTGRES.db("empty_schema");
        assertThatThrownBy(() -> SourceDatabase.check(db)).hasMessageContaining("--with-source-tables");
    }
}
