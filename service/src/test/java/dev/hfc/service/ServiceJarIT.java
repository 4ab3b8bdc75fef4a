package dev.hfc.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The image's jar, as built: every service command, and none of what only a developer's machine runs (the demo,
 * the benchmarks, the harness's in-process pipeline and data generators, the in-process broker, embedded PostgreSQL,
 * the SMTP servers), which ./hfc's jar adds.
 */
@Tag("no-database")
class ServiceJarIT {

    private static final Path JAR = Path.of("target", "hfc-service.jar");

    @Test
    void holdsNoToolAndNoEmbeddedServer() throws IOException {
        List<String> found = new ArrayList<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            jar.stream()
                    .map(e -> e.getName())
                    .filter(name -> name.startsWith("dev/hfc/local/") // broker, PostgreSQL, SMTP
                            || name.startsWith("dev/hfc/bench/")
                            || name.startsWith("dev/hfc/harness/") // in-process pipeline, reference check
                            || name.startsWith("dev/hfc/producer/generate/") // the generators' old home
                            || name.startsWith("dev/hfc/cli/") // ./hfc's tools: demo, bench, broker, generate
                            || name.startsWith("io/zonky/") // embedded PostgreSQL and its binaries
                            || name.startsWith("kafka/server/") // the broker itself
                            || name.startsWith("org/subethamail/")
                            || name.startsWith("com/icegreen/")
                            || name.startsWith("org/openjdk/jmh/"))
                    .limit(20)
                    .forEach(found::add);
            assertThat(jar.getEntry("dev/hfc/service/Hfc.class"))
                    .as("the service entry point")
                    .isNotNull();
        }
        assertThat(found)
                .as("classes only the demo and the benchmarks need, in %s", JAR)
                .isEmpty();
    }

    @Test
    void runsEveryServiceCommandAndNoTool() throws Exception {
        String help = run("--help");
        for (String service : List.of("db", "producer", "segmenter", "sink", "campaign", "replay", "ops-check")) {
            assertThat(help).as("hfc-service.jar --help").containsPattern("(?m)^\\s+" + service + "\\s");
        }
        for (String tool : List.of("demo", "bench", "broker", "generate")) {
            assertThat(help).as("hfc-service.jar --help").doesNotContainPattern("(?m)^\\s+" + tool + "\\s");
        }
        assertThat(run("producer", "--help")).contains("--db-url");
    }

    private static String run(String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("exit code of hfc-service.jar %s", String.join(" ", args))
                .isZero();
        return new String(out, StandardCharsets.UTF_8);
    }
}
