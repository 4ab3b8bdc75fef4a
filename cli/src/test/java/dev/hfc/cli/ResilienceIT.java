package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.LiveChanges;
import dev.hfc.harness.ReferenceCheck;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.PostgresExtension;
import dev.hfc.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resilience suite (issue: faults and bad input). The three services run as separate processes
 * against a broker that is itself a separate {@code hfc broker} process, under a sustained stream of source
 * changes, while faults are injected: SIGKILL of each service, a broker restart on the same data
 * directory, a PostgreSQL outage seen by the sink (its role locked and its connections terminated), poison
 * records written straight into the input topics, and replays of the sink (from earliest) and the segmenter
 * (from a timestamp). Afterwards the table must equal the reference SQL computation exactly, and the rows
 * marked sent before the faults must be unchanged.
 *
 * <p>{@code mvn verify} runs one round of every fault (about two minutes). The full suite repeats the
 * kills three times at random moments on more data: {@code mvn verify -pl cli -am -DskipUTs
 * -Dit.test=ResilienceIT -Dhfc.resilience.full=true}.
 */
@Tag("resilience")
class ResilienceIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final boolean FULL = Boolean.getBoolean("hfc.resilience.full");
    private static final int CUSTOMERS = FULL ? 10_000 : 2_000;
    private static final int KILL_ROUNDS = FULL ? 3 : 1;
    private static final int CHANGE_RATE = 25;
    private static final Duration WAIT = Duration.ofSeconds(FULL ? 600 : 240);
    /** Static group membership (--instance-id) for sink and segmenter; false measures the dynamic "before". */
    private static final boolean STATIC = Boolean.parseBoolean(System.getProperty("hfc.resilience.static", "true"));

    @TempDir
    Path work;

    private final Random random = new Random(11);
    private final List<String> faults = new ArrayList<>();
    private final Supervisor services = new Supervisor();
    /** Per service: from its restart after a SIGKILL to a source change made then being in the table. */
    private final Map<String, List<Duration>> restartToCaughtUp = new LinkedHashMap<>();
    /** From the producer's SIGKILL until its walsender no longer holds the replication slot. */
    private final List<Duration> slotReleased = new ArrayList<>();

    @Test
    void nothingIsLostOrDuplicatedThroughFaultsAndPoison() throws Exception {
        DbSettings db = POSTGRES.db("resilience");
        SchemaMigrator.migrate(db, true);
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        Week target = current.plus(1);
        var generator = new SourceDataGenerator(5, current);
        SourceDataLoader.load(db, generator, 0, CUSTOMERS, n -> {});

        String sinkRole = "hfc_sink_" + UUID.randomUUID().toString().substring(0, 8);
        PipelineDb.execute(db, "CREATE ROLE " + sinkRole + " LOGIN SUPERUSER");
        ProcessPipeline pipeline = ProcessPipeline.withBroker(services, work, "res", db, 3);
        Topics topics = pipeline.topics;
        String bootstrap = pipeline.bootstrap;
        Map<String, String> env = pipeline.env();
        Map<String, String> sinkEnv = pipeline.with("HFC_DB_USER", sinkRole)
                .with("HFC_DB_PASSWORD", "")
                .env();

        List<String> sinkArgs = new ArrayList<>(List.of("sink", "--group-id", "res-sink", "--linger-ms", "100"));
        List<String> segmenterArgs = new ArrayList<>(List.of(
                "segmenter",
                "--application-id",
                "res-segmenter",
                "--state-dir",
                work.resolve("segmenter").toString()));
        if (STATIC) {
            sinkArgs.addAll(List.of("--instance-id", "res-sink-a"));
            segmenterArgs.addAll(List.of("--instance-id", "res-segmenter-a"));
        }
        services.add("sink", sinkEnv, null, sinkArgs.toArray(String[]::new));
        services.add("segmenter", env, null, segmenterArgs.toArray(String[]::new));
        services.add("producer", env, null, "producer", "--slot-name", "res_slot", "--publication-name", "res_pub");
        try {
            for (Supervisor.Service s : services.all()) {
                s.start();
            }
            services.awaitMatch(db, SegmentPolicy.DEFAULT, current, true, List.of(), WAIT, "initial load");

            // Rows already campaigned: history that no fault or replay may change.
            PipelineDb.markSent(db, target, 40);
            String sentBefore = PipelineDb.sentRows(db);
            assertThat(sentBefore.lines()).hasSize(40);

            int changes = FULL ? 3_000 : 1_200;
            CompletableFuture<LiveChanges.Applied> load =
                    PipelineDb.liveChanges(db, generator, CUSTOMERS, target, changes, CHANGE_RATE, 21);

            for (int round = 0; round < KILL_ROUNDS; round++) {
                for (String name : List.of("sink", "segmenter", "producer")) {
                    services.pause(random);
                    Integer slotHolder = name.equals("producer") ? slotHolder(db) : null;
                    services.get(name).kill();
                    long killed = System.nanoTime();
                    fault("SIGKILL " + name);
                    long restart = System.nanoTime();
                    services.get(name).start();
                    if (slotHolder != null) {
                        // The killed walsender keeps the slot until PostgreSQL notices the closed connection.
                        await().atMost(Duration.ofSeconds(120))
                                .pollInterval(Duration.ofMillis(20))
                                .until(() -> !slotHolder.equals(slotHolder(db)));
                        slotReleased.add(Duration.ofNanos(System.nanoTime() - killed));
                    }
                    restartToCaughtUp
                            .computeIfAbsent(name, k -> new ArrayList<>())
                            .add(PipelineDb.markerThrough(db, target, restart, () -> {}));
                }
            }
            services.pause(random);
            Poison poison = injectPoison(bootstrap, topics, db, target);
            fault("poison: " + poison.records().size() + " bad records");
            int restartsBeforePoisonSettled = services.unplannedRestarts();
            List<ConsumerRecord<byte[], byte[]>> dlq = awaitDeadLetters(bootstrap, topics, poison);
            assertThat(services.unplannedRestarts())
                    .as("restarts caused by poison records")
                    .isEqualTo(restartsBeforePoisonSettled);

            services.pause(random);
            databaseOutage(db, sinkRole);
            services.pause(random);
            services.get("broker").terminate();
            Thread.sleep(2_000); // the broker stays away for a while: the services must ride through it
            services.get("broker").start();
            fault("broker restart (down 2 s, same data dir)");

            services.pause(random);
            HfcProcess.Result replaySink = HfcProcess.run(
                    Duration.ofSeconds(60), env, "replay", "sink", "--from", "earliest", "--group-id", "res-sink");
            assertThat(replaySink.exitCode()).as(replaySink.stderr()).isZero();
            fault("replay sink from earliest (running)");

            services.pause(random);
            Instant replayFrom = Instant.now().minusSeconds(20);
            services.get("segmenter").terminate();
            HfcProcess.Result replaySegmenter = HfcProcess.run(
                    Duration.ofSeconds(60),
                    env,
                    "replay",
                    "segmenter",
                    "--from",
                    replayFrom.toString(),
                    "--application-id",
                    "res-segmenter");
            assertThat(replaySegmenter.exitCode()).as(replaySegmenter.stderr()).isZero();
            services.get("segmenter").start();
            fault("replay segmenter from " + replayFrom);

            LiveChanges.Applied applied = load.get(10, TimeUnit.MINUTES);
            ReferenceCheck.Outcome outcome = services.awaitMatch(
                    db, SegmentPolicy.DEFAULT, current, true, poison.foreignUsers(), WAIT, "after the faults");

            assertThat(PipelineDb.sentRows(db))
                    .as("rows marked sent before the faults")
                    .isEqualTo(sentBefore);
            long duplicated = PipelineDb.count(
                    db,
                    "SELECT count(*) FROM (SELECT 1 FROM rec_campaigns_weekly GROUP BY subscription_week, user_id "
                            + "HAVING count(*) > 1) d");
            assertThat(duplicated).isZero();
            for (Map.Entry<UUID, String> e : poison.hostileButValid().entrySet()) {
                assertThat(email(db, target, e.getKey()))
                        .as("email of %s", e.getKey())
                        .isEqualTo(e.getValue());
            }
            System.out.printf(
                    "resilience: %d faults injected (%s); %,d source changes applied; %,d rows checked against the "
                            + "reference (%,d expected): lost %d, unexpected %d, duplicated %d; %d poison records, all in %s with a "
                            + "reason (%d DLQ records in all); %d sent rows unchanged; %d unplanned restarts%n",
                    faults.size(),
                    String.join(", ", faults),
                    applied.total(),
                    outcome.actualRows(),
                    outcome.expectedRows(),
                    outcome.missing(),
                    outcome.unexpected(),
                    duplicated,
                    poison.records().size(),
                    topics.dlq().name(),
                    dlq.size(),
                    sentBefore.lines().count(),
                    services.unplannedRestarts());
            assertThat(services.unplannedRestarts()).isZero();
            StringBuilder restarts = new StringBuilder();
            restartToCaughtUp.forEach((name, took) -> restarts.append(restarts.isEmpty() ? "" : ", ")
                    .append(name)
                    .append(' ')
                    .append(took.stream()
                            .map(d -> String.format("%.1f s", d.toMillis() / 1000.0))
                            .toList()));
            System.out.printf(
                    "resilience: restart to caught up after SIGKILL (%s membership): %s; the killed producer's "
                            + "replication slot released after %s%n",
                    STATIC ? "static" : "dynamic",
                    restarts,
                    slotReleased.stream()
                            .map(d -> String.format("%.2f s", d.toMillis() / 1000.0))
                            .toList());
        } finally {
            services.close();
            PipelineDb.dropReplicationSlot(db, "res_slot");
            PipelineDb.execute(db, "DROP ROLE IF EXISTS " + sinkRole);
        }
    }

    // ----- faults --------------------------------------------------------------------------------------------

    /** The sink's role locked and its connections cut for five seconds: it must retry without moving its offsets. */
    private void databaseOutage(DbSettings db, String role) throws Exception {
        PipelineDb.execute(db, "ALTER ROLE " + role + " NOLOGIN");
        PipelineDb.execute(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
        fault("PostgreSQL outage for the sink (role locked, connections terminated)");
        String offsetsAtStart = offsets(db);
        // Something for the sink to write during the outage, whatever the live load is doing now.
        UUID user = UUID.randomUUID();
        PipelineDb.execute(
                db,
                "INSERT INTO customer VALUES ('" + user + "', 'outage+"
                        + user.toString().substring(0, 8) + "@example.com', 'active', current_date)");
        PipelineDb.execute(
                db,
                "INSERT INTO subscription VALUES ('" + UUID.randomUUID() + "', '"
                        + Week.current(Instant.now(), ZoneOffset.UTC).plus(1) + "', '" + user + "', 'paused')");
        Thread.sleep(5_000); // the outage itself
        Supervisor.Service sinkService = services.get("sink");
        HfcProcess sink = sinkService.process;
        // The outage lasts until the sink has met it with a write, however slowly the row travels on this machine.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !sink.process().isAlive() || sink.stderr().contains("sink: database unavailable"));
        assertThat(offsets(db))
                .as("the sink's stored offsets during the outage")
                .isEqualTo(offsetsAtStart);
        assertThat(sink.process().isAlive())
                .as(() -> "the sink rides through the outage; its stderr:\n" + sinkService.stderrTail())
                .isTrue();
        // Riding through means retrying, not being idle: the outage met writes (changes flow all along).
        assertThat(sink.stderr())
                .as("the sink retried its writes during the outage")
                .contains("sink: database unavailable")
                .contains("retrying in");
        PipelineDb.execute(db, "ALTER ROLE " + role + " LOGIN");
    }

    /** What was written straight into the input topics. */
    private record Poison(List<RecordMetadata> records, Map<UUID, String> hostileButValid, List<UUID> foreignUsers) {}

    private Poison injectPoison(String bootstrap, Topics topics, DbSettings db, Week target) throws Exception {
        List<UUID> existing = new ArrayList<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT user_id FROM customer ORDER BY user_id LIMIT 10")) {
            while (rs.next()) {
                existing.add(rs.getObject(1, UUID.class));
            }
        }
        String subs = topics.subscriptionEvents().name();
        String customers = topics.customers().name();
        String big = "x".repeat(1_000_000);
        UUID u = existing.get(0);
        String sub =
                "{\"schema_version\":1,\"user_id\":\"%s\",\"subscription_id\":\"%s\",\"week\":\"%s\",\"status\":\"%s\",\"op\":\"upsert\",\"source_ts_ms\":1}";
        List<ProducerRecord<byte[], byte[]>> bad = new ArrayList<>();
        bad.add(record(subs, u, randomBytes()));
        bad.add(record(
                subs, existing.get(1), "{\"schema_version\":1,\"user_id\":\"" + existing.get(1) + "\",\"week\":\"20"));
        bad.add(
                record(
                        subs,
                        existing.get(2),
                        "{\"schema_version\":1,\"user_id\":42,\"subscription_id\":[],\"week\":7,\"status\":true,\"op\":\"upsert\",\"source_ts_ms\":\"x\"}"));
        bad.add(record(subs, existing.get(3), sub.formatted(existing.get(3), UUID.randomUUID(), target, "frozen")));
        bad.add(record(subs, existing.get(4), sub.formatted(existing.get(4), UUID.randomUUID(), "2026-W54", "paused")));
        bad.add(record(subs, existing.get(5), sub.formatted(existing.get(5), UUID.randomUUID(), target, big)));
        bad.add(record(
                subs,
                existing.get(6),
                sub.formatted(existing.get(7), UUID.randomUUID(), target, "paused"))); // key of another user
        bad.add(record(customers, existing.get(8), randomBytes()));
        // Customers that exist only in the topics (an unusable address of a real customer would rightly withdraw
        // its segments): hostile addresses that are not usable go to the DLQ ...
        List<UUID> foreign = new ArrayList<>();
        UUID huge = UUID.randomUUID();
        foreign.add(huge);
        bad.add(record(
                customers, huge, "{\"schema_version\":1,\"user_id\":\"" + huge + "\",\"email\":\"" + big + "\"}"));
        for (String email : List.of(
                "tab\there@example.com",
                "new\nline@example.com",
                "no-at-sign.example.com",
                "back\\slash@example.com", // a backslash is only allowed inside quotes
                "a@b@c.example.com",
                "x".repeat(60) + "@example.com")) {
            UUID f = UUID.randomUUID();
            foreign.add(f);
            bad.add(record(customers, f, customer(f, email)));
        }
        // ... and usable ones must reach the table byte for byte (written with a paused target week).
        Map<UUID, String> valid = new LinkedHashMap<>();
        List<ProducerRecord<byte[], byte[]>> good = new ArrayList<>();
        for (String email : List.of(
                "\"quoted,comma\"@example.com",
                "o'brien+box@example.com",
                "\"back\\\\slash\"@example.com",
                "jürgen.müller@beispiel.de",
                "ÅSA_Ñoño@Example.NET")) {
            UUID f = UUID.randomUUID();
            foreign.add(f);
            valid.put(f, email);
            good.add(record(customers, f, customer(f, email)));
            good.add(record(subs, f, sub.formatted(f, UUID.randomUUID(), target, "paused")));
        }
        List<RecordMetadata> sent = new ArrayList<>();
        try (var p = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", bootstrap, "acks", "all", "max.request.size", "2000000"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> r : bad) {
                sent.add(p.send(r).get(30, TimeUnit.SECONDS));
            }
            for (ProducerRecord<byte[], byte[]> r : good) {
                p.send(r).get(30, TimeUnit.SECONDS);
            }
        }
        return new Poison(sent, valid, foreign);
    }

    /** Every poison record shows up in the DLQ, pointing at its source topic, partition and offset, with a reason. */
    private List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(String bootstrap, Topics topics, Poison poison) {
        return TopicReader.readUntil(bootstrap, topics.dlq().name(), Duration.ofSeconds(120), read -> {
            services.checkAlive();
            for (RecordMetadata m : poison.records()) {
                boolean found = read.stream()
                        .anyMatch(r -> m.topic().equals(header(r, DeadLetters.SOURCE_TOPIC))
                                && Integer.toString(m.partition()).equals(header(r, DeadLetters.SOURCE_PARTITION))
                                && Long.toString(m.offset()).equals(header(r, DeadLetters.SOURCE_OFFSET))
                                && header(r, DeadLetters.REASON) != null
                                && !header(r, DeadLetters.REASON).isBlank());
                if (!found) {
                    return false;
                }
            }
            return true;
        });
    }

    // ----- helpers -------------------------------------------------------------------------------------------

    private void fault(String what) {
        faults.add(what);
        System.out.println("resilience: " + what);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, UUID key, String value) {
        return record(topic, key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, UUID key, byte[] value) {
        return new ProducerRecord<>(topic, key.toString().getBytes(StandardCharsets.UTF_8), value);
    }

    private static String customer(UUID user, String email) {
        String escaped = email.replace("\\", "\\\\")
                .replace("\"", "\\\"")
                .replace("\t", "\\t")
                .replace("\n", "\\n");
        return "{\"schema_version\":1,\"user_id\":\"" + user + "\",\"email\":\"" + escaped
                + "\",\"status\":\"active\"}";
    }

    private byte[] randomBytes() {
        byte[] b = new byte[64 + random.nextInt(200)];
        random.nextBytes(b);
        return b;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The backend pid holding the replication slot, or null when it is free. */
    private static Integer slotHolder(DbSettings db) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'res_slot'")) {
            return rs.next() ? (Integer) rs.getObject(1) : null;
        }
    }

    private static String offsets(DbSettings db) throws Exception {
        StringBuilder b = new StringBuilder();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT topic, partition, next_offset FROM hfc_sink_offsets ORDER BY 1, 2")) {
            while (rs.next()) {
                b.append(rs.getString(1))
                        .append('-')
                        .append(rs.getInt(2))
                        .append('@')
                        .append(rs.getLong(3))
                        .append('\n');
            }
        }
        return b.toString();
    }

    private static String email(DbSettings db, Week week, UUID user) throws Exception {
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT email FROM rec_campaigns_weekly WHERE subscription_week = ? AND user_id = ?")) {
            ps.setString(1, week.toString());
            ps.setObject(2, user);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
