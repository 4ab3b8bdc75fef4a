package dev.hfc.cli;

import dev.hfc.service.Cli;
import dev.hfc.service.Hfc;
import dev.hfc.service.ServiceRunner;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.control.ControlGroup;
import dev.hfc.campaign.dashboard.Dashboard;
import dev.hfc.campaign.dashboard.DlqCounts;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.report.CampaignReport;
import dev.hfc.campaign.report.ReportFormat;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.DeferralPolicy;
import dev.hfc.campaign.send.PipelineFreshness;
import dev.hfc.campaign.send.SegmenterPosition;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.bench.pipeline.CatchUp;
import dev.hfc.cli.demo.DemoLogging;
import dev.hfc.bench.pipeline.InProcessPipeline;
import dev.hfc.bench.pipeline.LiveChanges;
import dev.hfc.bench.pipeline.ReferenceCheck;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.http.HttpListener;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.local.postgres.EmbeddedPostgresServer;
import dev.hfc.local.smtp.InProcessSmtpServer;
import dev.hfc.producer.cdc.SourceDatabase;
import dev.hfc.producer.generate.SourceDataGenerator;
import dev.hfc.producer.generate.SourceDataLoader;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
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
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run everything in one process and check the result against a reference computation in SQL.")
final class DemoCommand implements Callable<Integer> {

    private static final long SETTLED_NANOS = 30_000_000_000L;
    private static final Duration QUIET = Duration.ofSeconds(2);

    @Option(names = "--customers", defaultValue = "50000", paramLabel = "N", description = "Customers to generate (default ${DEFAULT-VALUE}).")
    int customers;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the generated data (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--changes", defaultValue = "1000", paramLabel = "N", description = "Live changes applied after the load (default ${DEFAULT-VALUE}).")
    int changes;

    @Option(names = "--change-rate", defaultValue = "200", paramLabel = "PER_S", description = "Live changes per second (default ${DEFAULT-VALUE}).")
    int changeRate;

    @Option(names = "--db-url", paramLabel = "JDBC_URL", defaultValue = "${env:HFC_DB_URL}",
            description = "Use this PostgreSQL (needs wal_level=logical) instead of an embedded one (env HFC_DB_URL).")
    String dbUrl;

    @Option(names = "--db-user", paramLabel = "USER", defaultValue = "${env:HFC_DB_USER:-postgres}",
            description = "Database user with REPLICATION (env HFC_DB_USER; default ${DEFAULT-VALUE}).")
    String dbUser;

    @Option(names = "--db-password", paramLabel = "PASSWORD", defaultValue = "${env:HFC_DB_PASSWORD:-}",
            description = "Database password (env HFC_DB_PASSWORD). Never logged.")
    String dbPassword;

    @Option(names = "--keep-schema", description = "Keep the demo's schema (and print its name) instead of dropping it.")
    boolean keepSchema;

    @Option(names = "--ops-port", paramLabel = "PORT", defaultValue = "${env:HFC_OPS_PORT:-0}",
            description = "Serve /health and /metrics of all three services while the demo runs (default: a free port).")
    int opsPort;

    @Option(names = "--verbose", description = "Show the services', libraries' and in-process broker's log lines on stderr; "
            + "without it, only hfc's own warnings and errors.")
    boolean verbose;

    @Option(names = "--timeout-s", defaultValue = "600", paramLabel = "S", description = "Longest wait for the table to catch up (default ${DEFAULT-VALUE}).")
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
            checkGivenDatabase(base);
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
        try (InProcessKafkaBroker broker = startBroker(work)) {
            var registry = ServiceRunner.registry("demo");
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
            var layout = new TopicProvisioner.Layout(3, (short) 1);

            say("schema " + db.schema() + ": migrating, then generating " + String.format("%,d", customers) + " customers (seed " + seed + ")");
            SchemaMigrator.migrate(db, true);
            var generator = new SourceDataGenerator(seed, current);
            Progress progress = new Progress("generate", customers);
            var loaded = SourceDataLoader.load(db, generator, 0, customers, progress::update);
            progress.done();
            say(String.format("loaded %,d customers and %,d subscriptions (%,.0f rows/s)", loaded.customers(),
                    loaded.subscriptions(), loaded.rowsPerSecond()));

            var campaignMetrics = new CampaignMetrics(registry);
            var consent = new dev.hfc.campaign.consent.ConsentStore(db);
            var tokens = new dev.hfc.campaign.consent.UnsubscribeTokens(consent.secret("unsubscribe-token", 32).value(),
                    Duration.ofDays(180), java.time.Clock.systemUTC());
            var endpoints = new dev.hfc.campaign.consent.ConsentEndpoints(tokens, consent, campaignMetrics, null,
                    new dev.hfc.campaign.consent.ConsentEndpoints.SoftBounces(3, Duration.ofDays(30)), java.time.Clock.systemUTC());
            var loopback = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
            long pipelineStart = System.nanoTime();
            try (InProcessPipeline pipeline = InProcessPipeline.start(new InProcessPipeline.Settings(kafka, topics, db, slot,
                         work.resolve("segmenter"), layout, policy, Duration.ofMillis(100)), registry);
                 DlqCounts dlq = new DlqCounts(kafka.clientProperties(Map.of()), topics.dlq().name());
                 OpsServer ops = OpsServer.start(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), opsPort),
                         registry, pipeline::health, Map.of(),
                         new Dashboard(db, ZoneOffset.UTC, java.time.Clock.systemUTC(), dlq).routes(), null);
                 // The campaign's public listener (one-click unsubscribes), on loopback: the demo sends to no one real.
                 HttpListener open = HttpListener.start(HttpListener.Settings.defaults("public", loopback), endpoints.routes());
                 SegmenterPosition segmenterPosition = new SegmenterPosition(kafka.clientProperties(Map.of()),
                         slot + "-segmenter", 1_000)) {
                say("producer, segmenter and sink running; metrics on http://127.0.0.1:" + ops.port() + "/metrics, the campaign "
                        + "dashboard on http://127.0.0.1:" + ops.port() + "/dashboard");

                CatchUp.Result load = awaitMatch(db, policy, current, pipeline, "initial load", false);
                ReferenceCheck.Outcome caughtUp = load.outcome();
                double loadSeconds = (load.lastChangeNanos() - pipelineStart) / 1e9;
                double eventsPerSecond = pipeline.published() / loadSeconds;
                say(String.format("caught up after %.1f s: %,d events through the pipeline (%,.0f events/s), %,d rows",
                        loadSeconds, pipeline.published(), eventsPerSecond, caughtUp.actualRows()));

                var unsubscribe = new dev.hfc.campaign.consent.Unsubscribe(tokens,
                        java.net.URI.create("http://127.0.0.1:" + open.port() + "/unsubscribe"), null,
                        "pause-campaign.demo.example", "Paused deliveries");
                // The cut-off run: the target week's campaign, with a control group held back.
                CampaignOutcome campaign = caughtUp.matches()
                        ? sendCampaign(db, target, unsubscribe, campaignMetrics, segmenterPosition, "cut-off run") : null;

                LiveChanges.Applied applied = null;
                if (changes > 0) {
                    say(String.format("applying %,d live changes at %d/s (pauses, resumes, cancellations, email changes, deletes, "
                            + "new customers); resumes now come after the email", changes, changeRate));
                    applied = LiveChanges.apply(db, generator, customers, target, changes, changeRate, seed);
                }
                // Rows marked sent are history from here on (§4): the check leaves them out on both sides.
                ReferenceCheck.Outcome finalCheck = awaitMatch(db, policy, current, pipeline, "live changes", true).outcome();
                Histogram latency = applied == null ? null : LiveChanges.latencies(db, target, applied.samples());
                // Customers who paused after the cut-off run get theirs from a second run.
                CampaignOutcome late = campaign != null && finalCheck.matches()
                        ? sendCampaign(db, target, unsubscribe, campaignMetrics, segmenterPosition, "run for late pauses") : null;
                printSummary(db, current, caughtUp, finalCheck, applied, latency, eventsPerSecond, ops.port(), topics, begin);
                if (campaign != null) {
                    campaign.print();
                }
                if (late != null) {
                    late.print();
                }
                if (campaign != null) {
                    System.out.println();
                    System.out.println("Win-back report for " + target + " (hfc campaign report --week " + target + "):");
                    System.out.print(ReportFormat.TABLE.render(CampaignReport.read(db, target)));
                    System.out.println("The dashboard was at http://127.0.0.1:" + ops.port() + "/dashboard while the demo ran "
                            + "(hfc campaign run serves it on its --ops-port).");
                }
                code = finalCheck.matches() && campaign != null && campaign.ok() && late != null && late.ok() ? Hfc.OK : Hfc.FAILED;
            }
        } finally {
            cleanUp(db, slot);
            if (embedded != null) {
                embedded.close();
            }
            deleteWorkDirectory(work);
        }
        return code;
    }

    /**
     * Waits for the table to catch up; returns the last reference outcome and when the table last changed.
     * Fails when the table never stood still long enough to be compared within {@code --timeout-s}.
     */
    private CatchUp.Result awaitMatch(DbSettings db, SegmentPolicy policy, Week from, InProcessPipeline pipeline,
                                      String phase, boolean keepSent) throws Exception {
        CatchUp catchUp = new CatchUp(db, () -> ReferenceCheck.check(db, policy, from, keepSent, List.of()), pipeline::failure,
                QUIET, Duration.ofNanos(SETTLED_NANOS));
        CatchUp.Result result = catchUp.await(Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(3),
                rows -> say(String.format("%s: %,d rows in the table", phase, rows)));
        if (result.outcome() == null) {
            throw new IllegalStateException(phase + ": the table was still changing after --timeout-s " + timeoutSeconds + " s");
        }
        if (!result.matches()) {
            say(phase + ": the table has not changed for " + SETTLED_NANOS / 1_000_000_000 + " s and still differs");
        }
        return result;
    }

    private void printSummary(DbSettings db, Week current, ReferenceCheck.Outcome load, ReferenceCheck.Outcome check,
                              LiveChanges.Applied applied, Histogram latency, double eventsPerSecond, int port,
                              Topics topics, long begin) throws SQLException {
        System.out.println();
        System.out.println("Targeted customers per week and segment (rec_campaigns_weekly):");
        System.out.printf("  %-9s %9s %9s %9s %9s%n", "week", "low", "medium", "high", "total");
        Map<String, long[]> byWeek = new TreeMap<>();
        try (Connection c = Database.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT subscription_week, segment, count(*) FROM rec_campaigns_weekly "
                     + "GROUP BY 1, 2 ORDER BY 1")) {
            while (rs.next()) {
                long[] counts = byWeek.computeIfAbsent(rs.getString(1), k -> new long[3]);
                counts[switch (rs.getString(2)) { case "low" -> 0; case "medium" -> 1; default -> 2; }] = rs.getLong(3);
            }
        }
        byWeek.forEach((week, n) -> System.out.printf("  %-9s %,9d %,9d %,9d %,9d%s%n", week, n[0], n[1], n[2],
                n[0] + n[1] + n[2], week.equals(current.plus(1).toString()) ? "   <- target week" : ""));
        System.out.println();
        System.out.printf("Pipeline: %,.0f events/s through producer, segmenter and sink on the initial load.%n", eventsPerSecond);
        if (applied != null) {
            System.out.printf("Live changes: %,d applied in %.1f s (%d pauses, %d resumes, %d cancellations, %d email changes, "
                            + "%d customer deletes, %d new customers).%n", applied.total(), applied.seconds(), applied.pauses(),
                    applied.resumes(), applied.cancellations(), applied.emailChanges(), applied.deletes(), applied.newCustomers());
            if (latency != null && latency.getTotalCount() > 0) {
                System.out.printf("Latency from a pause committed in PostgreSQL to its row in the table: p50 %d ms, p99 %d ms, "
                                + "max %d ms (%d samples).%n", latency.getValueAtPercentile(50), latency.getValueAtPercentile(99),
                        latency.getMaxValue(), latency.getTotalCount());
            }
        }
        System.out.println();
        if (check.matches()) {
            System.out.printf("CHECK PASSED: rec_campaigns_weekly equals the reference SQL computation for every target week "
                    + "from %s on (%,d rows).%n", current, check.actualRows());
        } else {
            System.out.printf("CHECK FAILED: %,d differences between rec_campaigns_weekly (%,d rows) and the reference SQL "
                    + "(%,d rows); the first:%n", check.differences(), check.actualRows(), check.expectedRows());
            check.firstDifferences().forEach(d -> System.out.println("  " + d));
        }
        System.out.println();
        System.out.println("Where to look next:");
        System.out.println("  metrics (while it ran): http://127.0.0.1:" + port + "/metrics");
        System.out.println("  topics:  " + topics.subscriptionEvents().name() + ", " + topics.customers().name() + ", "
                + topics.customerSegments().name() + ", " + topics.dlq().name());
        System.out.println("  table:   " + db.qualified("rec_campaigns_weekly") + (keepSchema ? " (kept)" : " (dropped; --keep-schema keeps it)"));
        System.out.printf("  total time %.1f s%n", (System.nanoTime() - begin) / 1e9);
    }

    /** What one of the demo's campaign runs did, and whether the SMTP server saw exactly that. */
    private record CampaignOutcome(String run, SendReport report, int received, long unsentLeft, double seconds) {
        boolean ok() {
            return report.complete() && received == report.sentTotal() && unsentLeft == report.addressRejected();
        }

        void print() {
            System.out.println();
            System.out.printf("Campaign for %s, %s, sent to an in-process SMTP server in %.1f s: %,d emails (low %,d, medium %,d, "
                            + "high %,d), %,d held back as the control group; the server received %,d%s.%n", report.week(), run,
                    seconds, report.sentTotal(), report.sent().getOrDefault(Segment.LOW, 0L),
                    report.sent().getOrDefault(Segment.MEDIUM, 0L), report.sent().getOrDefault(Segment.HIGH, 0L),
                    report.controlTotal(), received,
                    report.addressRejected() == 0 ? "" : String.format(", %,d addresses refused for good", report.addressRejected()));
            System.out.println(ok() ? "CAMPAIGN PASSED: every row of the target week was sent once and marked, or held back."
                    : "CAMPAIGN FAILED: " + report.summary() + "; received " + received + ", unsent rows left " + unsentLeft);
        }
    }

    /** The demo's control group: a tenth of each segment, under a salt of its own. */
    static final ControlGroup DEMO_CONTROL = ControlGroup.parse("10", "hfc-demo");

    /**
     * Sends the target week's campaign with the shipped templates (§1 part 3) through an in-process SMTP server
     * that, like a modern relay, announces SMTPUTF8: the generated customers include internationalised addresses.
     */
    private static CampaignOutcome sendCampaign(DbSettings db, Week target, dev.hfc.campaign.consent.Unsubscribe unsubscribe,
                                                CampaignMetrics metrics, SegmenterPosition segmenter, String run)
            throws Exception {
        say("sending the campaign for " + target + " to an in-process SMTP server (" + run + "; control group "
                + DEMO_CONTROL.describe() + ")");
        long start = System.nanoTime();
        try (InProcessSmtpServer smtp = InProcessSmtpServer.start(0)) {
            SmtpSettings settings = new SmtpSettings("127.0.0.1", smtp.port(), SmtpSettings.Security.NONE, null, null,
                    "Meal kits <campaigns@demo.example>", null, 0, Duration.ofSeconds(10), Duration.ofSeconds(30));
            SendReport report;
            // The segmenter and the sink run in this process and report where they are: send only from a current table.
            try (CampaignSender sender = new CampaignSender(new CampaignSender.Settings(db, 100, 0, settings.retryTimeout(),
                    Duration.ofSeconds(30), settings.messageIdDomain(),
                    new PipelineFreshness(db, Duration.ofSeconds(10), segmenter, Duration.ofSeconds(60)), 4,
                    DeferralPolicy.DEFAULT),
                    CampaignTemplates.defaults("https://demo.example/resume?week={{week}}&user={{user_id}}"), unsubscribe,
                    () -> new SmtpMailer(settings), metrics, DEMO_CONTROL)) {
                report = sender.send(target);
            }
            long unsent;
            try (Connection c = Database.connect(db); java.sql.PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM rec_campaigns_weekly r WHERE r.subscription_week = ? AND NOT r.campaign_sent "
                            + "AND NOT EXISTS (SELECT 1 FROM hfc_campaign_control k WHERE k.subscription_week = r.subscription_week "
                            + "AND k.user_id = r.user_id)")) {
                ps.setString(1, target.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    unsent = rs.getLong(1);
                }
            }
            return new CampaignOutcome(run, report, smtp.received().size(), unsent, (System.nanoTime() - start) / 1e9);
        }
    }

    /** A named database must be reachable and ready for CDC; otherwise say exactly what to do (exit 2). */
    private static void checkGivenDatabase(DbSettings db) {
        try (Connection c = Database.connect(db)) {
            String wal = Database.walLevel(c);
            if (!"logical".equals(wal)) {
                throw Cli.usage("--db-url", "HFC_DB_URL", "PostgreSQL at " + DbSettings.redactUrl(db.url()) + " has wal_level="
                        + wal + ", and CDC needs 'logical'. Fix: psql -c \"ALTER SYSTEM SET wal_level = logical\" and restart "
                        + "PostgreSQL (e.g. pg_ctlcluster <version> main restart), or leave out --db-url to use an embedded one");
            }
        } catch (SQLException e) {
            throw Cli.usage("--db-url", "HFC_DB_URL", "cannot connect to PostgreSQL at " + DbSettings.redactUrl(db.url())
                    + " as " + db.user() + ": " + e.getMessage().lines().findFirst().orElse("")
                    + ". Check that it runs and accepts the user, or leave out --db-url to use an embedded one");
        }
    }

    private InProcessKafkaBroker startBroker(Path work) {
        say("starting an in-process Kafka broker (KRaft, single node)");
        return InProcessKafkaBroker.start(0, work.resolve("kafka"));
    }

    private void cleanUp(DbSettings db, String slot) {
        try {
            SourceDatabase.dropSlot(db, slot, slot); // a slot nobody reads pins WAL forever
            if (!keepSchema) {
                try (Connection c = Database.connect(db); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS " + db.quotedSchema() + " CASCADE");
                }
            }
        } catch (Exception e) {
            System.err.println("hfc demo: clean-up incomplete (" + e.getMessage() + "); drop schema " + db.schema()
                    + " and replication slot " + slot + " by hand");
        }
    }

    /** The broker's log and the segmenter's state (hundreds of MB at the defaults) go, whether the demo passed or not. */
    private static void deleteWorkDirectory(Path work) {
        try {
            org.apache.kafka.common.utils.Utils.delete(work.toFile());
        } catch (java.io.IOException e) {
            System.err.println("hfc demo: could not delete its temporary data in " + work + " (" + e.getMessage() + ")");
        }
    }

    private static void say(String message) {
        System.out.println("[demo] " + message);
        System.out.flush();
    }
}
