package dev.hfc.core.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP listener of a service, on Jetty 12 (its core API: no servlets). Every listener of the project is one
 * of these, with the same guard rails:
 * <ul>
 *   <li>a bounded pool of threads, and no thread held by a slow client: Jetty parses requests as bytes
 *       arrive, without a thread, and the body is read asynchronously before a route runs;</li>
 *   <li>an idle timeout (a connection silent that long is closed) and a request timeout (a request whose
 *       body has not fully arrived by then is answered 408 and closed);</li>
 *   <li>limits on the request headers (431 beyond) and on the body (413 beyond, before it is read when the
 *       client announces its length);</li>
 *   <li>a graceful stop: requests in progress finish, new ones are refused, within {@link Settings#stopTimeout}.</li>
 * </ul>
 * Routes are matched on the exact, normalised path; HEAD is answered as GET without the body.
 */
public final class HttpListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);
    /** Tasks waiting for a thread (Jetty's own included) beyond which new requests are refused with 503. */
    static final int QUEUE = 1_024;

    /**
     * @param name           the listener's name in logs and thread names ({@code ops}, {@code public})
     * @param maxThreads     the pool's bound (Jetty keeps a few for its selector and acceptor)
     * @param idleTimeout    how long a connection may stay silent
     * @param requestTimeout how long the body of a request may take to arrive
     * @param maxHeaderBytes the largest request line plus headers
     * @param maxBodyBytes   the largest body
     * @param stopTimeout    how long a stop waits for requests in progress
     */
    public record Settings(
            String name,
            InetSocketAddress address,
            int maxThreads,
            Duration idleTimeout,
            Duration requestTimeout,
            int maxHeaderBytes,
            int maxBodyBytes,
            Duration stopTimeout) {
        public Settings {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            if (maxThreads < 8 || maxThreads > 1_000) {
                throw new IllegalArgumentException("an HTTP listener needs 8..1000 threads, got " + maxThreads);
            }
            if (idleTimeout.isNegative()
                    || idleTimeout.isZero()
                    || requestTimeout.isNegative()
                    || requestTimeout.isZero()) {
                throw new IllegalArgumentException("HTTP idle and request timeouts must be positive");
            }
            if (maxHeaderBytes < 1_024 || maxBodyBytes < 0) {
                throw new IllegalArgumentException(
                        "header limit must be at least 1024 bytes and body limit not negative");
            }
        }

        /** The defaults of every listener: 32 threads, 10 s idle, 10 s per body, 8 KiB of headers, 64 KiB of body. */
        public static Settings defaults(String name, InetSocketAddress address) {
            return new Settings(
                    name,
                    address,
                    32,
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(10),
                    8 * 1024,
                    64 * 1024,
                    Duration.ofSeconds(5));
        }

        public Settings withMaxBodyBytes(int bytes) {
            return new Settings(
                    name, address, maxThreads, idleTimeout, requestTimeout, maxHeaderBytes, bytes, stopTimeout);
        }

        public Settings withTimeouts(Duration idle, Duration request) {
            return new Settings(name, address, maxThreads, idle, request, maxHeaderBytes, maxBodyBytes, stopTimeout);
        }
    }

    private final Settings settings;
    private final Server server;
    private final ServerConnector connector;

    private HttpListener(Settings settings, Server server, ServerConnector connector) {
        this.settings = settings;
        this.server = server;
        this.connector = connector;
    }

    /**
     * Starts serving {@code routes} (path to route, exact paths).
     *
     * @throws java.io.UncheckedIOException naming the address when it cannot be bound
     */
    public static HttpListener start(Settings settings, Map<String, Route> routes) {
        // A bounded queue too: past it, a request is answered 503 at once instead of piling up in memory.
        QueuedThreadPool pool = new QueuedThreadPool(
                settings.maxThreads(),
                Math.min(4, settings.maxThreads()),
                60_000,
                new org.eclipse.jetty.util.BlockingArrayQueue<>(QUEUE, QUEUE, QUEUE));
        pool.setName("hfc-http-" + settings.name());
        pool.setDaemon(true);
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(settings.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(settings.address().getHostString());
        connector.setPort(settings.address().getPort());
        connector.setIdleTimeout(settings.idleTimeout().toMillis());
        server.addConnector(connector);
        server.setHandler(new GracefulHandler(new Dispatch(settings, new LinkedHashMap<>(routes), pool)));
        server.setStopTimeout(settings.stopTimeout().toMillis());
        server.setStopAtShutdown(false); // the service's own shutdown hook stops it, in order
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                e.addSuppressed(ignored);
            }
            throw new java.io.UncheckedIOException(
                    "cannot serve HTTP (" + settings.name() + ") on "
                            + settings.address().getHostString() + ":"
                            + settings.address().getPort() + ": " + e.getMessage(),
                    e instanceof java.io.IOException io ? io : new java.io.IOException(e));
        }
        return new HttpListener(settings, server, connector);
    }

    /** The address served on, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}. */
    public String host() {
        return settings.address().getHostString();
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("HTTP ({}): stopping did not finish cleanly: {}", settings.name(), e.toString());
        }
    }

    /** Finds the route, reads the body without a thread, then runs the route on the pool. */
    private static final class Dispatch extends Handler.Abstract.NonBlocking {
        private final Settings settings;
        private final Map<String, Route> routes;
        private final QueuedThreadPool pool;

        Dispatch(Settings settings, Map<String, Route> routes, QueuedThreadPool pool) {
            this.settings = settings;
            this.routes = routes;
            this.pool = pool;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            Route route = routes.get(path);
            if (route == null) {
                write(request, response, callback, HttpResponse.notFound());
                return true;
            }
            long announced = request.getLength();
            if (announced > settings.maxBodyBytes()) {
                write(
                        request,
                        response,
                        callback,
                        HttpResponse.text(413, "body larger than " + settings.maxBodyBytes() + " bytes")
                                .withHeader("Connection", "close"));
                return true;
            }
            java.util.concurrent.CompletableFuture<byte[]> read = new java.util.concurrent.CompletableFuture<>();
            Content.Source.asByteArrayAsync(request, settings.maxBodyBytes(), Promise.Invocable.toPromise(read));
            read.orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((body, failure) -> {
                        if (failure != null) {
                            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                    ? failure.getCause()
                                    : failure;
                            HttpResponse refusal = cause instanceof TimeoutException
                                    ? HttpResponse.text(
                                            408,
                                            "the request took longer than "
                                                    + settings.requestTimeout().toSeconds() + " s")
                                    : cause instanceof IllegalStateException
                                                    && String.valueOf(cause.getMessage())
                                                            .startsWith("Max size")
                                            ? HttpResponse.text(
                                                    413, "body larger than " + settings.maxBodyBytes() + " bytes")
                                            : HttpResponse.text(400, "the request body could not be read");
                            write(request, response, callback, refusal.withHeader("Connection", "close"));
                            return;
                        }
                        try {
                            pool.execute(() -> run(route, path, request, response, callback, body));
                        } catch (java.util.concurrent.RejectedExecutionException full) {
                            write(
                                    request,
                                    response,
                                    callback,
                                    HttpResponse.text(503, "busy; try again").withHeader("Retry-After", "1"));
                        }
                    });
            return true;
        }

        private void run(Route route, String path, Request request, Response response, Callback callback, byte[] body) {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (HttpField f : request.getHeaders()) {
                headers.computeIfAbsent(f.getLowerCaseName(), k -> new java.util.ArrayList<>())
                        .add(f.getValue());
            }
            HttpRequest call = new HttpRequest(
                    request.getMethod().toUpperCase(Locale.ROOT),
                    path,
                    request.getHttpURI().getQuery(),
                    headers,
                    body,
                    Request.getRemoteAddr(request));
            HttpResponse reply;
            try {
                reply = route.handle(call);
            } catch (Exception | LinkageError e) {
                LOG.error("HTTP ({}): {} {} from {} failed", settings.name(), call.method(), path, call.remote(), e);
                reply = HttpResponse.text(500, "internal error; it is logged");
            }
            write(request, response, callback, reply);
        }

        private static void write(Request request, Response response, Callback callback, HttpResponse reply) {
            response.setStatus(reply.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.body().length);
            boolean head = "HEAD".equalsIgnoreCase(request.getMethod());
            response.write(true, head ? null : java.nio.ByteBuffer.wrap(reply.body()), callback);
        }
    }
}
