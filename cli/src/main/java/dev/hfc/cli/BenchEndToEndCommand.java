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

/** {@code hfc bench e2e}: the whole pipeline in one process, load throughput and then commit-to-row latency. */
@Command(
        name = "e2e",
        mixinStandardHelpOptions = true,
        description =
                "The whole pipeline in this process: a loaded source to a caught-up table (time, events/s, peak heap), "
                        + "then commit-to-row latency under a sustained change rate. In-process broker; a schema and slot of its own, dropped after.")
final class BenchEndToEndCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(
            names = "--customers",
            defaultValue = "200000",
            description = "Customers; each brings 11 subscriptions (default ${DEFAULT-VALUE}).")
    long customers;

    @Option(
            names = "--change-rate",
            defaultValue = "100",
            description = "Source changes per second in the latency phase (default ${DEFAULT-VALUE}).")
    int changeRate;

    @Option(
            names = "--change-seconds",
            defaultValue = "30",
            description = "Length of the latency phase (default ${DEFAULT-VALUE}).")
    int changeSeconds;

    @Option(
            names = "--resnapshot",
            description =
                    "Then a re-snapshot of all customers (hfc snapshot) while the same changes "
                            + "stream again: time until the producer published it, and until the table is caught up and equal to the reference.")
    boolean resnapshot;

    @Option(names = "--keep-data", description = "Keep the broker and state data (deleted by default, pass or fail).")
    boolean keepData;

    @Mixin
    BenchJson json;

    @Override
    public Integer call() throws Exception {
        if (customers < 100 || changeRate < 1 || changeSeconds < 1) {
            throw Cli.usage(
                    "--customers / --change-rate / --change-seconds",
                    null,
                    "need at least 100 customers and positive rates");
        }
        var r = PipelineBenchmark.endToEnd(
                db.settings(),
                customers,
                changeRate,
                changeSeconds,
                resnapshot,
                keepData,
                step -> System.err.println("bench e2e: " + step));
        System.out.printf(
                "%,d customers: %,d events from a loaded source to a caught-up table in %.1f s (%,.0f events/s), "
                        + "%,d rows; peak heap %,d MB%n",
                r.customers(), r.events(), r.loadSeconds(), r.eventsPerSecond(), r.rows(), r.peakHeapMb());
        System.out.printf(
                "%,d changes at %d/s (committed at %,.0f/s): commit-to-row latency p50 %d ms, p99 %d ms (%d samples); "
                        + "p99 of the first half %d ms, of the second half %d ms%n",
                r.changes(),
                r.changeRate(),
                r.appliedPerSecond(),
                r.latencyP50Ms(),
                r.latencyP99Ms(),
                r.latencySamples(),
                r.firstHalfP99Ms(),
                r.secondHalfP99Ms());
        if (resnapshot) {
            System.out.printf(
                    "re-snapshot of all %,d customers while %,d changes streamed at %d/s: published in %.1f s, "
                            + "table caught up and equal to the reference %.1f s after the request%n",
                    r.customers(), r.changes(), r.changeRate(), r.resnapshotSeconds(), r.resnapshotCaughtUpSeconds());
        }
        if (json.enabled) {
            ObjectNode o = BenchJson.object("e2e");
            o.put("customers", r.customers());
            o.put("events", r.events());
            o.put("load_s", BenchJson.oneDecimal(r.loadSeconds()));
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
                o.put("resnapshot_published_s", BenchJson.oneDecimal(r.resnapshotSeconds()));
                o.put("resnapshot_caught_up_s", BenchJson.oneDecimal(r.resnapshotCaughtUpSeconds()));
            }
            System.out.println(o);
        }
        return Hfc.OK;
    }
}
