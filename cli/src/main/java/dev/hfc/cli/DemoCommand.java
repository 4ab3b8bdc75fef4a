package dev.hfc.cli;

import static dev.hfc.cli.demo.DemoLogging.say;

import dev.hfc.campaign.CampaignApplication;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.cli.demo.DemoCampaign;
import dev.hfc.cli.demo.DemoEnvironment;
import dev.hfc.cli.demo.DemoLogging;
import dev.hfc.cli.demo.DemoPipeline;
import dev.hfc.cli.demo.DemoReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.http.HttpListener;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.ReferenceCheck;
import dev.hfc.harness.generate.SourceDataGenerator;
import dev.hfc.harness.generate.SourceDataLoader;
import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.local.postgres.EmbeddedPostgresServer;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.service.Cli;
import dev.hfc.service.Hfc;
import dev.hfc.service.ServiceRunner;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hfc demo}: the whole pipeline in one process, from nothing but Java (§8). Starts an in-process
 * Kafka broker and (unless a database is named) an embedded PostgreSQL, creates a schema of its own,
 * generates customers, runs producer, segmenter and sink, waits until the table is caught up, applies live
 * changes, waits again, checks the table against an independent SQL computation, and sends the target
 * week's campaign to an in-process SMTP server. Exit 0 only if the table matches and every row of the
 * target week was sent once.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run everything in one process and check the result against a reference computation in SQL.")
final class DemoCommand implements Callable<Integer> {

    @Option(
            names = "--customers",
            defaultValue = "50000",
            paramLabel = "N",
            description = "Customers to generate (default ${DEFAULT-VALUE}).")
    int customers;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "S",
            description = "Seed of the generated data (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--changes",
            defaultValue = "1000",
            paramLabel = "N",
            description = "Live changes applied after the load (default ${DEFAULT-VALUE}).")
    int changes;

    @Option(
            names = "--change-rate",
            defaultValue = "200",
            paramLabel = "PER_S",
            description = "Live changes per second (default ${DEFAULT-VALUE}).")
    int changeRate;

    @Option(
            names = "--db-url",
            paramLabel = "JDBC_URL",
            defaultValue = "${env:HFC_DB_URL}",
            description = "Use this PostgreSQL (needs wal_level=logical) instead of an embedded one (env HFC_DB_URL).")
    String dbUrl;

    @Option(
            names = "--db-user",
            paramLabel = "USER",
            defaultValue = "${env:HFC_DB_USER:-postgres}",
            description = "Database user with REPLICATION (env HFC_DB_USER; default ${DEFAULT-VALUE}).")
    String dbUser;

    @Option(
            names = "--db-password",
            paramLabel = "PASSWORD",
            defaultValue = "${env:HFC_DB_PASSWORD:-}",
            description = "Database password (env HFC_DB_PASSWORD). Never logged.")
    String dbPassword;

    @Option(
            names = "--keep-schema",
            description = "Keep the demo's schema (and print its name) instead of dropping it.")
    boolean keepSchema;

    @Option(
            names = "--ops-port",
            paramLabel = "PORT",
            defaultValue = "${env:HFC_OPS_PORT:-0}",
            description =
                    "Serve /health and /metrics of all three services while the demo runs (default: a free port).")
    int opsPort;

    @Option(
            names = "--verbose",
            description = "Show the services', libraries' and in-process broker's log lines on stderr; "
                    + "without it, only hfc's own warnings and errors.")
    boolean verbose;

    @Option(
            names = "--timeout-s",
            defaultValue = "600",
            paramLabel = "S",
            description = "Longest wait for the table to catch up (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (customers < 1 || changes < 0 || changeRate < 1) {
            throw Cli.usage("--customers / --changes / --change-rate", null, "must be positive");
        }
        if (!verbose) {
            DemoLogging.quiet();
        }
        long begin = System.nanoTime();
        EmbeddedPostgresServer embedded = null;
        DbSettings base;
        if (dbUrl == null || dbUrl.isBlank()) {
            say("starting an embedded PostgreSQL (pass --db-url to use your own)");
            embedded = EmbeddedPostgresServer.start(0);
            base = new DbSettings(embedded.jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER, "", "public");
        } else {
            base = Cli.check("--db-url", "HFC_DB_URL", () -> new DbSettings(dbUrl, dbUser, dbPassword, "public"));
            DemoEnvironment.checkGivenDatabase(base);
        }
        // After the checks above, which may refuse the database: every exit from here on deletes it.
        Path work = Files.createTempDirectory("hfc-demo");
        String id = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
        DbSettings db = base.withSchema("hfc_demo_" + id);
        Topics topics = new Topics("hfc-demo-" + id + ".");
        String slot = "hfc_demo_" + id;
        SegmentPolicy policy = SegmentPolicy.DEFAULT;
        Week current = Week.current(Instant.now(), ZoneOffset.UTC);
        Week target = current.plus(1);
        int code;
        try (InProcessKafkaBroker broker = DemoEnvironment.startBroker(work)) {
            var registry = ServiceRunner.registry("demo");
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());

            say("schema " + db.schema() + ": migrating, then generating " + String.format("%,d", customers)
                    + " customers (seed " + seed + ")");
            SchemaMigrator.migrate(db, true);
            var generator = new SourceDataGenerator(seed, current);
            Progress progress = new Progress("generate", customers);
            var loaded = SourceDataLoader.load(db, generator, 0, customers, progress::update);
            progress.done();
            say(String.format(
                    "loaded %,d customers and %,d subscriptions (%,.0f rows/s)",
                    loaded.customers(), loaded.subscriptions(), loaded.rowsPerSecond()));

            var campaignMetrics = new CampaignMetrics(registry);
            var loopback = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
            try (DemoPipeline pipeline = DemoPipeline.start(
                            kafka, topics, db, slot, work, policy, current, timeoutSeconds, registry);
                    CampaignApplication campaignApp = CampaignApplication.assemble(
                            DemoCampaign.config(db, kafka, topics, slot + "-segmenter"),
                            campaignMetrics,
                            Clock.systemUTC());
                    OpsServer ops = OpsServer.start(
                            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), opsPort),
                            registry,
                            pipeline::health,
                            Map.of(),
                            campaignApp.operatorPages(),
                            null);
                    // The campaign's public listener (one-click unsubscribes), on loopback: the demo sends to no one
                    // real.
                    HttpListener open = HttpListener.start(
                            HttpListener.Settings.defaults("public", loopback), campaignApp.publicRoutes())) {
                say("producer, segmenter and sink running; metrics on http://127.0.0.1:" + ops.port()
                        + "/metrics, the campaign " + "dashboard on http://127.0.0.1:" + ops.port() + "/dashboard");

                DemoPipeline.Load load = pipeline.awaitInitialLoad();

                URI unsubscribeUrl = URI.create("http://127.0.0.1:" + open.port() + "/unsubscribe");
                // The cut-off run: the target week's campaign, with a control group held back.
                DemoCampaign.Outcome campaign = load.outcome().matches()
                        ? DemoCampaign.send(campaignApp, target, unsubscribeUrl, "cut-off run")
                        : null;

                DemoPipeline.Live live =
                        pipeline.applyLiveChanges(generator, customers, target, changes, changeRate, seed);
                ReferenceCheck.Outcome finalCheck = live.outcome();
                // Customers who paused after the cut-off run get theirs from a second run.
                DemoCampaign.Outcome late = campaign != null && finalCheck.matches()
                        ? DemoCampaign.send(campaignApp, target, unsubscribeUrl, "run for late pauses")
                        : null;
                DemoReport.printSummary(
                        db,
                        current,
                        finalCheck,
                        live.applied(),
                        live.latency(),
                        load.eventsPerSecond(),
                        ops.port(),
                        topics,
                        begin,
                        keepSchema);
                if (campaign != null) {
                    DemoReport.printCampaign(campaign);
                }
                if (late != null) {
                    DemoReport.printCampaign(late);
                }
                if (campaign != null) {
                    DemoReport.printWinBack(db, target, ops.port());
                }
                code = finalCheck.matches() && campaign != null && campaign.ok() && late != null && late.ok()
                        ? Hfc.OK
                        : Hfc.FAILED;
            }
        } finally {
            DemoEnvironment.cleanUp(db, slot, keepSchema);
            if (embedded != null) {
                embedded.close();
            }
            DemoEnvironment.deleteWorkDirectory(work);
        }
        return code;
    }
}
