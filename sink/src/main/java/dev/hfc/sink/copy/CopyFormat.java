package dev.hfc.sink.copy;

import java.util.Locale;

/** The two COPY encodings the sink can send; {@code hfc bench sink} measures both. */
public enum CopyFormat {
    /** PostgreSQL's binary COPY: no text parsing on the server (uuids as 16 bytes). */
    BINARY,
    /** Tab-separated text COPY, with backslash escapes for backslash, tab, newline and carriage return. */
    TEXT;

    public static CopyFormat parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("COPY format '" + s + "' is not binary or text");
        }
    }

    /** The {@code WITH (...)} part of the COPY statement. */
    public String option() {
        return this == BINARY ? "(FORMAT binary)" : "(FORMAT text)";
    }
}
