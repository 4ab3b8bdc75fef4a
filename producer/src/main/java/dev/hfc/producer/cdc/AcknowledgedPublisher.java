package dev.hfc.producer.cdc;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.topic.DeadLetterPublisher;
import dev.hfc.core.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes the producer's outputs (events, customer snapshots, markers, dead letters) with an idempotent
 * Kafka producer, and returns only once Kafka acknowledged every one: the caller may then store a source
 * position that covers them. Counts what was published.
 */
final class AcknowledgedPublisher implements AutoCloseable {

    /** Kafka producer batch size (bytes, before compression). */
    static final int BATCH_BYTES = 256 * 1024;

    private final Topics topics;
    private final ProducerMetrics metrics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final DeadLetterPublisher deadLetters;

    AcknowledgedPublisher(KafkaSettings kafka, Topics topics, ProducerMetrics metrics) {
        this.topics = topics;
        this.metrics = metrics;
        this.producer = new KafkaProducer<>(
                kafka.clientProperties(Map.of(
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        // Each new batch allocates LZ4's 64 KB block buffer: at the default 16 KB per batch that was a
                        // sixth
                        // of the snapshot thread (JFR, BENCHMARKS.md). Larger batches also mean fewer for the broker to
                        // decompress and validate. A live change still leaves after the linger.
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        BATCH_BYTES,
                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        "lz4")),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        this.deadLetters = new DeadLetterPublisher(producer, topics, CdcProducer.STAGE);
    }

    /** One output of a change, where it came from (for a dead letter's origin), and its partition when fixed. */
    record Pending(ChangeMapper.Output output, String source, Integer partition) {}

    static void placeAll(List<Pending> into, List<Resnapshots.Placed> placed, String source) {
        for (Resnapshots.Placed p : placed) {
            into.add(new Pending(p.output(), source, p.partition()));
        }
    }

    /**
     * Publishes the outputs and returns when Kafka has acknowledged every one of them (and counts them then);
     * throws, advancing nothing, when Kafka refused one.
     */
    void publish(List<Pending> outputs) throws InterruptedException {
        send(outputs).await();
    }

    /** Outputs handed to the Kafka producer, whose acknowledgement is awaited later ({@link #await()}). */
    final class Sent {
        private final List<Pending> outputs;
        private final List<Future<RecordMetadata>> futures;

        private Sent(List<Pending> outputs, List<Future<RecordMetadata>> futures) {
            this.outputs = outputs;
            this.futures = futures;
        }

        /** Returns once Kafka acknowledged every output (and counts them); throws when it refused one. */
        void await() throws InterruptedException {
            // Kafka must have every event before a position that covers it may be stored.
            producer.flush();
            for (Future<RecordMetadata> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(
                            "Kafka did not accept an event; the position is not advanced: "
                                    + e.getCause().getMessage(),
                            e.getCause());
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
    }

    /**
     * Hands the outputs to the Kafka producer without waiting: a caller that publishes chunk after chunk (the
     * initial load) awaits one chunk while the next is read, instead of reading nothing while Kafka answers.
     * {@code outputs} becomes the batch's own.
     */
    Sent send(List<Pending> outputs) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(outputs.size());
        for (Pending p : outputs) {
            ChangeMapper.Output o = p.output();
            if (o.target() == ChangeMapper.Target.DLQ) {
                sent.add(deadLetters.publish(o.rejection(), p.source(), o.key(), o.value()));
            } else {
                String topic = o.target() == ChangeMapper.Target.CUSTOMERS
                        ? topics.customers().name()
                        : topics.subscriptionEvents().name();
                Long ts = o.timestampMs() > 0 ? o.timestampMs() : null;
                sent.add(producer.send(new ProducerRecord<>(topic, p.partition(), ts, o.key(), o.value())));
            }
        }
        return new Sent(outputs, sent);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
