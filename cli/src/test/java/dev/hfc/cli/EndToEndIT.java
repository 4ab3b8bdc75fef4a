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
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.KafkaExtension;
import dev.hfc.testkit.PostgresExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three services as separate JVM processes (the way they are deployed) against the in-process broker
 * and the test Postgres: after a generated load and after a stream of live changes, the table equals the
 * reference SQL computation exactly. CI runs it a second time against the machine's own PostgreSQL.
 */
class EndToEndIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(3);

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    Path stateDir;

    @Test
    void threeProcessesKeepTheTableEqualToTheReference() throws Exception {
        DbSettings db = POSTGRES.db("e2e");
        SchemaMigrator.migrate(db, true);
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        var generator = new SourceDataGenerator(3, current);
        SourceDataLoader.load(db, generator, 0, 3000, n -> {});

        Map<String, String> env = ProcessPipeline.of(KAFKA.bootstrapServers(), KAFKA.topics(), db)
                .with("HFC_TOPIC_PARTITIONS", "3")
                .env();
        try (HfcProcess sink = HfcProcess.start(env, "sink", "--group-id", "e2e-sink", "--linger-ms", "50");
                HfcProcess segmenter = HfcProcess.start(
                        env,
                        "segmenter",
                        "--application-id",
                        "e2e-segmenter",
                        "--state-dir",
                        stateDir.toString(),
                        "--threads",
                        "2");
                HfcProcess producer =
                        HfcProcess.start(env, "producer", "--slot-name", "e2e_slot", "--publication-name", "e2e_pub")) {
            ReferenceCheck.Outcome afterLoad = awaitMatch(db, current, sink, segmenter, producer);
            assertThat(afterLoad.expectedRows()).isGreaterThan(1000);

            LiveChanges.Applied applied = LiveChanges.apply(db, generator, 3000, current.plus(1), 300, 150, 9);
            assertThat(applied.pauses()).isPositive();
            assertThat(applied.deletes()).isPositive();
            assertThat(applied.emailChanges()).isPositive();
            ReferenceCheck.Outcome afterChanges = awaitMatch(db, current, sink, segmenter, producer);
            assertThat(afterChanges.actualRows()).isNotEqualTo(afterLoad.actualRows());

            for (HfcProcess p : new HfcProcess[] {producer, segmenter, sink}) {
                assertThat(p.terminate(Duration.ofSeconds(60))).as(p.stderr()).isIn(0, 143);
            }
        } finally {
            try (Connection c = Database.connect(db);
                    Statement s = c.createStatement()) {
                s.execute(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'e2e_slot' AND NOT active");
            }
        }
    }

    private static ReferenceCheck.Outcome awaitMatch(DbSettings db, Week current, HfcProcess... services) {
        AtomicReference<ReferenceCheck.Outcome> last = new AtomicReference<>();
        try {
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        for (HfcProcess p : services) {
                            if (!p.process().isAlive()) {
                                throw new AssertionError("a service exited: " + p.stderr());
                            }
                        }
                        last.set(ReferenceCheck.check(db, SegmentPolicy.DEFAULT, current));
                        return last.get().matches();
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("table never matched the reference: " + last.get(), e);
        }
        return last.get();
    }
}
