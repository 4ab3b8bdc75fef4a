package dev.hfc.sink;

import dev.hfc.sink.copy.CopyBatchWriter;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Builds the members of the sink's group on Kafka and PostgreSQL. The Kafka consumer's settings, each with its
 * reason, live here, apart from {@link SinkConsumer}'s loop, which tests run on Kafka's mock consumer and a
 * fake store.
 */
final class SinkConsumerFactory {

    private SinkConsumerFactory() {}

    /** A member of the group on Kafka and PostgreSQL. */
    static SinkConsumer create(
            int index, SinkService.Settings settings, SinkMetrics metrics, Producer<byte[], byte[]> dlqProducer) {
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        if (settings.instanceId() != null) {
            // Static membership: a restarted instance takes its partitions back at once instead of the group
            // waiting out the session timeout of the member it replaces.
            consumerProps.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceId() + "-" + index);
        }
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(settings.batchSize(), 5000));
        // A batch may wait out a database outage inside poll's loop; stay in the group meanwhile.
        consumerProps.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Math.min(
                Integer.MAX_VALUE, settings.dbRetryTimeout().plusMinutes(5).toMillis()));
        consumerProps.put(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                settings.kafka().clientProperties(consumerProps),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        return new SinkConsumer(
                index,
                settings,
                metrics,
                consumer,
                new CopyBatchWriter(settings.db(), settings.groupId(), metrics),
                dlqProducer,
                SinkConsumer.POSITION_CHECK,
                SinkConsumer.REVOKE_FLUSH_BOUND);
    }
}
