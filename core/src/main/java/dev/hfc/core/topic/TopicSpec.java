package dev.hfc.core.topic;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/** One topic of the catalog: its name, the serdes of its keys and values, and whether it is compacted. */
public record TopicSpec<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, boolean compacted) {
    public TopicSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }
}
