package dev.hfc.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.testkit.RecordComponents;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings every entry point starts from, and the withers that change one of them each. */
class SinkSettingsTest {

    private static final SinkService.Settings DEFAULTS = SinkService.Settings.defaults(
            KafkaSettings.of("unused:9092"),
            Topics.withDefaultPrefix(),
            new DbSettings(DbSettings.DEFAULT_URL, DbSettings.DEFAULT_USER, "", DbSettings.DEFAULT_SCHEMA));

    @Test
    void theDefaultsMeanDynamicMembershipAndTheDefaultTopicLayout() {
        assertThat(DEFAULTS.instanceId()).isNull();
        assertThat(DEFAULTS.topicLayout()).isEqualTo(TopicProvisioner.Layout.defaults());
        assertThat(DEFAULTS.linger()).isEqualTo(Duration.ofMillis(SinkService.Settings.DEFAULT_LINGER_MS));
        assertThat(DEFAULTS.dbRetryTimeout())
                .isEqualTo(Duration.ofMillis(SinkService.Settings.DEFAULT_DB_RETRY_TIMEOUT_MS));
    }

    @Test
    void eachWitherChangesItsOwnSettingOnly() {
        var layout = new TopicProvisioner.Layout(3, (short) 1);
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withGroupId("other")))
                .isEqualTo(Map.of("groupId", "other"));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withBatchSize(7)))
                .isEqualTo(Map.of("batchSize", 7));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withLinger(Duration.ofMillis(7))))
                .isEqualTo(Map.of("linger", Duration.ofMillis(7)));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withDbRetryTimeout(Duration.ofSeconds(7))))
                .isEqualTo(Map.of("dbRetryTimeout", Duration.ofSeconds(7)));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withTopicLayout(layout)))
                .isEqualTo(Map.of("topicLayout", layout));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withConsumers(7)))
                .isEqualTo(Map.of("consumers", 7));
    }

    @Test
    void aWitherChecksWhatItSetsAsTheConstructorDoes() {
        assertThatThrownBy(() -> DEFAULTS.withBatchSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DEFAULTS.withConsumers(SinkService.MAX_CONSUMERS + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
