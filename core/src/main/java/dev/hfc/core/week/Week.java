package dev.hfc.core.week;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;

/**
 * An ISO-8601 week, written {@code YYYY-Www} (week-based year, two-digit week), e.g. {@code 2026-W49}.
 *
 * <p>Parsing is strict: exactly four year digits, an upper-case {@code W}, two week digits, and a week
 * that exists in that week-based year ({@code 2026-W53} exists, {@code 2025-W53} does not). Arithmetic
 * goes through the Monday of the week, so it is right across year ends and 53-week years.
 */
public final class Week implements Comparable<Week> {

    /** The label length: {@code YYYY-Www}, which is also the {@code varchar(8)} of the tables. */
    public static final int LABEL_LENGTH = 8;

    private final int year;
    private final int week;

    private Week(int year, int week) {
        this.year = year;
        this.week = week;
    }

    /**
     * The week {@code week} of the ISO week-based year {@code year}.
     *
     * @throws InvalidWeekException if the year is outside 1..9999 or the year has no such week
     */
    public static Week of(int year, int week) {
        if (year < 1 || year > 9999) {
            throw new InvalidWeekException("week-based year " + year + " is outside 0001..9999");
        }
        int weeks = weeksInYear(year);
        if (week < 1 || week > weeks) {
            throw new InvalidWeekException(
                    "week " + week + " does not exist in " + year + " (it has " + weeks + " ISO weeks)");
        }
        return new Week(year, week);
    }

    /** The week that contains {@code date}. */
    public static Week containing(LocalDate date) {
        // The ISO week and its year are those of the week's Thursday (java.time's IsoFields agree, for every day
        // of 0001..9999, in WeekTest; they cost ~10x more, and the segmenter does this per event).
        LocalDate thursday = date.plusDays(4 - date.getDayOfWeek().getValue());
        return new Week(thursday.getYear(), (thursday.getDayOfYear() - 1) / 7 + 1);
    }

    /** The week that contains {@code instant} in the time zone {@code zone}. */
    public static Week current(Instant instant, ZoneId zone) {
        return containing(LocalDate.ofInstant(instant, zone));
    }

    /** The target week of a weekly run at {@code instant}: the week after the current one (§4). */
    public static Week target(Instant instant, ZoneId zone) {
        return current(instant, zone).plus(1);
    }

    /**
     * Parses a label strictly.
     *
     * @throws InvalidWeekException naming the label and what was expected
     */
    public static Week parse(CharSequence label) {
        if (label == null) {
            throw new InvalidWeekException("week label is missing (expected YYYY-Www, e.g. 2026-W49)");
        }
        if (label.length() != LABEL_LENGTH
                || !isDigits(label, 0, 4)
                || label.charAt(4) != '-'
                || label.charAt(5) != 'W'
                || !isDigits(label, 6, 8)) {
            throw new InvalidWeekException(
                    "week label '" + printable(label) + "' is not of the form YYYY-Www (e.g. 2026-W49)");
        }
        int year = number(label, 0, 4);
        int week = number(label, 6, 8);
        try {
            return of(year, week);
        } catch (InvalidWeekException e) {
            throw new InvalidWeekException("week label '" + label + "': " + e.getMessage());
        }
    }

    /** The number of ISO weeks (52 or 53) of the week-based year {@code year}. */
    public static int weeksInYear(int year) {
        // 53 weeks when the year starts on a Thursday, or is a leap year starting on a Wednesday.
        return dayOfWeekOfDec31(year) == 4 || dayOfWeekOfDec31(year - 1) == 3 ? 53 : 52;
    }

    /** 0 = Sunday .. 6 = Saturday: the weekday of 31 December of {@code year} (proleptic Gregorian). */
    private static int dayOfWeekOfDec31(int year) {
        return Math.floorMod(year + Math.floorDiv(year, 4) - Math.floorDiv(year, 100) + Math.floorDiv(year, 400), 7);
    }

    public int year() {
        return year;
    }

    public int week() {
        return week;
    }

    /** The Monday that starts this week. */
    public LocalDate monday() {
        return LocalDate.ofEpochDay(mondayEpochDay());
    }

    private long mondayEpochDay() {
        LocalDate january4 = LocalDate.of(year, 1, 4); // 4 January is always in week 1
        return january4.toEpochDay() - (january4.getDayOfWeek().getValue() - 1) + 7L * (week - 1);
    }

    /** This week moved by {@code weeks} (negative moves back). */
    public Week plus(long weeks) {
        return weeks == 0 ? this : containing(LocalDate.ofEpochDay(mondayEpochDay() + 7 * weeks));
    }

    public Week minus(long weeks) {
        return plus(-weeks);
    }

    /** The number of weeks from this week to {@code other} (positive when {@code other} is later). */
    public long weeksUntil(Week other) {
        return (other.mondayEpochDay() - mondayEpochDay()) / 7;
    }

    public boolean isBefore(Week other) {
        return compareTo(other) < 0;
    }

    public boolean isAfter(Week other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Week o) {
        return year != o.year ? Integer.compare(year, o.year) : Integer.compare(week, o.week);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Week w && w.year == year && w.week == week;
    }

    @Override
    public int hashCode() {
        return Objects.hash(year, week);
    }

    /** The label, {@code YYYY-Www}. */
    @Override
    public String toString() {
        char[] c = new char[LABEL_LENGTH];
        c[0] = (char) ('0' + year / 1000);
        c[1] = (char) ('0' + year / 100 % 10);
        c[2] = (char) ('0' + year / 10 % 10);
        c[3] = (char) ('0' + year % 10);
        c[4] = '-';
        c[5] = 'W';
        c[6] = (char) ('0' + week / 10);
        c[7] = (char) ('0' + week % 10);
        return new String(c);
    }

    private static boolean isDigits(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static int number(CharSequence s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n = n * 10 + (s.charAt(i) - '0');
        }
        return n;
    }

    /** Keeps error messages one line and bounded, whatever the input was. */
    private static String printable(CharSequence label) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < label.length() && i < 32; i++) {
            char c = label.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        if (label.length() > 32) {
            b.append("...");
        }
        return b.toString();
    }
}
