package dev.hfc.campaign.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ControlGroupTest {

    private static final Week W = Week.parse("2026-W49");

    @Test
    void aShareHoldsBackThatShareOfTargets() {
        ControlGroup tenPercent = ControlGroup.parse("10", "s");
        Random random = new Random(1);
        int held = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            if (tenPercent.holdsBack(W, new UUID(random.nextLong(), random.nextLong()), Segment.MEDIUM)) {
                held++;
            }
        }
        // Binomial(200k, 0.1): sd 134; 5 sd either side.
        assertThat(held).isBetween(20_000 - 670, 20_000 + 670);
    }

    @Test
    void weeksAreIndependent() {
        ControlGroup half = ControlGroup.parse("50", "s");
        Random random = new Random(2);
        int both = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            UUID u = new UUID(random.nextLong(), random.nextLong());
            if (half.holdsBack(W, u, Segment.LOW) && half.holdsBack(W.plus(1), u, Segment.LOW)) {
                both++;
            }
        }
        assertThat(both).isBetween(25_000 - 700, 25_000 + 700); // p^2, not p
    }

    @Property
    void theChoiceIsTheDocumentedKeyedHashAndGrowsWithTheShare(
            @ForAll long hi,
            @ForAll long lo,
            @ForAll @IntRange(min = 0, max = 5000) int smaller,
            @ForAll @IntRange(min = 0, max = 5000) int larger)
            throws Exception {
        UUID user = new UUID(hi, lo);
        int a = Math.min(smaller, larger);
        int b = Math.max(smaller, larger);
        ControlGroup small = new ControlGroup(Map.of(Segment.HIGH, a), "salt");
        ControlGroup big = new ControlGroup(Map.of(Segment.HIGH, b), "salt");
        // Computed here from the definition, not by the class: every sender of every version must agree on it.
        int expected = expectedBucket("salt", W, user);
        assertThat(small.bucket(W, user)).isEqualTo(expected);
        assertThat(small.holdsBack(W, user, Segment.HIGH)).isEqualTo(expected < a);
        assertThat(big.holdsBack(W, user, Segment.HIGH)).isEqualTo(expected < b);
        if (small.holdsBack(W, user, Segment.HIGH)) {
            assertThat(big.holdsBack(W, user, Segment.HIGH))
                    .as("a larger share keeps everyone a smaller one held")
                    .isTrue();
        }
        assertThat(small.holdsBack(W, user, Segment.LOW))
                .as("a segment without a share")
                .isFalse();
    }

    /** HMAC-SHA256 under the salt of "week:user" (user in lower case), its first 8 bytes unsigned, modulo 10,000. */
    private static int expectedBucket(String salt, Week week, UUID user) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(
                salt.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] d = mac.doFinal((week + ":" + user).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long first = java.nio.ByteBuffer.wrap(d).getLong();
        return (int) Long.remainderUnsigned(first, 10_000);
    }

    @Test
    void anotherSaltChoosesAnotherGroup() {
        ControlGroup one = ControlGroup.parse("50", "one");
        ControlGroup two = ControlGroup.parse("50", "two");
        Random random = new Random(3);
        int differ = 0;
        for (int i = 0; i < 10_000; i++) {
            UUID u = new UUID(random.nextLong(), random.nextLong());
            if (one.holdsBack(W, u, Segment.LOW) != two.holdsBack(W, u, Segment.LOW)) {
                differ++;
            }
        }
        assertThat(differ).isBetween(4_500, 5_500);
    }

    @Test
    void sharesPerSegmentAndTheirErrors() {
        ControlGroup g = ControlGroup.parse(" low=10, MEDIUM=2.5 ", "s");
        assertThat(g.basisPoints(Segment.LOW)).isEqualTo(1_000);
        assertThat(g.basisPoints(Segment.MEDIUM)).isEqualTo(250);
        assertThat(g.basisPoints(Segment.HIGH)).isZero();
        assertThat(g.describe()).isEqualTo("low 10%, medium 2.5%, high 0%");
        assertThat(ControlGroup.parse("0", "s").isEmpty()).isTrue();

        assertThatThrownBy(() -> ControlGroup.parse("ten", "s"))
                .hasMessageContaining("expected a percentage")
                .hasMessageContaining("ten");
        assertThatThrownBy(() -> ControlGroup.parse("-5", "s")).hasMessageContaining("expected a percentage");
        assertThatThrownBy(() -> ControlGroup.parse("2.555", "s")).hasMessageContaining("expected a percentage");
        assertThatThrownBy(() -> ControlGroup.parse("60", "s"))
                .hasMessageContaining("0% to 50%")
                .hasMessageContaining("60%");
        assertThatThrownBy(() -> ControlGroup.parse("purple=5", "s")).hasMessageContaining("unknown segment 'purple'");
        assertThatThrownBy(() -> ControlGroup.parse("low=5,low=6", "s")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> ControlGroup.parse("low:5", "s")).hasMessageContaining("expected a percentage");
        assertThatThrownBy(() -> ControlGroup.parse("low=5,medium", "s"))
                .hasMessageContaining("expected SEGMENT=PERCENT");
        assertThatThrownBy(() -> ControlGroup.parse("5", "")).hasMessageContaining("salt");
    }
}
