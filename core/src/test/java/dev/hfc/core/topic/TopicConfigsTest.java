package dev.hfc.core.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {

    private static final Topics TOPICS = new Topics("hfc.");
    private static final Duration SEVEN_DAYS = Duration.ofDays(7);

    @Test
    void eachRoleHasTheDefaultsAnOperatorWouldChoose() {
        assertThat(TopicConfigs.defaults(TOPICS.subscriptionEvents(), (short) 3, SEVEN_DAYS))
                .containsEntry("min.insync.replicas", "2")
                .containsEntry("retention.ms", "604800000")
                .doesNotContainKey("cleanup.policy");
        assertThat(TopicConfigs.defaults(TOPICS.customerSegments(), (short) 3, SEVEN_DAYS))
                .containsEntry("cleanup.policy", "compact")
                .containsEntry("delete.retention.ms", "604800000")
                .containsEntry("min.insync.replicas", "2");
        assertThat(TopicConfigs.defaults(TOPICS.dlq(), (short) 1, SEVEN_DAYS))
                .as("one replica: two in sync could never be")
                .doesNotContainKey("min.insync.replicas")
                .containsEntry("retention.ms", "2592000000");
        assertThat(TopicConfigs.defaults(TOPICS.customers(), (short) -1, SEVEN_DAYS))
                .as("the broker's replication factor: unknown here")
                .doesNotContainKey("min.insync.replicas");
    }

    @Test
    void theOperatorsSettingsWinOverTheDefaultsAndATopicsOwnOverEveryTopics() {
        TopicConfigs c =
                TopicConfigs.parse(List.of("retention.ms=1", " dlq:retention.ms=2 ", "compression.type=zstd", ""));
        assertThat(c.forTopic(TOPICS.dlq(), (short) 3, SEVEN_DAYS))
                .containsEntry("retention.ms", "2")
                .containsEntry("compression.type", "zstd")
                .containsEntry("min.insync.replicas", "2");
        assertThat(c.forTopic(TOPICS.subscriptionEvents(), (short) 3, SEVEN_DAYS))
                .containsEntry("retention.ms", "1");
        assertThat(c.forEveryTopic())
                .containsExactly(
                        java.util.Map.entry("retention.ms", "1"), java.util.Map.entry("compression.type", "zstd"));
    }

    @Test
    void aSettingThatIsNotOneIsRefusedNamingIt() {
        assertThatThrownBy(() -> TopicConfigs.parse(List.of("retention.ms")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'retention.ms' is not [TOPIC:]KEY=VALUE");
        assertThatThrownBy(() -> TopicConfigs.parse(List.of("segments:retention.ms=1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'segments' is not one of hfc's topics");
    }

    @Test
    void onlyLessIsWarnedAboutWhereMoreIsAsGood() {
        assertThat(TopicProvisioner.contradicts("delete.retention.ms", "60000", "604800000"))
                .isTrue();
        assertThat(TopicProvisioner.contradicts("delete.retention.ms", "999999999", "604800000"))
                .isFalse();
        assertThat(TopicProvisioner.contradicts("retention.ms", "-1", "604800000"))
                .as("kept forever")
                .isFalse();
        assertThat(TopicProvisioner.contradicts("min.insync.replicas", "1", "2"))
                .isTrue();
        assertThat(TopicProvisioner.contradicts("cleanup.policy", "compact,delete", "compact"))
                .isFalse();
        assertThat(TopicProvisioner.contradicts("cleanup.policy", "delete", "compact"))
                .isTrue();
        assertThat(TopicProvisioner.contradicts("compression.type", "producer", "zstd"))
                .isTrue();
    }
}
