package dev.hfc.core.segment;

import static dev.hfc.core.segment.SubscriptionStatus.ACTIVE;
import static dev.hfc.core.segment.SubscriptionStatus.CANCELLED;
import static dev.hfc.core.segment.SubscriptionStatus.PAUSED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.week.Week;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SegmentPolicyTest {

    private static final SegmentPolicy POLICY = SegmentPolicy.DEFAULT;

    /**
     * Statuses of W, W+1, ... written one letter a week: P paused, A active, C cancelled, - no row.
     * Expected: the segment and pause length, or "none" when not targeted.
     */
    @ParameterizedTest(name = "{0} from {1} -> {2}")
    @CsvSource({
        // §4 examples
        "PPAP, 2026-W49, medium, 2",
        "PAAA, 2026-W49, low,    1",
        "PPPP, 2026-W49, high,   4",
        "APPP, 2026-W49, none,   0",
        // runs broken by missing weeks and cancelled
        "P-PP, 2026-W49, medium, 2",
        "PCPP, 2026-W49, medium, 2",
        "PPCP, 2026-W49, medium, 2",
        "P---, 2026-W49, low,    1",
        "PPP-, 2026-W49, medium, 3",
        "PPPC, 2026-W49, medium, 3",
        "PAPA, 2026-W49, low,    1",
        "CPPP, 2026-W49, none,   0",
        "-PPP, 2026-W49, none,   0",
        // the longest run inside the horizon counts, not only the run starting at W
        "PAPP, 2026-W49, medium, 2",
        "PAPPP, 2026-W49, medium, 2",
        // weeks after the horizon do not count
        "PPPPPPPP, 2026-W49, high, 4",
        "PPPAP, 2026-W49, medium, 3",
        // horizons across 53-week years
        "PPPP, 2026-W51, high,   4",
        "PPPP, 2026-W53, high,   4",
        "PPAP, 2032-W52, medium, 2",
        "PPPP, 2032-W53, high,   4",
        "PPPP, 2025-W51, high,   4",
    })
    void segmentsPerSpec(String pattern, String from, String expected, int pauseWeeks) {
        Week target = Week.parse(from);
        Map<Week, SubscriptionStatus> statuses = statuses(target, pattern);

        Optional<SegmentAssignment> result = POLICY.assign(target, statuses::get);

        if (expected.equals("none")) {
            assertThat(result).isEmpty();
        } else {
            assertThat(result)
                    .contains(new SegmentAssignment(
                            target, Segment.fromWire(expected).orElseThrow(), pauseWeeks));
        }
    }

    @Test
    void aRunAcrossTheYearEndIsContinuous() {
        // 2026 has 53 weeks: W52, W53, 2027-W01, 2027-W02 are consecutive.
        Week target = Week.parse("2026-W52");
        Map<Week, SubscriptionStatus> s = new HashMap<>();
        s.put(Week.parse("2026-W52"), PAUSED);
        s.put(Week.parse("2026-W53"), PAUSED);
        s.put(Week.parse("2027-W01"), PAUSED);
        s.put(Week.parse("2027-W02"), PAUSED);
        assertThat(POLICY.assign(target, s::get)).contains(new SegmentAssignment(target, Segment.HIGH, 4));
        // Without W53 in between the run would be broken.
        s.remove(Week.parse("2026-W53"));
        assertThat(POLICY.assign(target, s::get)).contains(new SegmentAssignment(target, Segment.MEDIUM, 2));
    }

    @Test
    void thresholdsAreConfigurable() {
        SegmentPolicy policy = new SegmentPolicy(6, 3, 5);
        assertThat(policy.segmentOf(1)).isEqualTo(Segment.LOW);
        assertThat(policy.segmentOf(2)).isEqualTo(Segment.LOW);
        assertThat(policy.segmentOf(3)).isEqualTo(Segment.MEDIUM);
        assertThat(policy.segmentOf(4)).isEqualTo(Segment.MEDIUM);
        assertThat(policy.segmentOf(5)).isEqualTo(Segment.HIGH);
        assertThat(policy.segmentOf(6)).isEqualTo(Segment.HIGH);
        Week target = Week.parse("2026-W49");
        assertThat(policy.assign(target, statuses(target, "PPPPPA")::get))
                .contains(new SegmentAssignment(target, Segment.HIGH, 5));
        assertThat(policy.assign(target, statuses(target, "PPPPAP")::get))
                .contains(new SegmentAssignment(target, Segment.MEDIUM, 4));
    }

    @Test
    void defaultBands() {
        assertThat(POLICY.segmentOf(1)).isEqualTo(Segment.LOW);
        assertThat(POLICY.segmentOf(2)).isEqualTo(Segment.MEDIUM);
        assertThat(POLICY.segmentOf(3)).isEqualTo(Segment.MEDIUM);
        assertThat(POLICY.segmentOf(4)).isEqualTo(Segment.HIGH);
        assertThatThrownBy(() -> POLICY.segmentOf(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsPoliciesThatCannotWork() {
        assertThatThrownBy(() -> new SegmentPolicy(1, 2, 4)).hasMessageContaining("horizon must be 2..52");
        assertThatThrownBy(() -> new SegmentPolicy(53, 2, 4)).hasMessageContaining("horizon");
        assertThatThrownBy(() -> new SegmentPolicy(4, 1, 4)).hasMessageContaining("medium threshold");
        assertThatThrownBy(() -> new SegmentPolicy(4, 3, 3)).hasMessageContaining("greater than the medium");
        assertThatThrownBy(() -> new SegmentPolicy(4, 2, 5)).hasMessageContaining("can never be reached");
    }

    @Test
    void targetsAffectedByAChangeAreTheHorizonBackwards() {
        assertThat(POLICY.targetsAffectedBy(Week.parse("2027-W02")))
                .extracting(Week::toString)
                .containsExactly("2026-W52", "2026-W53", "2027-W01", "2027-W02");
        assertThat(POLICY.horizonEnd(Week.parse("2026-W52"))).hasToString("2027-W02");
    }

    static Map<Week, SubscriptionStatus> statuses(Week from, String pattern) {
        Map<Week, SubscriptionStatus> map = new HashMap<>();
        for (int i = 0; i < pattern.length(); i++) {
            SubscriptionStatus s = switch (pattern.charAt(i)) {
                case 'P' -> PAUSED;
                case 'A' -> ACTIVE;
                case 'C' -> CANCELLED;
                case '-' -> null;
                default -> throw new IllegalArgumentException(pattern);
            };
            if (s != null) {
                map.put(from.plus(i), s);
            }
        }
        return map;
    }
}
