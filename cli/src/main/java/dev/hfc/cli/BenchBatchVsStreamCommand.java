package dev.hfc.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hfc.bench.pipeline.PipelineBenchmark;
import dev.hfc.service.Cli;
import dev.hfc.service.DbOptions;
import dev.hfc.service.Hfc;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc bench batch-vs-stream}: the target week computed by one SQL batch and by the streaming pipeline. */
@Command(
        name = "batch-vs-stream",
        mixinStandardHelpOptions = true,
        description =
                "The target week computed the old way (one SQL query, one COPY) and by the pipeline replaying from "
                        + "scratch, on the same source; then the cost of one customer's change in each.")
final class BenchBatchVsStreamCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(
            names = "--customers",
            defaultValue = "200000",
            description = "Customers; each brings 11 subscriptions (default ${DEFAULT-VALUE}).")
    long customers;

    @Option(names = "--keep-data", description = "Keep the broker and state data (deleted by default, pass or fail).")
    boolean keepData;

    @Mixin
    BenchJson json;

    @Override
    public Integer call() throws Exception {
        if (customers < 100) {
            throw Cli.usage("--customers", null, "need at least 100 customers");
        }
        var r = PipelineBenchmark.batchVsStream(
                db.settings(), customers, keepData, step -> System.err.println("bench batch-vs-stream: " + step));
        System.out.printf(
                "%,d customers, %,d targets in the target week (batch and stream agree on every row)%n",
                r.customers(), r.targetRows());
        System.out.printf(
                "batch:  query %.2f s + COPY %.2f s = %.2f s for one week%n",
                r.batchQuerySeconds(), r.batchLoadSeconds(), r.batchSeconds());
        System.out.printf(
                "stream: %.1f s from an empty table to caught up (%,d rows, every target week)%n",
                r.streamSeconds(), r.streamRows());
        System.out.printf(
                "one customer's change: batch %.2f s (recomputes the week); stream p50 %d ms, p99 %d ms (one key)%n",
                r.batchChangeSeconds(), r.streamChangeP50Ms(), r.streamChangeP99Ms());
        if (json.enabled) {
            ObjectNode o = BenchJson.object("batch-vs-stream");
            o.put("customers", r.customers());
            o.put("target_rows", r.targetRows());
            o.put("batch_query_s", BenchJson.twoDecimals(r.batchQuerySeconds()));
            o.put("batch_load_s", BenchJson.twoDecimals(r.batchLoadSeconds()));
            o.put("batch_s", BenchJson.twoDecimals(r.batchSeconds()));
            o.put("stream_replay_s", BenchJson.oneDecimal(r.streamSeconds()));
            o.put("stream_rows", r.streamRows());
            o.put("batch_change_s", BenchJson.twoDecimals(r.batchChangeSeconds()));
            o.put("stream_change_p50_ms", r.streamChangeP50Ms());
            o.put("stream_change_p99_ms", r.streamChangeP99Ms());
            System.out.println(o);
        }
        return Hfc.OK;
    }
}
