package dev.hfc.local.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("no-database")
class InProcessKafkaBrokerIT {

    @TempDir
    Path dataDir;

    @Test
    void transactionsWorkAndOnlyCommittedRecordsAreRead() throws Exception {
        try (InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, dataDir)) {
            String topic = "tx-check";
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1)))
                        .all()
                        .get();
            }

            try (var producer = transactionalProducer(broker)) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
                }
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "k9", "aborted"));
                producer.flush();
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "k4", "committed-4"));
                producer.commitTransaction();
            }

            assertThat(readAll(broker, topic, 4))
                    .containsExactlyInAnyOrder("committed-0", "committed-1", "committed-2", "committed-4");
        }
    }

    @Test
    void restartOnTheSameDataDirectoryKeepsTheData() throws Exception {
        String topic = "survives-restart";
        int port;
        try (InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, dataDir)) {
            port = broker.port();
            try (var producer = new KafkaProducer<>(
                    Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers(), "acks", "all"),
                    new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "k", "before-restart"))
                        .get();
            }
        }
        try (InProcessKafkaBroker broker = InProcessKafkaBroker.start(port, dataDir)) {
            assertThat(readAll(broker, topic, 1)).containsExactly("before-restart");
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(InProcessKafkaBroker broker) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("transactional.id", "broker-it");
        p.put("enable.idempotence", "true");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(InProcessKafkaBroker broker, String topic, int expected) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("group.id", "reader-" + System.nanoTime());
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        List<String> values = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // Poll until the expected records are in, then once more to show nothing else follows.
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }

    @Test
    void threeMembersFormOneClusterWhoseTopicsHaveThreeReplicasAndNeedTwoInSync() throws Exception {
        List<Integer> clientPorts = List.of(freePort(), freePort(), freePort());
        List<InProcessKafkaBroker.Voter> voters = List.of(
                new InProcessKafkaBroker.Voter(1, freePort()),
                new InProcessKafkaBroker.Voter(2, freePort()),
                new InProcessKafkaBroker.Voter(3, freePort()));
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        // A quorum forms only once two voters are up: each member's start waits for it, so start them together.
        List<java.util.concurrent.CompletableFuture<InProcessKafkaBroker>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int node = i + 1;
            int port = clientPorts.get(i);
            starting.add(java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    InProcessKafkaBroker.startMember(node, port, voters, clusterId, dataDir.resolve("node-" + node))));
        }
        List<InProcessKafkaBroker> members = new ArrayList<>();
        try {
            for (var s : starting) {
                members.add(s.get(120, java.util.concurrent.TimeUnit.SECONDS));
            }
            try (Admin admin =
                    Admin.create(Map.of("bootstrap.servers", members.get(0).bootstrapServers()))) {
                assertThat(admin.describeCluster().nodes().get()).hasSize(3);
                admin.createTopics(List.of(
                                new NewTopic("replicated", java.util.Optional.of(2), java.util.Optional.empty())))
                        .all()
                        .get();
                var partitions = admin.describeTopics(List.of("replicated"))
                        .allTopicNames()
                        .get()
                        .get("replicated")
                        .partitions();
                assertThat(partitions).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
                var topic = new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "replicated");
                assertThat(admin.describeConfigs(List.of(topic))
                                .all()
                                .get()
                                .get(topic)
                                .get("min.insync.replicas")
                                .value())
                        .isEqualTo("2");
            }
        } finally {
            // Together: a member stopping last alone would wait for a quorum that has gone.
            members.parallelStream().forEach(InProcessKafkaBroker::close);
        }
    }

    @Test
    void aMemberIsRefusedWhenItIsNotAVoterOrTheClusterIdIsNotOne() {
        List<InProcessKafkaBroker.Voter> voters = List.of(
                InProcessKafkaBroker.Voter.parse("1@127.0.0.1:19093"),
                InProcessKafkaBroker.Voter.parse(" 2@127.0.0.1:19095"));
        assertThat(voters.get(1)).isEqualTo(new InProcessKafkaBroker.Voter(2, 19095));
        assertThat(voters.get(1).toString()).isEqualTo("2@127.0.0.1:19095");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> InProcessKafkaBroker.startMember(
                        3,
                        19097,
                        voters,
                        org.apache.kafka.common.Uuid.randomUuid().toString(),
                        dataDir))
                .hasMessageContaining("node 3 is not among the voters");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> InProcessKafkaBroker.startMember(1, 19091, voters, "my-cluster", dataDir))
                .hasMessageContaining("cluster id 'my-cluster' is not a Kafka cluster id");
        for (String bad : List.of(
                "1@localhost:9093", "x@127.0.0.1:9093", "1@127.0.0.1:port", "127.0.0.1:9093", "1@127.0.0.1:70000")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> InProcessKafkaBroker.Voter.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
