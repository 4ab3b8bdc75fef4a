package dev.hfc.core.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.http.Credentials;
import dev.hfc.core.http.HttpResponse;
import dev.hfc.core.http.Route;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OpsServerTest {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef-operator";
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesHealthAndPrometheusMetrics() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("hfc.test.records", "kind", "upsert").increment(3);
        AtomicBoolean up = new AtomicBoolean(true);
        try (OpsServer server = OpsServer.start(
                LOOPBACK,
                registry,
                () -> up.get() ? OpsServer.Health.up("running") : OpsServer.Health.down("consumer stopped"))) {
            var health = send(server, "GET", "/health", null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("UP running\n");

            var metrics = send(server, "GET", "/metrics", null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(metrics.body()).contains("hfc_test_records_total{kind=\"upsert\"} 3.0");

            up.set(false);
            var down = send(server, "GET", "/health", null);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).isEqualTo("DOWN consumer stopped\n");

            var head = send(server, "HEAD", "/health", null);
            assertThat(head.statusCode()).isEqualTo(503);
            assertThat(head.body()).isEmpty();
            assertThat(send(server, "POST", "/health", null).statusCode()).isEqualTo(405);
            assertThat(send(server, "GET", "/nothing", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void anActionNeedsTheOperatorTokenAsABearerToken() throws Exception {
        AtomicInteger triggered = new AtomicInteger();
        Map<String, java.util.function.Supplier<String>> actions =
                Map.of("/trigger", () -> "queued " + triggered.incrementAndGet());
        try (OpsServer server = OpsServer.start(
                LOOPBACK, registry(), () -> OpsServer.Health.up(""), actions, Map.of(), Credentials.bearer(TOKEN))) {
            assertThat(send(server, "POST", "/trigger", null).statusCode()).isEqualTo(401);
            assertThat(send(server, "POST", "/trigger", "Bearer wrong-" + TOKEN).statusCode())
                    .isEqualTo(401);
            // Basic credentials are what a browser re-sends across sites: never enough for an action.
            assertThat(send(server, "POST", "/trigger", basic(TOKEN)).statusCode())
                    .isEqualTo(401);
            assertThat(triggered).hasValue(0);
            var accepted = send(server, "POST", "/trigger", "Bearer " + TOKEN);
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(accepted.body()).isEqualTo("queued 1\n");
            assertThat(send(server, "GET", "/trigger", "Bearer " + TOKEN).statusCode())
                    .isEqualTo(405);
            assertThat(triggered).hasValue(1);
        }
    }

    @Test
    void withoutATokenActionsAreRefusedToEveryone() throws Exception {
        AtomicInteger triggered = new AtomicInteger();
        try (OpsServer server = OpsServer.start(
                LOOPBACK,
                registry(),
                () -> OpsServer.Health.up(""),
                Map.of("/trigger", () -> "queued " + triggered.incrementAndGet()),
                Map.of(),
                null)) {
            var refused = send(server, "POST", "/trigger", "Bearer anything-at-all-anything-at-all-x");
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.body()).contains("--operator-token");
            assertThat(triggered).hasValue(0);
        }
    }

    @Test
    void pagesBeyondLoopbackNeedTheTokenAndCannotStartWithoutOne() throws Exception {
        Route page = request -> HttpResponse.text(200, "the dashboard");
        InetSocketAddress everywhere = new InetSocketAddress("0.0.0.0", 0);
        assertThatThrownBy(() -> OpsServer.start(
                        everywhere,
                        registry(),
                        () -> OpsServer.Health.up(""),
                        Map.of(),
                        Map.of("/dashboard", page),
                        null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("operator token");
        try (OpsServer server = OpsServer.start(
                everywhere,
                registry(),
                () -> OpsServer.Health.up(""),
                Map.of(),
                Map.of("/dashboard", page),
                Credentials.bearer(TOKEN))) {
            var refused = send(server, "GET", "/dashboard", null);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
            assertThat(send(server, "GET", "/dashboard", basic(TOKEN)).body()).isEqualTo("the dashboard\n");
            assertThat(send(server, "GET", "/dashboard", "Bearer " + TOKEN).statusCode())
                    .isEqualTo(200);
            assertThat(send(server, "GET", "/dashboard", basic("not-the-token")).statusCode())
                    .isEqualTo(401);
            assertThat(send(server, "GET", "/health", null).statusCode())
                    .as("health stays open for probes")
                    .isEqualTo(200);
        }
        try (OpsServer server = OpsServer.start(
                LOOPBACK, registry(), () -> OpsServer.Health.up(""), Map.of(), Map.of("/dashboard", page), null)) {
            assertThat(send(server, "GET", "/dashboard", null).statusCode())
                    .as("loopback without a token: open")
                    .isEqualTo(200);
        }
    }

    @Test
    void aShortTokenIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> Credentials.bearer("short-secret"))
                .hasMessageContaining("at least 32")
                .hasMessageNotContaining("short-secret");
    }

    private static PrometheusMeterRegistry registry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    private static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString(("operator:" + password).getBytes(StandardCharsets.UTF_8));
    }

    private java.net.http.HttpResponse<String> send(OpsServer server, String method, String path, String authorization)
            throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }
}
