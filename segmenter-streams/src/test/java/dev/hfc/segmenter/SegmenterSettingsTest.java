package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.testkit.RecordComponents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The settings every entry point starts from, the withers that change one of them each, and what Streams gets. */
class SegmenterSettingsTest {

    private static final SegmenterService.Settings DEFAULTS = SegmenterService.Settings.defaults(
            KafkaSettings.of("unused:9092"),
            new SegmenterConfig(Topics.withDefaultPrefix(), SegmentPolicy.DEFAULT, ZoneOffset.UTC));

    @Test
    void theDefaultsMeanDynamicMembershipAndTheDefaultTopicLayout() {
        assertThat(DEFAULTS.instanceId()).isNull();
        assertThat(DEFAULTS.topicLayout()).isEqualTo(TopicProvisioner.Layout.defaults());
        assertThat(DEFAULTS.stateDir()).isEqualTo(Path.of(SegmenterService.Settings.DEFAULT_STATE_DIR));
    }

    @Test
    void eachWitherChangesItsOwnSettingOnly() {
        var layout = new TopicProvisioner.Layout(3, (short) 1);
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withApplicationId("other")))
                .isEqualTo(Map.of("applicationId", "other"));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withThreads(7))).isEqualTo(Map.of("threads", 7));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withStateDir(Path.of("elsewhere"))))
                .isEqualTo(Map.of("stateDir", Path.of("elsewhere")));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withTopicLayout(layout)))
                .isEqualTo(Map.of("topicLayout", layout));
    }

    @Test
    void aWitherChecksWhatItSetsAsTheConstructorDoes() {
        assertThatThrownBy(() -> DEFAULTS.withThreads(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DEFAULTS.withApplicationId("not an id")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theStreamsPropertiesInstallTheDeadLetterHandlerAsATestDriverGetsIt() {
        var metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        Map<String, Object> props = SegmenterService.streamsProperties(DEFAULTS, metrics);
        assertThat(props)
                .containsAllEntriesOf(DeadLetterDeserializationHandler.streamsProperties(
                        DEFAULTS.topology().topics(), metrics))
                .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, SegmenterService.Settings.DEFAULT_APPLICATION_ID)
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, SegmenterService.Settings.DEFAULT_THREADS);
    }
}
