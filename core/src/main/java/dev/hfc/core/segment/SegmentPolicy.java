package dev.hfc.core.segment;

import dev.hfc.core.week.Week;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The segmentation rule of §4 with its parameters: the horizon (how many weeks from the target week are
 * looked at) and the pause lengths from which a customer is {@code medium} and {@code high}. Shorter
 * pauses are {@code low}.
 *
 * <p>Defaults: horizon 4; 1 week low, 2–3 medium, 4 or more high.
 */
public record SegmentPolicy(int horizonWeeks, int mediumFromWeeks, int highFromWeeks) {

    public static final SegmentPolicy DEFAULT = new SegmentPolicy(4, 2, 4);

    /** Longest horizon accepted; a year of weeks is far beyond any campaign's look-ahead. */
    public static final int MAX_HORIZON_WEEKS = 52;

    public SegmentPolicy {
        if (horizonWeeks < 2 || horizonWeeks > MAX_HORIZON_WEEKS) {
            throw new IllegalArgumentException(
                    "horizon must be 2.." + MAX_HORIZON_WEEKS + " weeks, got " + horizonWeeks);
        }
        if (mediumFromWeeks < 2) {
            throw new IllegalArgumentException(
                    "medium threshold must be at least 2 weeks (1 week is always low), got " + mediumFromWeeks);
        }
        if (highFromWeeks <= mediumFromWeeks) {
            throw new IllegalArgumentException("high threshold (" + highFromWeeks
                    + " weeks) must be greater than the medium threshold (" + mediumFromWeeks + " weeks)");
        }
        if (highFromWeeks > horizonWeeks) {
            throw new IllegalArgumentException("high threshold (" + highFromWeeks
                    + " weeks) can never be reached within a horizon of " + horizonWeeks + " weeks");
        }
    }

    /** The segment of a pause of {@code pauseWeeks} (at least 1) weeks. */
    public Segment segmentOf(int pauseWeeks) {
        if (pauseWeeks < 1) {
            throw new IllegalArgumentException("pause length must be at least 1 week, got " + pauseWeeks);
        }
        if (pauseWeeks >= highFromWeeks) {
            return Segment.HIGH;
        }
        return pauseWeeks >= mediumFromWeeks ? Segment.MEDIUM : Segment.LOW;
    }

    /**
     * The segment of a customer for {@code target}, or empty when the customer is not targeted for it
     * (its week {@code target} is not {@code paused}).
     */
    public Optional<SegmentAssignment> assign(Week target, WeekStatuses statuses) {
        if (statuses.statusOf(target) != SubscriptionStatus.PAUSED) {
            return Optional.empty();
        }
        int length = PauseRun.longest(target, horizonWeeks, statuses);
        return Optional.of(new SegmentAssignment(target, segmentOf(length), length));
    }

    /**
     * The target weeks whose horizon contains {@code changed}: {@code changed − H + 1 … changed}, oldest
     * first. A change to week {@code changed} can alter the segment of exactly these weeks.
     */
    public List<Week> targetsAffectedBy(Week changed) {
        List<Week> targets = new ArrayList<>(horizonWeeks);
        for (int back = horizonWeeks - 1; back >= 0; back--) {
            targets.add(changed.minus(back));
        }
        return targets;
    }

    /** A stable text naming the parameters, e.g. {@code horizon=4,medium-from=2,high-from=4}: what a segmenter compares at start. */
    public String fingerprint() {
        return "horizon=" + horizonWeeks + ",medium-from=" + mediumFromWeeks + ",high-from=" + highFromWeeks;
    }

    /** The last week of the horizon of {@code target}. */
    public Week horizonEnd(Week target) {
        return target.plus(horizonWeeks - 1L);
    }
}
