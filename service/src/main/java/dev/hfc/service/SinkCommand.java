package dev.hfc.service;

import dev.hfc.schema.Tables;
import dev.hfc.sink.SinkMetrics;
import dev.hfc.sink.SinkService;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc sink}: batched COPY into Postgres, exactly once (§6). */
@Command(
        name = "sink",
        mixinStandardHelpOptions = true,
        description =
                "Run the sink: hfc.customer-segments into " + Tables.CAMPAIGN_TARGETS + ", batched COPY, exactly once.")
final class SinkCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    DbOptions db;

    @Mixin
    TopicLayoutOptions layout;

    @Mixin
    OpsOptions ops;

    @Option(
            names = "--group-id",
            paramLabel = "ID",
            defaultValue = "${env:HFC_SINK_GROUP_ID:-" + SinkService.Settings.DEFAULT_GROUP_ID + "}",
            description = "Consumer group, and the key of the sink's rows in " + Tables.SINK_OFFSETS + " "
                    + "(env HFC_SINK_GROUP_ID; default ${DEFAULT-VALUE}).")
    String groupId;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "${env:HFC_SINK_BATCH_SIZE:-" + SinkService.Settings.DEFAULT_BATCH_SIZE + "}",
            description = "Records that close a batch (env HFC_SINK_BATCH_SIZE; default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--linger-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_SINK_LINGER_MS:-" + SinkService.Settings.DEFAULT_LINGER_MS + "}",
            description =
                    "Longest a record waits for its batch to fill (env HFC_SINK_LINGER_MS; default ${DEFAULT-VALUE}).")
    long lingerMs;

    @Option(
            names = "--db-retry-timeout-ms",
            paramLabel = "MS",
            defaultValue =
                    "${env:HFC_SINK_DB_RETRY_TIMEOUT_MS:-" + SinkService.Settings.DEFAULT_DB_RETRY_TIMEOUT_MS + "}",
            description = "How long a batch is retried while the database is unreachable before the sink gives up "
                    + "(env HFC_SINK_DB_RETRY_TIMEOUT_MS; default ${DEFAULT-VALUE}).")
    long dbRetryTimeoutMs;

    @Option(
            names = "--consumers",
            paramLabel = "N",
            defaultValue = "${env:HFC_SINK_CONSUMERS:-" + SinkService.Settings.DEFAULT_CONSUMERS + "}",
            description =
                    "Consumers of the group in this process, each with its own partitions, thread and database "
                            + "connection (env HFC_SINK_CONSUMERS; default ${DEFAULT-VALUE}). More than the topic's partitions sit idle.")
    int consumers;

    @Option(
            names = "--instance-id",
            paramLabel = "ID",
            defaultValue = "${env:HFC_INSTANCE_ID}",
            description =
                    "A name of this instance that stays the same across its restarts (e.g. the pod or host name): "
                            + "static group membership, so a restarted instance takes its partitions back at once instead of "
                            + "after the session timeout (env HFC_INSTANCE_ID; default none: dynamic membership).")
    String instanceId;

    /** The settings the flags (and their environment variables) give; every field is set from one. */
    SinkService.Settings settings() {
        return Cli.check(
                "--group-id / --batch-size / --linger-ms / --db-retry-timeout-ms / --consumers / --instance-id",
                null,
                () -> new SinkService.Settings(
                        kafka.settings(),
                        kafka.topics(),
                        db.settings(),
                        groupId,
                        batchSize,
                        Duration.ofMillis(lingerMs),
                        Duration.ofMillis(dbRetryTimeoutMs),
                        layout.layout(),
                        consumers,
                        instanceId));
    }

    @Override
    public Integer call() throws InterruptedException {
        var settings = settings();
        java.net.InetSocketAddress opsAddress = ops.address();
        var registry = ServiceRunner.registry("sink");
        SinkService service;
        try {
            service = SinkService.start(settings, new SinkMetrics(registry));
        } catch (dev.hfc.core.topic.TopicProvisioner.PartitionsChangedException e) {
            throw Cli.usage("--group-id / --partitions", "HFC_SINK_GROUP_ID / HFC_TOPIC_PARTITIONS", e.getMessage());
        }
        return ServiceRunner.run("sink", service, registry, opsAddress);
    }
}
