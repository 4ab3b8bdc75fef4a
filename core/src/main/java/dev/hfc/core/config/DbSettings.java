package dev.hfc.core.config;

import java.util.Objects;

/**
 * Where the database is: a JDBC URL, credentials, and the schema holding the source and output tables.
 * {@link #toString()} never shows the password.
 */
public record DbSettings(String url, String user, String password, String schema) {

    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    public static final String DEFAULT_USER = "postgres";
    public static final String DEFAULT_SCHEMA = "public";

    public DbSettings {
        Objects.requireNonNull(url, "url");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "database URL must start with jdbc:postgresql: (got '" + redactUrl(url) + "')");
        }
        Objects.requireNonNull(user, "user");
        password = password == null ? "" : password;
        SqlIdentifier.validate("schema", schema);
    }

    public DbSettings withSchema(String otherSchema) {
        return new DbSettings(url, user, password, otherSchema);
    }

    /** The schema, quoted for use in SQL. */
    public String quotedSchema() {
        return SqlIdentifier.quote(schema);
    }

    /** {@code "schema"."table"} for a fixed table name of ours. */
    public String qualified(String table) {
        return quotedSchema() + "." + SqlIdentifier.quote(table);
    }

    @Override
    public String toString() {
        return "DbSettings[url=" + redactUrl(url) + ", user=" + user + ", password="
                + (password.isEmpty() ? "(none)" : "[redacted]") + ", schema=" + schema + "]";
    }

    /** The URL with any {@code password=} parameter hidden. */
    public static String redactUrl(String url) {
        return url == null ? null : url.replaceAll("(?i)(password=)[^&;]*", "$1[redacted]");
    }
}
