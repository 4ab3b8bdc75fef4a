package dev.hfc.cli;

import dev.hfc.service.Cli;
import dev.hfc.service.Hfc;
import dev.hfc.service.DbOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hfc.sink.SinkService;
import dev.hfc.bench.pipeline.CampaignBenchmark;
import dev.hfc.bench.pipeline.CdcBenchmark;
import dev.hfc.bench.pipeline.PipelineBenchmark;
import dev.hfc.bench.pipeline.SegmenterBenchmark;
import dev.hfc.bench.pipeline.SinkTopicBenchmark;
import dev.hfc.bench.sink.SinkBenchmark;
import dev.hfc.sink.copy.CopyFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc bench <name> [--json]}: benchmarks with their alternatives, side by side (§9). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark.",
        subcommands = {BenchCommand.Sink.class, BenchCommand.Cdc.class, BenchCommand.Segmenter.class,
                BenchCommand.EndToEnd.class, BenchCommand.BatchVsStream.class, BenchCommand.Campaign.class})
final class BenchCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a benchmark: sink, cdc, segmenter, e2e, batch-vs-stream or campaign");
    }

    @Command(name = "sink", mixinStandardHelpOptions = true,
            description = "Rows/s into rec_campaigns_weekly: the sink's write path vs batched JDBC upserts vs a bare COPY, "
                    + "on the same rows, each on one connection and on one per sink consumer; then an update-heavy pass. "
                    + "Uses fresh schemas it drops afterwards.")
    static final class Sink implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Option(names = "--rows", defaultValue = "500000", description = "Rows per pass (default ${DEFAULT-VALUE}).")
        int rows;

        @Option(names = "--batch-size", defaultValue = "10000",
                description = "Rows per transaction, the same for every contender (default ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--copy-format", defaultValue = "binary", description = "binary or text (default ${DEFAULT-VALUE}).")
        String copyFormat;

        @Option(names = "--consumers", defaultValue = "" + SinkService.DEFAULT_CONSUMERS,
                description = "Connections for the parallel runs, as many as the sink's consumers (default ${DEFAULT-VALUE}; "
                        + "1 runs every contender on one connection only).")
        int consumers;

        @Option(names = "--seed", defaultValue = "7", description = "Seed of the generated rows (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--from-topic", description = "Also run the sink as deployed: the same rows as segment records in a "
                + "topic of an in-process broker, read by the sink service's real consumers until it stored every end offset.")
        boolean fromTopic;

        @Option(names = "--keep-data", description = "With --from-topic: keep the broker's data (deleted by default, pass or fail).")
        boolean keepData;

        @Option(names = "--json", description = "Print one JSON object with every figure as the last line of stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (rows < 1000 || batchSize < 1) {
                throw Cli.usage("--rows / --batch-size", null, "need at least 1000 rows and a positive batch size");
            }
            if (consumers < 1 || consumers > SinkBenchmark.PARTITIONS) {
                throw Cli.usage("--consumers", null, "must be 1.." + SinkBenchmark.PARTITIONS + " (the benchmark's partitions)");
            }
            CopyFormat format = Cli.check("--copy-format", null, () -> CopyFormat.parse(copyFormat));
            var r = SinkBenchmark.run(db.settings(), rows, batchSize, format, consumers, seed,
                    step -> System.err.println("bench sink: " + step));
            SinkBenchmark.Rates one = r.single();
            SinkBenchmark.Rates par = r.parallel();
            System.out.printf("%-40s %14s %14s%n", "rows/s", "1 connection", consumers + " connections");
            System.out.printf("%-40s %,14.0f %,14.0f%n", "sink path, new rows", one.sinkRowsPerS(), par.sinkRowsPerS());
            System.out.printf("%-40s %,14.0f %,14.0f%n", "JDBC batched upsert, new rows", one.jdbcRowsPerS(), par.jdbcRowsPerS());
            System.out.printf("%-40s %,14.0f %,14.0f%n", "bare COPY, new rows", one.bareCopyRowsPerS(), par.bareCopyRowsPerS());
            System.out.printf("%-40s %,14.0f %,14.0f%n", "sink path, every key present", one.sinkUpdateRowsPerS(), par.sinkUpdateRowsPerS());
            System.out.printf("%-40s %,14.0f %,14.0f%n", "JDBC batched upsert, every key present", one.jdbcUpdateRowsPerS(),
                    par.jdbcUpdateRowsPerS());
            System.out.printf("targets, the sink with %d consumer(s) against the one-connection alternatives: new rows %.2fx JDBC "
                    + "(target 1.5), %.2fx bare COPY (target 0.8); every key present %.2fx JDBC (target 1.25)%n",
                    consumers, r.newRowsVsJdbc(), r.newRowsVsBareCopy(), r.updatesVsJdbc());
            System.out.printf("like for like, 1 connection each: new rows %.2fx JDBC, %.2fx bare COPY; every key present %.2fx JDBC%n",
                    one.newRowsVsJdbc(), one.newRowsVsBareCopy(), one.updatesVsJdbc());
            if (consumers > 1) {
                System.out.printf("like for like, %d connections each: new rows %.2fx JDBC, %.2fx bare COPY; every key present %.2fx JDBC%n",
                        consumers, par.newRowsVsJdbc(), par.newRowsVsBareCopy(), par.updatesVsJdbc());
            }
            SinkTopicBenchmark.Result topic = null;
            if (fromTopic) {
                var first = SinkBenchmark.rows(rows, seed, 0);
                topic = SinkTopicBenchmark.run(db.settings(), first, SinkBenchmark.changed(first), consumers, batchSize, keepData,
                        step -> System.err.println("bench sink: " + step));
                System.out.printf("%-40s %14s %,14.0f%n", "sink from a topic, new rows", "", topic.newRowsPerS());
                System.out.printf("%-40s %14s %,14.0f%n", "sink from a topic, every key present", "", topic.updateRowsPerS());
                System.out.printf("as deployed (consuming and decoding included), %d consumer(s): new rows %.2fx JDBC, every key "
                        + "present %.2fx JDBC (the in-memory references above)%n", consumers, topic.newRowsPerS() / one.jdbcRowsPerS(),
                        topic.updateRowsPerS() / one.jdbcUpdateRowsPerS());
            }
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("bench", "sink");
                o.put("rows", r.rows());
                o.put("batch_size", r.batchSize());
                o.put("copy_format", r.copyFormat());
                o.put("consumers", r.consumers());
                o.put("sink_rows_per_s", Math.round(par.sinkRowsPerS()));
                o.put("jdbc_rows_per_s", Math.round(one.jdbcRowsPerS()));
                o.put("bare_copy_rows_per_s", Math.round(one.bareCopyRowsPerS()));
                o.put("sink_update_rows_per_s", Math.round(par.sinkUpdateRowsPerS()));
                o.put("jdbc_update_rows_per_s", Math.round(one.jdbcUpdateRowsPerS()));
                o.put("new_rows_vs_jdbc", ratio(r.newRowsVsJdbc()));
                o.put("new_rows_vs_bare_copy", ratio(r.newRowsVsBareCopy()));
                o.put("updates_vs_jdbc", ratio(r.updatesVsJdbc()));
                if (topic != null) {
                    o.put("topic_sink_rows_per_s", Math.round(topic.newRowsPerS()));
                    o.put("topic_sink_update_rows_per_s", Math.round(topic.updateRowsPerS()));
                }
                for (SinkBenchmark.Rates rates : consumers == 1 ? List.of(one) : List.of(one, par)) {
                    ObjectNode n = o.putObject(rates.connections() == 1 ? "one_connection" : "per_consumer_connections");
                    n.put("connections", rates.connections());
                    n.put("sink_rows_per_s", Math.round(rates.sinkRowsPerS()));
                    n.put("jdbc_rows_per_s", Math.round(rates.jdbcRowsPerS()));
                    n.put("bare_copy_rows_per_s", Math.round(rates.bareCopyRowsPerS()));
                    n.put("sink_update_rows_per_s", Math.round(rates.sinkUpdateRowsPerS()));
                    n.put("jdbc_update_rows_per_s", Math.round(rates.jdbcUpdateRowsPerS()));
                    n.put("new_rows_vs_jdbc", ratio(rates.newRowsVsJdbc()));
                    n.put("new_rows_vs_bare_copy", ratio(rates.newRowsVsBareCopy()));
                    n.put("updates_vs_jdbc", ratio(rates.updatesVsJdbc()));
                }
                System.out.println(o);
            }
            return Hfc.OK;
        }

        private static double ratio(double r) {
            return Math.round(r * 100) / 100.0;
        }
    }

    @Command(name = "campaign", mixinStandardHelpOptions = true,
            description = "Messages/s through the campaign sender into an in-process SMTP server, no rate limit, on one SMTP "
                    + "connection and on several, over the same rows. A schema of its own, dropped after.")
    static final class Campaign implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Option(names = "--messages", defaultValue = "5000", description = "Rows to send per run (default ${DEFAULT-VALUE}).")
        int messages;

        @Option(names = "--connections", defaultValue = "4", split = ",",
                description = "SMTP connection counts to run, after one (default ${DEFAULT-VALUE}).")
        List<Integer> connections;

        @Option(names = "--json", description = "Print one JSON object with every figure as the last line of stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (messages < 100) {
                throw Cli.usage("--messages", null, "need at least 100 messages");
            }
            List<Integer> counts = new java.util.ArrayList<>(List.of(1));
            for (int n : connections) {
                if (n < 1 || n > 64) {
                    throw Cli.usage("--connections", null, "each count must be 1..64, got " + n);
                }
                if (!counts.contains(n)) {
                    counts.add(n);
                }
            }
            var r = CampaignBenchmark.run(db.settings(), messages, counts, step -> System.err.println("bench campaign: " + step));
            double one = r.runs().get(0).perSecond();
            for (CampaignBenchmark.Run run : r.runs()) {
                System.out.printf("%2d SMTP connection(s): %,d messages in %.1f s, %,.0f messages/s (%.2fx one connection)%n",
                        run.connections(), run.messages(), run.seconds(), run.perSecond(), run.perSecond() / one);
            }
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("bench", "campaign");
                o.put("messages", r.rows());
                var runs = o.putArray("runs");
                for (CampaignBenchmark.Run run : r.runs()) {
                    ObjectNode n = runs.addObject();
                    n.put("connections", run.connections());
                    n.put("messages_per_s", Math.round(run.perSecond()));
                    n.put("vs_one_connection", Math.round(run.perSecond() / one * 100) / 100.0);
                }
                System.out.println(o);
            }
            return Hfc.OK;
        }
    }

    @Command(name = "cdc", mixinStandardHelpOptions = true,
            description = "Events/s through the CDC path (WAL -> Debezium -> Kafka, acknowledged): the initial snapshot, "
                    + "then one UPDATE of every subscription row. In-process broker; a schema and slot of its own, dropped after.")
    static final class Cdc implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Option(names = "--rows", defaultValue = "220000", description = "Subscription rows (default ${DEFAULT-VALUE}).")
        long rows;

        @Option(names = "--keep-data", description = "Keep the broker and state data (deleted by default, pass or fail).")
        boolean keepData;

        @Option(names = "--json", description = "Print one JSON object with every figure as the last line of stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (rows < 1000) {
                throw Cli.usage("--rows", null, "need at least 1000 rows");
            }
            var r = CdcBenchmark.run(db.settings(), rows, keepData, step -> System.err.println("bench cdc: " + step));
            System.out.printf("snapshot: %,d subscription rows, the producer's own (COPY) %,.0f events/s, Debezium's %,.0f events/s "
                    + "(%.1fx)%n", r.rows(), r.snapshotEventsPerS(), r.debeziumSnapshotEventsPerS(),
                    r.snapshotEventsPerS() / r.debeziumSnapshotEventsPerS());
            System.out.printf("bulk UPDATE of %,d rows (commit took %.1f s): %,.0f events/s from statement start to the last event acknowledged%n",
                    r.rows(), r.bulkUpdateCommitSeconds(), r.bulkUpdateEventsPerS());
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("bench", "cdc");
                o.put("rows", r.rows());
                o.put("snapshot_events_per_s", Math.round(r.snapshotEventsPerS()));
                o.put("debezium_snapshot_events_per_s", Math.round(r.debeziumSnapshotEventsPerS()));
                o.put("bulk_update_events_per_s", Math.round(r.bulkUpdateEventsPerS()));
                o.put("bulk_update_commit_s", Math.round(r.bulkUpdateCommitSeconds() * 10) / 10.0);
                System.out.println(o);
            }
            return Hfc.OK;
        }
    }

    @Command(name = "segmenter", mixinStandardHelpOptions = true,
            description = "Input events/s through the segmenter topology on an in-process broker, exactly_once_v2.")
    static final class Segmenter implements Callable<Integer> {
        @Option(names = "--customers", defaultValue = "50000", description = "Customers; each brings 11 subscription events (default ${DEFAULT-VALUE}).")
        long customers;

        @Option(names = "--threads", defaultValue = "2", description = "Stream threads (default ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--policy-change", description = "Then restart under another policy (--medium-from 3): time the "
                + "re-segmentation from state against a new application reading every input again.")
        boolean policyChange;

        @Option(names = "--keep-data", description = "Keep the broker and state data (deleted by default, pass or fail).")
        boolean keepData;

        @Option(names = "--json", description = "Print one JSON object with every figure as the last line of stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (customers < 100 || threads < 1) {
                throw Cli.usage("--customers / --threads", null, "need at least 100 customers and 1 thread");
            }
            var r = SegmenterBenchmark.run(customers, threads, policyChange, keepData,
                    step -> System.err.println("bench segmenter: " + step));
            System.out.printf("%,d input events segmented in exactly-once mode with %d thread(s): %,.0f events/s (%,d segment records out)%n",
                    r.events(), r.threads(), r.eventsPerSecond(), r.segmentsOut());
            if (policyChange) {
                System.out.printf("policy change (%s): re-segmented from state in %.1f s (%,d segment records out); a new "
                                + "application reading all %,d events again: %.1f s (%.1fx)%n", SegmenterBenchmark.CHANGED.fingerprint(),
                        r.resegmentSeconds(), r.resegmentOut(), r.events(), r.replaySeconds(), r.replaySeconds() / r.resegmentSeconds());
            }
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("bench", "segmenter");
                o.put("events", r.events());
                o.put("threads", r.threads());
                o.put("events_per_s", Math.round(r.eventsPerSecond()));
                o.put("segments_out", r.segmentsOut());
                if (policyChange) {
                    o.put("resegment_s", Math.round(r.resegmentSeconds() * 10) / 10.0);
                    o.put("resegment_out", r.resegmentOut());
                    o.put("replay_s", Math.round(r.replaySeconds() * 10) / 10.0);
                }
                System.out.println(o);
            }
            return Hfc.OK;
        }
    }

    @Command(name = "e2e", mixinStandardHelpOptions = true,
            description = "The whole pipeline in this process: a loaded source to a caught-up table (time, events/s, peak heap), "
                    + "then commit-to-row latency under a sustained change rate. In-process broker; a schema and slot of its own, dropped after.")
    static final class EndToEnd implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Option(names = "--customers", defaultValue = "200000", description = "Customers; each brings 11 subscriptions (default ${DEFAULT-VALUE}).")
        long customers;

        @Option(names = "--change-rate", defaultValue = "100", description = "Source changes per second in the latency phase (default ${DEFAULT-VALUE}).")
        int changeRate;

        @Option(names = "--change-seconds", defaultValue = "30", description = "Length of the latency phase (default ${DEFAULT-VALUE}).")
        int changeSeconds;

        @Option(names = "--resnapshot", description = "Then a re-snapshot of all customers (hfc snapshot) while the same changes "
                + "stream again: time until the producer published it, and until the table is caught up and equal to the reference.")
        boolean resnapshot;

        @Option(names = "--keep-data", description = "Keep the broker and state data (deleted by default, pass or fail).")
        boolean keepData;

        @Option(names = "--json", description = "Print one JSON object with every figure as the last line of stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (customers < 100 || changeRate < 1 || changeSeconds < 1) {
                throw Cli.usage("--customers / --change-rate / --change-seconds", null, "need at least 100 customers and positive rates");
            }
            var r = PipelineBenchmark.endToEnd(db.settings(), customers, changeRate, changeSeconds, resnapshot, keepData,
                    step -> System.err.println("bench e2e: " + step));
            System.out.printf("%,d customers: %,d events from a loaded source to a caught-up table in %.1f s (%,.0f events/s), "
                    + "%,d rows; peak heap %,d MB%n", r.customers(), r.events(), r.loadSeconds(), r.eventsPerSecond(), r.rows(), r.peakHeapMb());
            System.out.printf("%,d changes at %d/s (committed at %,.0f/s): commit-to-row latency p50 %d ms, p99 %d ms (%d samples); "
                    + "p99 of the first half %d ms, of the second half %d ms%n", r.changes(), r.changeRate(), r.appliedPerSecond(),
                    r.latencyP50Ms(), r.latencyP99Ms(), r.latencySamples(), r.firstHalfP99Ms(), r.secondHalfP99Ms());
            if (resnapshot) {
                System.out.printf("re-snapshot of all %,d customers while %,d changes streamed at %d/s: published in %.1f s, "
                        + "table caught up and equal to the reference %.1f s after the request%n", r.customers(), r.changes(),
                        r.changeRate(), r.resnapshotSeconds(), r.resnapshotCaughtUpSeconds());
            }
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("bench", "e2e");
                o.put("customers", r.customers());
                o.put("events", r.events());
                o.put("load_s", Math.round(r.loadSeconds() * 10) / 10.0);
                o.put("events_per_s", Math.round(r.eventsPerSecond()));
                o.put("rows", r.rows());
                o.put("peak_heap_mb", r.peakHeapMb());
                o.put("change_rate_per_s", r.changeRate());
                o.put("changes", r.changes());
                o.put("latency_p50_ms", r.latencyP50Ms());
                o.put("latency_p99_ms", r.latencyP99Ms());
                o.put("latency_samples", r.latencySamples());
                o.put("changes_committed_per_s", Math.round(r.appliedPerSecond()));
                o.put("latency_p99_first_half_ms", r.firstHalfP99Ms());
                o.put("latency_p99_second_half_ms", r.secondHalfP99Ms());
                if (resnapshot) {
                    o.put("resnapshot_published_s", Math.round(r.resnapshotSeconds() * 10) / 10.0);
                    o.put("resnapshot_caught_up_s", Math.round(r.resnapshotCaughtUpSeconds() * 10) / 10.0);
                }
                System.out.println(o);
            }
            return Hfc.OK;
        }
    }

    @Command(name = "batch-vs-stream", mixinStandardHelpOptions = true,
            description = "The target week computed the old way (one SQL query, one COPY) and by the pipeline replaying from "
                    + "scratch, on the same source; then the cost of one customer's change in each.")
    static final class BatchVsStream implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Option(names = "--customers", defaultValue = "200000", description = "Customers; each brings 11 subscriptions (default ${DEFAULT-VALUE}).")
        long customers;

        @Option(names = "--keep-data", description = "Keep the broker and state data (deleted by default, pass or fail).")
        boolean keepData;

        @Option(names = "--json", description = "Print one JSON object with every figure as the last line of stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (customers < 100) {
                throw Cli.usage("--customers", null, "need at least 100 customers");
            }
            var r = PipelineBenchmark.batchVsStream(db.settings(), customers, keepData,
                    step -> System.err.println("bench batch-vs-stream: " + step));
            System.out.printf("%,d customers, %,d targets in the target week (batch and stream agree on every row)%n",
                    r.customers(), r.targetRows());
            System.out.printf("batch:  query %.2f s + COPY %.2f s = %.2f s for one week%n", r.batchQuerySeconds(),
                    r.batchLoadSeconds(), r.batchSeconds());
            System.out.printf("stream: %.1f s from an empty table to caught up (%,d rows, every target week)%n",
                    r.streamSeconds(), r.streamRows());
            System.out.printf("one customer's change: batch %.2f s (recomputes the week); stream p50 %d ms, p99 %d ms (one key)%n",
                    r.batchChangeSeconds(), r.streamChangeP50Ms(), r.streamChangeP99Ms());
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("bench", "batch-vs-stream");
                o.put("customers", r.customers());
                o.put("target_rows", r.targetRows());
                o.put("batch_query_s", Math.round(r.batchQuerySeconds() * 100) / 100.0);
                o.put("batch_load_s", Math.round(r.batchLoadSeconds() * 100) / 100.0);
                o.put("batch_s", Math.round(r.batchSeconds() * 100) / 100.0);
                o.put("stream_replay_s", Math.round(r.streamSeconds() * 10) / 10.0);
                o.put("stream_rows", r.streamRows());
                o.put("batch_change_s", Math.round(r.batchChangeSeconds() * 100) / 100.0);
                o.put("stream_change_p50_ms", r.streamChangeP50Ms());
                o.put("stream_change_p99_ms", r.streamChangeP99Ms());
                System.out.println(o);
            }
            return Hfc.OK;
        }
    }
}
