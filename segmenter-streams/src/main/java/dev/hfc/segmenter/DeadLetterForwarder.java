package dev.hfc.segmenter;

import dev.hfc.core.event.Rejection;
import dev.hfc.core.topic.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;

/**
 * Sends a record a processor refused to {@code hfc.dlq}, through {@link SegmenterTopology#DLQ_SINK}, with the
 * {@link DeadLetters} headers that say which stage refused it, why, and where it was read. The refusal is logged
 * and counted by reason first. The segmenting processors and the seed processor refuse records the same way: they
 * differ only in the logger and in the words that open the log line. One instance per processor and task.
 */
final class DeadLetterForwarder {

    private final ProcessorContext<byte[], byte[]> context;
    private final SegmenterMetrics metrics;
    private final Logger log;
    private final String message;

    /**
     * Logs with the processor's own logger, so that its lines keep their logger's name; {@code what} names the
     * record in the line, before where it was read ({@code ""}, or {@code "seed record "} for the seed).
     */
    DeadLetterForwarder(ProcessorContext<byte[], byte[]> context, SegmenterMetrics metrics, Logger log, String what) {
        this.context = context;
        this.metrics = metrics;
        this.log = log;
        this.message = "segmenter: " + what + "{}-{}@{} (key {}) sent to the DLQ: {}";
    }

    /**
     * Logs, counts and forwards the record: its key as UTF-8, its value as {@code valueBytes} gives it (a value
     * the processor decoded is encoded again), its timestamp. Without metadata ({@code where} null) the record is
     * said to come from topic {@code unknown}, partition and offset -1.
     */
    <V> void forward(
            Record<String, V> record,
            RecordMetadata where,
            Function<? super V, byte[]> valueBytes,
            Rejection rejection) {
        String topic = where == null ? "unknown" : where.topic();
        int partition = where == null ? -1 : where.partition();
        long offset = where == null ? -1 : where.offset();
        log.warn(message, topic, partition, offset, record.key(), rejection);
        metrics.deadLettered(rejection.reason());
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        byte[] value = record.value() == null ? null : valueBytes.apply(record.value());
        context.forward(
                new Record<>(
                        key,
                        value,
                        record.timestamp(),
                        DeadLetters.headers(SegmenterTopology.STAGE, rejection, topic, partition, offset)),
                SegmenterTopology.DLQ_SINK);
    }
}
