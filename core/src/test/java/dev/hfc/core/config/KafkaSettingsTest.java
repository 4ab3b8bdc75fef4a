package dev.hfc.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

    @Test
    void parsesPassThroughPropertiesAndLetsServiceOverridesWin() {
        var props = KafkaSettings.parseProperties("security.protocol=SASL_SSL, acks=1 ,sasl.mechanism=PLAIN");
        var settings = new KafkaSettings("b1:9092,b2:9092", props);
        var client = settings.clientProperties(Map.of("acks", "all"));
        assertThat(client)
                .containsEntry("bootstrap.servers", "b1:9092,b2:9092")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("acks", "all");
    }

    @Test
    void neverPrintsSecrets() {
        var settings = new KafkaSettings(
                "b:9092",
                Map.of(
                        "sasl.jaas.config", "PlainLoginModule required username=\"u\" password=\"hunter2\";",
                        "ssl.truststore.password", "hunter2",
                        "ssl.key.password", "hunter2",
                        "client.id", "visible"));
        assertThat(settings.toString())
                .doesNotContain("hunter2")
                .contains("visible")
                .contains("[redacted]");
        assertThatThrownBy(() -> KafkaSettings.parseProperties("ssl.keystore.password"))
                .hasMessageContaining("[redacted]")
                .hasMessageNotContaining("keystore");
        assertThatThrownBy(() -> KafkaSettings.parseProperties("=x")).hasMessageContaining("key=value");
        assertThatThrownBy(() -> KafkaSettings.of(" ")).hasMessageContaining("bootstrap");
    }
}
