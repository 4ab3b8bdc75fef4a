package dev.hfc.core.ops;

/** A long-running service as its runner sees it: how it is doing, whether it failed, and how to stop it. */
public interface RunningService extends AutoCloseable {

    OpsServer.Health health();

    /** Null while the service runs; otherwise why it stopped on its own. */
    String failure();

    /** Operator actions served as {@code POST <path>} on the ops port; none by default. */
    default java.util.Map<String, java.util.function.Supplier<String>> actions() {
        return java.util.Map.of();
    }

    /** The service's own HTTP endpoints, served on the ops port next to /health and /metrics; none by default. */
    default java.util.Map<String, com.sun.net.httpserver.HttpHandler> handlers() {
        return java.util.Map.of();
    }

    /** Stops cleanly: finishes or hands back what is in flight. */
    @Override
    void close();
}
