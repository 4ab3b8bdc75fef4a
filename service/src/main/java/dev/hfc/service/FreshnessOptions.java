package dev.hfc.service;

import dev.hfc.campaign.CampaignConfig;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.schema.Tables;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The freshness guard of a campaign sender: how current the sink and the segmenter must be before anything is sent. */
final class FreshnessOptions {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignOptions.class);

    @Option(
            names = "--max-sink-lag-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_CAMPAIGN_MAX_SINK_LAG_MS:-" + CampaignConfig.DEFAULT_MAX_SINK_LAG_MS + "}",
            description =
                    "Send only while the sink reported, at most this long ago, that the table holds all of its topic "
                            + "(" + Tables.SINK_PROGRESS + "); 0 turns the whole freshness guard off, the segmenter's "
                            + "part too: for a table no pipeline writes (env HFC_CAMPAIGN_MAX_SINK_LAG_MS; default "
                            + "${DEFAULT-VALUE}).")
    long maxSinkLagMs;

    @Option(
            names = "--max-segmenter-lag",
            paramLabel = "RECORDS",
            defaultValue = "${env:HFC_CAMPAIGN_MAX_SEGMENTER_LAG:-" + CampaignConfig.DEFAULT_MAX_SEGMENTER_LAG + "}",
            description =
                    "Send only while the segmenter's group has at most this many records of its inputs unread and no "
                            + "task re-segments or rebuilds, read from Kafka with the Kafka options; -1 turns this part off "
                            + "(env HFC_CAMPAIGN_MAX_SEGMENTER_LAG; default ${DEFAULT-VALUE}).")
    long maxSegmenterLag;

    @Option(
            names = "--segmenter-application-id",
            paramLabel = "ID",
            defaultValue =
                    "${env:HFC_SEGMENTER_APPLICATION_ID:-" + CampaignConfig.DEFAULT_SEGMENTER_APPLICATION_ID + "}",
            description = "The segmenter's application id, whose position the freshness guard reads "
                    + "(env HFC_SEGMENTER_APPLICATION_ID; default ${DEFAULT-VALUE}).")
    String segmenterApplicationId;

    @Option(
            names = "--sink-wait-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_CAMPAIGN_SINK_WAIT_MS:-" + CampaignConfig.DEFAULT_SINK_WAIT_MS + "}",
            description = "How long a run waits for the sink to be current before it refuses to send "
                    + "(env HFC_CAMPAIGN_SINK_WAIT_MS; default ${DEFAULT-VALUE}).")
    long sinkWaitMs;

    /**
     * The freshness guard, once its settings are checked: off with --max-sink-lag-ms 0; the segmenter's part off
     * with --max-segmenter-lag -1, otherwise read from Kafka with {@code kafka}.
     */
    CampaignConfig.FreshnessGuard guard(KafkaOptions kafka) {
        CampaignConfig.FreshnessGuard guard = Cli.check(
                "--max-sink-lag-ms / --sink-wait-ms",
                "HFC_CAMPAIGN_MAX_SINK_LAG_MS / HFC_CAMPAIGN_SINK_WAIT_MS",
                () -> new CampaignConfig.FreshnessGuard(
                        Duration.ofMillis(maxSinkLagMs), Duration.ofMillis(sinkWaitMs), null));
        if (maxSegmenterLag < -1) {
            throw Cli.usage("--max-segmenter-lag", "HFC_CAMPAIGN_MAX_SEGMENTER_LAG", "must be -1 (off) or more");
        }
        if (guard.isOff()) {
            LOG.warn("campaign: --max-sink-lag-ms 0: sending without checking that the pipeline has written everything "
                    + "into the table");
            return CampaignConfig.FreshnessGuard.OFF;
        }
        if (maxSegmenterLag == -1) {
            LOG.warn("campaign: --max-segmenter-lag -1: the segmenter's position is not checked before sending");
            return guard;
        }
        KafkaSettings kafkaSettings = kafka.settings();
        return guard.withSegmenter(Cli.check(
                "--max-segmenter-lag / --segmenter-application-id",
                "HFC_CAMPAIGN_MAX_SEGMENTER_LAG / HFC_SEGMENTER_APPLICATION_ID",
                () -> new CampaignConfig.SegmenterCheck(kafkaSettings, segmenterApplicationId, maxSegmenterLag)));
    }
}
