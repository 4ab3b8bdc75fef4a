package dev.hfc.campaign.send;

import dev.hfc.core.topic.SegmenterMeta;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Where the segmenter stands, read from Kafka without asking it: whether its consumer group has read its inputs
 * (committed offsets against the inputs' ends, with the Admin API), and whether any of its tasks is
 * re-segmenting under a new policy or rebuilding from a snapshot (the {@code resegment} and {@code history}
 * entries of its meta store, read from the store's changelog topic). While either holds, the segmenter is about
 * to publish changes, including withdrawals, of rows in the table: a campaign must not send from it yet.
 */
public final class SegmenterPosition implements AutoCloseable {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final String applicationId;
    private final long maxLag;
    private final Admin admin;
    private final KafkaConsumer<String, String> meta;
    private final String changelog;
    /** The latest value of each meta key, per task partition, as far as the changelog was read. */
    private final Map<Integer, Map<String, String>> entries = new HashMap<>();

    private boolean assigned;

    /**
     * @param clientProperties how to reach Kafka (bootstrap servers, security)
     * @param maxLag           records of its inputs the segmenter may have left unread and still be current
     */
    public SegmenterPosition(java.util.Properties clientProperties, String applicationId, long maxLag) {
        this.applicationId = applicationId;
        this.maxLag = maxLag;
        this.admin = Admin.create(clientProperties);
        Map<String, Object> consumer = new HashMap<>();
        clientProperties.forEach((k, v) -> consumer.put(k.toString(), v));
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "hfc-campaign-segmenter-position");
        this.meta = new KafkaConsumer<>(consumer, new StringDeserializer(), new StringDeserializer());
        this.changelog = SegmenterMeta.changelog(applicationId);
    }

    /** Null when the segmenter is current; otherwise what it is still doing. */
    public synchronized String behind() {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            committed.values().removeIf(java.util.Objects::isNull);
            if (committed.isEmpty()) {
                return "the segmenter (consumer group " + applicationId + ") has committed no offsets yet";
            }
            // Every partition of the topics it reads: one it never committed on counts from its beginning.
            java.util.Set<String> topics = new java.util.HashSet<>();
            committed.keySet().forEach(tp -> topics.add(tp.topic()));
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            admin.describeTopics(topics)
                    .allTopicNames()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((name, description) -> description.partitions().forEach(p -> {
                        TopicPartition tp = new TopicPartition(name, p.partition());
                        latest.put(tp, OffsetSpec.latest());
                        if (!committed.containsKey(tp)) {
                            earliest.put(tp, OffsetSpec.earliest());
                        }
                    }));
            var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            var starts = earliest.isEmpty()
                    ? Map.<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo>of()
                    : admin.listOffsets(earliest).all().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            long lag = 0;
            for (var e : ends.entrySet()) {
                OffsetAndMetadata done = committed.get(e.getKey());
                long from =
                        done != null ? done.offset() : starts.get(e.getKey()).offset();
                lag += Math.max(0, e.getValue().offset() - from);
            }
            if (lag > maxLag) {
                return "the segmenter has " + lag + " records of its inputs unread (more than --max-segmenter-lag "
                        + maxLag + ")";
            }
            return tasksBusy();
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return "the segmenter's position cannot be read from Kafka: " + cause;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while reading the segmenter's position";
        }
    }

    /** Reads the meta changelog to its end; null unless a task re-segments or rebuilds. */
    private String tasksBusy() {
        if (!assigned) {
            List<TopicPartition> partitions = meta.partitionsFor(changelog, CALL_TIMEOUT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                return "the segmenter's meta store changelog " + changelog + " does not exist yet";
            }
            meta.assign(partitions);
            meta.seekToBeginning(partitions);
            assigned = true;
        }
        Map<TopicPartition, Long> ends = meta.endOffsets(meta.assignment(), CALL_TIMEOUT);
        long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
        while (ends.entrySet().stream().anyMatch(e -> meta.position(e.getKey(), CALL_TIMEOUT) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                return "the segmenter's meta store changelog " + changelog + " could not be read to its end in "
                        + CALL_TIMEOUT.toSeconds() + " s";
            }
            for (ConsumerRecord<String, String> r : meta.poll(Duration.ofMillis(200))) {
                Map<String, String> task = entries.computeIfAbsent(r.partition(), p -> new HashMap<>());
                if (r.value() == null) {
                    task.remove(r.key());
                } else {
                    task.put(r.key(), r.value());
                }
            }
        }
        for (var task : entries.entrySet()) {
            if (task.getValue().containsKey(SegmenterMeta.RESEGMENT)
                    || task.getValue().containsKey(SegmenterMeta.LEGACY_CURSOR)) {
                return "the segmenter is re-segmenting its customers under a new policy (task " + task.getKey() + ")";
            }
            if (SegmenterMeta.REBUILDING.equals(task.getValue().get(SegmenterMeta.HISTORY))) {
                return "the segmenter is rebuilding its state from a snapshot (task " + task.getKey() + ")";
            }
        }
        return null;
    }

    /**
     * Closes the two clients within a second each: they hold nothing to flush, and a process that ends while Kafka is
     * unreachable should not wait out a longer timeout for them.
     */
    @Override
    public synchronized void close() {
        meta.close(Duration.ofSeconds(1));
        admin.close(Duration.ofSeconds(1));
    }
}
