package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.testkit.KafkaExtension;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Tag("no-database")
class SegmenterProcessIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension(2);

    @TempDir
    Path stateDir;

    @Test
    void runsAsItsOwnProcessWithHealthAndMetricsAndStopsCleanlyOnSigterm() throws Exception {
        int opsPort = freePort();
        try (HfcProcess segmenter = HfcProcess.start(
                Map.of(
                        "HFC_KAFKA_BOOTSTRAP", KAFKA.bootstrapServers(),
                        "HFC_TOPIC_PREFIX", KAFKA.topics().prefix(),
                        "HFC_OPS_PORT", Integer.toString(opsPort)),
                "segmenter",
                "--application-id",
                "seg-proc-it",
                "--state-dir",
                stateDir.toString(),
                "--partitions",
                "2")) {
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> get(http, opsPort, "/health").body().startsWith("UP RUNNING"));
            String metrics = get(http, opsPort, "/metrics").body();
            assertThat(metrics)
                    .contains("hfc_segmenter_records_in_total{input=\"customers\",service=\"segmenter\"}")
                    .contains("hfc_segmenter_segments_emitted_total")
                    .contains("hfc_segmenter_dlq_total")
                    .contains("jvm_memory_used_bytes");
            assertThat(segmenter.terminate(Duration.ofSeconds(60)))
                    .as(segmenter.stderr())
                    .isIn(0, 143);
            assertThat(segmenter.stderr()).contains("segmenter stopped");
        }
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariable() throws Exception {
        var result = HfcProcess.run(Duration.ofSeconds(60), Map.of("HFC_OPS_PORT", "eighty"), "segmenter");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("--ops-port").contains("HFC_OPS_PORT");

        var zone = HfcProcess.run(Duration.ofSeconds(60), Map.of(), "segmenter", "--zone", "Mars/Olympus");
        assertThat(zone.exitCode()).isEqualTo(2);
        assertThat(zone.stderr()).contains("--zone (env HFC_ZONE)");

        var policy = HfcProcess.run(Duration.ofSeconds(60), Map.of(), "segmenter", "--horizon", "3");
        assertThat(policy.exitCode()).isEqualTo(2);
        assertThat(policy.stderr()).contains("--horizon").contains("can never be reached");
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
