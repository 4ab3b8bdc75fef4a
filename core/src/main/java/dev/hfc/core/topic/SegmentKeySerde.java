package dev.hfc.core.topic;

import dev.hfc.core.event.SegmentKey;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** The {@code <week>:<user_id>} key of {@code hfc.customer-segments}, as UTF-8. */
public final class SegmentKeySerde implements Serde<SegmentKey> {
    @Override
    public Serializer<SegmentKey> serializer() {
        return (topic, key) -> key == null ? null : key.toBytes();
    }

    @Override
    public Deserializer<SegmentKey> deserializer() {
        return (topic, bytes) -> SegmentKey.decode(bytes).orThrow();
    }
}
