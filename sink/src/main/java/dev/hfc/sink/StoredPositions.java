package dev.hfc.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each partition of a sink consumer stands in PostgreSQL, as far as the consumer knows: per owned
 * partition, the stored next offset it last read or wrote (null: none stored yet). Every write is fenced on
 * these (nothing is written if PostgreSQL holds another offset), and the Kafka consumer is sought to them,
 * never to the offsets committed to Kafka, which serve lag tools only.
 */
final class StoredPositions {

    private static final Logger LOG = LoggerFactory.getLogger(StoredPositions.class);

    private final Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, Long> positions = new HashMap<>();

    StoredPositions(Consumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    /** The positions a write expects to find stored (the live map: a write reads it and does not keep it). */
    Map<TopicPartition, Long> expected() {
        return positions;
    }

    /** Refuses a record older than its partition's position: read before a seek, it would overwrite newer values. */
    void checkNotBehind(ConsumerRecord<byte[], byte[]> r) {
        Long from = positions.get(new TopicPartition(r.topic(), r.partition()));
        if (from != null && r.offset() < from) {
            throw new IllegalStateException("sink: record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " precedes the partition's position " + from + "; it would overwrite newer values");
        }
    }

    /** Records that {@code next} was stored as the next offset of {@code tp}. */
    void stored(TopicPartition tp, long next) {
        positions.put(tp, next);
    }

    /** Forgets the partitions this consumer no longer owns. */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(positions::remove);
    }

    /** The partitions of {@code owned} whose offset in {@code stored} is not the one this consumer knows. */
    List<TopicPartition> moved(Collection<TopicPartition> owned, Map<TopicPartition, Long> stored) {
        List<TopicPartition> moved = new ArrayList<>();
        for (TopicPartition tp : owned) {
            if (positions.containsKey(tp) && !java.util.Objects.equals(stored.get(tp), positions.get(tp))) {
                moved.add(tp);
            }
        }
        return moved;
    }

    /** Seeks {@code partitions} to their stored offsets, and those never written to the beginning. */
    void seek(Collection<TopicPartition> partitions, Map<TopicPartition, Long> stored) {
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long offset = stored.get(tp);
            positions.put(tp, offset);
            if (offset == null) {
                fresh.add(tp);
            } else {
                consumer.seek(tp, offset);
            }
        }
        if (!fresh.isEmpty()) {
            consumer.seekToBeginning(fresh); // never written by any sink of this group
        }
        LOG.info("sink: positions from PostgreSQL {}; from the beginning {}", stored, fresh);
    }
}
