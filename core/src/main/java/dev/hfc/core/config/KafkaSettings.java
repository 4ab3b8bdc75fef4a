package dev.hfc.core.config;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where Kafka is and how to talk to it: bootstrap servers plus any client property passed through
 * (TLS, SASL, ...). {@link #toString()} never shows a secret.
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> properties) {

    public KafkaSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers must not be empty");
        }
        properties = Map.copyOf(properties);
    }

    public static KafkaSettings of(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, Map.of());
    }

    /**
     * Client properties: the bootstrap servers and the pass-through properties, then {@code overrides}
     * (what the calling service needs for its guarantees).
     */
    public Properties clientProperties(Map<String, ?> overrides) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.putAll(properties);
        p.putAll(overrides);
        return p;
    }

    /**
     * Parses {@code k=v,k=v} (the {@code HFC_KAFKA_PROPERTIES} form) or a single {@code k=v}.
     *
     * @throws IllegalArgumentException naming the entry that has no {@code =} or an empty key
     */
    public static Map<String, String> parseProperties(String text) {
        Map<String, String> out = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String entry : text.split(",")) {
            putProperty(out, entry);
        }
        return out;
    }

    public static void putProperty(Map<String, String> into, String entry) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(
                    "Kafka property '" + redactEntry(entry) + "' is not of the form key=value");
        }
        into.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
    }

    /** True for property names whose values must never be printed. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password")
                || k.contains("secret")
                || k.contains("jaas")
                || k.contains("token")
                || k.contains("credential")
                || k.endsWith(".key");
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        properties.forEach((k, v) -> shown.put(k, isSecret(k) ? "[redacted]" : v));
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", properties=" + shown + "]";
    }

    private static String redactEntry(String entry) {
        return isSecret(entry) ? "[redacted]" : entry;
    }
}
