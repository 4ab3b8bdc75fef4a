package dev.hfc.testkit;

import dev.hfc.local.postgres.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL server a test run uses, chosen once per run in this order (DEVELOPERS.md):
 * <ol>
 *   <li>{@code HFC_TEST_DB_URL} (with {@code HFC_TEST_DB_USER}, {@code HFC_TEST_DB_PASSWORD}): an existing
 *       server; the URL's database is only used to create and drop the per-class databases;</li>
 *   <li>{@code HFC_TEST_TESTCONTAINERS=true} and a Docker engine: a {@code postgres} container with
 *       {@code wal_level=logical};</li>
 *   <li>otherwise the embedded PostgreSQL, so a machine needs nothing but Java and Maven.</li>
 * </ol>
 */
public final class PostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?$");

    private final String adminUrl;
    private final String user;
    private final String password;
    private final String description;
    private final AutoCloseable owned;

    private PostgresServer(String adminUrl, String user, String password, String description, AutoCloseable owned) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        this.description = description;
        this.owned = owned;
    }

    static PostgresServer choose() {
        String url = System.getenv("HFC_TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            if (!URL.matcher(url).matches()) {
                throw new IllegalStateException(
                        "HFC_TEST_DB_URL '" + url + "' must look like jdbc:postgresql://host:port/database");
            }
            String user = envOr("HFC_TEST_DB_USER", "postgres");
            LOG.info("tests use the PostgreSQL server of HFC_TEST_DB_URL");
            return new PostgresServer(url, user, envOr("HFC_TEST_DB_PASSWORD", ""), "HFC_TEST_DB_URL server", null);
        }
        if (Boolean.parseBoolean(System.getenv("HFC_TEST_TESTCONTAINERS")) && dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine")
                    .withCommand(
                            "postgres",
                            "-c",
                            "wal_level=logical",
                            "-c",
                            "max_replication_slots=20",
                            "-c",
                            "max_wal_senders=20");
            container.start();
            LOG.info("tests use a Testcontainers PostgreSQL");
            return new PostgresServer(
                    container.getJdbcUrl(),
                    container.getUsername(),
                    container.getPassword(),
                    "Testcontainers PostgreSQL",
                    container::stop);
        }
        EmbeddedPostgresServer embedded = EmbeddedPostgresServer.start(0);
        return new PostgresServer(
                embedded.jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER, "", "embedded PostgreSQL", embedded);
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The URL of the administrative database, where databases are created and dropped. */
    public String adminUrl() {
        return adminUrl;
    }

    /** The same server's URL for {@code database}. */
    public String urlFor(String database) {
        Matcher m = URL.matcher(adminUrl);
        if (!m.matches()) {
            throw new IllegalStateException("unexpected URL " + adminUrl);
        }
        return m.group(1) + database + (m.group(3) == null ? "" : m.group(3));
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    @Override
    public String toString() {
        return description;
    }

    @Override
    public void close() throws Exception {
        if (owned != null) {
            owned.close();
        }
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null ? fallback : v;
    }

    /** A scratch directory under the build's target/ when there is one, else the temp dir. */
    static Path scratchDir(String name) throws java.io.IOException {
        Path target = Path.of("target");
        Path base = Files.isDirectory(target) ? target : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(base, name);
    }
}
