package dev.hfc.producer.cdc;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hfc.core.config.KafkaSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Debezium engine's stored source position, in the Kafka topic where the engine keeps it: whether there
 * is one, and the first one, written by the producer's own initial snapshot ({@link InitialSnapshot}) before
 * the engine ever starts, so that the engine takes no snapshot of its own and streams from exactly where
 * the rows were read.
 *
 * <p>The record is the engine's own format (Kafka Connect's offset storage, JSON without schemas): key
 * {@code ["<engine name>",{"server":"<topic prefix>"}]}, byte for byte as the engine looks it up; value
 * {@code {"lsn":N,"ts_usec":T}}. With an offset that has an {@code lsn} and no snapshot marks, Debezium's
 * PostgreSQL connector in {@code snapshot.mode=initial} skips its snapshot and starts replication at that
 * LSN without skipping any message (checked against Debezium 3.6.1's {@code PostgresOffsetContext.Loader},
 * {@code InitialSnapshotter} and {@code PostgresStreamingChangeEventSource}; {@code CdcProducerIT} tests it).
 */
final class EngineOffsets {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaSettings kafka;
    private final String topic;
    private final short replicationFactor;
    private final byte[] key;

    EngineOffsets(KafkaSettings kafka, String topic, short replicationFactor, String engineName, String topicPrefix) {
        this.kafka = kafka;
        this.topic = topic;
        this.replicationFactor = replicationFactor;
        try {
            this.key = JSON.writeValueAsBytes(List.of(engineName, Map.of("server", topicPrefix)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The engine's stored position as JSON, if it has stored one (the topic read to its end). */
    Optional<String> stored() {
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return Optional.empty();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot list topics to find " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking for " + topic, e);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                kafka.clientProperties(Map.of(
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed")),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            byte[] last = null;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (Arrays.equals(r.key(), key)) {
                        last = r.value();
                    }
                }
            }
            return last == null
                    ? Optional.empty()
                    : Optional.of(new String(last, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Stores the engine's first position: replication starts at {@code lsn}, with no snapshot. */
    void storeStart(long lsn) {
        ensureTopic();
        byte[] value;
        try {
            value = JSON.writeValueAsBytes(Map.of("lsn", lsn, "ts_usec", System.currentTimeMillis() * 1000L));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                kafka.clientProperties(
                        Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot store the starting position in " + topic + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while storing the starting position in " + topic, e);
        }
    }

    /** The topic as the engine would create it: one partition, compacted only. */
    private void ensureTopic() {
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, replicationFactor)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all()
                    .get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(
                        "cannot create " + topic + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic, e);
        }
    }
}
