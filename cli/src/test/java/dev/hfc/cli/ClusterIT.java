package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.LiveChanges;
import dev.hfc.harness.ReferenceCheck;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.PostgresExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three services on a cluster as production runs them (issue 27): three Kafka nodes, each its own
 * {@code hfc broker} process (KRaft, every node a voter and a broker), topics with replication factor 3 and
 * {@code min.insync.replicas=2}. Under a stream of source changes, the node leading the most partitions is
 * killed (SIGKILL) and later restarted, then the active controller, found with the Admin API, likewise. The
 * table must end equal to the reference SQL, the compacted segments topic read with {@code read_committed}
 * equal to the table, the rows marked sent untouched, and no service may exit.
 */
@Tag("processes")
class ClusterIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final int NODES = 3;
    private static final int CUSTOMERS = 2_000;
    private static final Duration WAIT = Duration.ofSeconds(240);
    /** How long a killed node stays away: long past leader elections, as a crashed host would. */
    private static final Duration DOWN = Duration.ofSeconds(20);

    @TempDir
    Path work;

    /** The three Kafka nodes. */
    private final Supervisor cluster = new Supervisor();
    /** Sink, segmenter and producer. */
    private final Supervisor processes = new Supervisor();

    private final List<String> faults = new ArrayList<>();

    @Test
    void theTableStaysExactWhileTheBusiestLeaderAndThenTheActiveControllerAreKilled() throws Exception {
        DbSettings db = POSTGRES.db("cluster");
        SchemaMigrator.migrate(db, true);
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        Week target = current.plus(1);
        var generator = new SourceDataGenerator(27, current);
        SourceDataLoader.load(db, generator, 0, CUSTOMERS, n -> {});

        List<Integer> clientPorts = new ArrayList<>();
        List<String> voters = new ArrayList<>();
        for (int node = 1; node <= NODES; node++) {
            clientPorts.add(PipelineDb.freePort());
            voters.add(node + "@127.0.0.1:" + PipelineDb.freePort());
        }
        String bootstrap = clientPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        for (int node = 1; node <= NODES; node++) {
            cluster.add(
                    broker(node),
                    Map.of(),
                    null,
                    "broker",
                    "--node-id",
                    Integer.toString(node),
                    "--port",
                    Integer.toString(clientPorts.get(node - 1)),
                    "--voters",
                    String.join(",", voters),
                    "--cluster-id",
                    clusterId,
                    "--data-dir",
                    work.resolve("kafka-" + node).toString());
        }
        ProcessPipeline pipeline =
                ProcessPipeline.on(bootstrap, "cluster", db, 3).with("HFC_TOPIC_REPLICATION", "3");
        Topics topics = pipeline.topics;
        Map<String, String> env = pipeline.env();
        processes.add("sink", env, null, "sink", "--group-id", "cluster-sink", "--instance-id", "cluster-sink-a");
        processes.add(
                "segmenter",
                env,
                null,
                "segmenter",
                "--application-id",
                "cluster-segmenter",
                "--instance-id",
                "cluster-segmenter-a",
                "--state-dir",
                work.resolve("segmenter").toString());
        processes.add(
                "producer", env, null, "producer", "--slot-name", "cluster_slot", "--publication-name", "cluster_pub");
        long started = System.nanoTime();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            // A KRaft quorum forms only once a majority of its voters is up: start the nodes together.
            for (int node = 1; node <= NODES; node++) {
                cluster.get(broker(node)).start();
            }
            for (int node = 1; node <= NODES; node++) {
                awaitListening(broker(node));
            }
            for (String service : List.of("sink", "segmenter", "producer")) {
                processes.get(service).start();
            }
            processes.awaitMatch(db, SegmentPolicy.DEFAULT, current, true, List.of(), WAIT, "initial load");
            assertTopicsReplicated(admin, topics);

            PipelineDb.markSent(db, target, 40);
            String sentBefore = PipelineDb.sentRows(db);
            assertThat(sentBefore.lines()).hasSize(40);

            CompletableFuture<LiveChanges.Applied> load =
                    PipelineDb.liveChanges(db, generator, CUSTOMERS, target, 1_500, 25, 27);

            int busiest = busiestLeader(admin);
            Duration afterLeader = killAndRestart(
                    admin, db, target, busiest, "SIGKILL node " + busiest + " (leader of the most partitions)");
            int controller = admin.describeMetadataQuorum()
                    .quorumInfo()
                    .get(30, TimeUnit.SECONDS)
                    .leaderId();
            Duration afterController = killAndRestart(
                    admin, db, target, controller, "SIGKILL node " + controller + " (active controller)");

            LiveChanges.Applied applied = load.get(10, TimeUnit.MINUTES);
            ReferenceCheck.Outcome outcome =
                    processes.awaitMatch(db, SegmentPolicy.DEFAULT, current, true, List.of(), WAIT, "after the faults");
            AtomicReference<SegmentFolds.Diff> topicVsTable = new AtomicReference<>();
            try {
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> {
                            processes.checkAlive();
                            topicVsTable.set(SegmentFolds.topicVsUnsentRows(bootstrap, topics, db));
                            return topicVsTable.get().clean();
                        });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(
                        "the segments topic (read_committed) never equalled the table's unsent rows: "
                                + topicVsTable.get(),
                        e);
            }
            assertThat(PipelineDb.sentRows(db))
                    .as("rows marked sent before the faults")
                    .isEqualTo(sentBefore);
            System.out.printf(
                    "cluster: %d nodes, replication factor 3, min.insync.replicas 2; %,d rows equal the reference SQL "
                            + "(lost %d, unexpected %d); segments topic (read_committed) vs the unsent rows: %s; %,d source changes; "
                            + "%d faults: %s; time to caught up after each: %.1f s, %.1f s; %d sent rows unchanged; "
                            + "%d unplanned service exits; %.0f s in all%n",
                    NODES,
                    outcome.actualRows(),
                    outcome.missing(),
                    outcome.unexpected(),
                    topicVsTable.get(),
                    applied.total(),
                    faults.size(),
                    String.join(", ", faults),
                    afterLeader.toMillis() / 1000.0,
                    afterController.toMillis() / 1000.0,
                    sentBefore.lines().count(),
                    processes.unplannedRestarts(),
                    (System.nanoTime() - started) / 1e9);
            Map<String, Long> outOfOrder = new TreeMap<>();
            for (Supervisor.Service service : processes.all()) {
                outOfOrder.put(
                        service.name,
                        service.process
                                .stderr()
                                .lines()
                                .filter(l -> l.contains("OUT_OF_ORDER_SEQUENCE_NUMBER"))
                                .count());
            }
            System.out.println(
                    "cluster: producer warnings of OUT_OF_ORDER_SEQUENCE_NUMBER per service (docs/topics.md explains them): "
                            + outOfOrder);
            long replaced = processes
                    .get("segmenter")
                    .process
                    .stderr()
                    .lines()
                    .filter(l -> l.contains("replacing the thread"))
                    .count();
            System.out.println("cluster: segmenter stream threads replaced after an error from Kafka: " + replaced);
            assertThat(processes.unplannedRestarts())
                    .as("services that exited by themselves")
                    .isZero();
            assertThat(cluster.unplannedRestarts())
                    .as("Kafka nodes that exited by themselves")
                    .isZero();
        } finally {
            processes.close();
            // A node stopping gracefully waits for a controller quorum the others may have taken away: kill them.
            for (Supervisor.Service node : cluster.all()) {
                if (node.alive()) {
                    node.kill();
                }
            }
            cluster.close();
            PipelineDb.dropReplicationSlot(db, "cluster_slot");
        }
    }

    /**
     * Kills node {@code node}, then makes a change and times it until its row is in the table (the pipeline working
     * on the two nodes left); restarts the node once it has been away for {@link #DOWN}, and waits until every
     * partition has its three replicas in sync again, so that the next fault meets a whole cluster.
     */
    private Duration killAndRestart(Admin admin, DbSettings db, Week target, int node, String fault) throws Exception {
        Supervisor.Service broker = cluster.get(broker(node));
        broker.kill();
        long killed = System.nanoTime();
        faults.add(fault);
        System.out.println("cluster: " + fault);
        Duration caughtUp = PipelineDb.markerThrough(db, target, killed, processes::checkAlive);
        long away = System.nanoTime() - killed;
        if (away < DOWN.toNanos()) {
            Thread.sleep((DOWN.toNanos() - away) / 1_000_000); // the outage itself, not a synchronisation
        }
        processes.checkAlive();
        broker.start();
        awaitListening(broker(node));
        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    processes.checkAlive();
                    cluster.checkAlive();
                    return underReplicated(admin).isEmpty();
                });
        return caughtUp;
    }

    private void awaitListening(String name) {
        await().atMost(Duration.ofSeconds(120))
                .until(() -> cluster.get(name).process.stdout().contains("listening on"));
    }

    /** The node leading the most partitions, internal topics included. */
    private static int busiestLeader(Admin admin) throws Exception {
        Map<Integer, Integer> led = new TreeMap<>();
        for (TopicDescription t : describeAll(admin).values()) {
            for (TopicPartitionInfo p : t.partitions()) {
                if (p.leader() != null) {
                    led.merge(p.leader().id(), 1, Integer::sum);
                }
            }
        }
        System.out.println("cluster: partitions led per node " + led);
        return led.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
    }

    /** Partitions whose in-sync replicas are fewer than their replicas. */
    private static List<String> underReplicated(Admin admin) throws Exception {
        List<String> under = new ArrayList<>();
        for (TopicDescription t : describeAll(admin).values()) {
            for (TopicPartitionInfo p : t.partitions()) {
                if (p.isr().size() < p.replicas().size()) {
                    under.add(t.name() + "-" + p.partition());
                }
            }
        }
        return under;
    }

    private static Map<String, TopicDescription> describeAll(Admin admin) throws Exception {
        Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true))
                .names()
                .get(30, TimeUnit.SECONDS);
        return admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
    }

    /** Every topic hfc and its segmenter created has three replicas and min.insync.replicas=2. */
    private static void assertTopicsReplicated(Admin admin, Topics topics) throws Exception {
        Map<String, TopicDescription> ours = describeAll(admin).entrySet().stream()
                .filter(e ->
                        e.getKey().startsWith(topics.prefix()) || e.getKey().startsWith("cluster-segmenter-"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(ours.keySet())
                .contains(
                        topics.subscriptionEvents().name(),
                        topics.customers().name(),
                        topics.customerSegments().name(),
                        topics.dlq().name());
        assertThat(ours.keySet())
                .as("the segmenter's internal topics")
                .anyMatch(n -> n.startsWith("cluster-segmenter-"));
        var resources = ours.keySet().stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                .toList();
        Map<ConfigResource, Config> configs =
                admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
        for (TopicDescription t : ours.values()) {
            assertThat(t.partitions())
                    .as(t.name())
                    .allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
                            .get("min.insync.replicas")
                            .value())
                    .as("min.insync.replicas of %s", t.name())
                    .isEqualTo("2");
        }
    }

    private static String broker(int node) {
        return "kafka-" + node;
    }
}
