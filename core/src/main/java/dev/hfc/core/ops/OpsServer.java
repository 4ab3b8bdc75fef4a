package dev.hfc.core.ops;

import dev.hfc.core.http.Credentials;
import dev.hfc.core.http.HttpListener;
import dev.hfc.core.http.HttpResponse;
import dev.hfc.core.http.Route;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The operations listener of a long-running service (§8): {@code GET /health} (200 when healthy, 503
 * otherwise, with a one-line reason), {@code GET /metrics} (Prometheus text format), the service's operator
 * actions ({@code POST <path>}, which need the operator token) and its operator pages (which need it when one is
 * configured, and cannot be served beyond loopback without one). An {@link HttpListener}, so a slow client holds no thread.
 */
public final class OpsServer implements AutoCloseable {

    private final HttpListener listener;

    private OpsServer(HttpListener listener) {
        this.listener = listener;
    }

    /** Serves /health and /metrics only. */
    public static OpsServer start(
            InetSocketAddress address, PrometheusMeterRegistry registry, Supplier<Health> health) {
        return start(address, registry, health, Map.of(), Map.of(), null);
    }

    /**
     * Serves /health, /metrics, {@code actions} and {@code pages}.
     *
     * @param actions     {@code POST <path>}: runs the action, answers 202 with its line; needs {@code credentials}
     *                    as a bearer token, and answers 403 to everyone when there are none
     * @param pages       read-only routes (a dashboard); they need {@code credentials} when there are some, and are
     *                    open without only on the loopback interface
     * @param credentials the operator token, or null when none is configured
     * @throws IllegalArgumentException when there are pages, the address is not loopback, and there are no credentials
     */
    public static OpsServer start(
            InetSocketAddress address,
            PrometheusMeterRegistry registry,
            Supplier<Health> health,
            Map<String, Supplier<String>> actions,
            Map<String, Route> pages,
            Credentials credentials) {
        boolean loopback = address.getAddress() != null && address.getAddress().isLoopbackAddress();
        if (!pages.isEmpty() && !loopback && credentials == null) {
            throw new IllegalArgumentException("the operator pages (" + String.join(", ", pages.keySet()) + ") on "
                    + address.getHostString() + " would be open to every host that reaches it: set the operator token, "
                    + "or bind the ops listener to 127.0.0.1");
        }
        Map<String, Route> routes = new LinkedHashMap<>();
        routes.put("/health", request -> {
            if (!request.isRead()) {
                return HttpResponse.methodNotAllowed("GET", "HEAD");
            }
            Health h = health.get();
            return HttpResponse.text(
                    h.up() ? 200 : 503, (h.up() ? "UP" : "DOWN") + (h.detail().isEmpty() ? "" : " " + h.detail()));
        });
        routes.put(
                "/metrics",
                request -> request.isRead()
                        ? HttpResponse.bytes(
                                200,
                                "text/plain; version=0.0.4; charset=utf-8",
                                registry.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        : HttpResponse.methodNotAllowed("GET", "HEAD"));
        actions.forEach((path, action) -> {
            Route post = request -> "POST".equals(request.method())
                    ? HttpResponse.text(202, action.get())
                    : HttpResponse.methodNotAllowed("POST");
            routes.put(
                    path,
                    credentials == null
                            ? Credentials.refuseAll(
                                    "operator actions are off: no operator token is configured (--operator-token)")
                            : credentials.requireBearer(post));
        });
        pages.forEach((path, page) ->
                routes.put(path, loopback && credentials == null ? page : credentials.requireForReading(page)));
        return new OpsServer(HttpListener.start(HttpListener.Settings.defaults("ops", address), routes));
    }

    /** The address served on, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}. */
    public String host() {
        return listener.host();
    }

    public int port() {
        return listener.port();
    }

    @Override
    public void close() {
        listener.close();
    }

    /** A service's health: up or down, and why. */
    public record Health(boolean up, String detail) {
        public static Health up(String detail) {
            return new Health(true, detail);
        }

        public static Health down(String detail) {
            return new Health(false, detail);
        }
    }
}
