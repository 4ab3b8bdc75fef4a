package dev.hfc.core.ops;

/** A long-running service as its runner sees it: how it is doing, whether it failed, and how to stop it. */
public interface RunningService extends AutoCloseable {

    OpsServer.Health health();

    /** Null while the service runs; otherwise why it stopped on its own. */
    String failure();

    /** Stops cleanly: finishes or hands back what is in flight. */
    @Override
    void close();
}
