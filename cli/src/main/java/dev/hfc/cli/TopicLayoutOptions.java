package dev.hfc.cli;

import dev.hfc.core.topic.TopicProvisioner;
import picocli.CommandLine.Option;

/** How services create the topics that are missing when they start. */
final class TopicLayoutOptions {

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "${env:HFC_TOPIC_PARTITIONS:-6}",
            description = "Partitions of topics created when missing (env HFC_TOPIC_PARTITIONS; default ${DEFAULT-VALUE}). "
                    + "Scale-out is bounded by this number.")
    int partitions;

    @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "${env:HFC_TOPIC_REPLICATION:--1}",
            description = "Replication factor of created topics, -1 for the broker default "
                    + "(env HFC_TOPIC_REPLICATION; default ${DEFAULT-VALUE}).")
    short replicationFactor;

    TopicProvisioner.Layout layout() {
        return Cli.check("--partitions / --replication-factor", "HFC_TOPIC_PARTITIONS / HFC_TOPIC_REPLICATION",
                () -> new TopicProvisioner.Layout(partitions, replicationFactor));
    }
}
