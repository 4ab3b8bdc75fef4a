package dev.hfc.segmenter;

import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.RejectedRecordException;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record that cannot be deserialized to the dead-letter topic with its reason, and lets the
 * application go on. The dead-letter record is written by Kafka Streams' own producer (KIP-1034), so under
 * exactly-once it commits with the input offsets: a record is dead-lettered once, never lost.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    /** Streams config key: the dead-letter topic name. */
    public static final String DLQ_TOPIC_CONFIG = "hfc.dlq.topic";
    /** Streams config key: the {@link SegmenterMetrics} to count in (optional). */
    public static final String METRICS_CONFIG = "hfc.segmenter.metrics";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    /**
     * The streams properties that install this handler, writing to {@code topics}' dead-letter topic and counting
     * in {@code metrics}: the service's, and a {@code TopologyTestDriver}'s that should dead-letter as it does.
     */
    public static Map<String, Object> streamsProperties(Topics topics, SegmenterMetrics metrics) {
        return Map.of(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class,
                DLQ_TOPIC_CONFIG,
                topics.dlq().name(),
                METRICS_CONFIG,
                metrics);
    }

    private String dlqTopic;
    private SegmenterMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(DLQ_TOPIC_CONFIG);
        if (!(topic instanceof String name) || name.isBlank()) {
            throw new ConfigException(DLQ_TOPIC_CONFIG, topic, "the dead-letter topic must be configured");
        }
        dlqTopic = name;
        metrics = configs.get(METRICS_CONFIG) instanceof SegmenterMetrics m ? m : null;
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        Rejection rejection = exception instanceof RejectedRecordException r
                ? r.rejection()
                : new Rejection(RejectReason.MALFORMED_JSON, "undeserializable: " + exception.getMessage());
        LOG.warn(
                "segmenter: {}-{}@{} sent to the DLQ: {}",
                record.topic(),
                record.partition(),
                record.offset(),
                rejection);
        if (metrics != null) {
            metrics.deadLettered(rejection.reason());
        }
        // A record may carry no timestamp (-1); a producer record must then have none either.
        Long timestamp = record.timestamp() < 0 ? null : record.timestamp();
        var dead = new ProducerRecord<>(
                dlqTopic,
                null,
                timestamp,
                record.key(),
                record.value(),
                DeadLetters.headers(
                        SegmenterTopology.STAGE, rejection, record.topic(), record.partition(), record.offset()));
        return Response.resume(List.of(dead));
    }
}
