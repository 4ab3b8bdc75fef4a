package dev.hfc.core.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsServerTest {

    @Test
    void servesHealthAndPrometheusMetrics() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("hfc.test.records", "kind", "upsert").increment(3);
        AtomicBoolean up = new AtomicBoolean(true);
        try (OpsServer server = OpsServer.start(0, registry,
                () -> up.get() ? OpsServer.Health.up("running") : OpsServer.Health.down("consumer stopped"))) {
            HttpClient http = HttpClient.newHttpClient();
            var health = get(http, server.port(), "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("UP running\n");

            var metrics = get(http, server.port(), "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(metrics.body()).contains("hfc_test_records_total{kind=\"upsert\"} 3.0");

            up.set(false);
            var down = get(http, server.port(), "/health");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).isEqualTo("DOWN consumer stopped\n");
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
