package dev.hfc.core.week;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class WeekPropertiesTest {

    @Provide
    Arbitrary<Week> weeks() {
        return Arbitraries.integers()
                .between(0, 36_500)
                .map(days -> Week.containing(LocalDate.of(1950, 1, 2).plusDays(days)));
    }

    @Property
    void labelRoundTrips(@ForAll("weeks") Week w) {
        assertThat(Week.parse(w.toString())).isEqualTo(w);
        assertThat(w.toString()).hasSize(Week.LABEL_LENGTH);
    }

    @Property
    void plusThenMinusIsIdentity(@ForAll("weeks") Week w, @ForAll @IntRange(min = -600, max = 600) int n) {
        assertThat(w.plus(n).minus(n)).isEqualTo(w);
        assertThat(w.weeksUntil(w.plus(n))).isEqualTo(n);
    }

    @Property
    void plusIsAssociative(
            @ForAll("weeks") Week w,
            @ForAll @IntRange(min = -200, max = 200) int a,
            @ForAll @IntRange(min = -200, max = 200) int b) {
        assertThat(w.plus(a).plus(b)).isEqualTo(w.plus(a + b));
    }

    @Property
    void orderingFollowsTheCalendar(@ForAll("weeks") Week a, @ForAll("weeks") Week b) {
        assertThat(Integer.signum(a.compareTo(b)))
                .isEqualTo(Integer.signum(a.monday().compareTo(b.monday())));
        // Labels sort like weeks: the table's varchar column orders correctly.
        assertThat(Integer.signum(a.toString().compareTo(b.toString()))).isEqualTo(Integer.signum(a.compareTo(b)));
    }
}
