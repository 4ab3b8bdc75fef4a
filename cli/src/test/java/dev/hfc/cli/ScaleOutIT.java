package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.Topics;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out, as processes (issue 13): one broker, one producer, two segmenter instances (one application id,
 * own state dirs, static membership) and two sink processes of one group with two consumers each, on 6
 * partitions, under a stream of source changes. Faults: SIGKILL of a segmenter and of a sink, a third
 * segmenter instance joining with an empty state dir, a graceful restart of a sink, a replay of the running
 * sinks from earliest while they catch up in size-triggered batches, and every segmenter killed at once.
 *
 * <p>Three checks that fail for an at-least-once pipeline or a lost update, not just for a wrong one:
 * <ul>
 *   <li>with every segmenter killed, the segments topic read with {@code read_committed} equals what the
 *       application's committed input offsets imply (the committed input run through the topology);</li>
 *   <li>at the end the table equals the reference SQL computation;</li>
 *   <li>and the compacted topic read with {@code read_committed} equals the table, key for key and value for value.</li>
 * </ul>
 */
@Tag("resilience")
class ScaleOutIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final int CUSTOMERS = 1_500;
    private static final int PARTITIONS = 6;
    private static final String APPLICATION_ID = "scale-segmenter";
    private static final Duration WAIT = Duration.ofSeconds(300);

    @TempDir
    Path work;

    private final Random random = new Random(13);
    private final List<String> faults = new ArrayList<>();
    private final Supervisor services = new Supervisor();

    @Test
    void twoOfEachOnSixPartitionsStayExactThroughKillsJoinsRestartsAndAReplay() throws Exception {
        DbSettings db = POSTGRES.db("scaleout");
        SchemaMigrator.migrate(db, true);
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        Week target = current.plus(1);
        var generator = new SourceDataGenerator(9, current);
        SourceDataLoader.load(db, generator, 0, CUSTOMERS, n -> {});

        ProcessPipeline pipeline = ProcessPipeline.withBroker(services, work, "scale", db, PARTITIONS);
        Topics topics = pipeline.topics;
        String bootstrap = pipeline.bootstrap;
        Map<String, String> env = pipeline.env();
        services.add("producer", env, null, "producer", "--slot-name", "scale_slot", "--publication-name", "scale_pub");
        for (String id : List.of("a", "b")) {
            services.add("segmenter-" + id, env, null, segmenter(id));
        }
        for (String id : List.of("a", "b")) {
            // Small batches: a replay's catch-up is made of size-triggered flushes in the middle of polls.
            services.add(
                    "sink-" + id,
                    env,
                    null,
                    "sink",
                    "--group-id",
                    "scale-sink",
                    "--consumers",
                    "2",
                    "--batch-size",
                    "150",
                    "--linger-ms",
                    "100",
                    "--instance-id",
                    "scale-sink-" + id);
        }
        services.add("segmenter-c", env, null, segmenter("c"));
        try {
            for (String name : List.of("broker", "producer", "segmenter-a", "segmenter-b", "sink-a", "sink-b")) {
                services.get(name).start();
            }
            services.awaitMatch(db, SegmentPolicy.DEFAULT, current, false, List.of(), WAIT, "initial load");

            int changes = 1_800; // a minute at 30 changes/s: every fault lands in the stream
            CompletableFuture<LiveChanges.Applied> load =
                    PipelineDb.liveChanges(db, generator, CUSTOMERS, target, changes, 30, 23);

            services.pause(random);
            services.get("segmenter-a").kill();
            services.get("segmenter-a").start();
            fault("SIGKILL segmenter-a, restarted");
            services.pause(random);
            services.get("sink-b").kill();
            services.get("sink-b").start();
            fault("SIGKILL sink-b, restarted");
            services.pause(random);
            SegmentFolds.Diff segmenterExact = segmenterCommittedOutputMatchesCommittedInput(bootstrap, topics);
            fault("SIGKILL of every segmenter at once, restarted");
            services.pause(random);
            services.get("segmenter-c").start();
            fault("segmenter-c joins with an empty state dir");
            services.pause(random);
            services.get("sink-a").terminate();
            services.get("sink-a").start();
            fault("graceful restart of sink-a");
            services.pause(random);
            HfcProcess.Result replay = HfcProcess.run(
                    Duration.ofSeconds(90), env, "replay", "sink", "--from", "earliest", "--group-id", "scale-sink");
            assertThat(replay.exitCode()).as(replay.stderr()).isZero();
            fault("replay of the running sinks from earliest");

            LiveChanges.Applied applied = load.get(10, TimeUnit.MINUTES);
            ReferenceCheck.Outcome outcome =
                    services.awaitMatch(db, SegmentPolicy.DEFAULT, current, false, List.of(), WAIT, "after the faults");
            // The sinks keep up with the topic only once the segmenters have: compare when both are settled.
            AtomicReference<SegmentFolds.Diff> topicVsTable = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        services.checkAlive();
                        topicVsTable.set(
                                SegmentFolds.compare(SegmentFolds.topic(bootstrap, topics), SegmentFolds.table(db)));
                        return topicVsTable.get().clean();
                    });

            int instances = (int) services.all().stream()
                    .filter(s -> !s.name.equals("broker"))
                    .count();
            System.out.printf(
                    "scale-out: %d instances (1 producer, 3 segmenters, 2 sinks x 2 consumers) on %d partitions; "
                            + "%d faults (%s); %,d source changes; %,d rows checked against the reference: lost %d, unexpected %d "
                            + "(a stale row counts as one of each); segments topic (read_committed) vs table: %s; segmenter output vs its committed input "
                            + "(%s); %d unplanned restarts%n",
                    instances,
                    PARTITIONS,
                    faults.size(),
                    String.join(", ", faults),
                    applied.total(),
                    outcome.actualRows(),
                    outcome.missing(),
                    outcome.unexpected(),
                    topicVsTable.get(),
                    segmenterExact,
                    services.unplannedRestarts());
            assertThat(services.unplannedRestarts()).isZero();
        } finally {
            services.close();
            PipelineDb.dropReplicationSlot(db, "scale_slot");
        }
    }

    /**
     * Kills every segmenter instance mid-stream, waits for their open transactions to be aborted, and checks that
     * the committed output is exactly what the committed input implies: an at-least-once segmenter (output
     * committed without its input offsets, or the other way round) fails here. Then starts them again.
     */
    private SegmentFolds.Diff segmenterCommittedOutputMatchesCommittedInput(String bootstrap, Topics topics)
            throws Exception {
        List<String> segmenters = services.all().stream()
                .map(s -> s.name)
                .filter(n -> n.startsWith("segmenter-") && services.get(n).alive())
                .toList();
        for (String name : segmenters) {
            services.get(name).kill();
        }
        SegmentFolds.awaitTransactionsSettled(
                bootstrap, topics.customerSegments().name(), Duration.ofSeconds(120));
        SegmentFolds.Implied implied = SegmentFolds.committedInputImplies(
                bootstrap, topics, APPLICATION_ID, SegmentPolicy.DEFAULT, ZoneOffset.UTC);
        SegmentFolds.Diff diff = SegmentFolds.compare(implied.segments(), SegmentFolds.topic(bootstrap, topics));
        assertThat(implied.inputRecords()).as("committed input records").isPositive();
        System.out.printf("scale-out: committed input of %s: %,d records%n", segmenters, implied.inputRecords());
        assertThat(diff.clean())
                .as("committed segments vs the committed input (%,d records): %s", implied.inputRecords(), diff)
                .isTrue();
        for (String name : segmenters) {
            services.get(name).start();
        }
        return diff;
    }

    private String[] segmenter(String id) {
        return new String[] {
            "segmenter",
            "--application-id",
            APPLICATION_ID,
            "--instance-id",
            "scale-segmenter-" + id,
            "--state-dir",
            work.resolve("segmenter-" + id).toString()
        };
    }

    private void fault(String what) {
        faults.add(what);
        System.out.println("scale-out: " + what);
    }
}
