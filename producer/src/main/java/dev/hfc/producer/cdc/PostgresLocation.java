package dev.hfc.producer.cdc;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Host, port and database of a {@code jdbc:postgresql://host:port/db} URL, as Debezium wants them. */
record PostgresLocation(String host, int port, String database) {

    private static final Pattern URL = Pattern.compile("^jdbc:postgresql://([^/:?,]+)(?::(\\d+))?/([^?]+)(\\?.*)?$");

    static PostgresLocation of(String jdbcUrl) {
        Matcher m = URL.matcher(jdbcUrl);
        if (!m.matches()) {
            throw new IllegalArgumentException("database URL must be jdbc:postgresql://host[:port]/database for CDC "
                    + "(one host); got '" + dev.hfc.core.config.DbSettings.redactUrl(jdbcUrl) + "'");
        }
        return new PostgresLocation(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)), m.group(3));
    }
}
