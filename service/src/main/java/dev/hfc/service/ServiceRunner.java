package dev.hfc.service;

import dev.hfc.core.http.Credentials;
import dev.hfc.core.http.HttpListener;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.ops.RunningService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a long-lived service in the foreground (§8): serves its ops listener (health, metrics, operator pages and
 * actions) when an ops port is set and its public routes when a public address is given, stops the service
 * cleanly on SIGTERM or Ctrl-C, and exits 1 if the service fails by itself.
 */
public final class ServiceRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

    private ServiceRunner() {}

    static int run(String name, RunningService service, PrometheusMeterRegistry registry, InetSocketAddress opsAddress)
            throws InterruptedException {
        return run(name, service, registry, opsAddress, null, null);
    }

    static int run(
            String name,
            RunningService service,
            PrometheusMeterRegistry registry,
            InetSocketAddress opsAddress,
            Credentials credentials,
            InetSocketAddress publicAddress)
            throws InterruptedException {
        OpsServer ops = null;
        HttpListener open = null;
        try {
            if (opsAddress != null) {
                ops = Cli.check(
                        "--ops-bind-address / --operator-token",
                        "HFC_OPS_BIND_ADDRESS / HFC_OPERATOR_TOKEN",
                        () -> OpsServer.start(
                                opsAddress,
                                registry,
                                service::health,
                                service.actions(),
                                service.operatorPages(),
                                credentials));
                java.util.List<String> served = new java.util.ArrayList<>(java.util.List.of("/health", "/metrics"));
                served.addAll(service.operatorPages().keySet());
                service.actions()
                        .keySet()
                        .forEach(path ->
                                served.add("POST " + path + (credentials == null ? " (off: no operator token)" : "")));
                LOG.info("{}: ops listener ({}) on {}:{}", name, String.join(", ", served), ops.host(), ops.port());
            }
            if (publicAddress != null && !service.publicRoutes().isEmpty()) {
                open = HttpListener.start(
                        HttpListener.Settings.defaults("public", publicAddress), service.publicRoutes());
                LOG.info(
                        "{}: public listener ({}) on {}:{}",
                        name,
                        String.join(", ", service.publicRoutes().keySet()),
                        open.host(),
                        open.port());
            }
            service.start();
        } catch (RuntimeException e) {
            service.close();
            if (open != null) {
                open.close();
            }
            if (ops != null) {
                ops.close();
            }
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    LOG.info("{}: stopping (signal received)", name);
                    service.close();
                    stopped.countDown();
                },
                "hfc-" + name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            while (!stopped.await(500, TimeUnit.MILLISECONDS)) {
                String failure = service.failure();
                if (failure != null) {
                    LOG.error("{} failed: {}", name, failure);
                    Runtime.getRuntime().removeShutdownHook(hook);
                    service.close();
                    return Hfc.FAILED;
                }
            }
            return Hfc.OK;
        } finally {
            if (open != null) {
                open.close();
            }
            if (ops != null) {
                ops.close();
            }
        }
    }

    /** A listener's address from its port and bind-address flags, or null when no port is set. */
    static InetSocketAddress address(
            Integer port, String bindAddress, String portFlag, String bindFlag, String portEnv, String bindEnv) {
        if (port == null) {
            return null;
        }
        if (port < 0 || port > 65535) {
            throw Cli.usage(portFlag, portEnv, "port " + port + " is outside 0..65535");
        }
        String host = bindAddress == null ? "" : bindAddress.trim();
        if (host.isEmpty()) {
            throw Cli.usage(bindFlag, bindEnv, "must name an address, e.g. 127.0.0.1 or 0.0.0.0");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw Cli.usage(bindFlag, bindEnv, "'" + host + "' is not an address of this host");
        }
    }

    public static PrometheusMeterRegistry registry(String service) {
        PrometheusMeterRegistry registry =
                new PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
        return registry;
    }
}
