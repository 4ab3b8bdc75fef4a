package dev.hfc.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hfc.bench.pipeline.CdcBenchmark;
import dev.hfc.service.Cli;
import dev.hfc.service.DbOptions;
import dev.hfc.service.Hfc;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc bench cdc}: events/s through the CDC path, the initial snapshot and then a bulk UPDATE. */
@Command(
        name = "cdc",
        mixinStandardHelpOptions = true,
        description =
                "Events/s through the CDC path (WAL -> Debezium -> Kafka, acknowledged): the initial snapshot, "
                        + "then one UPDATE of every subscription row. In-process broker; a schema and slot of its own, dropped after.")
final class BenchCdcCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--rows", defaultValue = "220000", description = "Subscription rows (default ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--keep-data", description = "Keep the broker and state data (deleted by default, pass or fail).")
    boolean keepData;

    @Mixin
    BenchJson json;

    @Override
    public Integer call() throws Exception {
        if (rows < 1000) {
            throw Cli.usage("--rows", null, "need at least 1000 rows");
        }
        var r = CdcBenchmark.run(db.settings(), rows, keepData, step -> System.err.println("bench cdc: " + step));
        System.out.printf(
                "snapshot: %,d subscription rows, the producer's own (COPY) %,.0f events/s, Debezium's %,.0f events/s "
                        + "(%.1fx)%n",
                r.rows(),
                r.snapshotEventsPerS(),
                r.debeziumSnapshotEventsPerS(),
                r.snapshotEventsPerS() / r.debeziumSnapshotEventsPerS());
        System.out.printf(
                "bulk UPDATE of %,d rows (commit took %.1f s): %,.0f events/s from statement start to the last event acknowledged%n",
                r.rows(), r.bulkUpdateCommitSeconds(), r.bulkUpdateEventsPerS());
        if (json.enabled) {
            ObjectNode o = BenchJson.object("cdc");
            o.put("rows", r.rows());
            o.put("snapshot_events_per_s", Math.round(r.snapshotEventsPerS()));
            o.put("debezium_snapshot_events_per_s", Math.round(r.debeziumSnapshotEventsPerS()));
            o.put("bulk_update_events_per_s", Math.round(r.bulkUpdateEventsPerS()));
            o.put("bulk_update_commit_s", BenchJson.oneDecimal(r.bulkUpdateCommitSeconds()));
            System.out.println(o);
        }
        return Hfc.OK;
    }
}
