package dev.hfc.core.topic;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The topic-level settings of the topics hfc creates: what each topic's role needs or an operator would choose
 * ({@link #defaults}), then the operator's own ({@code --topic-config [TOPIC:]KEY=VALUE}: for every topic, or for
 * one by its name without the prefix), the later winning. The broker validates keys and values when the topic is
 * created, and refuses the creation, naming the key, when one is wrong.
 */
public record TopicConfigs(List<Setting> settings) {

    /** The catalog's topics by their names without the prefix, the names {@code --topic-config} takes. */
    public static final List<String> ROLES = List.of("subscription-events", "customers", "customer-segments", "dlq");

    /** 7 days: the input's history is kept this long (a rebuild after that needs a snapshot). */
    public static final long EVENTS_RETENTION_MS = Duration.ofDays(7).toMillis();
    /** 30 days: time to look into a dead letter. */
    public static final long DLQ_RETENTION_MS = Duration.ofDays(30).toMillis();

    private static final Pattern SETTING = Pattern.compile("^(?:([a-z-]+):)?([a-z][a-z0-9.]*)=(.+)$");

    /** One setting: for {@code topic} (a role), or for every topic when null. */
    public record Setting(String topic, String key, String value) {
        public Setting {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (topic != null && !ROLES.contains(topic)) {
                throw new IllegalArgumentException("'" + topic + "' is not one of hfc's topics ("
                        + String.join(", ", ROLES) + "; the name without the prefix)");
            }
        }
    }

    public TopicConfigs {
        settings = List.copyOf(settings);
    }

    public static TopicConfigs none() {
        return new TopicConfigs(List.of());
    }

    /**
     * Parses {@code [TOPIC:]KEY=VALUE} settings, e.g. {@code min.insync.replicas=2} or
     * {@code subscription-events:retention.ms=1209600000}.
     *
     * @throws IllegalArgumentException naming the setting that is not of that form or names an unknown topic
     */
    public static TopicConfigs parse(List<String> texts) {
        List<Setting> out = new java.util.ArrayList<>();
        for (String raw : texts == null ? List.<String>of() : texts) {
            String text = raw.strip();
            if (text.isEmpty()) {
                continue;
            }
            Matcher m = SETTING.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + text
                        + "' is not [TOPIC:]KEY=VALUE, e.g. min.insync.replicas=2 or " + "dlq:retention.ms=2592000000");
            }
            out.add(new Setting(
                    m.group(1), m.group(2).toLowerCase(Locale.ROOT), m.group(3).strip()));
        }
        return new TopicConfigs(out);
    }

    /** The settings for every topic (no topic named): also what Kafka Streams' internal topics get. */
    public Map<String, String> forEveryTopic() {
        Map<String, String> out = new LinkedHashMap<>();
        settings.stream().filter(s -> s.topic() == null).forEach(s -> out.put(s.key(), s.value()));
        return out;
    }

    /**
     * What a topic is created with: the defaults of its role (see {@link #defaults}), then the operator's settings
     * for every topic, then those for it.
     */
    public Map<String, String> forTopic(TopicSpec<?, ?> spec, short replicationFactor, Duration tombstoneRetention) {
        Map<String, String> out = defaults(spec, replicationFactor, tombstoneRetention);
        out.putAll(forEveryTopic());
        settings.stream()
                .filter(s -> s.topic() != null && spec.name().endsWith(s.topic()))
                .forEach(s -> out.put(s.key(), s.value()));
        return out;
    }

    /**
     * The defaults of a topic's role, what an operator of a production cluster would set:
     * <ul>
     *   <li>every topic, at a replication factor of 3 or more: {@code min.insync.replicas=2}, so an acknowledged
     *       write survives the loss of a broker (with {@code acks=all}, which every hfc producer uses);</li>
     *   <li>compacted topics: {@code cleanup.policy=compact} and {@code delete.retention.ms} (the tombstone
     *       retention);</li>
     *   <li>{@code subscription-events}: {@code retention.ms} of 7 days, set rather than inherited (a broker default
     *       of a day would make a rebuild need a snapshot after a day, silently);</li>
     *   <li>{@code dlq}: {@code retention.ms} of 30 days, time to look into what was refused.</li>
     * </ul>
     */
    public static Map<String, String> defaults(
            TopicSpec<?, ?> spec, short replicationFactor, Duration tombstoneRetention) {
        Map<String, String> out = new LinkedHashMap<>();
        if (replicationFactor >= 3) {
            out.put("min.insync.replicas", "2");
        }
        if (spec.compacted()) {
            out.put("cleanup.policy", "compact");
            out.put("delete.retention.ms", Long.toString(tombstoneRetention.toMillis()));
        }
        if (spec.name().endsWith("subscription-events")) {
            out.put("retention.ms", Long.toString(EVENTS_RETENTION_MS));
        }
        if (spec.name().endsWith("dlq")) {
            out.put("retention.ms", Long.toString(DLQ_RETENTION_MS));
        }
        return out;
    }
}
