package dev.hfc.cli;

import java.util.function.Supplier;

/** Turning configuration mistakes into the exit code 2 of §9, with the flag and variable named. */
final class Cli {

    private Cli() {}

    /** Runs {@code check}; an IllegalArgumentException becomes a usage error naming the flag and env var. */
    static <T> T check(String flag, String env, Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw usage(flag, env, e.getMessage());
        }
    }

    static void check(String flag, String env, Runnable check) {
        check(flag, env, () -> {
            check.run();
            return null;
        });
    }

    /** A time zone from {@code --zone} / {@code HFC_ZONE}. */
    static java.time.ZoneId zone(String value) {
        try {
            return java.time.ZoneId.of(value);
        } catch (java.time.DateTimeException e) {
            throw usage("--zone", "HFC_ZONE", "'" + value + "' is not a time zone (e.g. UTC, Europe/Berlin)");
        }
    }

    static ConfigurationException usage(String flag, String env, String message) {
        return new ConfigurationException(flag + (env == null ? "" : " (env " + env + ")") + ": " + message);
    }

    /** A bad flag or variable found after parsing; {@link Hfc} maps it to exit code 2. */
    static final class ConfigurationException extends RuntimeException {
        ConfigurationException(String message) {
            super(message);
        }
    }
}
