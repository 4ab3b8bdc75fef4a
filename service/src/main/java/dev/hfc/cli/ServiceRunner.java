package dev.hfc.cli;

import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.ops.RunningService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a long-lived service in the foreground (§8): serves {@code /health} and {@code /metrics} when an ops
 * port is set, stops the service cleanly on SIGTERM or Ctrl-C, and exits 1 if the service fails by itself.
 */
final class ServiceRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

    private ServiceRunner() {}

    static int run(String name, RunningService service, PrometheusMeterRegistry registry, java.net.InetSocketAddress opsAddress)
            throws InterruptedException {
        OpsServer ops = opsAddress == null ? null : OpsServer.start(opsAddress, registry, service::health, service.actions(),
                service.handlers());
        if (ops != null) {
            LOG.info("{}: /health and /metrics on {}:{}", name, ops.host(), ops.port());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            LOG.info("{}: stopping (signal received)", name);
            service.close();
            stopped.countDown();
        }, "hfc-" + name + "-shutdown");
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
            if (ops != null) {
                ops.close();
            }
        }
    }

    static PrometheusMeterRegistry registry(String service) {
        PrometheusMeterRegistry registry =
                new PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
        return registry;
    }
}
