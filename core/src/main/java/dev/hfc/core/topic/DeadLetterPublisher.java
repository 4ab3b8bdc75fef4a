package dev.hfc.core.topic;

import dev.hfc.core.event.Rejection;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes refused records to {@code hfc.dlq} (§5) for the services that own a Kafka producer (the producer
 * and the sink; the segmenter forwards its refusals inside its topology with the same {@link DeadLetters}
 * headers). Every record is logged with where it came from and why; the caller waits for the returned
 * future before it advances past the record, and counts it then.
 */
public final class DeadLetterPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String stage;

    public DeadLetterPublisher(Producer<byte[], byte[]> producer, Topics topics, String stage) {
        this.producer = producer;
        this.topic = topics.dlq().name();
        this.stage = stage;
    }

    /** A record refused after it was read from {@code sourceTopic}-{@code partition}@{@code offset}; key and value as read. */
    public Future<RecordMetadata> publish(
            Rejection rejection,
            String sourceTopic,
            int partition,
            long offset,
            long timestampMs,
            byte[] key,
            byte[] value) {
        LOG.warn("{}: {}-{}@{} sent to the DLQ: {}", stage, sourceTopic, partition, offset, rejection);
        return producer.send(new ProducerRecord<>(
                topic,
                null,
                timestampMs < 0 ? null : timestampMs,
                key,
                value,
                DeadLetters.headers(stage, rejection, sourceTopic, partition, offset)));
    }

    /** A record refused before it reached a topic, from {@code source} (for example {@code postgres:<table>}). */
    public Future<RecordMetadata> publish(Rejection rejection, String source, byte[] key, byte[] value) {
        LOG.warn("{}: a change from {} sent to the DLQ: {}", stage, source, rejection);
        return producer.send(
                new ProducerRecord<>(topic, null, null, key, value, DeadLetters.headers(stage, rejection, source)));
    }
}
