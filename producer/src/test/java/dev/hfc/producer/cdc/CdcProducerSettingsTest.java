package dev.hfc.producer.cdc;

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
class CdcProducerSettingsTest {

    private static final CdcProducer.Settings DEFAULTS = CdcProducer.Settings.defaults(
            KafkaSettings.of("unused:9092"),
            Topics.withDefaultPrefix(),
            new DbSettings(DbSettings.DEFAULT_URL, DbSettings.DEFAULT_USER, "", DbSettings.DEFAULT_SCHEMA));

    @Test
    void theDefaultsAreTheProducersOwnSnapshotInChunksAndNoHeartbeatQuery() {
        assertThat(DEFAULTS.snapshot()).isEqualTo(CdcProducer.SnapshotMethod.COPY);
        assertThat(DEFAULTS.snapshotChunk()).isEqualTo(CdcProducer.Settings.DEFAULT_SNAPSHOT_CHUNK);
        assertThat(DEFAULTS.heartbeatActionQuery()).isNull();
        assertThat(DEFAULTS.topicLayout()).isEqualTo(TopicProvisioner.Layout.defaults());
    }

    @Test
    void eachWitherChangesItsOwnSettingOnly() {
        var layout = new TopicProvisioner.Layout(3, (short) 1);
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withSlot("a_slot", "a_publication")))
                .isEqualTo(Map.of("slotName", "a_slot", "publicationName", "a_publication"));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withHeartbeatInterval(Duration.ofSeconds(1))))
                .isEqualTo(Map.of("heartbeatInterval", Duration.ofSeconds(1)));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withTopicLayout(layout)))
                .isEqualTo(Map.of("topicLayout", layout));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withSnapshot(CdcProducer.SnapshotMethod.DEBEZIUM)))
                .isEqualTo(Map.of("snapshot", CdcProducer.SnapshotMethod.DEBEZIUM));
        assertThat(RecordComponents.changed(DEFAULTS, DEFAULTS.withSnapshotChunk(400)))
                .isEqualTo(Map.of("snapshotChunk", 400));
    }

    @Test
    void aWitherChecksWhatItSetsAsTheConstructorDoes() {
        assertThatThrownBy(() -> DEFAULTS.withSnapshotChunk(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DEFAULTS.withSlot("not a name", "hfc_cdc"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
