package dev.hfc.local.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded PostgreSQL server (zonky's bundled binaries) started with {@code wal_level=logical}, so CDC
 * works on it. It is the default database of tests and {@code hfc demo}: a machine needs nothing but Java.
 * As root it runs the server inside a user namespace ({@code unshare -U}), which the library does itself.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    /** The superuser of the embedded cluster; it has REPLICATION, which Debezium needs. */
    public static final String SUPERUSER = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts a fresh cluster in a temporary directory (removed on close).
     *
     * @param port 0 picks a free port
     */
    public static EmbeddedPostgresServer start(int port) {
        return start(port, null);
    }

    /** Starts a cluster whose data lives in {@code dataDir} (kept on close), or a temporary one if null. */
    public static EmbeddedPostgresServer start(int port, Path dataDir) {
        return start(port, dataDir, "logical");
    }

    /** As {@link #start(int, Path)} with another {@code wal_level} (tests of what happens without CDC). */
    public static EmbeddedPostgresServer start(int port, Path dataDir, String walLevel) {
        long begin = System.nanoTime();
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("wal_level", walLevel)
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("max_connections", "200")
                    // The pipeline's own durability comes from Kafka and the sink's transactions; a
                    // throw-away cluster need not fsync.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    // With synchronous_commit off, a commit reaches the WAL senders (CDC) only when the WAL writer
                    // flushes it: every 200 ms by default, which was most of a live change's latency in the demo.
                    .setServerConfig("wal_writer_delay", "10ms")
                    .setPGStartupWait(Duration.ofSeconds(60));
            if (port != 0) {
                builder.setPort(port);
            }
            if (dataDir != null) {
                builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
            }
            EmbeddedPostgres pg = builder.start();
            LOG.info(
                    "embedded PostgreSQL up on port {} after {} ms",
                    pg.getPort(),
                    (System.nanoTime() - begin) / 1_000_000);
            return new EmbeddedPostgresServer(pg);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot start the embedded PostgreSQL: " + e.getMessage()
                            + " (it needs 'unshare' when run as root; or pass --db-url to use an existing server)",
                    e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /** JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
