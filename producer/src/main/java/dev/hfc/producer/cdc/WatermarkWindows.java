package dev.hfc.producer.cdc;

import dev.hfc.core.event.RejectReason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bookkeeping of DBLog's watermarks between the re-snapshot worker and the streaming thread, with no I/O.
 * The worker {@link #expect}s a chunk before writing its low watermark and hands over what it {@link #read}
 * before writing its high one; the streaming thread, reading the change stream in commit order, opens the
 * chunk at its {@link #low} watermark, notes every customer that {@link #changed} while it is open, and at the
 * {@link #high} watermark gets the snapshots of the customers that did not change, to publish at that place,
 * while the worker learns which customers to read again.
 */
final class WatermarkWindows {

    /** What a chunk's high watermark gives: the outputs to publish there, and the customers to read again. */
    record Closed(List<ChangeMapper.Output> publish, Set<UUID> again, Set<UUID> oversized) {}

    private static final class Window {
        volatile Map<UUID, List<ChangeMapper.Output>> read;
        volatile boolean open;
        final Set<UUID> changed = new HashSet<>(); // the streaming thread's only
        final CompletableFuture<Closed> closed = new CompletableFuture<>();
    }

    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** The worker: chunk {@code id} is about to get its low watermark. */
    CompletableFuture<Closed> expect(String id) {
        Window w = new Window();
        windows.put(id, w);
        return w.closed;
    }

    /** The worker: what chunk {@code id} read, before its high watermark is written. */
    void read(String id, Map<UUID, List<ChangeMapper.Output>> read) {
        Window w = windows.get(id);
        if (w != null) {
            w.read = read;
        }
    }

    /** The worker: chunk {@code id} is given up (nothing to read, or a failure). */
    void forget(String id) {
        Window w = windows.remove(id);
        if (w != null) {
            w.closed.cancel(false);
        }
    }

    /** The streaming thread: chunk {@code id}'s low watermark; from here changes count against it. */
    void low(String id) {
        Window w = windows.get(id);
        if (w != null) {
            w.open = true;
        }
    }

    /** The streaming thread: a subscription row of {@code user} changed here. */
    void changed(UUID user) {
        for (Window w : windows.values()) {
            if (w.open) {
                w.changed.add(user);
            }
        }
    }

    boolean isEmpty() {
        return windows.isEmpty();
    }

    /**
     * The streaming thread: chunk {@code id}'s high watermark. Returns the outputs of every customer that did
     * not change between the watermarks (null: the chunk is not this producer's, e.g. read again after a restart).
     */
    Closed high(String id) {
        Window w = windows.remove(id);
        if (w == null || w.read == null || !w.open) {
            if (w != null) {
                w.closed.cancel(false);
            }
            return null;
        }
        List<ChangeMapper.Output> publish = new ArrayList<>();
        Set<UUID> again = new HashSet<>();
        Set<UUID> oversized = new HashSet<>();
        w.read.forEach((user, outputs) -> {
            if (w.changed.contains(user)) {
                again.add(user);
                return;
            }
            publish.addAll(outputs);
            for (ChangeMapper.Output o : outputs) {
                if (o.target() == ChangeMapper.Target.DLQ && o.rejection().reason() == RejectReason.OVERSIZED) {
                    oversized.add(user);
                }
            }
        });
        Closed closed = new Closed(publish, again, oversized);
        w.closed.complete(closed);
        return closed;
    }

    /** Every expected chunk is given up (the producer closes). */
    void cancelAll() {
        windows.keySet().forEach(this::forget);
    }
}
