package dev.hfc.testkit;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.topic.Topics;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class topics of its own on the run's shared Kafka: a unique topic prefix, with every topic
 * of the catalog created before the class runs.
 *
 * <pre>{@code @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension(3);}</pre>
 */
public final class KafkaExtension implements BeforeAllCallback {

    private final int partitions;
    private String bootstrapServers;
    private Topics topics;

    public KafkaExtension() {
        this(3);
    }

    /** @param partitions how many partitions each catalog topic gets */
    public KafkaExtension(int partitions) {
        this.partitions = partitions;
    }

    private String className;

    @Override
    public void beforeAll(ExtensionContext context) throws ExecutionException, InterruptedException {
        bootstrapServers = SharedInfrastructure.kafka(context).bootstrapServers();
        className = context.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT);
        topics = freshTopics();
    }

    /** Another complete set of the catalog's topics under a new unique prefix, for one test of its own. */
    public Topics freshTopics() throws ExecutionException, InterruptedException {
        Topics topics =
                new Topics("t-" + className + "-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        try (Admin admin = admin()) {
            // As the services create them, and served by their leaders before a test writes to them.
            dev.hfc.core.topic.TopicProvisioner.ensure(
                    admin, topics.all(), new dev.hfc.core.topic.TopicProvisioner.Layout(partitions, (short) 1));
        }
        return topics;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The class's topic catalog (unique prefix). */
    public Topics topics() {
        return topics;
    }

    public KafkaSettings settings() {
        return KafkaSettings.of(bootstrapServers);
    }

    public int partitions() {
        return partitions;
    }

    public Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", bootstrapServers));
    }
}
