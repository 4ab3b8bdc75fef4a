package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.schema.Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
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
    /** Customers read per chunk by default ({@code --snapshot-chunk}). */
    static final int CHUNK = 20_000;
    /** Rounds of re-reading customers that changed during their chunk before giving up (each round is quick). */
    static final int MAX_ROUNDS = 100;
    /** How long a chunk may wait for the change stream to bring its high watermark. */
    static final Duration HIGH_WATERMARK_PATIENCE = Duration.ofMinutes(5);

    /** One output to publish, in a given partition (markers) or by its key (null). */
    record Placed(ChangeMapper.Output output, Integer partition) {}

    private final DbSettings db;
    private final String slot;
    private final int partitions;
    private final ExecutorService worker;
    private final WatermarkWindows windows = new WatermarkWindows();
    private final Set<String> runs = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();

    private final ProducerMetrics metrics;

    private final int chunkSize;

    Resnapshots(DbSettings db, String slot, int partitions, int chunkSize, ProducerMetrics metrics) {
        this.chunkSize = chunkSize;
        this.metrics = metrics;
        this.db = db;
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
                LOG.info("re-snapshot requested for {}", signal.all() ? "all customers" : signal.users().size() + " customer(s)");
                try {
                    worker.execute(() -> run(signal));
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
                SnapshotMarker.Phase phase = signal.kind() == SnapshotSignal.Kind.BEGIN ? SnapshotMarker.Phase.BEGIN : SnapshotMarker.Phase.END;
                return markers(new SnapshotMarker(signal.id(), phase, ts), partitions);
            }
        }
    }

    /** The begin or end of a snapshot of all customers, one record into each partition. */
    static List<Placed> markers(SnapshotMarker marker, int partitions) {
        byte[] value = EventCodecs.SUBSCRIPTION_INPUT.encode(marker);
        List<Placed> out = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            out.add(new Placed(new ChangeMapper.Output(ChangeMapper.Target.SUBSCRIPTION_EVENTS, null, value, marker.sourceTsMs(),
                    null, "subscription", marker.phase().wire()), p));
        }
        return out;
    }

    // ---- the worker ----

    private void run(SnapshotSignal request) {
        // Not guessable: a watermark or mark is acted on only by the producer that wrote it.
        String id = "hfc-" + UUID.randomUUID().toString().substring(0, 13);
        Run run = new Run(id);
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(true);
            List<UUID> again = new ArrayList<>();
            if (request.all()) {
                runs.add(id);
                emit(c, SnapshotSignal.of(SnapshotSignal.Kind.BEGIN, slot, id));
                String after = null;
                while (true) {
                    String from = after;
                    String[] last = new String[1];
                    again.addAll(chunk(c, run, () -> {
                        PreparedStatement ps = c.prepareStatement(from == null ? CustomerSnapshotQuery.first(db) : CustomerSnapshotQuery.after(db));
                        int i = 1;
                        if (from != null) {
                            ps.setString(i++, from);
                        }
                        ps.setInt(i, chunkSize);
                        return ps;
                    }, List.of(), last));
                    if (last[0] == null) {
                        break;
                    }
                    after = last[0];
                }
            } else {
                again.addAll(request.users());
            }
            while (!again.isEmpty()) {
                if (++run.rounds > MAX_ROUNDS) {
                    throw new IllegalStateException(again.size() + " customer(s) changed during each of " + MAX_ROUNDS
                            + " reads, e.g. " + again.get(0) + "; no end marker is written");
                }
                List<UUID> next = new ArrayList<>();
                for (int i = 0; i < again.size(); i += chunkSize) {
                    List<UUID> users = again.subList(i, Math.min(again.size(), i + chunkSize));
                    next.addAll(chunk(c, run, () -> {
                        PreparedStatement ps = c.prepareStatement(CustomerSnapshotQuery.of(db));
                        ps.setArray(1, c.createArrayOf("uuid", users.toArray()));
                        return ps;
                    }, users, new String[1]));
                }
                again = next;
            }
            if (!run.oversized.isEmpty()) {
                // The end marker would say every customer is between the two markers: it is not written.
                throw new IllegalStateException(run.oversized.size() + " customer(s) have more subscription rows than one "
                        + "snapshot may carry (dead-lettered as oversized), e.g. " + run.oversized.iterator().next()
                        + "; no end marker is written. Delete their old rows, then run 'hfc snapshot' again");
            }
            if (request.all()) {
                emit(c, SnapshotSignal.of(SnapshotSignal.Kind.END, slot, id));
            }
            LOG.info("re-snapshot {}: {} customer snapshots published in {} chunk(s), {} round(s) for customers that changed "
                    + "meanwhile, in {} ms", id, run.published, run.chunks, run.rounds, (System.nanoTime() - run.start) / 1_000_000);
            metrics.resnapshot(true);
        } catch (InterruptedException | java.util.concurrent.CancellationException e) {
            Thread.currentThread().interrupt();
            runs.remove(id);
            metrics.resnapshot(false);
            LOG.warn("re-snapshot {} stopped after {} chunk(s): the producer is closing; run 'hfc snapshot' again", id, run.chunks);
        } catch (Exception e) {
            // Forgotten before its end mark is read: the streaming thread then writes no end marker.
            runs.remove(id);
            metrics.resnapshot(false);
            LOG.error("re-snapshot {} failed after {} chunk(s): no end marker is written, so a rebuilding segmenter keeps "
                    + "waiting for a whole one; run 'hfc snapshot' again", id, run.chunks, e);
        }
    }

    /** One re-snapshot's progress, on the worker thread. */
    private static final class Run {
        final String id;
        final long start = System.nanoTime();
        final Set<UUID> oversized = new java.util.HashSet<>();
        long published;
        int chunks;
        int rounds;

        Run(String id) {
            this.id = id;
        }
    }

    @FunctionalInterface
    private interface Statement {
        PreparedStatement prepare() throws SQLException;
    }

    /**
     * One chunk between its watermarks. {@code explicit}: customers asked for by id, who get an empty snapshot
     * when they have no rows. {@code last[0]} is set to the last user id read (null: none). Returns the
     * customers that changed between the watermarks, to be read again.
     */
    private Set<UUID> chunk(Connection c, Run run, Statement statement, List<UUID> explicit, String[] last)
            throws SQLException, InterruptedException {
        String id = run.id + "-" + sequence.incrementAndGet();
        java.util.concurrent.CompletableFuture<WatermarkWindows.Closed> closed = windows.expect(id);
        try {
            emit(c, SnapshotSignal.of(SnapshotSignal.Kind.LOW, slot, id));
            long ts = System.currentTimeMillis();
            Map<UUID, List<ChangeMapper.Output>> read = new LinkedHashMap<>();
            try (PreparedStatement ps = statement.prepare(); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String user = rs.getString(1);
                    last[0] = user;
                    read.put(UUID.fromString(user), ChangeMapper.mapCustomerSnapshot(user, rs.getString(2), ts));
                }
            }
            for (UUID user : explicit) {
                read.computeIfAbsent(user, u -> ChangeMapper.mapCustomerSnapshot(u.toString(), null, ts));
            }
            if (read.isEmpty()) {
                return Set.of();
            }
            windows.read(id, read);
            emit(c, SnapshotSignal.of(SnapshotSignal.Kind.HIGH, slot, id));
            WatermarkWindows.Closed result;
            try {
                result = closed.get(HIGH_WATERMARK_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("the change stream did not bring chunk " + id + "'s high watermark within "
                        + HIGH_WATERMARK_PATIENCE + " (is the producer streaming?)");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            run.chunks++;
            run.published += read.size() - result.again().size();
            run.oversized.addAll(result.oversized());
            return result.again();
        } finally {
            windows.forget(id);
        }
    }

    private static void emit(Connection c, SnapshotSignal signal) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
            ps.setString(1, SnapshotSignal.PREFIX);
            ps.setString(2, signal.toJson());
            ps.execute();
        }
    }

    /** Writes an operator's request into the change stream (what {@code hfc snapshot} does). */
    static void request(DbSettings db, SnapshotSignal request) throws SQLException {
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(true);
            emit(c, request);
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
