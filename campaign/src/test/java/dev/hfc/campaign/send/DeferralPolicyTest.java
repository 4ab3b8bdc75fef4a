package dev.hfc.campaign.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.week.Week;
import java.time.Duration;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DeferralPolicyTest {

    private static final Week W = Week.parse("2026-W50"); // Monday 2026-12-07 .. Sunday 2026-12-13
    private static final Instant SATURDAY = Instant.parse("2026-12-12T09:00:00Z");

    @Test
    void theWaitDoublesFromTheFirstUpToTheLongest() {
        DeferralPolicy p = new DeferralPolicy(Duration.ofMinutes(15), Duration.ofHours(1));
        Instant now = Instant.parse("2026-12-05T09:00:00Z");
        assertThat(p.next(1, now, W).at()).isEqualTo(now.plus(Duration.ofMinutes(15)));
        assertThat(p.next(2, now, W).at()).isEqualTo(now.plus(Duration.ofMinutes(30)));
        assertThat(p.next(3, now, W).at()).isEqualTo(now.plus(Duration.ofHours(1)));
        assertThat(p.next(4, now, W).at()).isEqualTo(now.plus(Duration.ofHours(1)));
        assertThat(p.next(1_000, now, W).at()).isEqualTo(now.plus(Duration.ofHours(1)));
    }

    @Test
    void anAttemptAfterTheWeeksEndExpires() {
        assertThat(DeferralPolicy.deadline(W)).isEqualTo(Instant.parse("2026-12-14T00:00:00Z"));
        DeferralPolicy p = new DeferralPolicy(Duration.ofHours(4), Duration.ofHours(4));
        assertThat(p.next(1, SATURDAY, W).expired()).isFalse();
        assertThat(p.next(1, Instant.parse("2026-12-13T20:00:00Z"), W).expired())
                .as("exactly at the end")
                .isFalse();
        assertThat(p.next(1, Instant.parse("2026-12-13T20:00:01Z"), W).expired())
                .isTrue();
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> new DeferralPolicy(Duration.ZERO, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeferralPolicy(Duration.ofHours(2), Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeferralPolicy.DEFAULT.next(0, SATURDAY, W))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void waitsNeverShrinkAndStayWithinTheBounds(
            @ForAll @IntRange(min = 1, max = 200) int attempts,
            @ForAll @LongRange(min = 1, max = 3_600) long firstSeconds) {
        DeferralPolicy p = new DeferralPolicy(Duration.ofSeconds(firstSeconds), Duration.ofSeconds(firstSeconds * 10));
        Duration wait = Duration.between(SATURDAY, p.next(attempts, SATURDAY, W).at());
        Duration nextWait =
                Duration.between(SATURDAY, p.next(attempts + 1, SATURDAY, W).at());
        assertThat(wait).isBetween(p.first(), p.longest());
        assertThat(nextWait).isGreaterThanOrEqualTo(wait);
    }
}
