package dev.hfc.campaign.control;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Which targets the campaign holds back (its control group): a share per segment, chosen for each
 * (week, user) by a keyed hash (HMAC-SHA256 under the salt) so the choice is the same on every run and in
 * every sender, independent between weeks, and unpredictable without the salt. A target is held back when
 * the hash, read as a number from 0 to 9,999, falls below the segment's share in basis points.
 */
public final class ControlGroup {

    /** Basis points in a whole: shares are given to two decimals of a percent. */
    public static final int WHOLE = 10_000;
    /** A control group larger than the treated group measures little and costs much; refused above this. */
    public static final int MAX_BASIS_POINTS = 5_000;

    public static final String DEFAULT_SALT = "hfc-control";

    private final Map<Segment, Integer> basisPoints;
    private final SecretKeySpec key;

    public ControlGroup(Map<Segment, Integer> basisPoints, String salt) {
        Objects.requireNonNull(salt, "salt");
        if (salt.isEmpty()) {
            throw new IllegalArgumentException("the control salt must not be empty");
        }
        this.basisPoints = new EnumMap<>(Segment.class);
        for (Segment s : Segment.values()) {
            int bp = basisPoints.getOrDefault(s, 0);
            if (bp < 0 || bp > MAX_BASIS_POINTS) {
                throw new IllegalArgumentException("the control share of " + s.wire() + " must be 0% to "
                        + MAX_BASIS_POINTS / 100 + "%, got " + percent(bp));
            }
            this.basisPoints.put(s, bp);
        }
        this.key = new SecretKeySpec(salt.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** No control group: every target is emailed. */
    public static ControlGroup none() {
        return new ControlGroup(Map.of(), DEFAULT_SALT);
    }

    /**
     * Parses {@code --control-percent}: one share for every segment ({@code 10}, {@code 2.5}) or a share per
     * segment ({@code low=10,medium=10,high=5}; a segment not named has none).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static ControlGroup parse(String spec, String salt) {
        Objects.requireNonNull(spec, "spec");
        Map<Segment, Integer> shares = new EnumMap<>(Segment.class);
        String trimmed = spec.strip();
        if (!trimmed.contains("=")) {
            int bp = basisPoints(trimmed);
            for (Segment s : Segment.values()) {
                shares.put(s, bp);
            }
            return new ControlGroup(shares, salt);
        }
        for (String part : trimmed.split(",")) {
            String[] kv = part.split("=", -1);
            if (kv.length != 2) {
                throw new IllegalArgumentException("expected SEGMENT=PERCENT, got '" + part.strip() + "'");
            }
            String name = kv[0].strip().toLowerCase(Locale.ROOT);
            Segment segment = Segment.fromWire(name)
                    .orElseThrow(() -> new IllegalArgumentException(
                            "unknown segment '" + kv[0].strip() + "' (low, medium or high)"));
            if (shares.put(segment, basisPoints(kv[1].strip())) != null) {
                throw new IllegalArgumentException("segment " + name + " is given twice");
            }
        }
        return new ControlGroup(shares, salt);
    }

    private static int basisPoints(String percent) {
        if (!percent.matches("\\d{1,3}(\\.\\d{1,2})?")) {
            throw new IllegalArgumentException("expected a percentage such as 10 or 2.5, got '" + percent + "'");
        }
        return new java.math.BigDecimal(percent).movePointRight(2).intValueExact();
    }

    /** Whether the target ({@code week}, {@code user}) of {@code segment} is held back. */
    public boolean holdsBack(Week week, UUID user, Segment segment) {
        int bp = basisPoints.get(segment);
        return bp > 0 && bucket(week, user) < bp;
    }

    /** The target's place from 0 to 9,999, the same for every segment and share. */
    public int bucket(Week week, UUID user) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal(
                    (week + ":" + user.toString().toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8));
            return (int) Long.remainderUnsigned(ByteBuffer.wrap(digest).getLong(), WHOLE);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    public int basisPoints(Segment segment) {
        return basisPoints.get(segment);
    }

    public boolean isEmpty() {
        return basisPoints.values().stream().allMatch(bp -> bp == 0);
    }

    /** For logs: {@code low 10%, medium 10%, high 5%}. The salt is not shown. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Segment s : Segment.values()) {
            b.append(b.isEmpty() ? "" : ", ").append(s.wire()).append(' ').append(percent(basisPoints.get(s)));
        }
        return b.toString();
    }

    private static String percent(int bp) {
        return new java.math.BigDecimal(bp)
                        .movePointLeft(2)
                        .stripTrailingZeros()
                        .toPlainString() + "%";
    }
}
