package dev.hfc.core.topic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the catalog's topics that are missing, so the services can start in any order, and checks the
 * ones that exist: the two inputs of the segmenter must have the same number of partitions, or a
 * customer's events and its customer row would land in different tasks.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private TopicProvisioner() {}

    /**
     * A topic's partition count is not the one an application was built on: keys now map to other partitions,
     * so a key's records (and a customer's state) would be split. Refused at start, with the way forward.
     */
    public static final class PartitionsChangedException extends IllegalStateException {
        public PartitionsChangedException(String message) {
            super(message);
        }
    }

    /**
     * Waits until every partition of topics created a moment ago is served by its leader. A producer that
     * writes sooner gets NOT_LEADER_OR_FOLLOWER for its first batch of a partition, while later batches of the
     * same partition may already be taken; the idempotent producer's retry of that first batch is then out of
     * sequence for good, and its records are lost after the delivery timeout.
     */
    static void awaitServing(Admin admin, Collection<String> topics) throws InterruptedException {
        try {
            PATIENCE.run(
                    e -> e instanceof ExecutionException x
                            && x.getCause() instanceof org.apache.kafka.common.errors.RetriableException,
                    (e, pause) -> LOG.debug(
                            "topics {} not served by their leaders yet; asking again in {} ms",
                            topics,
                            pause.toMillis()),
                    () -> {
                        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request =
                                new java.util.HashMap<>();
                        describe(admin, topics)
                                .values()
                                .forEach(d -> d.partitions()
                                        .forEach(p -> request.put(
                                                new org.apache.kafka.common.TopicPartition(d.name(), p.partition()),
                                                org.apache.kafka.clients.admin.OffsetSpec.latest())));
                        return admin.listOffsets(request).all().get();
                    });
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "topics " + topics + " are not served yet: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Settings where more is as good (a longer retention, more in-sync replicas): only less is warned about. */
    private static final Set<String> AT_LEAST = Set.of("delete.retention.ms", "retention.ms", "min.insync.replicas");

    /**
     * Existing topics are never altered (they may be shared, or tuned on purpose); a setting that contradicts what
     * hfc would create the topic with is logged as a WARN with the command that fixes it.
     */
    private static void warnOnDifferences(Admin admin, List<TopicSpec<?, ?>> existing, Layout layout)
            throws ExecutionException, InterruptedException {
        if (existing.isEmpty()) {
            return;
        }
        Map<org.apache.kafka.common.config.ConfigResource, TopicSpec<?, ?>> resources = new java.util.LinkedHashMap<>();
        existing.forEach(spec -> resources.put(
                new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, spec.name()),
                spec));
        admin.describeConfigs(resources.keySet()).all().get().forEach((resource, config) -> {
            TopicSpec<?, ?> spec = resources.get(resource);
            layout.configsOf(spec).forEach((key, wanted) -> {
                var entry = config.get(key);
                String actual = entry == null ? null : entry.value();
                if (actual == null || !contradicts(key, actual, wanted)) {
                    return;
                }
                LOG.warn(
                        "topic {} has {}={}, hfc would create it with {}={} ({}). Existing topics are left as they are; fix: "
                                + "kafka-configs --bootstrap-server <broker> --alter --entity-type topics --entity-name {} --add-config {}={}",
                        resource.name(),
                        key,
                        actual,
                        key,
                        wanted,
                        why(key),
                        resource.name(),
                        key,
                        wanted);
            });
        });
    }

    static boolean contradicts(String key, String actual, String wanted) {
        if (AT_LEAST.contains(key)) {
            try {
                long a = Long.parseLong(actual);
                long w = Long.parseLong(wanted);
                boolean infinite = a == -1 && key.endsWith(".ms");
                return !infinite && a < w;
            } catch (NumberFormatException e) {
                return !actual.equals(wanted);
            }
        }
        if (key.equals("cleanup.policy")) {
            return !java.util.Arrays.asList(actual.split(",")).contains(wanted);
        }
        return !actual.equals(wanted);
    }

    private static String why(String key) {
        return switch (key) {
            case "delete.retention.ms" -> "--tombstone-retention-ms: a consumer down for longer misses deletes";
            case "cleanup.policy" ->
                "a compacted topic that is not compacted grows forever and a new reader replays every version";
            case "min.insync.replicas" -> "an acknowledged write must survive the loss of a broker";
            case "retention.ms" -> "a topic's role needs its history this long (or --topic-config asked for it)";
            default -> "--topic-config";
        };
    }

    /** The partition count of an existing topic, or empty when it does not exist. */
    public static java.util.OptionalInt partitionsOf(Admin admin, String topic) {
        try {
            if (!admin.listTopics().names().get().contains(topic)) {
                return java.util.OptionalInt.empty();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot list topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
        return java.util.OptionalInt.of(
                describe(admin, List.of(topic)).get(topic).partitions().size());
    }

    /** How topics are created when missing, with what settings ({@link TopicConfigs}). */
    public record Layout(int partitions, short replicationFactor, Duration tombstoneRetention, TopicConfigs configs) {
        /** 7 days: a consumer of a compacted topic may be down this long and still see every delete. */
        public static final long DEFAULT_TOMBSTONE_RETENTION_MS = 7L * 24 * 3600 * 1000;
        /** Partitions of a topic created when missing unless told otherwise ({@code --partitions}). */
        public static final int DEFAULT_PARTITIONS = 6;
        /** -1: the broker's default ({@code --replication-factor}). */
        public static final short DEFAULT_REPLICATION_FACTOR = -1;

        /** What the services create missing topics with when nothing is set (§9). */
        public static Layout defaults() {
            return new Layout(DEFAULT_PARTITIONS, DEFAULT_REPLICATION_FACTOR);
        }

        public Layout(int partitions, short replicationFactor) {
            this(partitions, replicationFactor, Duration.ofMillis(DEFAULT_TOMBSTONE_RETENTION_MS));
        }

        public Layout(int partitions, short replicationFactor, Duration tombstoneRetention) {
            this(partitions, replicationFactor, tombstoneRetention, TopicConfigs.none());
        }

        /** What {@code spec} is created with. */
        public Map<String, String> configsOf(TopicSpec<?, ?> spec) {
            return configs.forTopic(spec, replicationFactor, tombstoneRetention);
        }

        public Layout {
            java.util.Objects.requireNonNull(configs, "configs");
            if (tombstoneRetention == null || tombstoneRetention.isNegative() || tombstoneRetention.isZero()) {
                throw new IllegalArgumentException("tombstone retention must be positive, got " + tombstoneRetention);
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
            }
            if (replicationFactor < 1 && replicationFactor != -1) {
                throw new IllegalArgumentException(
                        "replication factor must be at least 1 (or -1 for the broker default), got "
                                + replicationFactor);
            }
        }
    }

    /**
     * Creates the missing topics of the catalog and checks that the two inputs are co-partitioned.
     *
     * @return the partition count of the two inputs
     */
    public static int ensure(Admin admin, Topics topics, Layout layout) {
        ensure(admin, topics.all(), layout);
        Map<String, TopicDescription> existing = describe(
                admin,
                List.of(topics.subscriptionEvents().name(), topics.customers().name()));
        int events =
                existing.get(topics.subscriptionEvents().name()).partitions().size();
        int customers = existing.get(topics.customers().name()).partitions().size();
        if (events != customers) {
            throw new IllegalStateException(topics.subscriptionEvents().name() + " has " + events + " partitions but "
                    + topics.customers().name() + " has " + customers
                    + ": both are keyed by user_id and must be co-partitioned (same partition count)");
        }
        return events;
    }

    public static void ensure(Admin admin, Collection<TopicSpec<?, ?>> specs, Layout layout) {
        try {
            Set<String> present = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (TopicSpec<?, ?> spec : specs) {
                if (!present.contains(spec.name())) {
                    NewTopic t = new NewTopic(
                            spec.name(),
                            java.util.Optional.of(layout.partitions()),
                            layout.replicationFactor() == -1
                                    ? java.util.Optional.empty()
                                    : java.util.Optional.of(layout.replicationFactor()));
                    t.configs(layout.configsOf(spec));
                    missing.add(t);
                }
            }
            warnOnDifferences(
                    admin,
                    specs.stream().filter(sp -> present.contains(sp.name())).toList(),
                    layout);
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get();
                LOG.info(
                        "created topics {} ({} partitions)",
                        missing.stream().map(NewTopic::name).toList(),
                        layout.partitions());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e; // another instance creating the same topic at the same time is fine
                }
            }
            awaitServing(admin, missing.stream().map(NewTopic::name).toList());
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot create topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * How long a topic created a moment ago may stay unknown to the broker that answers: KRaft publishes
     * new topics to the brokers' metadata asynchronously, so a describe right after a create can fail.
     */
    static final Duration METADATA_PATIENCE = Duration.ofSeconds(30);

    private static final dev.hfc.core.retry.Backoff PATIENCE =
            new dev.hfc.core.retry.Backoff(Duration.ofMillis(25), Duration.ofSeconds(1), METADATA_PATIENCE);

    static Map<String, TopicDescription> describe(Admin admin, Collection<String> names) {
        try {
            return PATIENCE.run(
                    e -> e instanceof ExecutionException x && x.getCause() instanceof UnknownTopicOrPartitionException,
                    (e, pause) -> LOG.debug(
                            "topics {} not in the metadata yet; asking again in {} ms", names, pause.toMillis()),
                    () -> admin.describeTopics(names).allTopicNames().get());
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot describe topics " + names + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics", e);
        }
    }
}
