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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InProcessKafkaBrokerIT {

    @TempDir
    Path dataDir;

    @Test
    void transactionsWorkAndOnlyCommittedRecordsAreRead() throws Exception {
        try (InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, dataDir)) {
            String topic = "tx-check";
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
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

            assertThat(readAll(broker, topic, 4)).containsExactlyInAnyOrder(
                    "committed-0", "committed-1", "committed-2", "committed-4");
        }
    }

    @Test
    void restartOnTheSameDataDirectoryKeepsTheData() throws Exception {
        String topic = "survives-restart";
        int port;
        try (InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, dataDir)) {
            port = broker.port();
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                    "bootstrap.servers", broker.bootstrapServers(), "acks", "all"),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "k", "before-restart")).get();
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
}
