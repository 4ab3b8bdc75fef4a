package dev.hfc.campaign.report;

/**
 * The campaign's uplift: the resume rate of the emailed targets minus that of the control group, with a 95%
 * confidence interval by Newcombe's hybrid score method (Newcombe 1998, "Interval estimation for the
 * difference between independent proportions", method 10): each rate gets its Wilson score interval, and
 * the two are combined. Unlike the textbook Wald interval it stays inside [-1, 1] and keeps its coverage
 * for small groups and rates near 0 or 1, which is what a small control group of a small segment gives.
 *
 * @param difference emailed rate minus control rate, or NaN when either group is empty
 */
public record Uplift(double difference, double lower, double upper) {

    /** The 97.5th percentile of the standard normal distribution. */
    static final double Z = 1.959963984540054;

    public static Uplift of(long resumedEmailed, long emailed, long resumedControl, long control) {
        check(resumedEmailed, emailed);
        check(resumedControl, control);
        if (emailed == 0 || control == 0) {
            return new Uplift(Double.NaN, Double.NaN, Double.NaN);
        }
        double p1 = (double) resumedEmailed / emailed;
        double p2 = (double) resumedControl / control;
        double[] w1 = wilson(resumedEmailed, emailed);
        double[] w2 = wilson(resumedControl, control);
        double d = p1 - p2;
        double lower = d - Math.sqrt(sq(p1 - w1[0]) + sq(w2[1] - p2));
        double upper = d + Math.sqrt(sq(w1[1] - p1) + sq(p2 - w2[0]));
        return new Uplift(d, Math.max(-1, lower), Math.min(1, upper));
    }

    /** The Wilson score interval {lower, upper} of {@code x} successes in {@code n} trials (n > 0). */
    static double[] wilson(long x, long n) {
        double p = (double) x / n;
        double z2 = Z * Z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = Z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** Whether the interval excludes no effect. */
    public boolean significant() {
        return !Double.isNaN(difference) && (lower > 0 || upper < 0);
    }

    public boolean defined() {
        return !Double.isNaN(difference);
    }

    private static void check(long x, long n) {
        if (x < 0 || n < 0 || x > n) {
            throw new IllegalArgumentException("expected 0 <= resumed <= group size, got " + x + " of " + n);
        }
    }

    private static double sq(double v) {
        return v * v;
    }
}
