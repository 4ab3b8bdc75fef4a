package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.week.Week;
import dev.hfc.harness.LiveChanges;
import dev.hfc.harness.ReferenceCheck;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.PostgresExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rebuild after the input's retention, as an operator meets it after weeks of running (issue 25): the
 * pipeline is caught up; the segmenter stops; changes go on that it never reads; then every record of
 * {@code subscription-events} is deleted, as retention deletes them. A new segmenter (new application id, no
 * state) must not publish from the partial customers that are left; {@code hfc snapshot} re-publishes every
 * customer while live changes keep streaming; the table then equals the reference SQL computation, including
 * the targets that ended while no segmenter ran (withdrawn from what the old one had published).
 */
@Tag("processes")
class RebuildPastRetentionIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final int CUSTOMERS = 3_000;

    @TempDir
    Path work;

    @Test
    void aRebuildPastRetentionWithAReSnapshotEndsEqualToTheReference() throws Exception {
        DbSettings db = POSTGRES.db("rebuild");
        SchemaMigrator.migrate(db, true);
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        SourceDataGenerator generator = new SourceDataGenerator(29, current);
        SourceDataLoader.load(db, generator, 0, CUSTOMERS, n -> {});

        try (Supervisor services = new Supervisor()) {
            ProcessPipeline pipeline =
                    ProcessPipeline.withBroker(services, work, "rebuild", db, 3).with("HFC_SLOT_NAME", "rebuild_slot");
            String bootstrap = pipeline.bootstrap;
            Map<String, String> env = pipeline.env();
            services.add("producer", env, null, "producer", "--publication-name", "rebuild_pub");
            services.add(
                    "segmenter",
                    env,
                    null,
                    "segmenter",
                    "--application-id",
                    "rebuild-a",
                    "--instance-id",
                    "rebuild-a-1",
                    "--state-dir",
                    work.resolve("segmenter-a").toString());
            services.add(
                    "rebuilt-segmenter",
                    env,
                    null,
                    "segmenter",
                    "--application-id",
                    "rebuild-b",
                    "--instance-id",
                    "rebuild-b-1",
                    "--state-dir",
                    work.resolve("segmenter-b").toString());
            services.add("sink", env, null, "sink", "--group-id", "rebuild-sink", "--linger-ms", "100");
            for (String name : List.of("broker", "producer", "segmenter", "sink")) {
                services.get(name).start();
            }
            match(services, db, current, "caught up");
            services.get("segmenter").terminate();

            // Changes the old segmenter never reads, then retention deletes every record it could have read.
            LiveChanges.Applied unseen = LiveChanges.apply(db, generator, CUSTOMERS, current.plus(1), 300, 100, 1);
            String events = pipeline.topics.subscriptionEvents().name();
            Map<TopicPartition, Long> ends = awaitQuiet(bootstrap, events);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.deleteRecords(ends.entrySet().stream()
                                .collect(Collectors.toMap(
                                        Map.Entry::getKey, e -> RecordsToDelete.beforeOffset(e.getValue()))))
                        .all()
                        .get();
                assertThat(offsets(admin, events, OffsetSpec.earliest())).isEqualTo(ends);
            }
            assertThat(ReferenceCheck.check(db, SegmentPolicy.DEFAULT, current, false, List.of())
                            .matches())
                    .as("the unseen changes left the table behind the source")
                    .isFalse();

            // The rebuild: a new application with no state, live changes going on, then the re-snapshot.
            services.get("rebuilt-segmenter").start();
            CompletableFuture<LiveChanges.Applied> live =
                    PipelineDb.liveChanges(db, generator, CUSTOMERS + 10_000, current.plus(1), 300, 20, 2);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> services.get("rebuilt-segmenter")
                            .process
                            .stderr()
                            .contains("lost its beginning to retention"));
            HfcProcess.Result snapshot = HfcProcess.run(Duration.ofSeconds(60), env, "snapshot");
            assertThat(snapshot.exitCode()).as(snapshot.stderr()).isZero();
            long start = System.nanoTime();
            LiveChanges.Applied during = live.get();
            ReferenceCheck.Outcome outcome = match(services, db, current, "after the rebuild");
            String log = services.get("rebuilt-segmenter").process.stderr();
            assertThat(log).contains("rebuilt from snapshot");
            assertThat(services.unplannedRestarts()).isZero();
            System.out.printf(
                    "rebuild past retention: %,d customers, %d changes unseen and deleted, %d during the rebuild; "
                            + "table (%,d rows) equals the reference %.1f s after the live changes ended%n",
                    CUSTOMERS, unseen.total(), during.total(), outcome.actualRows(), (System.nanoTime() - start) / 1e9);
        } finally {
            PipelineDb.dropReplicationSlot(db, "rebuild_slot");
        }
    }

    private static ReferenceCheck.Outcome match(Supervisor services, DbSettings db, Week current, String phase) {
        return services.awaitMatch(
                db, SegmentPolicy.DEFAULT, current, false, List.of(), Duration.ofSeconds(240), phase);
    }

    /** The topic's end offsets once they have not moved for two seconds (the producer published what it had). */
    private static Map<TopicPartition, Long> awaitQuiet(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            java.util.concurrent.atomic.AtomicReference<Map<TopicPartition, Long>> last =
                    new java.util.concurrent.atomic.AtomicReference<>(offsets(admin, topic, OffsetSpec.latest()));
            await().atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ofSeconds(2))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        Map<TopicPartition, Long> now = offsets(admin, topic, OffsetSpec.latest());
                        return now.equals(last.getAndSet(now));
                    });
            return last.get();
        }
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, String topic, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            request.put(new TopicPartition(topic, p), spec);
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}
