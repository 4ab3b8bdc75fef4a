package dev.hfc.campaign.send;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Freshness} of the whole pipeline: the sink (its progress rows, {@link SinkFreshness}) and, when given,
 * the segmenter ({@link SegmenterPosition}: its group's committed offsets against the ends of its inputs, and
 * its tasks' re-segmentation and rebuild marks). Waits up to {@code wait}, looking every second.
 */
public final class PipelineFreshness implements Freshness {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineFreshness.class);

    private final DbSettings db;
    private final SinkFreshness sink;
    private final SegmenterPosition segmenter;
    private final Duration wait;

    /** @param segmenter null: the segmenter is not checked (no Kafka given) */
    public PipelineFreshness(DbSettings db, Duration maxSinkLag, SegmenterPosition segmenter, Duration wait) {
        this.db = db;
        this.sink = new SinkFreshness(db, maxSinkLag);
        this.segmenter = segmenter;
        this.wait = wait;
    }

    @Override
    public String awaitCurrent(Week week, BooleanSupplier stopping) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        String said = null;
        while (true) {
            String why = look();
            if (why == null) {
                if (said != null) {
                    LOG.info("campaign {}: the pipeline caught up; sending", week);
                }
                return null;
            }
            if (System.nanoTime() >= deadline || stopping.getAsBoolean()) {
                String aborted =
                        "the table is not current, so nothing more is sent: " + why + "; waited " + wait.toSeconds()
                                + " s (--sink-wait-ms; --max-sink-lag-ms and --max-segmenter-lag set what is current)";
                LOG.error("campaign {}: {}", week, aborted);
                return aborted;
            }
            if (!why.equals(said)) {
                LOG.warn("campaign {}: waiting: {}", week, why);
                said = why;
            }
            Thread.sleep(Math.min(1_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    /** Null when current, else why not. */
    private String look() throws SQLException {
        if (segmenter != null) {
            String behind = segmenter.behind();
            if (behind != null) {
                return behind;
            }
        }
        try (Connection c = Database.connect(db)) {
            SinkFreshness.Look look = sink.look(c);
            return look.current() ? null : look.why();
        }
    }
}
