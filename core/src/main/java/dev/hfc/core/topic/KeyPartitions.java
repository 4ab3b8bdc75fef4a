package dev.hfc.core.topic;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.common.utils.Utils;

/**
 * Which partition a user's records belong in: murmur2 of the key's bytes, as the Java client's default
 * partitioner and Kafka Streams compute it. A user's subscription events and customer record must be in
 * the same partition of their two topics, so that one task holds the whole customer. librdkafka-based
 * clients (kcat, confluent-kafka for Python and Go, node-rdkafka) hash with CRC32 unless told
 * {@code partitioner=murmur2_random}.
 */
public final class KeyPartitions {

    private KeyPartitions() {}

    /** The partition of {@code user}'s key (its lower-case canonical text) among {@code partitions}. */
    public static int of(UUID user, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        return Utils.toPositive(Utils.murmur2(user.toString().getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
