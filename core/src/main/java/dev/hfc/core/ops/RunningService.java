package dev.hfc.core.ops;

import dev.hfc.core.http.Route;
import java.util.Map;
import java.util.function.Supplier;

/** A long-running service as its runner sees it: how it is doing, whether it failed, and how to stop it. */
public interface RunningService extends AutoCloseable {

    OpsServer.Health health();

    /**
     * Begins the service's own work, once its listeners are up (a service that sends links to its endpoints must
     * not start before them); nothing by default, for services that started when they were made.
     */
    default void start() {}

    /** Null while the service runs; otherwise why it stopped on its own. */
    String failure();

    /** Operator actions served as {@code POST <path>} on the ops listener (they need the operator token); none by default. */
    default Map<String, Supplier<String>> actions() {
        return Map.of();
    }

    /** Read-only operator pages on the ops listener (a dashboard); none by default. */
    default Map<String, Route> operatorPages() {
        return Map.of();
    }

    /** Endpoints for the public (recipients, mail providers) on a listener of their own; none by default. */
    default Map<String, Route> publicRoutes() {
        return Map.of();
    }

    /** Stops cleanly: finishes or hands back what is in flight. */
    @Override
    void close();
}
