package dev.hfc.service;

import dev.hfc.campaign.send.Freshness;
import dev.hfc.campaign.send.PipelineFreshness;
import dev.hfc.campaign.send.SegmenterPosition;
import dev.hfc.core.config.DbSettings;
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
            defaultValue = "${env:HFC_CAMPAIGN_MAX_SINK_LAG_MS:-60000}",
            description =
                    "Send only while the sink reported, at most this long ago, that the table holds all of its topic "
                            + "(hfc_sink_progress); 0 turns the whole freshness guard off, the segmenter's part too: for a table "
                            + "no pipeline writes (env HFC_CAMPAIGN_MAX_SINK_LAG_MS; default ${DEFAULT-VALUE}).")
    long maxSinkLagMs;

    @Option(
            names = "--max-segmenter-lag",
            paramLabel = "RECORDS",
            defaultValue = "${env:HFC_CAMPAIGN_MAX_SEGMENTER_LAG:-1000}",
            description =
                    "Send only while the segmenter's group has at most this many records of its inputs unread and no "
                            + "task re-segments or rebuilds, read from Kafka with the Kafka options; -1 turns this part off "
                            + "(env HFC_CAMPAIGN_MAX_SEGMENTER_LAG; default ${DEFAULT-VALUE}).")
    long maxSegmenterLag;

    @Option(
            names = "--segmenter-application-id",
            paramLabel = "ID",
            defaultValue = "${env:HFC_SEGMENTER_APPLICATION_ID:-hfc-segmenter}",
            description = "The segmenter's application id, whose position the freshness guard reads "
                    + "(env HFC_SEGMENTER_APPLICATION_ID; default ${DEFAULT-VALUE}).")
    String segmenterApplicationId;

    @Option(
            names = "--sink-wait-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_CAMPAIGN_SINK_WAIT_MS:-300000}",
            description = "How long a run waits for the sink to be current before it refuses to send "
                    + "(env HFC_CAMPAIGN_SINK_WAIT_MS; default ${DEFAULT-VALUE}).")
    long sinkWaitMs;

    /**
     * The freshness guard, once its settings are checked: off with --max-sink-lag-ms 0; the segmenter's part off
     * with --max-segmenter-lag -1, otherwise read from Kafka with {@code kafka}.
     */
    Freshness freshness(DbSettings dbSettings, KafkaOptions kafka) {
        if (maxSinkLagMs < 0 || sinkWaitMs < 0) {
            throw Cli.usage(
                    "--max-sink-lag-ms / --sink-wait-ms",
                    "HFC_CAMPAIGN_MAX_SINK_LAG_MS / HFC_CAMPAIGN_SINK_WAIT_MS",
                    "must not be negative");
        }
        if (maxSegmenterLag < -1) {
            throw Cli.usage("--max-segmenter-lag", "HFC_CAMPAIGN_MAX_SEGMENTER_LAG", "must be -1 (off) or more");
        }
        if (maxSinkLagMs == 0) {
            LOG.warn("campaign: --max-sink-lag-ms 0: sending without checking that the pipeline has written everything "
                    + "into the table");
            return Freshness.none();
        }
        SegmenterPosition segmenter = null;
        if (maxSegmenterLag >= 0) {
            segmenter = new SegmenterPosition(
                    kafka.settings().clientProperties(java.util.Map.of()), segmenterApplicationId, maxSegmenterLag);
        } else {
            LOG.warn("campaign: --max-segmenter-lag -1: the segmenter's position is not checked before sending");
        }
        return new PipelineFreshness(
                dbSettings, Duration.ofMillis(maxSinkLagMs), segmenter, Duration.ofMillis(sinkWaitMs));
    }
}
