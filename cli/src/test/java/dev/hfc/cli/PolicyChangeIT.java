package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.week.Week;
import dev.hfc.harness.ReferenceCheck;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.PostgresExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change of the segment policy takes effect without replaying the inputs (issue 16): the segmenter, restarted
 * with {@code --medium-from 3}, re-segments its customers from its state and publishes only the targets whose
 * segment changed; the table then equals the reference computation under the new policy.
 */
@Tag("processes")
class PolicyChangeIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final SegmentPolicy NEW = new SegmentPolicy(4, 3, 4);

    @TempDir
    Path work;

    @Test
    void aNewPolicyReSegmentsFromStateAndPublishesOnlyWhatChanged() throws Exception {
        DbSettings db = POSTGRES.db("policy");
        SchemaMigrator.migrate(db, true);
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        SourceDataLoader.load(db, new SourceDataGenerator(17, current), 0, 2_000, n -> {});

        try (Supervisor services = new Supervisor()) {
            ProcessPipeline pipeline = ProcessPipeline.withBroker(services, work, "policy", db, 3);
            String bootstrap = pipeline.bootstrap;
            Map<String, String> env = pipeline.env();
            String[] segmenter = {
                "segmenter",
                "--application-id",
                "policy-segmenter",
                "--instance-id",
                "policy-segmenter-a",
                "--state-dir",
                work.resolve("segmenter").toString()
            };
            int opsPort = PipelineDb.freePort();
            List<String> newPolicyArgs = new ArrayList<>(List.of(segmenter));
            newPolicyArgs.addAll(List.of("--medium-from", "3", "--ops-port", Integer.toString(opsPort)));
            String[] withNewPolicy = newPolicyArgs.toArray(String[]::new);
            services.add(
                    "producer",
                    env,
                    null,
                    "producer",
                    "--slot-name",
                    "policy_slot",
                    "--publication-name",
                    "policy_pub");
            services.add("segmenter", env, null, segmenter);
            services.add("segmenter-new-policy", env, null, withNewPolicy);
            services.add("sink", env, null, "sink", "--group-id", "policy-sink", "--linger-ms", "100");
            for (String name : List.of("broker", "producer", "segmenter", "sink")) {
                services.get(name).start();
            }
            match(services, db, SegmentPolicy.DEFAULT, current);
            Map<String, String> before = segments(db);
            services.get("segmenter").terminate();
            assertThat(services.get("segmenter").process.stderr())
                    .as("the first start records its policy")
                    .doesNotContain("re-segmenting");
            Map<TopicPartition, Long> segmentEnds =
                    ends(bootstrap, pipeline.topics.customerSegments().name());

            long restart = System.nanoTime();
            services.get("segmenter-new-policy").start();
            ReferenceCheck.Outcome outcome = match(services, db, NEW, current);
            double seconds = (System.nanoTime() - restart) / 1e9;
            Map<String, String> after = segments(db);
            long changed = before.entrySet().stream()
                    .filter(e -> !e.getValue().equals(after.get(e.getKey())))
                    .count();
            assertThat(changed)
                    .as("targets whose segment the new policy changes")
                    .isPositive();
            assertThat(after.keySet()).isEqualTo(before.keySet());

            // Only what changed was published: one upsert per changed target, nothing else.
            List<ConsumerRecord<byte[], byte[]>> published = readFrom(bootstrap, segmentEnds);
            assertThat(published)
                    .hasSize((int) changed)
                    .allSatisfy(r -> assertThat(r.value()).isNotNull());
            String log = services.get("segmenter-new-policy").process.stderr();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> services.get("segmenter-new-policy")
                                            .process
                                            .stderr()
                                            .split("re-segmented", -1)
                                            .length
                                    - 1
                            == 3);
            assertThat(log).contains("re-segmenting its customers from their state under " + NEW.fingerprint());
            System.out.printf(
                    "policy change: medium from 2 to 3 weeks; %,d targets, %,d changed and published (%,d records), "
                            + "table equals the reference under the new policy %.1f s after the restart, no input read again%n",
                    outcome.actualRows(), changed, published.size(), seconds);

            // A restart with the same policy does not re-segment again.
            services.get("segmenter-new-policy").terminate();
            services.get("segmenter-new-policy").start();
            match(services, db, NEW, current);
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> http.send(
                                    java.net.http.HttpRequest.newBuilder(
                                                    java.net.URI.create("http://127.0.0.1:" + opsPort + "/health"))
                                            .build(),
                                    java.net.http.HttpResponse.BodyHandlers.ofString())
                            .body()
                            .startsWith("UP RUNNING"));
            // Its tasks check their recorded policy as they start: for a few seconds of running, nothing is
            // re-segmented.
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> !services.get("segmenter-new-policy")
                            .process
                            .stderr()
                            .contains("re-segmenting"));
            assertThat(services.unplannedRestarts()).isZero();
        } finally {
            PipelineDb.dropReplicationSlot(db, "policy_slot");
        }
    }

    private static ReferenceCheck.Outcome match(
            Supervisor services, DbSettings db, SegmentPolicy policy, Week current) {
        return services.awaitMatch(
                db, policy, current, false, List.of(), Duration.ofSeconds(240), "policy " + policy.fingerprint());
    }

    private static Map<String, String> segments(DbSettings db) throws Exception {
        Map<String, String> rows = new HashMap<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT subscription_week, user_id, segment FROM rec_campaigns_weekly")) {
            while (rs.next()) {
                rows.put(rs.getString(1) + ":" + rs.getString(2), rs.getString(3));
            }
        }
        return rows;
    }

    private static Map<TopicPartition, Long> ends(String bootstrap, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            return c.endOffsets(parts);
        }
    }

    /** Committed records after {@code from} up to the end (the end at the time the last one is read). */
    private static List<ConsumerRecord<byte[], byte[]>> readFrom(String bootstrap, Map<TopicPartition, Long> from) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            c.assign(from.keySet());
            from.forEach(c::seek);
            Map<TopicPartition, Long> end = c.endOffsets(from.keySet());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (from.keySet().stream().anyMatch(tp -> c.position(tp) < end.get(tp))
                    && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
