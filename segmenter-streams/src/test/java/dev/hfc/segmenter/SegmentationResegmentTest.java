package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Re-segmentation from state after a change of policy: the same as computing under the new policy from the start. */
class SegmentationResegmentTest {

    private static final Week W = Week.parse("2026-W50");
    private static final long NOW =
            W.minus(1).monday().atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    private static final SegmentPolicy OLD = SegmentPolicy.DEFAULT; // medium from 2, high from 4
    private static final SegmentPolicy NEW = new SegmentPolicy(4, 3, 4); // medium from 3

    @Test
    void twoWeekPausesBecomeLowAndOnlyThoseArePublished() {
        UUID user = UUID.randomUUID();
        CustomerState state = build(new Segmentation(OLD, ZoneOffset.UTC), user, "PPAA" + "PPPP");
        assertThat(state.emitted().get(W).segment()).isEqualTo(Segment.MEDIUM);

        // PPAAPPPP: W (2 weeks) and W+6 (2 weeks) drop from medium to low; W+5 (3 weeks) stays medium, W+4 high.
        Segmentation.Outcome outcome = new Segmentation(NEW, ZoneOffset.UTC).resegment(state, user, NOW);
        assertThat(outcome.emissions()).extracting(e -> e.key().week()).containsExactly(W, W.plus(6));
        assertThat(outcome.emissions()).allSatisfy(e -> {
            assertThat(e.segment().segment()).isEqualTo(Segment.LOW);
            assertThat(e.segment().pauseWeeks()).isEqualTo(2);
        });
        // The same policy again publishes nothing.
        assertThat(new Segmentation(NEW, ZoneOffset.UTC)
                        .resegment(outcome.state(), user, NOW)
                        .emissions())
                .isEmpty();
    }

    @Test
    void aShorterHorizonEndsNothingReSegmentsFromNowOnAndLeavesEarlierWeeksAlone() {
        UUID user = UUID.randomUUID();
        CustomerState state = build(new Segmentation(new SegmentPolicy(6, 2, 5), ZoneOffset.UTC), user, "PPPPPP");
        Segmentation.Outcome later = new Segmentation(new SegmentPolicy(4, 2, 4), ZoneOffset.UTC)
                .resegment(
                        state,
                        user,
                        W.plus(2)
                                .monday()
                                .atStartOfDay()
                                .toInstant(ZoneOffset.UTC)
                                .toEpochMilli());
        // Under (6, 2, 5) the six paused weeks from W were HIGH 6, HIGH 5, MEDIUM 4, MEDIUM 3, MEDIUM 2, LOW 1. Under
        // (4, 2, 4), from W+2 on: W+2 pauses 4 weeks, now HIGH; W+3.. keep their lengths and segments; W and W+1
        // are before now and left alone. Exactly one change, no tombstone (an assertion over an empty list would
        // pass a re-segmentation that does nothing).
        assertThat(later.emissions()).singleElement().satisfies(e -> {
            assertThat(e.isTombstone()).isFalse();
            assertThat(e.key().week()).isEqualTo(W.plus(2));
            assertThat(e.segment().segment()).isEqualTo(dev.hfc.core.segment.Segment.HIGH);
            assertThat(e.segment().pauseWeeks()).isEqualTo(4);
        });
        assertThat(targets(later.state()).keySet()).isEqualTo(targets(state).keySet());
        for (Week w = W; w.isBefore(W.plus(2)); w = w.plus(1)) {
            assertThat(targets(later.state()).get(w))
                    .as(w.toString())
                    .isEqualTo(targets(state).get(w));
        }
    }

    /** Property: state built under any policy, re-segmented under another, equals state built under the other. */
    @Property(tries = 300)
    void resegmentingEqualsSegmentingUnderTheNewPolicyFromTheStart(
            @ForAll @StringLength(min = 1, max = 10) @Chars({'P', 'A', 'C', '-'}) String pattern,
            @ForAll @IntRange(min = 2, max = 6) int horizonA,
            @ForAll @IntRange(min = 2, max = 6) int mediumA,
            @ForAll @IntRange(min = 2, max = 6) int horizonB,
            @ForAll @IntRange(min = 2, max = 6) int mediumB) {
        SegmentPolicy a = new SegmentPolicy(Math.max(horizonA, mediumA + 1), mediumA, Math.max(horizonA, mediumA + 1));
        SegmentPolicy b = new SegmentPolicy(Math.max(horizonB, mediumB + 1), mediumB, Math.max(horizonB, mediumB + 1));
        UUID user = UUID.randomUUID();
        Segmentation underB = new Segmentation(b, ZoneOffset.UTC);
        CustomerState fromA = build(new Segmentation(a, ZoneOffset.UTC), user, pattern);
        CustomerState direct = build(underB, user, pattern);

        CustomerState resegmented = underB.resegment(fromA, user, NOW).state();
        assertThat(targets(resegmented)).isEqualTo(targets(direct));
    }

    private static Map<Week, String> targets(CustomerState s) {
        return s.emitted().entrySet().stream()
                .collect(Collectors.toMap(
                        Map.Entry::getKey,
                        e -> e.getValue().segment() + "/" + e.getValue().pauseWeeks()));
    }

    /** The customer, then one subscription row per letter from {@code W} (P paused, A active, C cancelled, - none). */
    private static CustomerState build(Segmentation s, UUID user, String pattern) {
        CustomerState state = s.onCustomer(
                        CustomerState.EMPTY, user, new CustomerEvent(user, "a@example.com", "active"), NOW, NOW)
                .state();
        for (int i = 0; i < pattern.length(); i++) {
            SubscriptionStatus status = switch (pattern.charAt(i)) {
                case 'P' -> SubscriptionStatus.PAUSED;
                case 'A' -> SubscriptionStatus.ACTIVE;
                case 'C' -> SubscriptionStatus.CANCELLED;
                default -> null;
            };
            if (status != null) {
                state = s.onSubscription(
                                state,
                                SubscriptionEvent.upsert(user, UUID.randomUUID(), W.plus(i), status, NOW),
                                NOW,
                                NOW)
                        .state();
            }
        }
        return state;
    }
}
