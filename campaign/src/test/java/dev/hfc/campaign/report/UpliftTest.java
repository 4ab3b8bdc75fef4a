package dev.hfc.campaign.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpliftTest {

    /** The six worked examples of Newcombe (1998), Table II, method 10, to the four decimals printed there. */
    @ParameterizedTest(name = "{0}/{1} - {2}/{3}")
    @CsvSource({
        "56, 70, 48, 80, 0.0524, 0.3339",
        "9, 10, 3, 10, 0.1705, 0.8090",
        "6, 7, 2, 7, 0.0582, 0.8062",
        "5, 56, 0, 29, -0.0381, 0.1926",
        "0, 10, 0, 20, -0.1611, 0.2775",
        "10, 10, 0, 20, 0.6791, 1.0000"
    })
    void newcombesPublishedExamples(long x1, long n1, long x2, long n2, double lower, double upper) {
        Uplift u = Uplift.of(x1, n1, x2, n2);
        assertThat(u.difference()).isCloseTo((double) x1 / n1 - (double) x2 / n2, within(1e-12));
        assertThat(u.lower()).isCloseTo(lower, within(0.00005));
        assertThat(u.upper()).isCloseTo(upper, within(0.00005));
    }

    @Property
    void theIntervalHoldsTheDifferenceAndStaysInBounds(
            @ForAll @IntRange(min = 1, max = 2000) int n1,
            @ForAll @IntRange(min = 0, max = 2000) int x1,
            @ForAll @IntRange(min = 1, max = 2000) int n2,
            @ForAll @IntRange(min = 0, max = 2000) int x2) {
        Uplift u = Uplift.of(Math.min(x1, n1), n1, Math.min(x2, n2), n2);
        assertThat(u.lower()).isBetween(-1.0, u.difference() + 1e-12);
        assertThat(u.upper()).isBetween(u.difference() - 1e-12, 1.0);
    }

    @org.junit.jupiter.api.Test
    void anEmptyGroupHasNoUpliftAndImpossibleCountsAreRefused() {
        assertThat(Uplift.of(3, 10, 0, 0).defined()).isFalse();
        assertThat(Uplift.of(0, 0, 1, 5).significant()).isFalse();
        assertThatThrownBy(() -> Uplift.of(11, 10, 0, 5)).hasMessageContaining("11 of 10");
        assertThat(Uplift.of(56, 70, 48, 80).significant()).isTrue();
        assertThat(Uplift.of(5, 56, 0, 29).significant()).isFalse();
    }
}
