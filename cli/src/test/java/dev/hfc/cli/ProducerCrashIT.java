package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.KafkaExtension;
import dev.hfc.testkit.PostgresExtension;
import dev.hfc.testkit.SubscriptionLog;
import dev.hfc.testkit.TopicReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The producer killed with SIGKILL during a stream of changes, restarted: every committed change is in Kafka. */
class ProducerCrashIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(3);

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @Test
    void sigkillDuringAStreamOfChangesLosesNothing() throws Exception {
        DbSettings db = POSTGRES.db("crash_src");
        SchemaMigrator.migrate(db, true);
        UUID[] users = new UUID[50];
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            for (int i = 0; i < users.length; i++) {
                users[i] = UUID.randomUUID();
                s.execute("INSERT INTO customer VALUES ('" + users[i] + "', 'u" + i
                        + "@example.com', 'active', current_date)");
                for (int w = 1; w <= 9; w++) {
                    s.execute("INSERT INTO subscription VALUES (gen_random_uuid(), '2027-W0" + w + "', '" + users[i]
                            + "', 'active')");
                }
            }
        }
        Map<String, String> env =
                ProcessPipeline.of(KAFKA.bootstrapServers(), KAFKA.topics(), db).env();
        String[] args = {
            "producer",
            "--slot-name",
            "crash_slot",
            "--publication-name",
            "crash_pub",
            "--partitions",
            "3",
            "--heartbeat-interval-ms",
            "1000"
        };

        // A stream of committed updates, running while the producer is killed and restarted.
        AtomicBoolean changing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        Thread writer = new Thread(
                () -> {
                    Random random = new Random(5);
                    String[] statuses = {"paused", "active", "cancelled"};
                    try (Connection c = Database.connect(db);
                            PreparedStatement ps = c.prepareStatement(
                                    "UPDATE subscription SET status = ? WHERE user_id = ? AND subscription_week = ?")) {
                        while (changing.get()) {
                            ps.setString(1, statuses[random.nextInt(3)]);
                            ps.setObject(2, users[random.nextInt(users.length)]);
                            ps.setString(3, "2027-W0" + (1 + random.nextInt(9)));
                            ps.executeUpdate();
                            committed.incrementAndGet();
                            Thread.sleep(2);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                "source-writer");

        try (HfcProcess first = HfcProcess.start(env, args)) {
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> !SubscriptionLog.ended(TopicReader.readToEnd(
                                    KAFKA.bootstrapServers(),
                                    KAFKA.topics().subscriptionEvents().name()))
                            .isEmpty()); // the snapshot is out
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> committed.get() > 300);
            first.kill();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> committed.get() > 600); // changes while it is down
        try (HfcProcess second = HfcProcess.start(env, args)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> committed.get() > 900);
            second.kill();
        }
        changing.set(false);
        writer.join();
        try (HfcProcess third = HfcProcess.start(env, args)) {
            Map<String, String> truth = sourceState(db);
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> topicState().equals(truth));
            assertThat(third.terminate(Duration.ofSeconds(60))).isIn(0, 143);
        }
        assertThat(committed.get()).isGreaterThan(900);
        assertThat(topicState()).isEqualTo(sourceState(db));
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot('crash_slot')");
        }
    }

    /** (user, week) → status as the source has it now. */
    private static Map<String, String> sourceState(DbSettings db) throws Exception {
        Map<String, String> state = new HashMap<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT user_id, subscription_week, status FROM subscription")) {
            while (rs.next()) {
                state.put(rs.getString(1) + "/" + rs.getString(2), rs.getString(3));
            }
        }
        return state;
    }

    /** (user, week) → status as the topic says, its changes and customer snapshots folded in order. */
    private static Map<String, String> topicState() {
        Map<String, String> state = new HashMap<>();
        SubscriptionLog.fold(TopicReader.readToEnd(
                        KAFKA.bootstrapServers(),
                        KAFKA.topics().subscriptionEvents().name()))
                .values()
                .forEach(row -> {
                    String[] f = row.split(" ");
                    state.put(f[0] + "/" + f[1], f[2]);
                });
        return state;
    }
}
