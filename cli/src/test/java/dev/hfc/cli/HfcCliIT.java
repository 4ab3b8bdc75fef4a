package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.testkit.PostgresExtension;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class HfcCliIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    Path tmp;

    @Test
    void brokerServesOutsideClientsAndStopsCleanlyOnSigterm() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dataDir = tmp.resolve("kafka");
        try (HfcProcess broker = HfcProcess.start(
                Map.of(), "broker", "--port", Integer.toString(port), "--data-dir", dataDir.toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> broker.stdout().contains("listening on"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + port))) {
                assertThat(admin.describeCluster().nodes().get()).hasSize(1);
            }
            assertThat(broker.terminate(Duration.ofSeconds(60))).isIn(0, 143);
            assertThat(Files.exists(dataDir.resolve("meta.properties"))).isTrue();
        }
    }

    @Test
    void dbMigrateCreatesTheTablesInTheNamedSchema() throws Exception {
        var db = POSTGRES.db();
        var result = HfcProcess.run(
                Duration.ofSeconds(60),
                Map.of("HFC_DB_URL", db.url(), "HFC_DB_USER", db.user(), "HFC_DB_PASSWORD", db.password()),
                "db",
                "migrate",
                "--db-schema",
                "cli_check",
                "--with-source-tables");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout())
                .contains("schema cli_check: output tables at version 12 (12 applied); "
                        + "source tables at version 1 (1 applied)");
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'cli_check' "
                                + "AND table_name IN ('rec_campaigns_weekly', 'hfc_sink_offsets', 'customer', 'subscription')")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(4);
        }
    }

    @Test
    void benchSinkPrintsEveryFigureAsJsonAndLeavesNoSchemaBehind() throws Exception {
        var db = POSTGRES.db();
        var result = HfcProcess.run(
                Duration.ofSeconds(180),
                Map.of("HFC_DB_URL", db.url(), "HFC_DB_USER", db.user(), "HFC_DB_PASSWORD", db.password()),
                "bench",
                "sink",
                "--rows",
                "4000",
                "--batch-size",
                "500",
                "--consumers",
                "2",
                "--json");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String last = result.stdout().strip().lines().reduce((a, b) -> b).orElseThrow();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(last);
        assertThat(json.get("bench").asText()).isEqualTo("sink");
        assertThat(json.get("rows").asInt()).isEqualTo(4000);
        assertThat(json.get("consumers").asInt()).isEqualTo(2);
        for (String field : new String[] {
            "sink_rows_per_s",
            "jdbc_rows_per_s",
            "bare_copy_rows_per_s",
            "sink_update_rows_per_s",
            "jdbc_update_rows_per_s"
        }) {
            assertThat(json.get(field).asDouble()).as(field).isPositive();
        }
        assertThat(json.get("sink_update_rows_per_s").asLong())
                .isEqualTo(json.get("per_consumer_connections")
                        .get("sink_update_rows_per_s")
                        .asLong());
        assertThat(json.get("jdbc_update_rows_per_s").asLong())
                .isEqualTo(
                        json.get("one_connection").get("jdbc_update_rows_per_s").asLong());
        assertThat(json.get("per_consumer_connections").get("connections").asInt())
                .isEqualTo(2);
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'bench\\_%'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("benchmark schemas left behind").isZero();
        }
    }

    /**
     * {@code bench cdc} ran into its 10-minute limit for weeks unnoticed (it awaited one record per row, while the own
     * snapshot publishes one per customer): a small run of it ends, with every figure, and drops its slots and schema.
     */
    @Test
    void benchCdcFinishesWithEveryFigureAndLeavesNoSlotOrSchemaBehind() throws Exception {
        var db = POSTGRES.db();
        var result = HfcProcess.run(
                Duration.ofSeconds(150),
                Map.of("HFC_DB_URL", db.url(), "HFC_DB_USER", db.user(), "HFC_DB_PASSWORD", db.password()),
                "bench",
                "cdc",
                "--rows",
                "2200",
                "--json");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String last = result.stdout().strip().lines().reduce((a, b) -> b).orElseThrow();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(last);
        assertThat(json.get("bench").asText()).isEqualTo("cdc");
        assertThat(json.get("rows").asLong()).isEqualTo(2200); // 200 customers of 11 weeks
        for (String field :
                new String[] {"snapshot_events_per_s", "debezium_snapshot_events_per_s", "bulk_update_events_per_s"}) {
            assertThat(json.get(field).asDouble()).as(field).isPositive();
        }
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement();
                ResultSet slots = s.executeQuery(
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'bench\\_cdc\\_%'")) {
            slots.next();
            assertThat(slots.getInt(1)).as("benchmark slots left behind").isZero();
        }
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement();
                ResultSet schemas = s.executeQuery(
                        "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'bench\\_cdc\\_%'")) {
            schemas.next();
            assertThat(schemas.getInt(1)).as("benchmark schemas left behind").isZero();
        }
    }

    @Test
    void aDemoStoppedBySigtermRemovesItsSlotPublicationSchemaAndTemporaryData() throws Exception {
        var db = POSTGRES.db();
        Path temp = Files.createDirectories(tmp.resolve("java-tmp"));
        String slots =
                "SELECT count(*) FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'hfc\\_demo\\_%'";
        try (HfcProcess demo = HfcProcess.start(
                Map.of(
                        "HFC_DB_PASSWORD",
                        db.password(),
                        "JAVA_TOOL_OPTIONS",
                        "-Djava.io.tmpdir=" + temp.toAbsolutePath()),
                "demo",
                "--db-url",
                db.url(),
                "--db-user",
                db.user(),
                "--customers",
                "20000")) {
            // Streaming: the slot, the publication, the schema and the broker's data all exist now.
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> count(slots) == 1 || !demo.process().isAlive());
            assertThat(demo.process().isAlive())
                    .as("the demo is still running when the signal comes")
                    .isTrue();
            assertThat(count(
                            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'hfc\\_demo\\_%'"))
                    .isEqualTo(1);
            assertThat(Files.list(temp)
                            .filter(p -> p.getFileName().toString().startsWith("hfc-demo"))
                            .count())
                    .isEqualTo(1);

            int exit = demo.terminate(Duration.ofSeconds(90));

            assertThat(exit).as("exit code after SIGTERM").isNotZero();
            assertThat(demo.stderr()).contains("signal received").contains("clean-up done");
        }
        assertThat(count(slots)).as("replication slots left behind").isZero();
        assertThat(count("SELECT count(*) FROM pg_publication WHERE pubname LIKE 'hfc\\_demo\\_%'"))
                .as("publications")
                .isZero();
        assertThat(count("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'hfc\\_demo\\_%'"))
                .as("schemas")
                .isZero();
        try (var left = Files.list(temp)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("hfc-")))
                    .as("temporary data")
                    .isEmpty();
        }
    }

    private static long count(String sql) throws Exception {
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void badConfigurationExitsWith2AndNamesTheFlagAndVariable() throws Exception {
        var badSchema = HfcProcess.run(
                Duration.ofSeconds(60), Map.of("HFC_DB_SCHEMA", "x; drop table customer"), "db", "migrate");
        assertThat(badSchema.exitCode()).isEqualTo(2);
        assertThat(badSchema.stderr())
                .contains("--db-schema (env HFC_DB_SCHEMA)")
                .contains("lower-case letters");

        var badUrl = HfcProcess.run(
                Duration.ofSeconds(60), Map.of(), "db", "migrate", "--db-url", "jdbc:mysql://h/db?password=hunter2");
        assertThat(badUrl.exitCode()).isEqualTo(2);
        assertThat(badUrl.stderr()).contains("--db-url").doesNotContain("hunter2");

        var unknown = HfcProcess.run(Duration.ofSeconds(60), Map.of(), "db", "migrate", "--no-such-flag");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("Unknown option: '--no-such-flag'");

        var badPort = HfcProcess.run(Duration.ofSeconds(60), Map.of(), "broker", "--port", "seventy");
        assertThat(badPort.exitCode()).isEqualTo(2);
        assertThat(badPort.stderr()).contains("--port");

        var noConsumers = HfcProcess.run(Duration.ofSeconds(60), Map.of("HFC_SINK_CONSUMERS", "0"), "sink");
        assertThat(noConsumers.exitCode()).isEqualTo(2);
        assertThat(noConsumers.stderr()).contains("--consumers").contains("consumers must be 1..64, got 0");

        var badBind = HfcProcess.run(
                Duration.ofSeconds(60),
                Map.of("HFC_OPS_BIND_ADDRESS", "no-such-host.invalid"),
                "sink",
                "--ops-port",
                "0");
        assertThat(badBind.exitCode()).isEqualTo(2);
        assertThat(badBind.stderr())
                .contains("--ops-bind-address")
                .contains("HFC_OPS_BIND_ADDRESS")
                .contains("'no-such-host.invalid' is not an address of this host");

        var bigControl =
                HfcProcess.run(Duration.ofSeconds(60), Map.of(), "campaign", "send", "--control-percent", "60");
        assertThat(bigControl.exitCode()).isEqualTo(2);
        assertThat(bigControl.stderr()).contains("--control-percent").contains("0% to 50%, got 60%");
        var badControl = HfcProcess.run(
                Duration.ofSeconds(60), Map.of("HFC_CAMPAIGN_CONTROL_PERCENT", "low=ten"), "campaign", "send");
        assertThat(badControl.exitCode()).isEqualTo(2);
        assertThat(badControl.stderr())
                .contains("HFC_CAMPAIGN_CONTROL_PERCENT")
                .contains("expected a percentage such as 10 or 2.5, got 'ten'");
        var badWeek = HfcProcess.run(Duration.ofSeconds(60), Map.of(), "campaign", "report", "--week", "2026-W54");
        assertThat(badWeek.exitCode()).isEqualTo(2);
        assertThat(badWeek.stderr()).contains("--week");
    }

    @Test
    void theDemoSaysExactlyWhatIsWrongWithANamedDatabaseAndExits2() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        var result = HfcProcess.run(
                Duration.ofSeconds(60),
                Map.of("HFC_DB_PASSWORD", "hunter2"),
                "demo",
                "--db-url",
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr())
                .contains("--db-url (env HFC_DB_URL): cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:"
                        + closedPort)
                .contains("leave out --db-url")
                .doesNotContain("hunter2");
    }

    @Test
    void theDemoRefusesAServerWithoutLogicalWalAndSaysHowToFixIt() throws Exception {
        try (var replicaOnly = dev.hfc.local.postgres.EmbeddedPostgresServer.start(0, null, "replica")) {
            var result = HfcProcess.run(
                    Duration.ofSeconds(60), Map.of(), "demo", "--db-url", replicaOnly.jdbcUrl("postgres"));
            assertThat(result.exitCode()).isEqualTo(2);
            assertThat(result.stderr())
                    .contains("has wal_level=replica, and CDC needs 'logical'")
                    .contains("ALTER SYSTEM SET wal_level = logical");
        }
    }

    @Test
    void anUnreachableDatabaseIsARunTimeFailureWithoutThePassword() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        var result = HfcProcess.run(
                Duration.ofSeconds(60),
                Map.of("HFC_DB_PASSWORD", "hunter2"),
                "db",
                "migrate",
                "--db-url",
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr()).contains("hfc migrate failed").doesNotContain("hunter2");
    }
}
