package dev.hfc.segmenter;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.ops.RunningService;
import dev.hfc.core.topic.TopicProvisioner;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The segmenter as a running service: the topology on Kafka Streams with exactly-once, plus ops wiring. */
public final class SegmenterService implements RunningService {

    private static final Logger LOG = LoggerFactory.getLogger(SegmenterService.class);
    /** Kafka Streams' default under exactly-once is 100 ms; 50 costs ~10% of catch-up throughput (BENCHMARKS.md). */
    static final long COMMIT_INTERVAL_MS = 50;

    static final long POLL_MS = 10;

    /** How the service runs, everything the operator can set (§9): {@link #defaults} and the withers build it. */
    public record Settings(
            KafkaSettings kafka,
            SegmenterConfig topology,
            String applicationId,
            int threads,
            Path stateDir,
            int standbyReplicas,
            TopicProvisioner.Layout topicLayout,
            String instanceId) {
        public static final String DEFAULT_APPLICATION_ID = "hfc-segmenter";
        public static final int DEFAULT_THREADS = 1;
        public static final String DEFAULT_STATE_DIR = "data/segmenter";
        public static final int DEFAULT_STANDBY_REPLICAS = 0;

        public Settings {
            if (instanceId != null && !instanceId.matches("[a-zA-Z0-9._-]{1,200}")) {
                throw new IllegalArgumentException(
                        "instance id '" + instanceId + "' may only contain letters, digits, '.', '_' and '-'");
            }
            Objects.requireNonNull(kafka, "kafka");
            Objects.requireNonNull(topology, "topology");
            Objects.requireNonNull(stateDir, "stateDir");
            if (applicationId == null || !applicationId.matches("[a-zA-Z0-9._-]+")) {
                throw new IllegalArgumentException(
                        "application id '" + applicationId + "' may only contain letters, digits, '.', '_' and '-'");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            if (standbyReplicas < 0) {
                throw new IllegalArgumentException("standby replicas must be 0 or more, got " + standbyReplicas);
            }
        }

        /** What {@code hfc segmenter} runs with when no flag is set, for the inputs and rule of {@code topology}. */
        public static Settings defaults(KafkaSettings kafka, SegmenterConfig topology) {
            return new Settings(
                    kafka,
                    topology,
                    DEFAULT_APPLICATION_ID,
                    DEFAULT_THREADS,
                    Path.of(DEFAULT_STATE_DIR),
                    DEFAULT_STANDBY_REPLICAS,
                    TopicProvisioner.Layout.defaults(),
                    null);
        }

        public Settings withApplicationId(String id) {
            return new Settings(kafka, topology, id, threads, stateDir, standbyReplicas, topicLayout, instanceId);
        }

        public Settings withThreads(int n) {
            return new Settings(kafka, topology, applicationId, n, stateDir, standbyReplicas, topicLayout, instanceId);
        }

        public Settings withStateDir(Path dir) {
            return new Settings(kafka, topology, applicationId, threads, dir, standbyReplicas, topicLayout, instanceId);
        }

        public Settings withTopicLayout(TopicProvisioner.Layout layout) {
            return new Settings(kafka, topology, applicationId, threads, stateDir, standbyReplicas, layout, instanceId);
        }
    }

    private final KafkaStreams streams;
    private final SegmenterMetrics metrics;
    private final KafkaStreamsMetrics streamsMetrics;

    private SegmenterService(KafkaStreams streams, SegmenterMetrics metrics, KafkaStreamsMetrics streamsMetrics) {
        this.streams = streams;
        this.metrics = metrics;
        this.streamsMetrics = streamsMetrics;
    }

    /** Creates missing topics, then starts the application; it keeps running until {@link #close()}. */
    public static SegmenterService start(Settings settings, SegmenterMetrics metrics) {
        int inputPartitions;
        History history;
        try (Admin admin = Admin.create(settings.kafka().clientProperties(Map.of()))) {
            inputPartitions = TopicProvisioner.ensure(admin, settings.topology().topics(), settings.topicLayout());
            checkBuiltOn(admin, settings.applicationId(), inputPartitions);
            history = RebuildSeed.prepare(
                    admin,
                    settings.kafka(),
                    settings.topology().topics(),
                    settings.applicationId(),
                    inputPartitions,
                    settings.topicLayout());
        }
        KafkaStreams streams = new KafkaStreams(
                SegmenterTopology.build(
                        settings.topology().withInputPartitions(inputPartitions).withHistory(history), metrics),
                new StreamsConfig(streamsProperties(settings, metrics)));
        streams.setUncaughtExceptionHandler(new StreamThreadFailures(metrics.registry(), java.time.Clock.systemUTC()));
        streams.setStateListener((now, before) -> LOG.info("segmenter state {} -> {}", before, now));
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(metrics.registry());
        SegmenterService service = new SegmenterService(streams, metrics, streamsMetrics);
        Gauge.builder("hfc.segmenter.state.customers", service, SegmenterService::customersInState)
                .description("Approximate number of customers in the state store")
                .register(metrics.registry());
        streams.start();
        LOG.info("segmenter {} started (exactly_once_v2, {} thread(s))", settings.applicationId(), settings.threads());
        return service;
    }

    /**
     * The application's state changelog has one partition per input partition of the day it was built. Inputs
     * with another count would put a customer's records in another task than its state: refused.
     */
    static void checkBuiltOn(Admin admin, String applicationId, int inputPartitions) {
        String changelog = applicationId + "-" + SegmenterTopology.STATE_STORE + "-changelog";
        TopicProvisioner.partitionsOf(admin, changelog).ifPresent(built -> {
            if (built != inputPartitions) {
                throw new TopicProvisioner.PartitionsChangedException("the inputs have " + inputPartitions
                        + " partitions, but application " + applicationId + " was built on " + built
                        + " (its changelog "
                        + changelog
                        + "): customers' records would now reach other tasks than their state. Way forward: "
                        + "start it with a new --application-id, which reads the inputs from the beginning (a replay), "
                        + "and delete the old application's internal topics");
            }
        });
    }

    static Map<String, Object> streamsProperties(Settings s, SegmenterMetrics metrics) {
        Map<String, Object> overrides = new HashMap<>();
        overrides.put(StreamsConfig.APPLICATION_ID_CONFIG, s.applicationId());
        overrides.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        overrides.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, s.threads());
        // Under exactly-once a change is visible downstream when its transaction commits: the commit interval is
        // the segmenter's share of a live change's latency. An idle thread must not sit in poll() past it either.
        overrides.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        overrides.put(StreamsConfig.POLL_MS_CONFIG, POLL_MS);
        // A task reads two partitions (a customer's subscription events and its customer row); nothing needs them
        // interleaved by timestamp (a customer's state is the same whichever arrives first: a subscription row
        // before its customer waits in the state). Idling off also skips Kafka Streams 4.3's per-record
        // formatting of a log line for an empty partition (8% of the stream threads in a profile of bench
        // segmenter; BENCHMARKS.md).
        overrides.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        overrides.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, s.standbyReplicas());
        overrides.put(
                StreamsConfig.STATE_DIR_CONFIG, s.stateDir().toAbsolutePath().toString());
        if (s.instanceId() != null) {
            // Static membership (Kafka Streams appends each stream thread's index): a restarted instance takes
            // its tasks back at once instead of the group waiting out the old member's session timeout.
            overrides.put(
                    StreamsConfig.consumerPrefix(
                            org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                    s.instanceId());
        }
        overrides.put(
                StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) s.topicLayout().replicationFactor());
        // The internal topics (changelogs, repartition) get the settings asked for every topic, and the in-sync
        // replicas a replicated topic needs.
        if (s.topicLayout().replicationFactor() >= 3) {
            overrides.put(StreamsConfig.topicPrefix("min.insync.replicas"), "2");
        }
        s.topicLayout().configs().forEveryTopic().forEach((k, v) -> overrides.put(StreamsConfig.topicPrefix(k), v));
        overrides.putAll(
                DeadLetterDeserializationHandler.streamsProperties(s.topology().topics(), metrics));
        Map<String, Object> props = new HashMap<>();
        s.kafka().clientProperties(overrides).forEach((k, v) -> props.put((String) k, v));
        return props;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    @Override
    public String failure() {
        KafkaStreams.State s = streams.state();
        return s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR
                ? "Kafka Streams is in state " + s + " (see the log above)"
                : null;
    }

    @Override
    public OpsServer.Health health() {
        KafkaStreams.State state = streams.state();
        return switch (state) {
            case RUNNING, REBALANCING ->
                metrics.tasksRebuilding() == 0
                        ? OpsServer.Health.up(state.name())
                        : OpsServer.Health.up(state.name() + "; " + metrics.tasksRebuilding()
                                + " task(s) rebuilding: their output is "
                                + "held until a snapshot of all customers has been read (run 'hfc snapshot')");
            default -> OpsServer.Health.down(state.name());
        };
    }

    public SegmenterMetrics metrics() {
        return metrics;
    }

    private double customersInState() {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return Double.NaN;
        }
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(
                            SegmenterTopology.STATE_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()))
                    .approximateNumEntries();
        } catch (RuntimeException e) {
            return Double.NaN; // the store is migrating during a rebalance
        }
    }

    /** Stops processing, committing what was processed (§8: clean shutdown on SIGTERM). */
    @Override
    public void close() {
        // Leave the group: the partitions move to the other instances at once, and a replay can follow
        // right away instead of waiting out the session timeout.
        streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                        org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        streamsMetrics.close();
        LOG.info("segmenter stopped");
    }
}
