package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.config.SqlIdentifier;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.ops.RunningService;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.schema.Tables;
import io.debezium.embedded.Connect;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDC producer (§2): Debezium Embedded with the Postgres connector ({@code pgoutput}) over
 * {@code customer} and {@code subscription}, publishing §5 events with an idempotent producer keyed by
 * {@code user_id}. First start: a consistent snapshot, then streaming.
 *
 * <p>A batch of changes ({@link ChangeBatchHandler}) is marked processed, so that its source position may be
 * stored, only after Kafka acknowledged every event of it (and every dead letter): a kill at any moment loses
 * nothing, and what is sent again after a restart is harmless because everything downstream is an idempotent
 * upsert (§6). The position is stored in a Kafka topic ({@code <prefix>producer-offsets}), so it survives the
 * machine.
 */
public final class CdcProducer implements RunningService {

    private static final Logger LOG = LoggerFactory.getLogger(CdcProducer.class);
    static final String STAGE = "producer";
    static final String LOGICAL_NAME = "hfc-cdc";
    /** The engine's name: with {@link #LOGICAL_NAME}, the key of its stored position. */
    static final String ENGINE_NAME = "hfc-producer";

    /** Everything the operator can set (§9); every entry point starts from {@link #defaults} and its withers. */
    public record Settings(
            KafkaSettings kafka,
            Topics topics,
            DbSettings db,
            String slotName,
            String publicationName,
            Duration heartbeatInterval,
            String heartbeatActionQuery,
            TopicProvisioner.Layout topicLayout,
            SnapshotMethod snapshot,
            int snapshotChunk) {
        public static final String DEFAULT_SLOT_NAME = "hfc_cdc";
        public static final String DEFAULT_PUBLICATION_NAME = "hfc_cdc";
        public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
        public static final String DEFAULT_SNAPSHOT = "copy"; // SnapshotMethod.COPY, as --snapshot takes it
        public static final int DEFAULT_SNAPSHOT_CHUNK = 20_000; // customers per chunk of a re-snapshot

        public Settings {
            if (snapshotChunk < 1) {
                throw new IllegalArgumentException("snapshot chunk must be at least 1 customer, got " + snapshotChunk);
            }
            Objects.requireNonNull(snapshot, "snapshot");
            Objects.requireNonNull(kafka, "kafka");
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(db, "db");
            SqlIdentifier.validate("slot name", slotName);
            SqlIdentifier.validate("publication name", publicationName);
            PostgresLocation.of(db.url());
            if (heartbeatInterval.isNegative()) {
                throw new IllegalArgumentException("heartbeat interval must not be negative");
            }
        }

        /** What {@code hfc producer} runs with when no flag is set. */
        public static Settings defaults(KafkaSettings kafka, Topics topics, DbSettings db) {
            return new Settings(
                    kafka,
                    topics,
                    db,
                    DEFAULT_SLOT_NAME,
                    DEFAULT_PUBLICATION_NAME,
                    Duration.ofMillis(DEFAULT_HEARTBEAT_INTERVAL_MS),
                    null,
                    TopicProvisioner.Layout.defaults(),
                    SnapshotMethod.valueOf(DEFAULT_SNAPSHOT.toUpperCase(java.util.Locale.ROOT)),
                    DEFAULT_SNAPSHOT_CHUNK);
        }

        public Settings withSlot(String slot, String publication) {
            return new Settings(
                    kafka,
                    topics,
                    db,
                    slot,
                    publication,
                    heartbeatInterval,
                    heartbeatActionQuery,
                    topicLayout,
                    snapshot,
                    snapshotChunk);
        }

        public Settings withHeartbeatInterval(Duration interval) {
            return new Settings(
                    kafka,
                    topics,
                    db,
                    slotName,
                    publicationName,
                    interval,
                    heartbeatActionQuery,
                    topicLayout,
                    snapshot,
                    snapshotChunk);
        }

        public Settings withTopicLayout(TopicProvisioner.Layout layout) {
            return new Settings(
                    kafka,
                    topics,
                    db,
                    slotName,
                    publicationName,
                    heartbeatInterval,
                    heartbeatActionQuery,
                    layout,
                    snapshot,
                    snapshotChunk);
        }

        public Settings withSnapshot(SnapshotMethod method) {
            return new Settings(
                    kafka,
                    topics,
                    db,
                    slotName,
                    publicationName,
                    heartbeatInterval,
                    heartbeatActionQuery,
                    topicLayout,
                    method,
                    snapshotChunk);
        }

        public Settings withSnapshotChunk(int customers) {
            return new Settings(
                    kafka,
                    topics,
                    db,
                    slotName,
                    publicationName,
                    heartbeatInterval,
                    heartbeatActionQuery,
                    topicLayout,
                    snapshot,
                    customers);
        }

        String offsetsTopic() {
            return topics.prefix() + "producer-offsets";
        }
    }

    /** Who reads the tables on the first start (no stored position yet). */
    public enum SnapshotMethod {
        /** The producer, with binary COPY in the slot's exported snapshot ({@link InitialSnapshot}); the default. */
        COPY,
        /** Debezium's own snapshot ({@code snapshot.mode=initial}), as before: slower, kept for comparison. */
        DEBEZIUM
    }

    private final Settings settings;
    private final ProducerMetrics metrics;
    private final AcknowledgedPublisher publisher;
    /** Maps, publishes and acknowledges the engine's batches, on the engine's handler thread only. */
    private final ChangeBatchHandler handler;

    private final DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine;
    private final ExecutorService executor;
    /** Partitions of the subscription events: a snapshot marker goes into each. */
    private final int partitions;

    private final Resnapshots resnapshots;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean closing;

    private CdcProducer(Settings settings, ProducerMetrics metrics, int partitions) {
        this.settings = settings;
        this.metrics = metrics;
        this.partitions = partitions;
        this.resnapshots =
                new Resnapshots(settings.db(), settings.slotName(), partitions, settings.snapshotChunk(), metrics);
        this.publisher = new AcknowledgedPublisher(settings.kafka(), settings.topics(), metrics);
        this.handler = new ChangeBatchHandler(metrics, publisher, resnapshots);
        this.engine = DebeziumEngine.create(Connect.class)
                .using(EngineConfig.of(settings))
                .notifying(handler::handleBatch)
                .using((success, message, error) -> {
                    if (!success && failure.get() == null) {
                        failure.set(message + (error == null ? "" : ": " + error));
                        LOG.error("CDC engine stopped: {}", message, error);
                    }
                })
                .build();
        this.executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "hfc-cdc-engine"));
    }

    /**
     * Checks the database (wal_level, tables), creates missing topics, and starts the engine on a thread of
     * its own.
     */
    public static CdcProducer start(Settings settings, ProducerMetrics metrics) throws SQLException {
        SourceDatabase.check(settings.db());
        int partitions;
        try (Admin admin = Admin.create(settings.kafka().clientProperties(Map.of()))) {
            partitions = TopicProvisioner.ensure(admin, settings.topics(), settings.topicLayout());
        }
        CdcProducer p = new CdcProducer(settings, metrics, partitions);
        p.executor.execute(p::run);
        LOG.info(
                "CDC producer started: slot {}, publication {}, tables {} and {}",
                settings.slotName(),
                settings.publicationName(),
                settings.db().schema() + "." + Tables.CUSTOMER,
                settings.db().schema() + "." + Tables.SUBSCRIPTION);
        return p;
    }

    /** On the engine's thread: the producer's own snapshot when this is the first start, then the engine. */
    private void run() {
        if (settings.snapshot() == SnapshotMethod.COPY) {
            try {
                new InitialLoad(settings, publisher, partitions, () -> closing).runIfFirstStart();
            } catch (Exception e) {
                if (!closing) {
                    failure.compareAndSet(null, "initial snapshot failed: " + e.getMessage());
                    LOG.error(
                            "initial snapshot failed; nothing is streamed (the next start reads the tables again)", e);
                }
                return;
            }
        }
        if (!closing) {
            engine.run();
        }
    }

    @Override
    public String failure() {
        return failure.get();
    }

    @Override
    public OpsServer.Health health() {
        String f = failure.get();
        if (f != null) {
            return OpsServer.Health.down("failed: " + f);
        }
        return OpsServer.Health.up(handler.streaming() ? "publishing" : "starting (snapshot)");
    }

    public ProducerMetrics metrics() {
        return metrics;
    }

    /** Stops the engine (which stores the last acknowledged position) and the producer. */
    @Override
    public void close() {
        closing = true;
        resnapshots.close();
        try {
            engine.close();
        } catch (java.io.IOException e) {
            LOG.warn("CDC engine did not close cleanly", e);
        } catch (IllegalStateException e) {
            LOG.debug(
                    "CDC engine was stopped already: {}",
                    e.getMessage()); // it failed, or never ran (the snapshot failed)
        }
        // engine.close() alone leaves the executor's thread alive (INFRA-NOTES): shut it down too.
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        publisher.close();
        LOG.info("CDC producer stopped");
    }
}
