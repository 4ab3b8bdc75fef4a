package dev.hfc.service;

import java.util.function.Supplier;

/** Turning configuration mistakes into the exit code 2 of §9, with the flag and variable named. */
public final class Cli {

    private Cli() {}

    /** Runs {@code check}; an IllegalArgumentException becomes a usage error naming the flag and env var. */
    public static <T> T check(String flag, String env, Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw usage(flag, env, e.getMessage());
        }
    }

    public static void check(String flag, String env, Runnable check) {
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

    public static ConfigurationException usage(String flag, String env, String message) {
        return new ConfigurationException(flag + (env == null ? "" : " (env " + env + ")") + ": " + message);
    }

    /** A bad flag or variable found after parsing; {@link Hfc} maps it to exit code 2. */
    public static final class ConfigurationException extends RuntimeException {
        ConfigurationException(String message) {
            super(message);
        }
    }
}
