package dev.hfc.cli.demo;

import static dev.hfc.cli.demo.DemoLogging.say;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.CatchUp;
import dev.hfc.harness.InProcessPipeline;
import dev.hfc.harness.LiveChanges;
import dev.hfc.harness.ReferenceCheck;
import dev.hfc.harness.generate.SourceDataGenerator;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The demo's pipeline: producer, segmenter and sink in this process, and the waits until the table they fill
 * equals the reference computation, after the initial load and after the live changes.
 */
public final class DemoPipeline implements AutoCloseable {

    private static final long SETTLED_NANOS = 30_000_000_000L;
    private static final Duration QUIET = Duration.ofSeconds(2);

    /** The check after the initial load, and the pipeline's throughput on it. */
    public record Load(ReferenceCheck.Outcome outcome, double eventsPerSecond) {}

    /** The check after the live changes, the changes applied and their latency (null when there were none). */
    public record Live(ReferenceCheck.Outcome outcome, LiveChanges.Applied applied, Histogram latency) {}

    private final InProcessPipeline pipeline;
    private final long started;
    private final DbSettings db;
    private final SegmentPolicy policy;
    private final Week from;
    private final int timeoutSeconds;

    private DemoPipeline(
            InProcessPipeline pipeline,
            long started,
            DbSettings db,
            SegmentPolicy policy,
            Week from,
            int timeoutSeconds) {
        this.pipeline = pipeline;
        this.started = started;
        this.db = db;
        this.policy = policy;
        this.from = from;
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * Starts producer, segmenter and sink on the demo's broker (three partitions a topic, one replica), schema
     * and slot; the table is checked for the weeks from {@code from} on, waiting at most {@code timeoutSeconds}.
     */
    public static DemoPipeline start(
            KafkaSettings kafka,
            Topics topics,
            DbSettings db,
            String slot,
            Path work,
            SegmentPolicy policy,
            Week from,
            int timeoutSeconds,
            MeterRegistry registry)
            throws SQLException {
        long started = System.nanoTime();
        InProcessPipeline pipeline = InProcessPipeline.start(
                new InProcessPipeline.Settings(
                        kafka,
                        topics,
                        db,
                        slot,
                        work.resolve("segmenter"),
                        new TopicProvisioner.Layout(3, (short) 1),
                        policy,
                        Duration.ofMillis(100)),
                registry);
        return new DemoPipeline(pipeline, started, db, policy, from, timeoutSeconds);
    }

    /** Up only when producer, segmenter and sink are. */
    public OpsServer.Health health() {
        return pipeline.health();
    }

    /** Waits for the initial load to be caught up and says how long it took and how fast it went. */
    public Load awaitInitialLoad() throws SQLException, InterruptedException {
        CatchUp.Result load = awaitMatch("initial load", false);
        ReferenceCheck.Outcome caughtUp = load.outcome();
        double loadSeconds = (load.lastChangeNanos() - started) / 1e9;
        double eventsPerSecond = pipeline.published() / loadSeconds;
        say(String.format(
                "caught up after %.1f s: %,d events through the pipeline (%,.0f events/s), %,d rows",
                loadSeconds, pipeline.published(), eventsPerSecond, caughtUp.actualRows()));
        return new Load(caughtUp, eventsPerSecond);
    }

    /**
     * Applies {@code changes} live changes (none when 0) at {@code changeRate} a second to the customers of the
     * load, then waits for the table again; latencies are measured for the pauses of the {@code target} week.
     */
    public Live applyLiveChanges(
            SourceDataGenerator generator, int customers, Week target, int changes, int changeRate, long seed)
            throws SQLException, InterruptedException {
        LiveChanges.Applied applied = null;
        if (changes > 0) {
            say(String.format(
                    "applying %,d live changes at %d/s (pauses, resumes, cancellations, email changes, deletes, "
                            + "new customers); resumes now come after the email",
                    changes, changeRate));
            applied = LiveChanges.apply(db, generator, customers, target, changes, changeRate, seed);
        }
        // Rows marked sent are history from here on (§4): the check leaves them out on both sides.
        ReferenceCheck.Outcome finalCheck = awaitMatch("live changes", true).outcome();
        Histogram latency = applied == null ? null : LiveChanges.latencies(db, target, applied.samples());
        return new Live(finalCheck, applied, latency);
    }

    /**
     * Waits for the table to catch up; returns the last reference outcome and when the table last changed.
     * Fails when the table never stood still long enough to be compared within {@code --timeout-s}.
     */
    private CatchUp.Result awaitMatch(String phase, boolean keepSent) throws SQLException, InterruptedException {
        CatchUp catchUp = new CatchUp(
                db,
                () -> ReferenceCheck.check(db, policy, from, keepSent, List.of()),
                pipeline::failure,
                QUIET,
                Duration.ofNanos(SETTLED_NANOS));
        CatchUp.Result result = catchUp.await(
                Duration.ofSeconds(timeoutSeconds),
                Duration.ofSeconds(3),
                rows -> say(String.format("%s: %,d rows in the table", phase, rows)));
        if (result.outcome() == null) {
            throw new IllegalStateException(
                    phase + ": the table was still changing after --timeout-s " + timeoutSeconds + " s");
        }
        if (!result.matches()) {
            say(phase + ": the table has not changed for " + SETTLED_NANOS / 1_000_000_000 + " s and still differs");
        }
        return result;
    }

    @Override
    public void close() {
        pipeline.close();
    }
}
