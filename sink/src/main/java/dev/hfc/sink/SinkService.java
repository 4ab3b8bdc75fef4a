package dev.hfc.sink;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.ops.RunningService;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.sink.sql.SinkSql;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink (§2, §6): a consumer group on {@code hfc.customer-segments} whose members gather records into
 * batches closed by size or time and write each batch with its offsets in one Postgres transaction (see
 * {@link SinkConsumer}). One process runs {@link Settings#consumers()} members, each with its own
 * partitions, thread and connection, so that PostgreSQL applies their batches on several cores at once;
 * they share the dead-letter producer and the metrics. The service fails when any member fails.
 */
public final class SinkService implements RunningService {

    private static final Logger LOG = LoggerFactory.getLogger(SinkService.class);
    static final String STAGE = "sink";
    /** More consumers than partitions sit idle; more than this is a typo, not a plan. */
    public static final int MAX_CONSUMERS = 64;

    /**
     * Everything the operator can set (§9). {@link #defaults} is what {@code hfc sink} runs with when nothing
     * is set; every other entry point starts from it and changes what it must with the withers.
     */
    public record Settings(
            KafkaSettings kafka,
            Topics topics,
            DbSettings db,
            String groupId,
            int batchSize,
            Duration linger,
            Duration dbRetryTimeout,
            TopicProvisioner.Layout topicLayout,
            int consumers,
            String instanceId) {

        public static final String DEFAULT_GROUP_ID = "hfc-sink";
        public static final int DEFAULT_BATCH_SIZE = 10_000;
        public static final long DEFAULT_LINGER_MS = 200;
        public static final long DEFAULT_DB_RETRY_TIMEOUT_MS = 600_000;
        /**
         * Consumers (each with its own connection) a sink runs unless told otherwise: PostgreSQL applies one
         * statement's row updates on one core, so a second connection roughly doubles the update rate on two
         * cores (BENCHMARKS.md).
         */
        public static final int DEFAULT_CONSUMERS = 2;

        public Settings {
            if (instanceId != null && !instanceId.matches("[a-zA-Z0-9._-]{1,200}")) {
                throw new IllegalArgumentException(
                        "instance id '" + instanceId + "' may only contain letters, digits, '.', '_' and '-'");
            }
            Objects.requireNonNull(kafka, "kafka");
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(db, "db");
            if (groupId == null || groupId.isBlank() || groupId.length() > 255) {
                throw new IllegalArgumentException("group id must be 1-255 characters");
            }
            if (batchSize < 1 || batchSize > 1_000_000) {
                throw new IllegalArgumentException("batch size must be 1..1000000, got " + batchSize);
            }
            if (linger.isNegative() || linger.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("linger must be 0..600000 ms, got " + linger.toMillis());
            }
            if (dbRetryTimeout.isNegative()) {
                throw new IllegalArgumentException("database retry timeout must not be negative");
            }
            if (consumers < 1 || consumers > MAX_CONSUMERS) {
                throw new IllegalArgumentException("consumers must be 1.." + MAX_CONSUMERS + ", got " + consumers);
            }
        }

        /** The defaults of {@code hfc sink}: its group, batches, database retry, topic layout and consumers. */
        public static Settings defaults(KafkaSettings kafka, Topics topics, DbSettings db) {
            return new Settings(
                    kafka,
                    topics,
                    db,
                    DEFAULT_GROUP_ID,
                    DEFAULT_BATCH_SIZE,
                    Duration.ofMillis(DEFAULT_LINGER_MS),
                    Duration.ofMillis(DEFAULT_DB_RETRY_TIMEOUT_MS),
                    TopicProvisioner.Layout.defaults(),
                    DEFAULT_CONSUMERS,
                    null);
        }

        public Settings withGroupId(String id) {
            return new Settings(
                    kafka, topics, db, id, batchSize, linger, dbRetryTimeout, topicLayout, consumers, instanceId);
        }

        public Settings withBatchSize(int n) {
            return new Settings(
                    kafka, topics, db, groupId, n, linger, dbRetryTimeout, topicLayout, consumers, instanceId);
        }

        public Settings withLinger(Duration d) {
            return new Settings(
                    kafka, topics, db, groupId, batchSize, d, dbRetryTimeout, topicLayout, consumers, instanceId);
        }

        public Settings withDbRetryTimeout(Duration d) {
            return new Settings(kafka, topics, db, groupId, batchSize, linger, d, topicLayout, consumers, instanceId);
        }

        public Settings withTopicLayout(TopicProvisioner.Layout layout) {
            return new Settings(
                    kafka, topics, db, groupId, batchSize, linger, dbRetryTimeout, layout, consumers, instanceId);
        }

        public Settings withConsumers(int n) {
            return new Settings(
                    kafka, topics, db, groupId, batchSize, linger, dbRetryTimeout, topicLayout, n, instanceId);
        }
    }

    private final List<SinkConsumer> consumers = new ArrayList<>();
    private final KafkaProducer<byte[], byte[]> dlqProducer;
    private final SinkMetrics metrics;

    private SinkService(Settings settings, SinkMetrics metrics) {
        this.metrics = metrics;
        dlqProducer = new KafkaProducer<>(
                settings.kafka()
                        .clientProperties(Map.of(
                                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        for (int i = 0; i < settings.consumers(); i++) {
            consumers.add(SinkConsumerFactory.create(i, settings, metrics, dlqProducer));
        }
    }

    /**
     * Applies the output migrations (the sink owns its table), creates missing topics, and starts the
     * consumers, each on a thread of its own.
     */
    public static SinkService start(Settings settings, SinkMetrics metrics) {
        SchemaMigrator.migrate(settings.db(), false);
        try (Admin admin = Admin.create(settings.kafka().clientProperties(Map.of()))) {
            TopicProvisioner.ensure(
                    admin,
                    List.of(
                            settings.topics().customerSegments(),
                            settings.topics().dlq()),
                    settings.topicLayout());
            String topic = settings.topics().customerSegments().name();
            int partitions = TopicProvisioner.partitionsOf(admin, topic).orElseThrow();
            checkBuiltOn(settings.db(), settings.groupId(), topic, partitions);
        }
        SinkService service = new SinkService(settings, metrics);
        service.consumers.forEach(SinkConsumer::start);
        LOG.info(
                "sink {} started: {} consumer(s), batches of up to {} records or {} ms into {}",
                settings.groupId(),
                settings.consumers(),
                settings.batchSize(),
                settings.linger().toMillis(),
                settings.db().qualified(SinkSql.TARGET_TABLE));
        return service;
    }

    /**
     * Records the segments topic's partition count for the group on its first start, and refuses a later start
     * on another count: a key's records would be split across partitions and their order lost.
     */
    static void checkBuiltOn(DbSettings db, String groupId, String topic, int partitions) {
        try (java.sql.Connection c = dev.hfc.schema.Database.connect(db)) {
            try (java.sql.PreparedStatement ps = c.prepareStatement(SinkSql.recordLayout(db))) {
                ps.setString(1, groupId);
                ps.setString(2, topic);
                ps.setInt(3, partitions);
                ps.executeUpdate();
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement(SinkSql.layout(db))) {
                ps.setString(1, groupId);
                ps.setString(2, topic);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int built = rs.getInt(1);
                    if (built != partitions) {
                        throw new TopicProvisioner.PartitionsChangedException(topic + " has " + partitions
                                + " partitions, but sink group " + groupId + " was built on " + built
                                + ": keys now land in "
                                + "other partitions than their earlier records and their order is lost. Way forward: a new "
                                + "--group-id (it reads the topic from the beginning: a replay into the table)");
                    }
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot check the sink's recorded partition count: " + e.getMessage(), e);
        }
    }

    @Override
    public String failure() {
        for (SinkConsumer c : consumers) {
            String f = c.failure();
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    @Override
    public OpsServer.Health health() {
        String f = failure();
        if (f != null) {
            return OpsServer.Health.down("failed: " + f);
        }
        for (SinkConsumer c : consumers) {
            String d = c.degraded();
            if (d != null) {
                return OpsServer.Health.down(d);
            }
        }
        return OpsServer.Health.up("consuming");
    }

    public SinkMetrics metrics() {
        return metrics;
    }

    /** Each consumer writes its current batch with its offsets, then stops (§8: SIGTERM flushes and commits). */
    @Override
    public void close() {
        consumers.forEach(SinkConsumer::stop);
        try {
            for (SinkConsumer c : consumers) {
                c.awaitStopped(Duration.ofSeconds(60));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dlqProducer.close(Duration.ofSeconds(10));
        LOG.info("sink stopped");
    }
}
