package dev.hfc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The built {@code hfc.jar} run as a separate JVM, the way operators and scripts run it. */
final class HfcProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "hfc.jar");

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private HfcProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static HfcProcess start(Map<String, String> env, String... args) throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(
                    JAR.toAbsolutePath() + " is missing: integration tests run after 'package'");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-jar",
                JAR.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("hfc-out", ".txt");
        Path err = Files.createTempFile("hfc-err", ".txt");
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("HFC_"));
        pb.environment().putAll(env);
        return new HfcProcess(pb.start(), out, err);
    }

    /** Runs to completion (at most {@code timeout}) and returns the exit code. */
    static Result run(Duration timeout, Map<String, String> env, String... args) throws Exception {
        try (HfcProcess p = start(env, args)) {
            if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("hfc " + String.join(" ", args) + " did not finish within " + timeout
                        + "\nstderr:\n" + p.stderr());
            }
            return new Result(p.process.exitValue(), p.stdout(), p.stderr());
        }
    }

    Process process() {
        return process;
    }

    String stdout() throws IOException {
        return Files.readString(stdout);
    }

    String stderr() throws IOException {
        return Files.readString(stderr);
    }

    /** Sends SIGTERM and waits for the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("hfc did not stop within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGKILL. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
    }

    record Result(int exitCode, String stdout, String stderr) {}
}
