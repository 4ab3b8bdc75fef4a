package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.config.SqlIdentifier;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.ops.RunningService;
import dev.hfc.core.topic.DeadLetterPublisher;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.schema.Database;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.ChangeEvent;
import io.debezium.embedded.Connect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDC producer (§2): Debezium Embedded with the Postgres connector ({@code pgoutput}) over
 * {@code customer} and {@code subscription}, publishing §5 events with an idempotent producer keyed by
 * {@code user_id}. First start: a consistent snapshot, then streaming.
 *
 * <p>A batch of changes is marked processed, so that its source position may be stored, only after Kafka
 * acknowledged every event of it (and every dead letter): a kill at any moment loses nothing, and what is
 * sent again after a restart is harmless because everything downstream is an idempotent upsert (§6). The
 * position is stored in a Kafka topic ({@code <prefix>producer-offsets}), so it survives the machine.
 */
public final class CdcProducer implements RunningService {

    private static final Logger LOG = LoggerFactory.getLogger(CdcProducer.class);
    static final String STAGE = "producer";
    static final String LOGICAL_NAME = "hfc-cdc";
    /** The engine's name: with {@link #LOGICAL_NAME}, the key of its stored position. */
    static final String ENGINE_NAME = "hfc-producer";

    /** Everything the operator can set (§9). */
    public record Settings(
            KafkaSettings kafka,
            Topics topics,
            DbSettings db,
            String slotName,
            String publicationName,
            Duration heartbeatInterval,
            String heartbeatActionQuery,
            TopicProvisioner.Layout topicLayout,
            SnapshotMethod snapshot) {
        /** Settings with the producer's own initial snapshot ({@link SnapshotMethod#COPY}). */
        public Settings(KafkaSettings kafka, Topics topics, DbSettings db, String slotName, String publicationName,
                        Duration heartbeatInterval, String heartbeatActionQuery, TopicProvisioner.Layout topicLayout) {
            this(kafka, topics, db, slotName, publicationName, heartbeatInterval, heartbeatActionQuery, topicLayout, SnapshotMethod.COPY);
        }

        public Settings {
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

    /** Debezium's topic of logical decoding messages: {@code <topic.prefix>.message}. */
    static final String MESSAGE_TOPIC_SUFFIX = ".message";

    /** Kafka producer batch size (bytes, before compression). */
    static final int BATCH_BYTES = 256 * 1024;

    /** Rows of the producer's own snapshot published per acknowledged chunk. */
    static final int SNAPSHOT_CHUNK = 5_000;

    private final Settings settings;
    private final ProducerMetrics metrics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final DeadLetterPublisher deadLetters;
    private final DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine;
    /** Render a record as JSON for a dead letter; made on first use, on the engine's handler thread only. */
    private JsonConverter keyConverter;
    private JsonConverter valueConverter;
    private final ExecutorService executor;
    /** Partitions of the subscription events: a snapshot marker goes into each. */
    private final int partitions;
    private final Resnapshots resnapshots;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean streaming;
    private volatile boolean closing;

    private CdcProducer(Settings settings, ProducerMetrics metrics, int partitions) {
        this.settings = settings;
        this.metrics = metrics;
        this.partitions = partitions;
        this.resnapshots = new Resnapshots(settings.db(), settings.slotName(), partitions, metrics);
        this.producer = new KafkaProducer<>(settings.kafka().clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // Each new batch allocates LZ4's 64 KB block buffer: at the default 16 KB per batch that was a sixth
                // of the snapshot thread (JFR, BENCHMARKS.md). Larger batches also mean fewer for the broker to
                // decompress and validate. A live change still leaves after the linger.
                ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.deadLetters = new DeadLetterPublisher(producer, settings.topics(), STAGE);
        this.engine = DebeziumEngine.create(Connect.class)
                .using(engineProperties(settings))
                .notifying(this::handleBatch)
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
        checkDatabase(settings.db());
        int partitions;
        try (Admin admin = Admin.create(settings.kafka().clientProperties(Map.of()))) {
            partitions = TopicProvisioner.ensure(admin, settings.topics(), settings.topicLayout());
        }
        CdcProducer p = new CdcProducer(settings, metrics, partitions);
        p.executor.execute(p::run);
        LOG.info("CDC producer started: slot {}, publication {}, tables {}.customer and {}.subscription",
                settings.slotName(), settings.publicationName(), settings.db().schema(), settings.db().schema());
        return p;
    }

    static Properties engineProperties(Settings s) {
        PostgresLocation where = PostgresLocation.of(s.db().url());
        Properties p = new Properties();
        // Pass-through Kafka client settings (TLS, SASL) reach the offset store's clients too.
        p.putAll(s.kafka().properties());
        p.setProperty("name", ENGINE_NAME);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", s.slotName());
        p.setProperty("publication.name", s.publicationName());
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", s.db().schema() + ".customer," + s.db().schema() + ".subscription");
        p.setProperty("topic.prefix", LOGICAL_NAME);
        p.setProperty("database.hostname", where.host());
        p.setProperty("database.port", Integer.toString(where.port()));
        p.setProperty("database.dbname", where.database());
        p.setProperty("database.user", s.db().user());
        p.setProperty("database.password", s.db().password());
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("tombstones.on.delete", "false");
        // How long the engine lets a batch of changes fill before handing it over: the CDC share of a live
        // change's latency (a snapshot fills its batches at once).
        p.setProperty("poll.interval.ms", "10");
        // Quiet tables must not pin WAL: heartbeats make the connector confirm positions regularly.
        p.setProperty("heartbeat.interval.ms", Long.toString(s.heartbeatInterval().toMillis()));
        if (s.heartbeatActionQuery() != null && !s.heartbeatActionQuery().isBlank()) {
            p.setProperty("heartbeat.action.query", s.heartbeatActionQuery());
        }
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("offset.storage.topic", s.offsetsTopic());
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", Short.toString(s.topicLayout().replicationFactor()));
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("offset.flush.timeout.ms", "10000");
        p.setProperty("bootstrap.servers", s.kafka().bootstrapServers());
        p.setProperty("key.converter.schemas.enable", "false");
        p.setProperty("value.converter.schemas.enable", "false");
        p.setProperty("converter.schemas.enable", "false");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("errors.max.retries", "-1");
        return p;
    }

    /** On the engine's thread: the producer's own snapshot when this is the first start, then the engine. */
    private void run() {
        if (settings.snapshot() == SnapshotMethod.COPY) {
            try {
                snapshotIfFirstStart();
            } catch (Exception e) {
                if (!closing) {
                    failure.compareAndSet(null, "initial snapshot failed: " + e.getMessage());
                    LOG.error("initial snapshot failed; nothing is streamed (the next start reads the tables again)", e);
                }
                return;
            }
        }
        if (!closing) {
            engine.run();
        }
    }

    /**
     * With no stored position (a first start, or one that stopped before it stored its start), reads both
     * tables in the slot's snapshot and publishes their rows, then stores the slot's position as the engine's
     * first offset; the engine then streams from there and takes no snapshot of its own.
     */
    private void snapshotIfFirstStart() throws Exception {
        EngineOffsets offsets = new EngineOffsets(settings.kafka(), settings.offsetsTopic(),
                settings.topicLayout().replicationFactor(), ENGINE_NAME, LOGICAL_NAME);
        Optional<String> stored = offsets.stored();
        if (stored.isPresent()) {
            LOG.info("CDC producer: stored position {}; streaming from there", stored.get());
            return;
        }
        long ts = System.currentTimeMillis();
        // A dead letter's origin, named as Debezium names the table's records.
        Map<ChangeMapper.Table, String> sources = Map.of(
                ChangeMapper.Table.CUSTOMER, "postgres:" + LOGICAL_NAME + "." + settings.db().schema() + ".customer",
                ChangeMapper.Table.SUBSCRIPTION, "postgres:" + LOGICAL_NAME + "." + settings.db().schema() + ".subscription");
        List<Pending> chunk = new ArrayList<>(SNAPSHOT_CHUNK * 2);
        // The customer snapshots are framed by markers in every partition: a segmenter rebuilding on these topics
        // (an older history before them) knows from the end marker that it has every customer.
        String snapshotId = "initial-" + System.currentTimeMillis();
        boolean[] begun = {false};
        InitialSnapshot.Position start = new InitialSnapshot(settings.db(), settings.slotName(), settings.publicationName())
                .run((table, row) -> {
                    String source = sources.get(table);
                    List<ChangeMapper.Output> mapped;
                    if (table == ChangeMapper.Table.SUBSCRIPTION) {
                        if (!begun[0]) {
                            begun[0] = true;
                            placeAll(chunk, Resnapshots.markers(new SnapshotMarker(snapshotId, SnapshotMarker.Phase.BEGIN, ts), partitions), source);
                        }
                        mapped = ChangeMapper.mapCustomerSnapshot(row.get("user_id"), row.get("weeks"), ts);
                    } else {
                        mapped = ChangeMapper.mapSnapshotRow(table, row, ts);
                    }
                    for (ChangeMapper.Output o : mapped) {
                        chunk.add(new Pending(o, source, null));
                    }
                    if (chunk.size() >= SNAPSHOT_CHUNK) {
                        publishAcknowledged(chunk);
                        chunk.clear();
                    }
                    return !closing;
                }, () -> closing);
        if (!begun[0]) {
            placeAll(chunk, Resnapshots.markers(new SnapshotMarker(snapshotId, SnapshotMarker.Phase.BEGIN, ts), partitions), null);
        }
        placeAll(chunk, Resnapshots.markers(new SnapshotMarker(snapshotId, SnapshotMarker.Phase.END, ts), partitions), null);
        publishAcknowledged(chunk);
        offsets.storeStart(start.lsn());
        LOG.info("CDC producer: initial snapshot published; streaming from {} of slot {}", start.lsnText(), settings.slotName());
    }

    /** One output of a change, where it came from (for a dead letter's origin), and its partition when fixed. */
    private record Pending(ChangeMapper.Output output, String source, Integer partition) {}

    private static void placeAll(List<Pending> into, List<Resnapshots.Placed> placed, String source) {
        for (Resnapshots.Placed p : placed) {
            into.add(new Pending(p.output(), source, p.partition()));
        }
    }

    /**
     * Publishes the outputs and returns when Kafka has acknowledged every one of them (and counts them then);
     * throws, advancing nothing, when Kafka refused one.
     */
    private void publishAcknowledged(List<Pending> outputs) throws InterruptedException {
        List<Future<RecordMetadata>> sent = new ArrayList<>(outputs.size());
        for (Pending p : outputs) {
            ChangeMapper.Output o = p.output();
            if (o.target() == ChangeMapper.Target.DLQ) {
                sent.add(deadLetters.publish(o.rejection(), p.source(), o.key(), o.value()));
            } else {
                String topic = o.target() == ChangeMapper.Target.CUSTOMERS
                        ? settings.topics().customers().name() : settings.topics().subscriptionEvents().name();
                Long ts = o.timestampMs() > 0 ? o.timestampMs() : null;
                sent.add(producer.send(new ProducerRecord<>(topic, p.partition(), ts, o.key(), o.value())));
            }
        }
        // Kafka must have every event before a position that covers it may be stored.
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("Kafka did not accept an event; the position is not advanced: "
                        + e.getCause().getMessage(), e.getCause());
            }
        }
        List<ChangeMapper.Output> published = new ArrayList<>(outputs.size());
        for (Pending p : outputs) {
            ChangeMapper.Output o = p.output();
            if (o.target() == ChangeMapper.Target.DLQ) {
                metrics.deadLettered(o.rejection().reason());
            } else {
                published.add(o);
            }
        }
        metrics.published(published);
    }

    /**
     * The engine hands records over in Connect form: mapped straight from their {@code Struct}s, with no JSON
     * written by the engine and parsed again here (that took most of this thread's time in {@code bench cdc}).
     * JSON is rendered only for a dead letter, or for a value that is not a {@code Struct} (then mapped, and
     * refused, as Debezium's JSON).
     */
    private void handleBatch(List<ChangeEvent<SourceRecord, SourceRecord>> records,
                             DebeziumEngine.RecordCommitter<ChangeEvent<SourceRecord, SourceRecord>> committer) throws InterruptedException {
        List<Pending> outputs = new ArrayList<>(records.size());
        for (ChangeEvent<SourceRecord, SourceRecord> event : records) {
            SourceRecord r = event.value();
            if (r.topic() != null && r.topic().endsWith(MESSAGE_TOPIC_SUFFIX) && r.value() instanceof Struct v
                    && v.schema().field("message") != null && v.get("message") instanceof Struct m) {
                // A logical decoding message: a re-snapshot's request, watermark or mark, at its place in the stream.
                Object ts = v.schema().field("ts_ms") == null ? null : v.get("ts_ms");
                placeAll(outputs, resnapshots.onMessage(m.getString("prefix"), m.getBytes("content"),
                        ts instanceof Number n ? n.longValue() : System.currentTimeMillis()), "postgres:" + r.topic());
                continue;
            }
            ChangeMapper.Table table = ChangeMapper.tableOf(r.topic());
            if (table == ChangeMapper.Table.OTHER) {
                metrics.heartbeat();
                continue;
            }
            Supplier<String> keyJson = () -> json(keyJson(), r.topic(), r.keySchema(), r.key());
            Supplier<String> valueJson = () -> json(valueJson(), r.topic(), r.valueSchema(), r.value());
            List<ChangeMapper.Output> mapped = r.value() == null || r.value() instanceof Struct
                    ? ChangeMapper.map(table, r.key() instanceof Struct k ? k : null, (Struct) r.value(), keyJson, valueJson)
                    : ChangeMapper.map(table, keyJson.get(), valueJson.get());
            resnapshots.onChange(mapped);
            for (ChangeMapper.Output o : mapped) {
                outputs.add(new Pending(o, "postgres:" + r.topic(), null));
            }
        }
        publishAcknowledged(outputs);
        for (ChangeEvent<SourceRecord, SourceRecord> r : records) {
            committer.markProcessed(r);
        }
        committer.markBatchFinished();
        streaming = true;
    }

    private JsonConverter keyJson() {
        if (keyConverter == null) {
            keyConverter = new JsonConverter();
            keyConverter.configure(Map.of("schemas.enable", "false"), true);
        }
        return keyConverter;
    }

    private JsonConverter valueJson() {
        if (valueConverter == null) {
            valueConverter = new JsonConverter();
            valueConverter.configure(Map.of("schemas.enable", "false"), false);
        }
        return valueConverter;
    }

    /** A record part as Debezium's JSON without schemas (what a dead letter carries), or null. */
    private static String json(JsonConverter converter, String topic, org.apache.kafka.connect.data.Schema schema, Object part) {
        if (part == null) {
            return null;
        }
        byte[] bytes = converter.fromConnectData(topic, schema, part);
        return bytes == null ? null : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Fails fast on a database CDC cannot work with, saying how to fix it. */
    static void checkDatabase(DbSettings db) throws SQLException {
        try (Connection c = Database.connect(db)) {
            String wal = Database.walLevel(c);
            if (!"logical".equals(wal)) {
                throw new SourceTables.NotReadyException("PostgreSQL has wal_level=" + wal + "; CDC needs 'logical'. Run "
                        + "ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM information_schema.tables "
                    + "WHERE table_schema = ? AND table_name IN ('customer', 'subscription')")) {
                ps.setString(1, db.schema());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) != 2) {
                        throw new SourceTables.NotReadyException("schema " + db.schema() + " has no customer and subscription tables "
                                + "(for a demo: hfc db migrate --with-source-tables)");
                    }
                }
            }
            // What the old row of an update or delete carries (pg_class.relreplident), and whether the key it
            // falls back on (primary key for DEFAULT, the chosen index for USING INDEX) includes user_id.
            try (PreparedStatement ps = c.prepareStatement("SELECT c.relname, c.relreplident, COALESCE((SELECT bool_or("
                    + "a.attname = 'user_id') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                    + "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = c.oid AND ((c.relreplident = 'd' AND i.indisprimary) "
                    + "OR (c.relreplident = 'i' AND i.indisreplident))), false) FROM pg_class c "
                    + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname IN ('customer', 'subscription')")) {
                ps.setString(1, db.schema());
                List<String> problems = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        SourceTables.replicaIdentityProblem(db.qualified(rs.getString(1)), rs.getString(1),
                                rs.getString(2).charAt(0), rs.getBoolean(3)).ifPresent(problems::add);
                    }
                }
                if (!problems.isEmpty()) {
                    throw new SourceTables.NotReadyException(String.join(" ", problems));
                }
            }
        }
    }

    /**
     * Drops the replication slot and the publication, so a decommissioned producer does not pin WAL
     * forever. Refuses while the slot is in use.
     */
    public static boolean dropSlot(DbSettings db, String slotName, String publicationName) throws SQLException {
        SqlIdentifier.validate("slot name", slotName);
        SqlIdentifier.validate("publication name", publicationName);
        try (Connection c = Database.connect(db)) {
            boolean dropped = false;
            try (PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slotName);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (rs.getBoolean(1)) {
                            throw new IllegalStateException("replication slot " + slotName + " is in use: stop the producer first");
                        }
                        try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                            drop.setString(1, slotName);
                            drop.execute();
                        }
                        dropped = true;
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("DROP PUBLICATION IF EXISTS " + SqlIdentifier.quote(publicationName));
            }
            return dropped;
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
        return OpsServer.Health.up(streaming ? "publishing" : "starting (snapshot)");
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
            LOG.debug("CDC engine was stopped already: {}", e.getMessage()); // it failed, or never ran (the snapshot failed)
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
        producer.close(Duration.ofSeconds(10));
        LOG.info("CDC producer stopped");
    }
}
