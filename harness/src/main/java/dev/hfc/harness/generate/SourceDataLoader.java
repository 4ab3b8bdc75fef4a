package dev.hfc.harness.generate;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import dev.hfc.schema.copy.BinaryCopyWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * {@code hfc generate}: loads {@link SourceDataGenerator} rows into {@code customer} and {@code subscription}
 * with COPY, in chunks (one transaction per chunk, customers before their subscriptions).
 */
public final class SourceDataLoader {

    private static final int CHUNK = 10_000;
    /** Connections loading at once: the server does the heavy part, and this machine has two cores. */
    private static final int LOADERS = 2;

    private SourceDataLoader() {}

    /** What was loaded. */
    public record Loaded(long customers, long subscriptions, long nanos) {
        public double rowsPerSecond() {
            return (customers + subscriptions) / (nanos / 1e9);
        }
    }

    /**
     * Loads customers {@code first} … {@code first + count - 1}; {@code progress} hears the number of
     * customers loaded so far after every chunk.
     */
    public static Loaded load(
            DbSettings db, SourceDataGenerator generator, long first, long count, LongConsumer progress)
            throws SQLException {
        long start = System.nanoTime();
        // One thread encodes chunks while LOADERS connections COPY them: each chunk's customers and their
        // subscriptions go in one transaction, so the foreign key always finds its customer.
        BlockingQueue<Chunk> chunks = new ArrayBlockingQueue<>(2 * LOADERS);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread encoder = new Thread(
                () -> {
                    try {
                        try {
                            for (long from = first; from < first + count && failure.get() == null; from += CHUNK) {
                                chunks.put(encode(generator, from, Math.min(first + count, from + CHUNK)));
                            }
                        } catch (RuntimeException e) {
                            failure.compareAndSet(null, e);
                        }
                        for (int i = 0; i < LOADERS; i++) {
                            chunks.put(Chunk.END); // every loader must see the end
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // a loader failed and the load is being abandoned
                    }
                },
                "hfc-generate-encoder");
        encoder.setDaemon(true);
        encoder.start();
        AtomicLong customersDone = new AtomicLong();
        AtomicLong subscriptions = new AtomicLong();
        List<Thread> loaders = new ArrayList<>();
        for (int i = 0; i < LOADERS; i++) {
            Thread t = new Thread(
                    () -> {
                        try {
                            loadChunks(db, chunks, customersDone, subscriptions, progress);
                        } catch (Exception e) {
                            failure.compareAndSet(null, e);
                            encoder.interrupt();
                        }
                    },
                    "hfc-generate-loader-" + i);
            t.start();
            loaders.add(t);
        }
        try {
            for (Thread t : loaders) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while loading", e);
        } finally {
            encoder.interrupt();
        }
        Exception f = failure.get();
        if (f instanceof SQLException sql) {
            throw sql;
        }
        if (f != null) {
            throw new IllegalStateException("generating source data failed: " + f.getMessage(), f);
        }
        return new Loaded(count, subscriptions.get(), System.nanoTime() - start);
    }

    private static void loadChunks(
            DbSettings db,
            BlockingQueue<Chunk> chunks,
            AtomicLong customersDone,
            AtomicLong subscriptions,
            LongConsumer progress)
            throws SQLException, InterruptedException {
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(false);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            String customerSql = "COPY " + db.qualified(Tables.CUSTOMER)
                    + " (user_id, email, status, date_created) FROM STDIN WITH (FORMAT binary)";
            String subscriptionSql = "COPY " + db.qualified(Tables.SUBSCRIPTION)
                    + " (subscription_id, subscription_week, user_id, status) FROM STDIN WITH (FORMAT binary)";
            while (true) {
                Chunk chunk = chunks.take();
                if (chunk == Chunk.END) {
                    return;
                }
                send(copy, customerSql, chunk.customers);
                send(copy, subscriptionSql, chunk.subscriptions);
                c.commit();
                subscriptions.addAndGet(chunk.subscriptionRows);
                long done = customersDone.addAndGet(chunk.customerRows);
                synchronized (progress) {
                    progress.accept(done);
                }
            }
        }
    }

    /** One chunk of customers, as COPY text for both tables. */
    private record Chunk(long customerRows, byte[] customers, byte[] subscriptions, long subscriptionRows) {
        static final Chunk END = new Chunk(0, new byte[0], new byte[0], 0);
    }

    private static Chunk encode(SourceDataGenerator generator, long from, long to) {
        BinaryCopyWriter customers = new BinaryCopyWriter((int) (to - from) * 100);
        BinaryCopyWriter subs = new BinaryCopyWriter((int) (to - from) * 11 * 60);
        long rows = 0;
        for (long i = from; i < to; i++) {
            var generated = generator.customer(i);
            var cu = generated.customer();
            customers
                    .row(4)
                    .uuid(cu.userId())
                    .text(cu.email())
                    .text(cu.status())
                    .date(cu.dateCreated());
            for (var s : generated.subscriptions()) {
                subs.row(4)
                        .uuid(s.subscriptionId())
                        .text(s.week().toString())
                        .uuid(s.userId())
                        .text(s.status().wire());
                rows++;
            }
        }
        return new Chunk(to - from, customers.finish(), subs.finish(), rows);
    }

    private static void send(CopyManager copy, String sql, byte[] bytes) throws SQLException {
        CopyIn in = copy.copyIn(sql);
        try {
            in.writeToCopy(bytes, 0, bytes.length);
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }
}
