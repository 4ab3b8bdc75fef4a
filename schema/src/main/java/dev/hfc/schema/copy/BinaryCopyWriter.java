package dev.hfc.schema.copy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Builds PostgreSQL's binary COPY format in memory: the signature, then per row a field count and per field
 * a length and the value bytes, then the trailer. Binary COPY spares the server from parsing text (UUIDs
 * go as 16 bytes) and needs no escaping at all.
 */
public final class BinaryCopyWriter {

    private static final byte[] HEADER = {
        'P',
        'G',
        'C',
        'O',
        'P',
        'Y',
        '\n',
        (byte) 0xFF,
        '\r',
        '\n',
        0, // signature
        0,
        0,
        0,
        0, // flags
        0,
        0,
        0,
        0 // header extension length
    };
    private static final LocalDate POSTGRES_EPOCH = LocalDate.of(2000, 1, 1);

    private final Buffer out;

    public BinaryCopyWriter(int expectedBytes) {
        out = new Buffer(Math.max(64, expectedBytes));
        out.write(HEADER, 0, HEADER.length);
    }

    public BinaryCopyWriter row(int fields) {
        out.int16(fields);
        return this;
    }

    public BinaryCopyWriter uuid(UUID u) {
        out.int32(16);
        out.int64(u.getMostSignificantBits());
        out.int64(u.getLeastSignificantBits());
        return this;
    }

    /** A text, varchar or char value, as UTF-8; null writes SQL NULL. */
    public BinaryCopyWriter text(String s) {
        if (s == null) {
            out.int32(-1);
            return this;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.int32(utf8.length);
        out.write(utf8, 0, utf8.length);
        return this;
    }

    /** A {@code smallint}; the caller checks the range. */
    public BinaryCopyWriter int2(int v) {
        if (v < Short.MIN_VALUE || v > Short.MAX_VALUE) {
            throw new IllegalArgumentException("smallint out of range: " + v);
        }
        out.int32(2);
        out.int16(v);
        return this;
    }

    /** A {@code date}: days since 2000-01-01. */
    public BinaryCopyWriter date(LocalDate d) {
        out.int32(4);
        out.int32((int) ChronoUnit.DAYS.between(POSTGRES_EPOCH, d));
        return this;
    }

    /** The finished COPY data (adds the trailer; the writer is done afterwards). */
    public byte[] finish() {
        out.int16(-1);
        return out.bytes();
    }

    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        void int16(int v) {
            write(v >>> 8);
            write(v);
        }

        void int32(int v) {
            write(v >>> 24);
            write(v >>> 16);
            write(v >>> 8);
            write(v);
        }

        void int64(long v) {
            int32((int) (v >>> 32));
            int32((int) v);
        }

        byte[] bytes() {
            return buf.length == count ? buf : toByteArray();
        }
    }
}
