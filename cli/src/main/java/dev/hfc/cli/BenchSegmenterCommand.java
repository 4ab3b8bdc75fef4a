package dev.hfc.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hfc.bench.pipeline.SegmenterBenchmark;
import dev.hfc.service.Cli;
import dev.hfc.service.Hfc;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc bench segmenter}: input events/s through the segmenter topology, optionally a policy change. */
@Command(
        name = "segmenter",
        mixinStandardHelpOptions = true,
        description = "Input events/s through the segmenter topology on an in-process broker, exactly_once_v2.")
final class BenchSegmenterCommand implements Callable<Integer> {
    @Option(
            names = "--customers",
            defaultValue = "50000",
            description = "Customers; each brings 11 subscription events (default ${DEFAULT-VALUE}).")
    long customers;

    @Option(names = "--threads", defaultValue = "2", description = "Stream threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--policy-change",
            description = "Then restart under another policy (--medium-from 3): time the "
                    + "re-segmentation from state against a new application reading every input again.")
    boolean policyChange;

    @Option(names = "--keep-data", description = "Keep the broker and state data (deleted by default, pass or fail).")
    boolean keepData;

    @Mixin
    BenchJson json;

    @Override
    public Integer call() throws Exception {
        if (customers < 100 || threads < 1) {
            throw Cli.usage("--customers / --threads", null, "need at least 100 customers and 1 thread");
        }
        var r = SegmenterBenchmark.run(
                customers, threads, policyChange, keepData, step -> System.err.println("bench segmenter: " + step));
        System.out.printf(
                "%,d input events segmented in exactly-once mode with %d thread(s): %,.0f events/s (%,d segment records out)%n",
                r.events(), r.threads(), r.eventsPerSecond(), r.segmentsOut());
        if (policyChange) {
            System.out.printf(
                    "policy change (%s): re-segmented from state in %.1f s (%,d segment records out); a new "
                            + "application reading all %,d events again: %.1f s (%.1fx)%n",
                    SegmenterBenchmark.CHANGED.fingerprint(),
                    r.resegmentSeconds(),
                    r.resegmentOut(),
                    r.events(),
                    r.replaySeconds(),
                    r.replaySeconds() / r.resegmentSeconds());
        }
        if (json.enabled) {
            ObjectNode o = BenchJson.object("segmenter");
            o.put("events", r.events());
            o.put("threads", r.threads());
            o.put("events_per_s", Math.round(r.eventsPerSecond()));
            o.put("segments_out", r.segmentsOut());
            if (policyChange) {
                o.put("resegment_s", BenchJson.oneDecimal(r.resegmentSeconds()));
                o.put("resegment_out", r.resegmentOut());
                o.put("replay_s", BenchJson.oneDecimal(r.replaySeconds()));
            }
            System.out.println(o);
        }
        return Hfc.OK;
    }
}
