package dev.hfc.service;

import dev.hfc.core.topic.ReplayPoint;
import dev.hfc.segmenter.SegmenterReplay;
import dev.hfc.segmenter.SegmenterService;
import dev.hfc.sink.SinkService;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc replay sink|segmenter --from ...}: rewinds a service's position (§6, §9). */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Rewind a service's input position; the service then reprocesses from there.",
        subcommands = {ReplayCommand.Sink.class, ReplayCommand.Segmenter.class})
final class ReplayCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say what to replay: sink or segmenter");
    }

    static ReplayPoint point(String from) {
        return Cli.check("--from", null, () -> ReplayPoint.parse(from));
    }

    @Command(
            name = "sink",
            mixinStandardHelpOptions = true,
            description =
                    "Rewrite the sink's stored positions (in PostgreSQL). Works with the sink stopped or running; "
                            + "reprocessed records are idempotent and sent rows are never touched.")
    static final class Sink implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Mixin
        DbOptions db;

        @Option(
                names = "--from",
                required = true,
                paramLabel = "INSTANT|earliest",
                description = "ISO-8601 instant (e.g. 2026-11-28T09:00:00Z) or 'earliest'.")
        String from;

        @Option(
                names = "--group-id",
                paramLabel = "ID",
                defaultValue = "${env:HFC_SINK_GROUP_ID:-" + SinkService.Settings.DEFAULT_GROUP_ID + "}",
                description = "The sink's group id (env HFC_SINK_GROUP_ID; default ${DEFAULT-VALUE}).")
        String groupId;

        @Override
        public Integer call() throws java.sql.SQLException {
            ReplayPoint point = point(from);
            var dbSettings = db.settings();
            try (Admin admin = Admin.create(kafka.settings().clientProperties(Map.of()))) {
                var result = dev.hfc.sink.SinkReplay.rewind(
                        admin, kafka.settings(), dbSettings, groupId, kafka.topics(), point);
                System.out.println("sink '" + groupId + "' will reprocess from " + point + " ("
                        + result.offsets().size()
                        + " partitions rewound"
                        + (point.isEarliest()
                                ? "; " + result.rowsSwept() + " unsent rows of keys no longer in the topic removed"
                                : "")
                        + ")");
            }
            return Hfc.OK;
        }
    }

    @Command(
            name = "segmenter",
            mixinStandardHelpOptions = true,
            description = "Rewind the segmenter's inputs (with every instance stopped). Its state is kept; "
                    + "re-applied events converge to the same segments.")
    static final class Segmenter implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Option(
                names = "--from",
                required = true,
                paramLabel = "INSTANT|earliest",
                description = "ISO-8601 instant (e.g. 2026-11-28T09:00:00Z) or 'earliest'.")
        String from;

        @Option(
                names = "--application-id",
                paramLabel = "ID",
                defaultValue =
                        "${env:HFC_SEGMENTER_APPLICATION_ID:-" + SegmenterService.Settings.DEFAULT_APPLICATION_ID + "}",
                description =
                        "The segmenter's application id (env HFC_SEGMENTER_APPLICATION_ID; default ${DEFAULT-VALUE}).")
        String applicationId;

        @Override
        public Integer call() {
            ReplayPoint point = point(from);
            try (Admin admin = Admin.create(kafka.settings().clientProperties(Map.of()))) {
                var offsets = SegmenterReplay.rewind(admin, applicationId, kafka.topics(), point);
                System.out.println("segmenter '" + applicationId + "' will reprocess from " + point + " ("
                        + offsets.size() + " partitions rewound); start it to replay");
            }
            return Hfc.OK;
        }
    }
}
