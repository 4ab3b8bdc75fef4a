package dev.hfc.producer.generate;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.LongConsumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * {@code hfc generate}: loads {@link SourceDataGenerator} rows into {@code customer} and {@code subscription}
 * with COPY, in chunks (one transaction per chunk, customers before their subscriptions).
 */
public final class SourceDataLoader {

    private static final int CHUNK = 20_000;

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
    public static Loaded load(DbSettings db, SourceDataGenerator generator, long first, long count, LongConsumer progress)
            throws SQLException {
        long start = System.nanoTime();
        long subscriptions = 0;
        try (Connection c = Database.connect(db)) {
            c.setAutoCommit(false);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            String customerSql = "COPY " + db.qualified("customer") + " (user_id, email, status, date_created) FROM STDIN";
            String subscriptionSql = "COPY " + db.qualified("subscription")
                    + " (subscription_id, subscription_week, user_id, status) FROM STDIN";
            for (long from = first; from < first + count; from += CHUNK) {
                long to = Math.min(first + count, from + CHUNK);
                StringBuilder customers = new StringBuilder((int) (to - from) * 100);
                StringBuilder subs = new StringBuilder((int) (to - from) * 11 * 90);
                for (long i = from; i < to; i++) {
                    var rows = generator.customer(i);
                    var cu = rows.customer();
                    customers.append(cu.userId()).append('\t');
                    escape(customers, cu.email());
                    customers.append('\t').append(cu.status()).append('\t').append(cu.dateCreated()).append('\n');
                    for (var s : rows.subscriptions()) {
                        subs.append(s.subscriptionId()).append('\t').append(s.week()).append('\t')
                                .append(s.userId()).append('\t').append(s.status().wire()).append('\n');
                        subscriptions++;
                    }
                }
                send(copy, customerSql, customers);
                send(copy, subscriptionSql, subs);
                c.commit();
                progress.accept(to - first);
            }
        }
        return new Loaded(count, subscriptions, System.nanoTime() - start);
    }

    private static void send(CopyManager copy, String sql, StringBuilder text) throws SQLException {
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
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

    /** COPY text format escapes. */
    static void escape(StringBuilder b, String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(ch);
            }
        }
    }
}
