package dev.hfc.core.config;

import java.util.regex.Pattern;

/**
 * Configured SQL identifiers (schema, slot and publication names). They cannot be bind parameters, so they
 * are validated to a safe shape and always double-quoted where they are put into SQL.
 */
public final class SqlIdentifier {

    private static final Pattern SAFE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private SqlIdentifier() {}

    /**
     * Returns {@code name} if it is a lower-case identifier of at most 63 characters (letters, digits,
     * underscores, not starting with a digit).
     *
     * @param what names the setting in the error message, e.g. {@code --db-schema}
     */
    public static String validate(String what, String name) {
        if (name == null || !SAFE.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + name
                    + "' must be 1-63 lower-case letters, digits or underscores, not starting with a digit");
        }
        return name;
    }

    /** {@code "name"}, for an identifier that has passed {@link #validate}. */
    public static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
