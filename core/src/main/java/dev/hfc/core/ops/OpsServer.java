package dev.hfc.core.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operations endpoint of a long-running service (§8): {@code GET /health} (200 when healthy, 503
 * otherwise, with a one-line reason) and {@code GET /metrics} (Prometheus text format).
 */
public final class OpsServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    private OpsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving on {@code port} (0 picks a free one) of all interfaces. */
    public static OpsServer start(int port, PrometheusMeterRegistry registry, Supplier<Health> health) {
        return start(port, registry, health, java.util.Map.of());
    }

    /**
     * As {@link #start(int, PrometheusMeterRegistry, Supplier)}, plus operator actions: {@code POST <path>}
     * runs the action and answers 202 with the line it returns.
     */
    public static OpsServer start(int port, PrometheusMeterRegistry registry, Supplier<Health> health,
                                  java.util.Map<String, Supplier<String>> actions) {
        return start(port, registry, health, actions, java.util.Map.of());
    }

    /**
     * As above, plus a service's own pages and endpoints (the campaign's unsubscribe endpoint, say), each
     * served by its handler at its path.
     */
    public static OpsServer start(int port, PrometheusMeterRegistry registry, Supplier<Health> health,
                                  java.util.Map<String, Supplier<String>> actions,
                                  java.util.Map<String, com.sun.net.httpserver.HttpHandler> handlers) {
        return start(new InetSocketAddress(port), registry, health, actions, handlers);
    }

    /** As above, on {@code address}: one interface (127.0.0.1 keeps it to this host) or all (0.0.0.0). */
    public static OpsServer start(InetSocketAddress address, PrometheusMeterRegistry registry, Supplier<Health> health,
                                  java.util.Map<String, Supplier<String>> actions,
                                  java.util.Map<String, com.sun.net.httpserver.HttpHandler> handlers) {
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve /health and /metrics on " + address.getHostString() + ":"
                    + address.getPort() + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hfc-ops-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/health", exchange -> {
            Health h = health.get();
            respond(exchange, h.up() ? 200 : 503, "text/plain; charset=utf-8",
                    (h.up() ? "UP" : "DOWN") + (h.detail().isEmpty() ? "" : " " + h.detail()) + "\n");
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        actions.forEach((path, action) -> server.createContext(path, exchange -> {
            try (exchange) {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().set("Allow", "POST");
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] bytes = (action.get() + "\n").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(202, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }));
        handlers.forEach(server::createContext);
        server.start();
        return new OpsServer(server, executor);
    }

    /** The address served on, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}. */
    public String host() {
        return server.getAddress().getHostString();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
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
