package dev.hfc.core.week;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.IsoFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WeekTest {

    /** java.time's own ISO week-date formatter ("2026-W49-3"), independent of Week's arithmetic. */
    private static final DateTimeFormatter ISO_WEEK = DateTimeFormatter.ISO_WEEK_DATE;

    @Test
    void everyDayFrom2000To2100MatchesJavaTimeIsoWeekFields() {
        Week previous = null;
        int weeksSeen = 0;
        for (LocalDate d = LocalDate.of(2000, 1, 1); d.getYear() <= 2100; d = d.plusDays(1)) {
            Week w = Week.containing(d);
            String expectedLabel = ISO_WEEK.format(d).substring(0, 8);
            assertThat(w.toString()).as("label of %s", d).isEqualTo(expectedLabel);
            assertThat(w.year()).isEqualTo(d.get(IsoFields.WEEK_BASED_YEAR));
            assertThat(w.week()).isEqualTo(d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            assertThat(Week.parse(expectedLabel)).isEqualTo(w);
            if (d.getDayOfWeek() == DayOfWeek.MONDAY) {
                assertThat(w.monday()).isEqualTo(d);
                if (previous != null) {
                    assertThat(previous.plus(1)).as("week after %s", previous).isEqualTo(w);
                    assertThat(w.minus(1)).isEqualTo(previous);
                    assertThat(previous).isLessThan(w);
                    assertThat(previous.weeksUntil(w)).isEqualTo(1);
                }
                previous = w;
                weeksSeen++;
            }
        }
        assertThat(weeksSeen).isEqualTo(5270); // Mondays from 2000-01-03 to 2100-12-27
    }

    /** Week's own calendar arithmetic against java.time's IsoFields, for every day Week accepts. */
    @Test
    void everyDayOfYears1To9999AgreesWithJavaTimeIsoFields() {
        Week origin = Week.of(2026, 1);
        LocalDate originMonday = origin.monday();
        long days = 0;
        for (LocalDate d = LocalDate.of(1, 1, 4); d.getYear() <= 9999; d = d.plusDays(1), days++) {
            Week w = Week.containing(d);
            if (w.year() != d.get(IsoFields.WEEK_BASED_YEAR) || w.week() != d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)) {
                throw new AssertionError(d + " is in " + d.get(IsoFields.WEEK_BASED_YEAR) + "-W"
                        + d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR) + ", Week says " + w);
            }
            if (d.getDayOfWeek() == DayOfWeek.MONDAY) {
                long fromOrigin = java.time.temporal.ChronoUnit.WEEKS.between(originMonday, d);
                if (!w.monday().equals(d)
                        || origin.weeksUntil(w) != fromOrigin
                        || !origin.plus(fromOrigin).equals(w)
                        || !w.plus(-fromOrigin).equals(origin)) {
                    throw new AssertionError("week " + w + " (Monday " + d + "): monday " + w.monday() + ", weeksUntil "
                            + origin.weeksUntil(w) + " (java.time " + fromOrigin + "), " + origin + " plus that is "
                            + origin.plus(fromOrigin));
                }
            }
        }
        assertThat(days).isGreaterThan(3_650_000);
        for (int year = 1; year <= 9999; year++) {
            long expected = LocalDate.of(year, 6, 1)
                    .range(IsoFields.WEEK_OF_WEEK_BASED_YEAR)
                    .getMaximum();
            if (Week.weeksInYear(year) != expected) {
                throw new AssertionError(
                        "weeks of " + year + ": " + Week.weeksInYear(year) + ", java.time " + expected);
            }
        }
    }

    @Test
    void weeksInYearAgreesWithJavaTimeForEveryYear() {
        for (int year = 2000; year <= 2100; year++) {
            long expected = LocalDate.of(year, 6, 1)
                    .range(IsoFields.WEEK_OF_WEEK_BASED_YEAR)
                    .getMaximum();
            assertThat(Week.weeksInYear(year)).as("weeks of %d", year).isEqualTo((int) expected);
        }
        assertThat(Week.weeksInYear(2026)).isEqualTo(53);
        assertThat(Week.weeksInYear(2025)).isEqualTo(52);
        assertThat(Week.weeksInYear(2032)).isEqualTo(53);
    }

    @ParameterizedTest
    @CsvSource({
        "2026-W53, 1, 2027-W01",
        "2025-W52, 1, 2026-W01",
        "2026-W49, 5, 2027-W01",
        "2026-W49, 4, 2026-W53",
        "2032-W52, 2, 2033-W01",
        "2033-W01, -1, 2032-W53",
        "2026-W01, -1, 2025-W52",
        "2026-W10, 0, 2026-W10",
        "2026-W01, 53, 2027-W01",
        "2026-W01, 105, 2028-W01",
    })
    void arithmeticAcrossYearEnds(String from, int weeks, String expected) {
        assertThat(Week.parse(from).plus(weeks)).hasToString(expected);
        assertThat(Week.parse(expected).minus(weeks)).hasToString(from);
        assertThat(Week.parse(from).weeksUntil(Week.parse(expected))).isEqualTo(weeks);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-W54", "2025-W53", "2026-w1", "26-W01", "2026-W00", "2026-W1", "2026-w01", "2026W01",
                "2026-W001", " 2026-W01", "2026-W01 ", "", "2026-Wxx", "20x6-W01", "2026_W01", "0000-W01",
                "２０２６-W01", "2026-W０１"
            })
    void rejectsInvalidLabels(String label) {
        assertThatThrownBy(() -> Week.parse(label))
                .isInstanceOf(InvalidWeekException.class)
                .hasMessageContaining("week");
    }

    @Test
    void rejectionsSayWhatIsWrong() {
        assertThatThrownBy(() -> Week.parse("2025-W53")).hasMessageContaining("2025 (it has 52 ISO weeks)");
        assertThatThrownBy(() -> Week.parse("26-W01")).hasMessageContaining("not of the form YYYY-Www");
        assertThatThrownBy(() -> Week.parse(null)).hasMessageContaining("missing");
        assertThatThrownBy(() -> Week.parse("x\n".repeat(40))).hasMessageNotContaining("\n");
    }

    @Test
    void acceptsTheLastWeekOfA53WeekYear() {
        assertThat(Week.parse("2026-W53").monday()).isEqualTo(LocalDate.of(2026, 12, 28));
        assertThat(Week.parse("2020-W53").monday()).isEqualTo(LocalDate.of(2020, 12, 28));
    }

    @Test
    void currentAndTargetWeekDependOnTheTimeZone() {
        // Sunday 2026-11-29 23:30 UTC is already Monday 2026-11-30 in Berlin: the next ISO week.
        Instant sundayNight = Instant.parse("2026-11-29T23:30:00Z");
        assertThat(Week.current(sundayNight, ZoneOffset.UTC)).hasToString("2026-W48");
        assertThat(Week.target(sundayNight, ZoneOffset.UTC)).hasToString("2026-W49");
        assertThat(Week.current(sundayNight, ZoneId.of("Europe/Berlin"))).hasToString("2026-W49");
        assertThat(Week.target(sundayNight, ZoneId.of("Europe/Berlin"))).hasToString("2026-W50");
        // The 53rd week's target is the first week of the next year.
        assertThat(Week.target(Instant.parse("2026-12-30T12:00:00Z"), ZoneOffset.UTC))
                .hasToString("2027-W01");
    }
}
