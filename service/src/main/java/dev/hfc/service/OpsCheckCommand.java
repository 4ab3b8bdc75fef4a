package dev.hfc.service;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hfc ops-check}: asks a running service's /health; for container healthchecks (no curl needed). */
@Command(
        name = "ops-check",
        mixinStandardHelpOptions = true,
        description = "Exit 0 if the service on --ops-port answers /health with UP, 1 otherwise.")
final class OpsCheckCommand implements Callable<Integer> {

    @Option(
            names = "--ops-port",
            required = true,
            defaultValue = "${env:HFC_OPS_PORT}",
            paramLabel = "PORT",
            description = "The service's ops port (env HFC_OPS_PORT).")
    int port;

    @Override
    public Integer call() {
        try {
            HttpResponse<String> r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(3))
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            System.out.print(r.body());
            return r.statusCode() == 200 ? Hfc.OK : Hfc.FAILED;
        } catch (Exception e) {
            System.out.println("DOWN " + e.getMessage());
            return Hfc.FAILED;
        }
    }
}
