package dev.hfc.segmenter;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Compact, versioned binary form of {@link CustomerState} for the state store and its changelog. It is
 * internal to the segmenter (not a contract; read and written through {@link CustomerStates}), so it favours size: a customer with ten weeks is ~350 bytes.
 */
final class CustomerStateSerde {

    private static final byte VERSION = 1;
    private static final byte NO_CUSTOMER = 0;
    private static final byte USABLE_CUSTOMER = 1;
    private static final byte UNUSABLE_CUSTOMER = 2;

    private CustomerStateSerde() {}

    static byte[] encode(CustomerState s) {
        // Sized exactly, then written at once: this runs for every event the segmenter applies (the state store's
        // cache holds bytes), and DataOutputStream over a ByteArrayOutputStream cost twice as much (synchronized
        // single-byte writes). The format is DataOutputStream's, byte for byte (CustomerStateSerdeTest).
        String email =
                s.customer() != null && s.customer().usable() ? s.customer().email() : null;
        int size = 1
                + 1
                + (email == null ? 0 : 2 + utfLength(email))
                + 8
                + 4
                + s.weeks().size() * (3 + 1 + 16)
                + 4;
        for (CustomerState.Emitted e : s.emitted().values()) {
            size += 3 + 1 + 1 + 16 + 2 + utfLength(e.email());
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION);
        if (s.customer() == null) {
            out.put(NO_CUSTOMER);
        } else if (email != null) {
            out.put(USABLE_CUSTOMER);
            putUtf(out, email);
        } else {
            out.put(UNUSABLE_CUSTOMER);
        }
        out.putLong(s.latestRecordMs());
        out.putInt(s.weeks().size());
        for (Map.Entry<Week, CustomerState.WeekRow> e : s.weeks().entrySet()) {
            putWeek(out, e.getKey());
            out.put((byte) e.getValue().status().ordinal());
            putUuid(out, e.getValue().subscriptionId());
        }
        out.putInt(s.emitted().size());
        for (Map.Entry<Week, CustomerState.Emitted> e : s.emitted().entrySet()) {
            putWeek(out, e.getKey());
            out.put((byte) e.getValue().segment().ordinal());
            out.put((byte) e.getValue().pauseWeeks());
            putUuid(out, e.getValue().subscriptionId());
            putUtf(out, e.getValue().email());
        }
        return out.array();
    }

    static CustomerState decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte version = in.get();
            if (version != VERSION) {
                throw new SerializationException("customer state version " + version + " is not " + VERSION);
            }
            CustomerState.CustomerRow customer = switch (in.get()) {
                case NO_CUSTOMER -> null;
                case USABLE_CUSTOMER -> new CustomerState.CustomerRow(getUtf(in));
                case UNUSABLE_CUSTOMER -> new CustomerState.CustomerRow(null);
                default -> throw new SerializationException("bad customer flag in customer state");
            };
            long latest = in.getLong();
            TreeMap<Week, CustomerState.WeekRow> weeks = new TreeMap<>();
            for (int i = in.getInt(); i > 0; i--) {
                Week w = getWeek(in);
                weeks.put(w, new CustomerState.WeekRow(SubscriptionStatus.values()[in.get()], getUuid(in)));
            }
            TreeMap<Week, CustomerState.Emitted> emitted = new TreeMap<>();
            for (int i = in.getInt(); i > 0; i--) {
                Week w = getWeek(in);
                Segment segment = Segment.values()[in.get()];
                int pauseWeeks = in.get();
                emitted.put(w, new CustomerState.Emitted(segment, pauseWeeks, getUuid(in), getUtf(in)));
            }
            if (in.hasRemaining()) {
                throw new SerializationException(in.remaining() + " bytes after the end");
            }
            return CustomerState.owning(customer, weeks, emitted, latest);
        } catch (RuntimeException e) {
            throw new SerializationException("unreadable customer state (" + bytes.length + " bytes)", e);
        }
    }

    private static void putWeek(ByteBuffer out, Week w) {
        out.putShort((short) w.year());
        out.put((byte) w.week());
    }

    private static Week getWeek(ByteBuffer in) {
        return Week.of(in.getShort(), in.get());
    }

    private static void putUuid(ByteBuffer out, UUID u) {
        out.putLong(u.getMostSignificantBits());
        out.putLong(u.getLeastSignificantBits());
    }

    private static UUID getUuid(ByteBuffer in) {
        return new UUID(in.getLong(), in.getLong());
    }

    /** Bytes of {@code s} in DataOutput's modified UTF-8 (U+0000 as two bytes, a surrogate as three). */
    private static int utfLength(String s) {
        int n = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7F) {
                n += c > 0x7FF ? 2 : 1;
            }
        }
        if (n > 0xFFFF) {
            throw new SerializationException("a string of " + n + " bytes in a customer state (at most 65535)");
        }
        return n;
    }

    /** DataOutput.writeUTF: an unsigned 16-bit length, then modified UTF-8. */
    private static void putUtf(ByteBuffer out, String s) {
        out.putShort((short) utfLength(s));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != 0 && c <= 0x7F) {
                out.put((byte) c);
            } else if (c <= 0x7FF) {
                out.put((byte) (0xC0 | c >> 6)).put((byte) (0x80 | c & 0x3F));
            } else {
                out.put((byte) (0xE0 | c >> 12))
                        .put((byte) (0x80 | c >> 6 & 0x3F))
                        .put((byte) (0x80 | c & 0x3F));
            }
        }
    }

    /** DataInput.readUTF. */
    private static String getUtf(ByteBuffer in) {
        int length = in.getShort() & 0xFFFF;
        int start = in.position();
        byte[] bytes = in.array();
        boolean ascii = true;
        for (int i = start; i < start + length && ascii; i++) {
            ascii = bytes[i] > 0;
        }
        if (ascii) {
            in.position(start + length);
            return new String(bytes, start, length, StandardCharsets.ISO_8859_1);
        }
        StringBuilder b = new StringBuilder(length);
        int end = start + length;
        while (in.position() < end) {
            int x = in.get() & 0xFF;
            if (x < 0x80) {
                b.append((char) x);
            } else if ((x & 0xE0) == 0xC0) {
                b.append((char) ((x & 0x1F) << 6 | continuation(in)));
            } else if ((x & 0xF0) == 0xE0) {
                b.append((char) ((x & 0x0F) << 12 | continuation(in) << 6 | continuation(in)));
            } else {
                throw new SerializationException("malformed modified UTF-8 at byte " + (in.position() - 1));
            }
        }
        if (in.position() != end) {
            throw new SerializationException("a modified UTF-8 character crosses the end of its string");
        }
        return b.toString();
    }

    private static int continuation(ByteBuffer in) {
        int y = in.get() & 0xFF;
        if ((y & 0xC0) != 0x80) {
            throw new SerializationException("malformed modified UTF-8 at byte " + (in.position() - 1));
        }
        return y & 0x3F;
    }
}
