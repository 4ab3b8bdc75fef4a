package dev.hfc.testkit;

import dev.hfc.local.kafka.InProcessKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Servers started once per test run (per forked JVM) and shared by all test classes, kept in JUnit's root
 * store so they are closed when the run ends. Test classes isolate themselves with their own database and
 * topic prefix, never by servers of their own.
 */
final class SharedInfrastructure {

    private static final Logger LOG = LoggerFactory.getLogger(SharedInfrastructure.class);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedInfrastructure.class);

    private SharedInfrastructure() {}

    static PostgresServer postgres(ExtensionContext context) {
        return context.getRoot()
                .getStore(NS)
                .getOrComputeIfAbsent("postgres", k -> PostgresServer.choose(), PostgresServer.class);
    }

    static KafkaServer kafka(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent("kafka", k -> startKafka(), KafkaServer.class);
    }

    private static KafkaServer startKafka() {
        if (Boolean.parseBoolean(System.getenv("HFC_TEST_TESTCONTAINERS")) && PostgresServer.dockerAvailable()) {
            KafkaContainer container = new KafkaContainer("apache/kafka:4.1.1");
            container.start();
            LOG.info("tests use a Testcontainers Kafka");
            return new KafkaServer(container.getBootstrapServers(), container::stop);
        }
        try {
            InProcessKafkaBroker broker = InProcessKafkaBroker.start(0, PostgresServer.scratchDir("kafka-"));
            return new KafkaServer(broker.bootstrapServers(), broker);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A running Kafka and how to stop it. */
    record KafkaServer(String bootstrapServers, AutoCloseable owned) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            owned.close();
        }
    }
}
