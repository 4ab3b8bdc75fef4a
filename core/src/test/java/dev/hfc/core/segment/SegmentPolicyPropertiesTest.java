package dev.hfc.core.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.week.Week;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class SegmentPolicyPropertiesTest {

    @Provide
    Arbitrary<String> patterns() {
        return Arbitraries.of('P', 'A', 'C', '-')
                .list()
                .ofMinSize(0)
                .ofMaxSize(10)
                .map(chars -> chars.stream().map(String::valueOf).reduce("", String::concat));
    }

    /** An independent model of §4: scan the horizon's letters for the longest run of P. */
    private static int modelLongestRun(String pattern, int horizon) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < horizon; i++) {
            boolean paused = i < pattern.length() && pattern.charAt(i) == 'P';
            run = paused ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    @Property
    void agreesWithAModelOfTheRule(
            @ForAll("patterns") String pattern,
            @ForAll @IntRange(min = 0, max = 5000) int weekOffset,
            @ForAll @IntRange(min = 3, max = 8) int horizon) {
        SegmentPolicy policy = new SegmentPolicy(horizon, 2, horizon);
        Week target = Week.parse("2020-W01").plus(weekOffset);
        Map<Week, SubscriptionStatus> statuses = SegmentPolicyTest.statuses(target, pattern);

        Optional<SegmentAssignment> result = policy.assign(target, statuses::get);

        boolean targeted = !pattern.isEmpty() && pattern.charAt(0) == 'P';
        assertThat(result.isPresent()).isEqualTo(targeted);
        result.ifPresent(a -> {
            int length = modelLongestRun(pattern, horizon);
            assertThat(a.pauseWeeks()).isEqualTo(length).isBetween(1, horizon);
            Segment expected = length >= horizon ? Segment.HIGH : length >= 2 ? Segment.MEDIUM : Segment.LOW;
            assertThat(a.segment()).isEqualTo(expected);
        });
    }

    @Property
    void aChangeOutsideEveryAffectedHorizonChangesNothing(
            @ForAll("patterns") String pattern, @ForAll @IntRange(min = 0, max = 9) int changedIndex) {
        SegmentPolicy policy = SegmentPolicy.DEFAULT;
        Week first = Week.parse("2026-W40");
        Map<Week, SubscriptionStatus> before = SegmentPolicyTest.statuses(first, pattern);
        Week changed = first.plus(changedIndex);
        Map<Week, SubscriptionStatus> after = new java.util.HashMap<>(before);
        after.merge(
                changed,
                SubscriptionStatus.PAUSED,
                (old, x) -> old == SubscriptionStatus.PAUSED ? SubscriptionStatus.ACTIVE : SubscriptionStatus.PAUSED);

        List<Week> affected = policy.targetsAffectedBy(changed);
        for (int i = -6; i < 16; i++) {
            Week target = first.plus(i);
            if (!affected.contains(target)) {
                assertThat(policy.assign(target, after::get)).isEqualTo(policy.assign(target, before::get));
            }
        }
    }
}
