package dev.hfc.service;

import dev.hfc.core.config.DbSettings;
import picocli.CommandLine.Option;

/** §9 options of every subcommand that talks to PostgreSQL. */
public final class DbOptions {

    @Option(
            names = "--db-url",
            paramLabel = "JDBC_URL",
            defaultValue = "${env:HFC_DB_URL:-" + DbSettings.DEFAULT_URL + "}",
            description = "PostgreSQL JDBC URL (env HFC_DB_URL; default ${DEFAULT-VALUE}).")
    String url;

    @Option(
            names = "--db-user",
            paramLabel = "USER",
            defaultValue = "${env:HFC_DB_USER:-" + DbSettings.DEFAULT_USER + "}",
            description = "Database user (env HFC_DB_USER; default ${DEFAULT-VALUE}).")
    String user;

    @Option(
            names = "--db-password",
            paramLabel = "PASSWORD",
            defaultValue = "${env:HFC_DB_PASSWORD:-}",
            description = "Database password (env HFC_DB_PASSWORD; default empty). Never logged.")
    String password;

    @Option(
            names = "--db-schema",
            paramLabel = "SCHEMA",
            defaultValue = "${env:HFC_DB_SCHEMA:-" + DbSettings.DEFAULT_SCHEMA + "}",
            description = "Schema of the source and output tables (env HFC_DB_SCHEMA; default ${DEFAULT-VALUE}).")
    String schema;

    public DbSettings settings() {
        Cli.check("--db-schema", "HFC_DB_SCHEMA", () -> dev.hfc.core.config.SqlIdentifier.validate("schema", schema));
        return Cli.check("--db-url", "HFC_DB_URL", () -> new DbSettings(url, user, password, schema));
    }
}
