package dev.hfc.cli.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * What the demo's terminal shows of the log. The demo narrates itself on stdout for a person and checks
 * its own result; the services' start-up INFO lines, the libraries' warnings (Kafka Streams' configuration
 * notes, a temp directory under /tmp) and the in-process broker's server log are nothing a newcomer can act
 * on, so without {@code --verbose} only hfc's own warnings and errors reach stderr. A service that fails
 * still fails the demo, with its cause, whatever the log shows.
 */
public final class DemoLogging {

    private DemoLogging() {}

    public static void quiet() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding: leave its configuration alone
        }
        for (Logger logger : context.getLoggerList()) {
            if (logger.getLevel() != null) {
                logger.setLevel(Level.OFF);
            }
        }
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.OFF);
        context.getLogger("dev.hfc").setLevel(Level.WARN);
    }

    /** Prints one line of the demo's narration on stdout, at once. */
    public static void say(String message) {
        System.out.println("[demo] " + message);
        System.out.flush();
    }
}
