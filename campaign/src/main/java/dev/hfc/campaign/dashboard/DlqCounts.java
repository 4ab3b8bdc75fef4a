package dev.hfc.campaign.dashboard;

import dev.hfc.core.topic.DeadLetters;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Dead-lettered records by reason, for the dashboard: reads {@code hfc.dlq} without a consumer group (it
 * commits nothing and moves no one's position), from the beginning once and then only what is new.
 */
public final class DlqCounts implements AutoCloseable {

    /** What was counted, or why it could not be. */
    public record Snapshot(Map<String, Long> byReason, String error) {
        public long total() {
            return byReason.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final Duration READ_BOUND = Duration.ofSeconds(3);

    private final Properties properties;
    private final String topic;
    private final Map<String, Long> counts = new TreeMap<>();
    private KafkaConsumer<byte[], byte[]> consumer;
    private List<TopicPartition> partitions;

    /** @param clientProperties bootstrap servers and any security settings of the Kafka clients */
    public DlqCounts(Properties clientProperties, String topic) {
        this.properties = new Properties();
        this.properties.putAll(clientProperties);
        this.properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "hfc-campaign-dashboard-dlq");
        this.topic = topic;
    }

    /** Reads what is new (for at most a few seconds) and returns the counts so far. */
    public synchronized Snapshot snapshot() {
        try {
            if (consumer == null) {
                consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                var infos = consumer.partitionsFor(topic, READ_BOUND);
                if (infos == null || infos.isEmpty()) {
                    closeConsumer();
                    return new Snapshot(Map.copyOf(counts), "topic " + topic + " does not exist (yet)");
                }
                partitions = infos.stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, READ_BOUND);
            long deadline = System.nanoTime() + READ_BOUND.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, READ_BOUND) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    return new Snapshot(Map.copyOf(counts), "still reading " + topic + " (counts so far)");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String reason = DeadLetters.header(r.headers(), DeadLetters.REASON);
                    counts.merge(reason == null ? "(no reason header)" : reason, 1L, Long::sum);
                }
            }
            return new Snapshot(Map.copyOf(counts), null);
        } catch (RuntimeException e) {
            closeConsumer();
            counts.clear(); // the next snapshot reads from the beginning again
            return new Snapshot(Map.of(), "cannot read " + topic + ": " + e.getMessage());
        }
    }

    private void closeConsumer() {
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(1));
            } catch (RuntimeException ignored) {
                // closing a consumer that failed: nothing more to do
            }
            consumer = null;
        }
    }

    @Override
    public synchronized void close() {
        closeConsumer();
    }
}
