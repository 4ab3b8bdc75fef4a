package dev.hfc.producer.cdc;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The CDC engine's handler of a batch of changes: maps them to §5 events (and a re-snapshot's messages to its
 * outputs), publishes them, and marks the batch processed only once Kafka acknowledged every event of it.
 *
 * <p>Only the engine's handler thread calls {@link #handleBatch}, one batch at a time: the JSON converters of
 * dead letters are made lazily on that thread and never shared, so they need no synchronisation.
 */
final class ChangeBatchHandler {

    /** Debezium's topic of logical decoding messages: {@code <topic.prefix>.message}. */
    static final String MESSAGE_TOPIC_SUFFIX = ".message";

    private final ProducerMetrics metrics;
    private final AcknowledgedPublisher publisher;
    private final Resnapshots resnapshots;
    /** Render a record as JSON for a dead letter; made on first use, on the engine's handler thread only. */
    private JsonConverter keyConverter;

    private JsonConverter valueConverter;
    /** Set once a batch was published and acknowledged: the engine runs (read by health checks). */
    private volatile boolean streaming;

    ChangeBatchHandler(ProducerMetrics metrics, AcknowledgedPublisher publisher, Resnapshots resnapshots) {
        this.metrics = metrics;
        this.publisher = publisher;
        this.resnapshots = resnapshots;
    }

    /** Whether a batch of the engine was published yet (before that, the producer is still starting). */
    boolean streaming() {
        return streaming;
    }

    /**
     * The engine hands records over in Connect form: mapped straight from their {@code Struct}s, with no JSON
     * written by the engine and parsed again here (that took most of this thread's time in {@code bench cdc}).
     * JSON is rendered only for a dead letter, or for a value that is not a {@code Struct} (then mapped, and
     * refused, as Debezium's JSON).
     */
    void handleBatch(
            List<ChangeEvent<SourceRecord, SourceRecord>> records,
            DebeziumEngine.RecordCommitter<ChangeEvent<SourceRecord, SourceRecord>> committer)
            throws InterruptedException {
        List<AcknowledgedPublisher.Pending> outputs = new ArrayList<>(records.size());
        for (ChangeEvent<SourceRecord, SourceRecord> event : records) {
            SourceRecord r = event.value();
            if (r.topic() != null
                    && r.topic().endsWith(MESSAGE_TOPIC_SUFFIX)
                    && r.value() instanceof Struct v
                    && v.schema().field("message") != null
                    && v.get("message") instanceof Struct m) {
                // A logical decoding message: a re-snapshot's request, watermark or mark, at its place in the stream.
                Object ts = v.schema().field("ts_ms") == null ? null : v.get("ts_ms");
                AcknowledgedPublisher.placeAll(
                        outputs,
                        resnapshots.onMessage(
                                m.getString("prefix"),
                                m.getBytes("content"),
                                ts instanceof Number n ? n.longValue() : System.currentTimeMillis()),
                        "postgres:" + r.topic());
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
                    ? ChangeMapper.map(
                            table, r.key() instanceof Struct k ? k : null, (Struct) r.value(), keyJson, valueJson)
                    : ChangeMapper.map(table, keyJson.get(), valueJson.get());
            resnapshots.onChange(mapped);
            for (ChangeMapper.Output o : mapped) {
                outputs.add(new AcknowledgedPublisher.Pending(o, "postgres:" + r.topic(), null));
            }
        }
        publisher.publish(outputs);
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
    private static String json(JsonConverter converter, String topic, Schema schema, Object part) {
        if (part == null) {
            return null;
        }
        byte[] bytes = converter.fromConnectData(topic, schema, part);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
