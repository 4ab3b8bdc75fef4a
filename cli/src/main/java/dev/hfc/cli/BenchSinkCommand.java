package dev.hfc.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hfc.bench.pipeline.SinkTopicBenchmark;
import dev.hfc.bench.sink.SinkBenchmark;
import dev.hfc.service.Cli;
import dev.hfc.service.DbOptions;
import dev.hfc.service.Hfc;
import dev.hfc.sink.SinkService;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc bench sink}: the sink's write path against batched JDBC upserts and a bare COPY. */
@Command(
        name = "sink",
        mixinStandardHelpOptions = true,
        description = "Rows/s into rec_campaigns_weekly: the sink's write path vs batched JDBC upserts vs a bare COPY, "
                + "on the same rows, each on one connection and on one per sink consumer; then an update-heavy pass. "
                + "Uses fresh schemas it drops afterwards.")
final class BenchSinkCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--rows", defaultValue = "500000", description = "Rows per pass (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(
            names = "--batch-size",
            defaultValue = "10000",
            description = "Rows per transaction, the same for every contender (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--consumers",
            defaultValue = "" + SinkService.Settings.DEFAULT_CONSUMERS,
            description =
                    "Connections for the parallel runs, as many as the sink's consumers (default ${DEFAULT-VALUE}; "
                            + "1 runs every contender on one connection only).")
    int consumers;

    @Option(
            names = "--seed",
            defaultValue = "7",
            description = "Seed of the generated rows (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--from-topic",
            description =
                    "Also run the sink as deployed: the same rows as segment records in a "
                            + "topic of an in-process broker, read by the sink service's real consumers until it stored every end offset.")
    boolean fromTopic;

    @Option(
            names = "--keep-data",
            description = "With --from-topic: keep the broker's data (deleted by default, pass or fail).")
    boolean keepData;

    @Mixin
    BenchJson json;

    @Override
    public Integer call() throws Exception {
        if (rows < 1000 || batchSize < 1) {
            throw Cli.usage("--rows / --batch-size", null, "need at least 1000 rows and a positive batch size");
        }
        if (consumers < 1 || consumers > SinkBenchmark.PARTITIONS) {
            throw Cli.usage(
                    "--consumers", null, "must be 1.." + SinkBenchmark.PARTITIONS + " (the benchmark's partitions)");
        }
        var r = SinkBenchmark.run(
                db.settings(), rows, batchSize, consumers, seed, step -> System.err.println("bench sink: " + step));
        SinkBenchmark.Rates one = r.single();
        SinkBenchmark.Rates par = r.parallel();
        System.out.printf("%-40s %14s %14s%n", "rows/s", "1 connection", consumers + " connections");
        System.out.printf("%-40s %,14.0f %,14.0f%n", "sink path, new rows", one.sinkRowsPerS(), par.sinkRowsPerS());
        System.out.printf(
                "%-40s %,14.0f %,14.0f%n", "JDBC batched upsert, new rows", one.jdbcRowsPerS(), par.jdbcRowsPerS());
        System.out.printf(
                "%-40s %,14.0f %,14.0f%n", "bare COPY, new rows", one.bareCopyRowsPerS(), par.bareCopyRowsPerS());
        System.out.printf(
                "%-40s %,14.0f %,14.0f%n",
                "sink path, every key present", one.sinkUpdateRowsPerS(), par.sinkUpdateRowsPerS());
        System.out.printf(
                "%-40s %,14.0f %,14.0f%n",
                "JDBC batched upsert, every key present", one.jdbcUpdateRowsPerS(), par.jdbcUpdateRowsPerS());
        System.out.printf(
                "targets, the sink with %d consumer(s) against the one-connection alternatives: new rows %.2fx JDBC "
                        + "(target 1.5), %.2fx bare COPY (target 0.8); every key present %.2fx JDBC (target 1.25)%n",
                consumers, r.newRowsVsJdbc(), r.newRowsVsBareCopy(), r.updatesVsJdbc());
        System.out.printf(
                "like for like, 1 connection each: new rows %.2fx JDBC, %.2fx bare COPY; every key present %.2fx JDBC%n",
                one.newRowsVsJdbc(), one.newRowsVsBareCopy(), one.updatesVsJdbc());
        if (consumers > 1) {
            System.out.printf(
                    "like for like, %d connections each: new rows %.2fx JDBC, %.2fx bare COPY; every key present %.2fx JDBC%n",
                    consumers, par.newRowsVsJdbc(), par.newRowsVsBareCopy(), par.updatesVsJdbc());
        }
        SinkTopicBenchmark.Result topic = null;
        if (fromTopic) {
            var first = SinkBenchmark.rows(rows, seed, 0);
            topic = SinkTopicBenchmark.run(
                    db.settings(),
                    first,
                    SinkBenchmark.changed(first),
                    consumers,
                    batchSize,
                    keepData,
                    step -> System.err.println("bench sink: " + step));
            System.out.printf("%-40s %14s %,14.0f%n", "sink from a topic, new rows", "", topic.newRowsPerS());
            System.out.printf(
                    "%-40s %14s %,14.0f%n", "sink from a topic, every key present", "", topic.updateRowsPerS());
            System.out.printf(
                    "as deployed (consuming and decoding included), %d consumer(s): new rows %.2fx JDBC, every key "
                            + "present %.2fx JDBC (the in-memory references above)%n",
                    consumers,
                    topic.newRowsPerS() / one.jdbcRowsPerS(),
                    topic.updateRowsPerS() / one.jdbcUpdateRowsPerS());
        }
        if (json.enabled) {
            ObjectNode o = BenchJson.object("sink");
            o.put("rows", r.rows());
            o.put("batch_size", r.batchSize());
            o.put("copy_format", "binary"); // the sink's only COPY encoding since issue 28; kept for older records
            o.put("consumers", r.consumers());
            o.put("sink_rows_per_s", Math.round(par.sinkRowsPerS()));
            o.put("jdbc_rows_per_s", Math.round(one.jdbcRowsPerS()));
            o.put("bare_copy_rows_per_s", Math.round(one.bareCopyRowsPerS()));
            o.put("sink_update_rows_per_s", Math.round(par.sinkUpdateRowsPerS()));
            o.put("jdbc_update_rows_per_s", Math.round(one.jdbcUpdateRowsPerS()));
            o.put("new_rows_vs_jdbc", BenchJson.twoDecimals(r.newRowsVsJdbc()));
            o.put("new_rows_vs_bare_copy", BenchJson.twoDecimals(r.newRowsVsBareCopy()));
            o.put("updates_vs_jdbc", BenchJson.twoDecimals(r.updatesVsJdbc()));
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
                n.put("new_rows_vs_jdbc", BenchJson.twoDecimals(rates.newRowsVsJdbc()));
                n.put("new_rows_vs_bare_copy", BenchJson.twoDecimals(rates.newRowsVsBareCopy()));
                n.put("updates_vs_jdbc", BenchJson.twoDecimals(rates.updatesVsJdbc()));
            }
            System.out.println(o);
        }
        return Hfc.OK;
    }
}
