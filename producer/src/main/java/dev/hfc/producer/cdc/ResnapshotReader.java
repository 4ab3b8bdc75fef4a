package dev.hfc.producer.cdc;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of {@link Resnapshots}: runs one requested re-snapshot, reading customers chunk by chunk
 * over JDBC, each chunk between the low and high watermarks it writes into the change stream.
 */
final class ResnapshotReader {

    /** The log of {@link Resnapshots}, whose worker this is. */
    private static final Logger LOG = LoggerFactory.getLogger(Resnapshots.class);
    /** Rounds of re-reading customers that changed during their chunk before giving up (each round is quick). */
    static final int MAX_ROUNDS = 100;
    /** How long a chunk may wait for the change stream to bring its high watermark. */
    static final Duration HIGH_WATERMARK_PATIENCE = Duration.ofMinutes(5);

    private final DbSettings db;
    private final String slot;
    private final int chunkSize;
    private final ProducerMetrics metrics;
    private final WatermarkWindows windows;
    /** The ids of the snapshots of all customers under way, shared with the streaming thread. */
    private final Set<String> runs;

    private final AtomicLong sequence = new AtomicLong();

    ResnapshotReader(
            DbSettings db,
            String slot,
            int chunkSize,
            ProducerMetrics metrics,
            WatermarkWindows windows,
            Set<String> runs) {
        this.db = db;
        this.slot = slot;
        this.chunkSize = chunkSize;
        this.metrics = metrics;
        this.windows = windows;
        this.runs = runs;
    }

    void run(SnapshotSignal request) {
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
                    again.addAll(chunk(
                            c,
                            run,
                            () -> {
                                PreparedStatement ps = c.prepareStatement(
                                        from == null
                                                ? CustomerSnapshotQuery.first(db)
                                                : CustomerSnapshotQuery.after(db));
                                int i = 1;
                                if (from != null) {
                                    ps.setString(i++, from);
                                }
                                ps.setInt(i, chunkSize);
                                return ps;
                            },
                            List.of(),
                            last));
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
                    next.addAll(chunk(
                            c,
                            run,
                            () -> {
                                PreparedStatement ps = c.prepareStatement(CustomerSnapshotQuery.of(db));
                                ps.setArray(1, c.createArrayOf("uuid", users.toArray()));
                                return ps;
                            },
                            users,
                            new String[1]));
                }
                again = next;
            }
            if (!run.oversized.isEmpty()) {
                // The end marker would say every customer is between the two markers: it is not written.
                throw new IllegalStateException(
                        run.oversized.size() + " customer(s) have more subscription rows than one "
                                + "snapshot may carry (dead-lettered as oversized), e.g. "
                                + run.oversized.iterator().next()
                                + "; no end marker is written. Delete their old rows, then run 'hfc snapshot' again");
            }
            if (request.all()) {
                emit(c, SnapshotSignal.of(SnapshotSignal.Kind.END, slot, id));
            }
            LOG.info(
                    "re-snapshot {}: {} customer snapshots published in {} chunk(s), {} round(s) for customers that changed "
                            + "meanwhile, in {} ms",
                    id,
                    run.published,
                    run.chunks,
                    run.rounds,
                    (System.nanoTime() - run.start) / 1_000_000);
            metrics.resnapshot(true);
        } catch (InterruptedException | java.util.concurrent.CancellationException e) {
            Thread.currentThread().interrupt();
            runs.remove(id);
            metrics.resnapshot(false);
            LOG.warn(
                    "re-snapshot {} stopped after {} chunk(s): the producer is closing; run 'hfc snapshot' again",
                    id,
                    run.chunks);
        } catch (Exception e) {
            // Forgotten before its end mark is read: the streaming thread then writes no end marker.
            runs.remove(id);
            metrics.resnapshot(false);
            LOG.error(
                    "re-snapshot {} failed after {} chunk(s): no end marker is written, so a rebuilding segmenter keeps "
                            + "waiting for a whole one; run 'hfc snapshot' again",
                    id,
                    run.chunks,
                    e);
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
            try (PreparedStatement ps = statement.prepare();
                    ResultSet rs = ps.executeQuery()) {
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
                throw new IllegalStateException("the change stream did not bring chunk " + id
                        + "'s high watermark within " + HIGH_WATERMARK_PATIENCE + " (is the producer streaming?)");
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

    /** Writes a signal into the change stream, as a transactional logical decoding message. */
    static void emit(Connection c, SnapshotSignal signal) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
            ps.setString(1, SnapshotSignal.PREFIX);
            ps.setString(2, signal.toJson());
            ps.execute();
        }
    }
}
