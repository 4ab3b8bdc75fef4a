package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.schema.Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-snapshots while the producer streams: customer snapshots for all customers or a given set, published at
 * the exact place of the change stream where they are true, so a snapshot never overwrites a newer change of
 * the same customer. The watermark algorithm of DBLog (Netflix, 2019), per chunk of customers:
 *
 * <ol>
 *   <li>a {@code low} watermark is written into the change stream ({@link SnapshotSignal}), then the chunk is
 *       read (one statement: one consistent moment after the low watermark), then a {@code high} watermark;</li>
 *   <li>the streaming thread, reading changes in commit order, notes every customer whose subscription rows
 *       changed between the two watermarks;</li>
 *   <li>at the high watermark it publishes the chunk's snapshots, at that place, for every customer that did
 *       not change in between (its state then is the state read); a customer that changed is read again in a
 *       later chunk, until it is read in a quiet moment.</li>
 * </ol>
 *
 * A snapshot of all customers is framed by {@code begin} and {@code end} marks, published as
 * {@link SnapshotMarker}s into every partition at their place: a rebuilding segmenter knows it has every
 * customer once it has read both. Only the producer that wrote a watermark or mark acts on it: after a restart
 * the signals read again belong to a run that is gone, and are passed over (the operator runs it again).
 */
final class Resnapshots implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Resnapshots.class);

    /** One output to publish, in a given partition (markers) or by its key (null). */
    record Placed(ChangeMapper.Output output, Integer partition) {}

    private final String slot;
    private final int partitions;
    private final ExecutorService worker;
    private final WatermarkWindows windows = new WatermarkWindows();
    private final Set<String> runs = ConcurrentHashMap.newKeySet();
    private final ResnapshotReader reader;

    Resnapshots(DbSettings db, String slot, int partitions, int chunkSize, ProducerMetrics metrics) {
        this.reader = new ResnapshotReader(db, slot, chunkSize, metrics, windows, runs);
        this.slot = slot;
        this.partitions = partitions;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hfc-resnapshot");
            t.setDaemon(true);
            return t;
        });
    }

    // ---- the streaming thread ----

    /** A change's outputs: every customer with a subscription change is noted in the open chunks. */
    void onChange(List<ChangeMapper.Output> outputs) {
        if (windows.isEmpty()) {
            return;
        }
        for (ChangeMapper.Output o : outputs) {
            if (o.target() == ChangeMapper.Target.SUBSCRIPTION_EVENTS && o.key() != null) {
                windows.changed(UUID.fromString(new String(o.key(), StandardCharsets.UTF_8)));
            }
        }
    }

    /**
     * A logical message of the stream: returns what to publish at its place (snapshots at a high watermark,
     * markers at a mark), starts a requested re-snapshot, and passes over what is not ours.
     */
    List<Placed> onMessage(String prefix, byte[] content, long ts) {
        if (!SnapshotSignal.PREFIX.equals(prefix)) {
            return List.of();
        }
        SnapshotSignal signal;
        try {
            signal = SnapshotSignal.parse(content);
        } catch (IllegalArgumentException e) {
            LOG.warn("re-snapshot: a message with prefix {} is not a signal ({}); passed over", prefix, e.getMessage());
            return List.of();
        }
        if (!signal.isFor(slot)) {
            return List.of();
        }
        switch (signal.kind()) {
            case REQUEST -> {
                LOG.info(
                        "re-snapshot requested for {}",
                        signal.all() ? "all customers" : signal.users().size() + " customer(s)");
                try {
                    worker.execute(() -> reader.run(signal));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    LOG.warn("re-snapshot request passed over: the producer is closing; run 'hfc snapshot' again");
                }
                return List.of();
            }
            case LOW -> {
                windows.low(signal.id());
                return List.of();
            }
            case HIGH -> {
                WatermarkWindows.Closed closed = windows.high(signal.id());
                if (closed == null) {
                    return List.of();
                }
                List<Placed> out = new ArrayList<>(closed.publish().size());
                closed.publish().forEach(o -> out.add(new Placed(o, null)));
                return out;
            }
            default -> {
                if (!runs.contains(signal.id())) {
                    return List.of();
                }
                if (signal.kind() == SnapshotSignal.Kind.END) {
                    runs.remove(signal.id());
                }
                SnapshotMarker.Phase phase = signal.kind() == SnapshotSignal.Kind.BEGIN
                        ? SnapshotMarker.Phase.BEGIN
                        : SnapshotMarker.Phase.END;
                return markers(new SnapshotMarker(signal.id(), phase, ts), partitions);
            }
        }
    }

    /** The begin or end of a snapshot of all customers, one record into each partition. */
    static List<Placed> markers(SnapshotMarker marker, int partitions) {
        byte[] value = EventCodecs.SUBSCRIPTION_INPUT.encode(marker);
        List<Placed> out = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            out.add(new Placed(
                    new ChangeMapper.Output(
                            ChangeMapper.Target.SUBSCRIPTION_EVENTS,
                            null,
                            value,
                            marker.sourceTsMs(),
                            null,
                            "subscription",
                            marker.phase().wire()),
                    p));
        }
        return out;
    }

    /** Writes an operator's request into the change stream (what {@code hfc snapshot} does). */
    static void request(DbSettings db, SnapshotSignal request) throws SQLException {
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(true);
            ResnapshotReader.emit(c, request);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        windows.cancelAll();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
