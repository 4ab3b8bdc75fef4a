package dev.hfc.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.testkit.KafkaExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Compacted topics keep their tombstones as long as asked (issue 13, item 4), on a real broker. */
@Tag("no-database")
class TopicLayoutIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @Test
    void compactedTopicsAreCreatedWithTheTombstoneRetentionAskedForAndExistingOnesAreLeftAlone() throws Exception {
        Topics topics = new Topics("layout-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            // An existing segments topic with a short retention (made by hand, or by an older version).
            admin.createTopics(List.of(new NewTopic(topics.customerSegments().name(), 3, (short) 1)
                            .configs(Map.of("cleanup.policy", "compact", "delete.retention.ms", "60000"))))
                    .all()
                    .get();
            TopicProvisioner.ensure(admin, topics, new TopicProvisioner.Layout(3, (short) 1, Duration.ofDays(9)));

            assertThat(config(admin, topics.customers().name())
                            .get("delete.retention.ms")
                            .value())
                    .isEqualTo(Long.toString(Duration.ofDays(9).toMillis()));
            assertThat(config(admin, topics.customers().name())
                            .get("cleanup.policy")
                            .value())
                    .isEqualTo("compact");
            assertThat(config(admin, topics.customerSegments().name())
                            .get("delete.retention.ms")
                            .value())
                    .as("an existing topic is not altered (the start-up log says how to)")
                    .isEqualTo("60000");
        }
    }

    @Test
    void createdTopicsCarryTheirRoleDefaultsAndTheOperatorsTopicConfig() throws Exception {
        Topics topics = new Topics("configs-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        var configs = dev.hfc.core.topic.TopicConfigs.parse(List.of(
                "max.message.bytes=2000000",
                "subscription-events:retention.ms=1209600000",
                "dlq:retention.ms=123456789"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            TopicProvisioner.ensure(
                    admin, topics, new TopicProvisioner.Layout(3, (short) 1, Duration.ofDays(9), configs));
            for (String topic : List.of(
                    topics.subscriptionEvents().name(),
                    topics.customers().name(),
                    topics.customerSegments().name(),
                    topics.dlq().name())) {
                assertThat(config(admin, topic).get("max.message.bytes").value())
                        .as(topic)
                        .isEqualTo("2000000");
            }
            assertThat(config(admin, topics.subscriptionEvents().name())
                            .get("retention.ms")
                            .value())
                    .as("the operator's setting over the role's 7 days")
                    .isEqualTo("1209600000");
            assertThat(config(admin, topics.dlq().name()).get("retention.ms").value())
                    .isEqualTo("123456789");
            assertThat(config(admin, topics.customerSegments().name())
                            .get("cleanup.policy")
                            .value())
                    .isEqualTo("compact");
            assertThat(config(admin, topics.customers().name())
                            .get("delete.retention.ms")
                            .value())
                    .isEqualTo(Long.toString(Duration.ofDays(9).toMillis()));
        }
    }

    private static Config config(Admin admin, String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get().get(r);
    }
}
