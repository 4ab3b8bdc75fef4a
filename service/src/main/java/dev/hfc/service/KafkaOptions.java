package dev.hfc.service;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.topic.Topics;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/** §9 options of every subcommand that talks to Kafka. */
final class KafkaOptions {

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:HFC_KAFKA_BOOTSTRAP:-localhost:9092}",
            description = "Kafka bootstrap servers (env HFC_KAFKA_BOOTSTRAP; default ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            split = ",",
            defaultValue = "${env:HFC_KAFKA_PROPERTIES}",
            description = "Any Kafka client property, e.g. security.protocol=SASL_SSL; repeatable "
                    + "(env HFC_KAFKA_PROPERTIES as k=v,k=v). Values are never logged for secret keys.")
    List<String> kafkaProperties;

    @Option(
            names = "--topic-prefix",
            paramLabel = "PREFIX",
            defaultValue = "${env:HFC_TOPIC_PREFIX:-" + Topics.DEFAULT_PREFIX + "}",
            description = "Prefix of every topic name (env HFC_TOPIC_PREFIX; default ${DEFAULT-VALUE}).")
    String topicPrefix;

    KafkaSettings settings() {
        Map<String, String> props = new TreeMap<>();
        if (kafkaProperties != null) {
            for (String entry : kafkaProperties) {
                Cli.check("--kafka-property", "HFC_KAFKA_PROPERTIES", () -> KafkaSettings.putProperty(props, entry));
            }
        }
        return Cli.check(
                "--bootstrap-servers", "HFC_KAFKA_BOOTSTRAP", () -> new KafkaSettings(bootstrapServers, props));
    }

    Topics topics() {
        return Cli.check("--topic-prefix", "HFC_TOPIC_PREFIX", () -> new Topics(topicPrefix));
    }
}
