package dev.hfc.service;

import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.segmenter.SegmenterConfig;
import dev.hfc.segmenter.SegmenterMetrics;
import dev.hfc.segmenter.SegmenterService;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc segmenter}: the Kafka Streams segmenter (§2, §4). */
@Command(
        name = "segmenter",
        mixinStandardHelpOptions = true,
        description = "Run the Kafka Streams segmenter: subscription events and customers in, segments out.")
final class SegmenterCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    TopicLayoutOptions layout;

    @Mixin
    OpsOptions ops;

    @Mixin
    SegmentOptions segments;

    @Option(
            names = "--application-id",
            paramLabel = "ID",
            defaultValue =
                    "${env:HFC_SEGMENTER_APPLICATION_ID:-" + SegmenterService.Settings.DEFAULT_APPLICATION_ID + "}",
            description = "Kafka Streams application id: the consumer group and the prefix of internal topics "
                    + "(env HFC_SEGMENTER_APPLICATION_ID; default ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "${env:HFC_SEGMENTER_THREADS:-" + SegmenterService.Settings.DEFAULT_THREADS + "}",
            description = "Stream threads in this instance (env HFC_SEGMENTER_THREADS; default ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            defaultValue = "${env:HFC_SEGMENTER_STATE_DIR:-" + SegmenterService.Settings.DEFAULT_STATE_DIR + "}",
            description = "Local state (RocksDB); rebuilt from the changelog when lost "
                    + "(env HFC_SEGMENTER_STATE_DIR; default ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(
            names = "--standby-replicas",
            paramLabel = "N",
            defaultValue =
                    "${env:HFC_SEGMENTER_STANDBY_REPLICAS:-" + SegmenterService.Settings.DEFAULT_STANDBY_REPLICAS + "}",
            description = "Warm copies of each task's state on other instances, for fast fail-over "
                    + "(env HFC_SEGMENTER_STANDBY_REPLICAS; default ${DEFAULT-VALUE}).")
    int standbyReplicas;

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
    SegmenterService.Settings settings() {
        return Cli.check(
                "--application-id / --threads / --standby-replicas / --instance-id",
                null,
                () -> new SegmenterService.Settings(
                        kafka.settings(),
                        new SegmenterConfig(kafka.topics(), segments.policy(), segments.zone()),
                        applicationId,
                        threads,
                        stateDir,
                        standbyReplicas,
                        layout.layout(),
                        instanceId));
    }

    @Override
    public Integer call() throws InterruptedException {
        var settings = settings();
        java.net.InetSocketAddress opsAddress = ops.address();
        var registry = ServiceRunner.registry("segmenter");
        SegmenterService service;
        try {
            service = SegmenterService.start(settings, new SegmenterMetrics(registry));
        } catch (dev.hfc.core.topic.TopicProvisioner.PartitionsChangedException e) {
            throw Cli.usage(
                    "--application-id / --partitions",
                    "HFC_SEGMENTER_APPLICATION_ID / HFC_TOPIC_PARTITIONS",
                    e.getMessage());
        }
        return ServiceRunner.run("segmenter", service, registry, opsAddress);
    }

    /** The §4 rule's parameters and the zone weeks are counted in. */
    static final class SegmentOptions {
        @Option(
                names = "--horizon",
                paramLabel = "WEEKS",
                defaultValue = "${env:HFC_HORIZON:-4}",
                description = "Weeks looked at from the target week on (env HFC_HORIZON; default ${DEFAULT-VALUE}).")
        int horizon;

        @Option(
                names = "--medium-from",
                paramLabel = "WEEKS",
                defaultValue = "${env:HFC_SEGMENT_MEDIUM_FROM:-2}",
                description =
                        "Shortest pause that is 'medium' (env HFC_SEGMENT_MEDIUM_FROM; default ${DEFAULT-VALUE}).")
        int mediumFrom;

        @Option(
                names = "--high-from",
                paramLabel = "WEEKS",
                defaultValue = "${env:HFC_SEGMENT_HIGH_FROM:-4}",
                description = "Shortest pause that is 'high' (env HFC_SEGMENT_HIGH_FROM; default ${DEFAULT-VALUE}).")
        int highFrom;

        @Option(
                names = "--zone",
                paramLabel = "ZONE",
                defaultValue = "${env:HFC_ZONE:-UTC}",
                description = "Time zone that weeks are counted in (env HFC_ZONE; default ${DEFAULT-VALUE}).")
        String zone;

        SegmentPolicy policy() {
            return Cli.check(
                    "--horizon / --medium-from / --high-from",
                    "HFC_HORIZON / HFC_SEGMENT_*",
                    () -> new SegmentPolicy(horizon, mediumFrom, highFrom));
        }

        ZoneId zone() {
            return Cli.zone(zone);
        }
    }
}
