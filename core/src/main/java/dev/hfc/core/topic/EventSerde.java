package dev.hfc.core.topic;

import dev.hfc.core.event.EventCodec;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka serde over an {@link EventCodec}. {@code null} is a tombstone both ways. A value that fails
 * validation makes the deserializer throw {@link dev.hfc.core.event.RejectedRecordException}, which
 * carries the typed reason to the dead-letter handling.
 */
public final class EventSerde<T> implements Serde<T> {

    private final EventCodec<T> codec;

    public EventSerde(EventCodec<T> codec) {
        this.codec = codec;
    }

    public EventCodec<T> codec() {
        return codec;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : codec.encode(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : codec.decode(bytes).orThrow();
    }
}
