package dev.hfc.service;

import dev.hfc.core.topic.TopicProvisioner;
import picocli.CommandLine.Option;

/** How services create the topics that are missing when they start. */
final class TopicLayoutOptions {

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "${env:HFC_TOPIC_PARTITIONS:-" + TopicProvisioner.Layout.DEFAULT_PARTITIONS + "}",
            description =
                    "Partitions of topics created when missing (env HFC_TOPIC_PARTITIONS; default ${DEFAULT-VALUE}). "
                            + "Scale-out is bounded by this number.")
    int partitions;

    @Option(
            names = "--replication-factor",
            paramLabel = "N",
            defaultValue = "${env:HFC_TOPIC_REPLICATION:-" + TopicProvisioner.Layout.DEFAULT_REPLICATION_FACTOR + "}",
            description = "Replication factor of created topics, -1 for the broker default "
                    + "(env HFC_TOPIC_REPLICATION; default ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Option(
            names = "--tombstone-retention-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_TOPIC_TOMBSTONE_RETENTION_MS:-"
                    + TopicProvisioner.Layout.DEFAULT_TOMBSTONE_RETENTION_MS + "}",
            description =
                    "How long compacted topics keep tombstones (delete.retention.ms): a consumer down for longer misses "
                            + "deletes (env HFC_TOPIC_TOMBSTONE_RETENTION_MS; default ${DEFAULT-VALUE}, 7 days).")
    long tombstoneRetentionMs;

    @Option(
            names = "--topic-config",
            paramLabel = "[TOPIC:]KEY=VALUE",
            split = ",",
            defaultValue = "${env:HFC_TOPIC_CONFIG}",
            description =
                    "A setting of the topics created when missing, repeatable: for every topic (min.insync.replicas=2) "
                            + "or for one, named without the prefix (dlq:retention.ms=2592000000); over each topic's defaults "
                            + "(docs/topics.md). Existing topics are not altered: a contradicting setting is warned about at start "
                            + "(env HFC_TOPIC_CONFIG, comma-separated).")
    java.util.List<String> topicConfig;

    TopicProvisioner.Layout layout() {
        var configs = Cli.check(
                "--topic-config", "HFC_TOPIC_CONFIG", () -> dev.hfc.core.topic.TopicConfigs.parse(topicConfig));
        return Cli.check(
                "--partitions / --replication-factor / --tombstone-retention-ms",
                "HFC_TOPIC_PARTITIONS / HFC_TOPIC_REPLICATION / HFC_TOPIC_TOMBSTONE_RETENTION_MS",
                () -> new TopicProvisioner.Layout(
                        partitions, replicationFactor, java.time.Duration.ofMillis(tombstoneRetentionMs), configs));
    }
}
