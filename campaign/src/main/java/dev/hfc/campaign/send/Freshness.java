package dev.hfc.campaign.send;

import dev.hfc.core.week.Week;
import java.util.function.BooleanSupplier;

/**
 * Whether the targets table may be sent from now. A sent row cannot be taken back, so a run sends only while
 * every stage that writes the table is current: the sink has written all of its topic, and the segmenter has
 * read all of its inputs and is neither re-segmenting under a new policy nor rebuilding.
 */
@FunctionalInterface
public interface Freshness {

    /**
     * Waits, up to the implementation's bound, until the pipeline is current.
     *
     * @param stopping true once the run is asked to stop: stop waiting
     * @return null when current; otherwise why nothing is sent (with the flags that set the bounds)
     */
    String awaitCurrent(Week week, BooleanSupplier stopping) throws java.sql.SQLException, InterruptedException;

    /** Checks nothing: a table no pipeline writes (tests, imports). */
    static Freshness none() {
        return (week, stopping) -> null;
    }
}
